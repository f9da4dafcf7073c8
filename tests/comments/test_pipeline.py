"""The moderation pipeline, rule by rule."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone, translation

from comments import pipeline, trust
from comments.models import Badge, Comment, ModerationAction, WordListEntry
from core import text
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


def test_editor_comment_is_approved_at_once_with_the_editor_badge(editor):
    verdict = pipeline.evaluate(body=ENGLISH + " https://example.org/", user=editor)
    assert verdict.status == Comment.Status.APPROVED
    assert verdict.badge == Badge.EDITOR
    assert verdict.reasons == []


def test_moderator_comment_is_approved_at_once_with_the_moderator_badge(moderator):
    verdict = pipeline.evaluate(body=ENGLISH + " https://example.org/", user=moderator)
    assert (verdict.status, verdict.badge, verdict.reasons) == (
        Comment.Status.APPROVED,
        Badge.MODERATOR,
        [],
    )


def test_superuser_writes_as_an_editor():
    user = UserFactory(is_staff=True, is_superuser=True)
    assert pipeline.evaluate(body=ENGLISH, user=user).badge == Badge.EDITOR


def test_a_member_of_both_groups_is_badged_editor(moderator):
    moderator.groups.add(Group.objects.get(name="Editors"))
    assert pipeline.author_badge(moderator) == Badge.EDITOR


def test_staff_without_a_newsroom_role_gets_no_badge_and_is_held(contributor):
    """is_staff alone (a contributor) is not a role that speaks for the newsroom."""
    verdict = pipeline.evaluate(body=ENGLISH, user=contributor)
    assert (verdict.status, verdict.badge) == (Comment.Status.PENDING, "")
    assert pipeline.evaluate(body=ENGLISH, user=UserFactory(is_staff=True)).badge == ""


def test_reader_comment_has_no_badge():
    assert pipeline.evaluate(body=ENGLISH, user=UserFactory()).badge == ""


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


# --- Codes as people read them -------------------------------------------------------------


def test_every_hold_code_has_a_japanese_label():
    with translation.override("ja"):
        for code in pipeline.HoldReason.KINDS:
            label = pipeline.HoldReason.of(f"{code}:7").label
            assert text.is_cjk(label), code
            assert code not in label, code


def test_held_log_note_is_stored_as_codes_and_shown_as_labels():
    note = pipeline.held_note(["link", "hold_word:円安", "premoderation"])
    assert note == "link, hold_word:円安, premoderation"
    held = ModerationAction.Action.HELD
    with translation.override("ja"):
        shown = pipeline.log_note_text(held, note)
    assert "円安" in shown
    assert not any(code in shown for code in ("link", "hold_word", "premoderation"))
    with translation.override("en"):
        assert pipeline.log_note_text(held, note) == (
            "Contains a link, Matches the hold word “円安”, New comments wait for approval"
        )


def test_reported_log_note_counts_reports_in_the_readers_language():
    reported = ModerationAction.Action.REPORTED
    assert pipeline.reports_note(3) == "reports:3"
    with translation.override("en"):
        assert pipeline.log_note_text(reported, "reports:1") == "1 reader report"
        assert pipeline.log_note_text(reported, "reports:3") == "3 reader reports"
    with translation.override("ja"):
        assert pipeline.log_note_text(reported, "reports:3") == "読者からの通報 3 件"
        # Written before the note was a code, in whoever reported's language.
        assert pipeline.log_note_text(reported, "3 reader reports") == "読者からの通報 3 件"


def test_a_moderators_note_is_shown_as_written():
    with translation.override("ja"):
        assert pipeline.log_note_text(ModerationAction.Action.REJECT, "link spam") == "link spam"
