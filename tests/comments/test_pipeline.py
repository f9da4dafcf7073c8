"""The moderation pipeline, rule by rule."""

import datetime

import pytest
from django.utils import timezone

from comments import pipeline, trust
from comments.models import Comment, WordListEntry
from tests.factories import CommentFactory, UserFactory, WordListEntryFactory

pytestmark = pytest.mark.django_db

ENGLISH = "A calm and reasonable remark about the explainer."


@pytest.fixture
def no_premoderation(settings):
    """Isolate one rule: without pre-moderation, only that rule can hold a comment."""
    settings.COMMENTS_PREMODERATION = False


def hold(word):
    WordListEntryFactory(word=word, kind=WordListEntry.Kind.HOLD)


def block(word):
    WordListEntryFactory(word=word, kind=WordListEntry.Kind.BLOCK)


def test_guest_comment_is_premoderated():
    verdict = pipeline.evaluate(body=ENGLISH)
    assert verdict.status == Comment.Status.PENDING
    assert verdict.reasons == ["premoderation"]


def test_without_premoderation_a_plain_guest_comment_is_approved(no_premoderation):
    assert pipeline.evaluate(body=ENGLISH).status == Comment.Status.APPROVED


def test_staff_comment_is_approved_at_once_with_badge():
    verdict = pipeline.evaluate(
        body=ENGLISH + " https://example.org/", user=UserFactory(is_staff=True)
    )
    assert verdict.status == Comment.Status.APPROVED
    assert verdict.is_staff_comment is True
    assert verdict.reasons == []


def test_reader_comment_has_no_badge():
    assert pipeline.evaluate(body=ENGLISH, user=UserFactory()).is_staff_comment is False


def test_comment_with_link_is_held(no_premoderation):
    verdict = pipeline.evaluate(body="Read this: https://example.org/page please")
    assert verdict.status == Comment.Status.PENDING
    assert verdict.reasons == ["link"]


def test_full_width_link_is_held(no_premoderation):
    verdict = pipeline.evaluate(body="詳しくはｈｔｔｐｓ：／／ｅｘａｍｐｌｅ．ｏｒｇを見てください")
    assert "link" in verdict.reasons


def test_link_rule_can_be_switched_off(no_premoderation, settings):
    settings.COMMENTS_HOLD_LINKS = False
    assert pipeline.evaluate(body="See https://example.org/ now").status == Comment.Status.APPROVED


def test_english_hold_word_holds(no_premoderation):
    hold("refund")
    verdict = pipeline.evaluate(body="I want a Refund for this article")
    assert verdict.status == Comment.Status.PENDING
    assert verdict.reasons == ["hold_word:refund"]


def test_japanese_hold_word_matches_inside_unspaced_sentence(no_premoderation):
    hold("詐欺")
    verdict = pipeline.evaluate(body="これは明らかな詐欺だと思いますが皆さんはどうでしょうか")
    assert verdict.reasons == ["hold_word:詐欺"]


def test_half_width_katakana_entry_matches_full_width_text(no_premoderation):
    hold("ﾆｭｰｽ")
    verdict = pipeline.evaluate(body="今日のニュースはとても大切だと感じました")
    assert verdict.reasons == ["hold_word:ﾆｭｰｽ"]


def test_full_width_latin_text_matches_latin_entry(no_premoderation):
    hold("press")
    assert pipeline.evaluate(body="ＴＨＥ ＰＲＥＳＳ said so").reasons == ["hold_word:press"]


def test_latin_entry_does_not_match_inside_a_longer_word(no_premoderation):
    hold("press")
    assert pipeline.evaluate(body="I built my site with WordPress last year").reasons == []


def test_latin_entry_matches_a_whole_word(no_premoderation):
    hold("press")
    assert pipeline.evaluate(body="What the press reported was wrong").reasons == [
        "hold_word:press"
    ]


def test_latin_entry_matches_inside_japanese_sentence(no_premoderation):
    block("casino")
    assert pipeline.evaluate(body="今すぐcasinoで遊ぼう").status == Comment.Status.SPAM


def test_hold_word_holds_even_a_trusted_reader(no_premoderation):
    user = UserFactory()
    CommentFactory.create_batch(3, user=user, guest_name="")
    hold("refund")
    assert trust.is_trusted(user)
    assert (
        pipeline.evaluate(body="Give me a refund now", user=user).status == Comment.Status.PENDING
    )


def test_block_word_marks_as_spam():
    block("casino")
    verdict = pipeline.evaluate(body="The best casino bonus is here")
    assert verdict.status == Comment.Status.SPAM
    assert "block_word:casino" in verdict.reasons


def test_filled_honeypot_marks_as_spam():
    verdict = pipeline.evaluate(body=ENGLISH, honeypot="http://bot.example/")
    assert verdict.status == Comment.Status.SPAM
    assert "honeypot" in verdict.reasons


def test_form_returned_too_fast_marks_as_spam(settings):
    settings.COMMENTS_MIN_SECONDS_TO_SUBMIT = 3
    now = timezone.now()
    verdict = pipeline.evaluate(
        body=ENGLISH, issued_at=now - datetime.timedelta(seconds=1), now=now
    )
    assert verdict.status == Comment.Status.SPAM
    assert "too_fast" in verdict.reasons


def test_form_returned_at_human_speed_is_not_spam(settings):
    settings.COMMENTS_MIN_SECONDS_TO_SUBMIT = 3
    now = timezone.now()
    verdict = pipeline.evaluate(
        body=ENGLISH, issued_at=now - datetime.timedelta(seconds=30), now=now
    )
    assert verdict.status == Comment.Status.PENDING


def test_every_reason_is_recorded():
    hold("refund")
    block("casino")
    verdict = pipeline.evaluate(body="casino refund at https://example.org/", honeypot="filled")
    assert verdict.status == Comment.Status.SPAM
    assert set(verdict.reasons) == {
        "block_word:casino",
        "honeypot",
        "link",
        "hold_word:refund",
        "premoderation",
    }


def test_guest_is_never_trusted():
    from django.contrib.auth.models import AnonymousUser

    assert trust.is_trusted(AnonymousUser()) is False


def test_reader_with_three_approved_comments_is_trusted_and_approved_at_once():
    user = UserFactory()
    CommentFactory.create_batch(3, user=user, guest_name="")
    assert trust.is_trusted(user)
    assert pipeline.evaluate(body=ENGLISH, user=user).status == Comment.Status.APPROVED


def test_trusted_reader_link_is_not_held():
    user = UserFactory()
    CommentFactory.create_batch(3, user=user, guest_name="")
    verdict = pipeline.evaluate(body="Source: https://example.org/ is good", user=user)
    assert verdict.status == Comment.Status.APPROVED


def test_reader_with_two_approved_comments_is_not_trusted():
    user = UserFactory()
    CommentFactory.create_batch(2, user=user, guest_name="")
    assert trust.is_trusted(user) is False


def test_recent_rejection_removes_trust():
    user = UserFactory()
    CommentFactory.create_batch(3, user=user, guest_name="")
    CommentFactory(user=user, guest_name="", status="rejected", moderated_at=timezone.now())
    assert trust.is_trusted(user) is False


def test_old_rejection_does_not_remove_trust():
    user = UserFactory()
    CommentFactory.create_batch(3, user=user, guest_name="")
    CommentFactory(
        user=user,
        guest_name="",
        status="rejected",
        moderated_at=timezone.now() - datetime.timedelta(days=31),
    )
    assert trust.is_trusted(user) is True


@pytest.mark.parametrize(
    ("code", "label", "css_class"),
    [
        ("premoderation", "New comments wait for approval", "hold-reason"),
        ("hold_word:必ず儲かる", "Matches the hold word “必ず儲かる”", "hold-reason"),
        ("block_word:casino", "Matches the block word “casino”", "hold-reason-spam text-danger"),
        ("reported", "Reported by readers", "hold-reason-reported"),
        ("retired_rule", "retired_rule", "hold-reason"),
    ],
)
def test_each_hold_code_has_a_label_and_a_css_class_beside_it(code, label, css_class):
    reason = pipeline.HoldReason.of(code)
    assert (reason.code, reason.label, reason.css_class) == (code, label, css_class)
