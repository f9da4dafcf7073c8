"""Comment services: each write, and the log entry it leaves."""

import datetime
import time as services_time

import pytest
from django.contrib.admin.models import LogEntry
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from comments import flood, moderation, privacy, reports, submission
from comments.models import Comment, CommentReport, ModerationAction
from explainers.models import Explainer
from explainers.services import explainer_comment_mode_set, explainer_history_message
from tests.factories import CommentFactory, ExplainerFactory, UserFactory

pytestmark = pytest.mark.django_db

TEXT = "A calm and reasonable remark about the explainer."


def submit(explainer, **kwargs):
    kwargs.setdefault("body", TEXT)
    if "user" not in kwargs:
        kwargs.setdefault("guest_name", "Hana")
        kwargs.setdefault("guest_email", "hana@example.net")
    return submission.comment_submit(explainer=explainer, **kwargs)


# --- submission -------------------------------------------------------------------------


def test_submit_stores_a_pending_comment_and_logs_why_it_was_held(explainer):
    comment = submit(explainer)
    assert comment.status == Comment.Status.PENDING
    assert comment.hold_reasons == ["premoderation"]
    action = ModerationAction.objects.get(comment=comment)
    assert action.action == ModerationAction.Action.HELD
    assert (action.old_status, action.new_status, action.actor) == ("", "pending", None)
    assert "premoderation" in action.note


def test_editor_submission_is_approved_badged_and_not_logged(explainer, editor):
    comment = submit(explainer, user=editor)
    assert comment.status == Comment.Status.APPROVED
    assert comment.badge == "editor"
    assert not ModerationAction.objects.filter(comment=comment).exists()


def test_moderator_submission_is_badged_moderator_not_editor(explainer, moderator):
    comment = submit(explainer, user=moderator)
    assert (comment.status, comment.badge) == (Comment.Status.APPROVED, "moderator")


def test_guest_submission_stores_the_key_of_their_email(explainer):
    comment = submit(explainer, guest_email="  Hana@Example.NET ")
    assert comment.guest_key == privacy.guest_key("hana@example.net")
    assert len(comment.guest_key) == 64


def test_guest_without_email_and_reader_have_no_guest_key(explainer, reader):
    assert submit(explainer, guest_email="").guest_key == ""
    assert submit(explainer, user=reader, guest_email="x@example.net").guest_key == ""


def test_submission_records_the_language_of_the_text(explainer):
    assert submit(explainer, body="この解説はとても分かりやすかったです。").language == "ja"
    assert submit(explainer, body="A clear explainer, thank you.").language == "en"


def test_submit_derives_safe_html(explainer):
    comment = submit(explainer, body="First line\nsecond <b>line</b>\n\nSee https://example.org/")
    assert comment.body == "First line\nsecond <b>line</b>\n\nSee https://example.org/"
    assert "<p>First line<br>second &lt;b&gt;line&lt;/b&gt;</p>" in comment.body_html
    assert 'rel="nofollow ugc noopener"' in comment.body_html


def test_signed_in_reader_comment_keeps_no_guest_details(explainer, reader):
    comment = submit(explainer, user=reader, guest_name="Spoof", guest_email="x@example.net")
    assert comment.user == reader
    assert (comment.guest_name, comment.guest_email) == ("", "")
    # The login name is never shown: without a display name a reader is "Reader".
    assert comment.author_name == "Reader"


def test_guest_needs_a_name(explainer):
    with pytest.raises(ValidationError):
        submit(explainer, guest_name="   ")
    assert not Comment.objects.exists()


def test_control_and_nul_characters_are_stripped(explainer):
    comment = submit(explainer, body="Hello\x00 there\x07 friend\tand\nall of you\x1b")
    assert comment.body == "Hello there friend\tand\nall of you"


def test_bidi_overrides_are_stripped_from_the_name(explainer):
    comment = submit(explainer, guest_name="\u202eevil\u2066 name\u202c")
    assert comment.guest_name == "evil name"


def test_too_short_english_is_refused(explainer):
    with pytest.raises(ValidationError):
        submit(explainer, body="Nice")


def test_too_short_japanese_is_refused(explainer):
    with pytest.raises(ValidationError):
        submit(explainer, body="いいね")


def test_five_japanese_characters_are_enough(explainer):
    assert submit(explainer, body="よく分かった").pk


def test_two_english_words_are_enough(explainer):
    assert submit(explainer, body="Good point").pk


def test_text_over_the_maximum_length_is_refused(explainer, settings):
    settings.COMMENTS_MAX_LENGTH = 100
    with pytest.raises(ValidationError):
        submit(explainer, body="word " * 30)
    assert not Comment.objects.exists()


def test_reply_to_a_reply_joins_the_thread_and_says_whom_it_answers(explainer):
    top = CommentFactory(explainer=explainer)
    reply = CommentFactory(explainer=explainer, parent=top)
    answer = submit(explainer, parent=reply)
    assert answer.parent == top
    assert answer.in_reply_to == reply


def test_reply_to_a_top_level_comment_has_no_in_reply_to(explainer):
    top = CommentFactory(explainer=explainer)
    reply = submit(explainer, parent=top)
    assert (reply.parent, reply.in_reply_to) == (top, None)


def test_reply_to_an_unapproved_comment_is_refused(explainer):
    pending = CommentFactory(explainer=explainer, status="pending")
    with pytest.raises(ValidationError):
        submit(explainer, parent=pending)


def test_reply_to_a_comment_on_another_explainer_is_refused(explainer):
    elsewhere = CommentFactory()
    with pytest.raises(ValidationError):
        submit(explainer, parent=elsewhere)


def test_ip_address_is_stored_only_as_a_keyed_hash(explainer, settings):
    comment = submit(explainer, ip_address="203.0.113.9")
    assert comment.ip_hash == privacy.ip_hash("203.0.113.9")
    assert "203.0.113.9" not in comment.ip_hash
    settings.COMMENTS_IP_HASH_KEY = "another key"
    assert privacy.ip_hash("203.0.113.9") != comment.ip_hash


# --- open / closed ----------------------------------------------------------------------


def test_comments_are_open_on_a_fresh_explainer(explainer):
    assert submission.comments_are_open(explainer)
    assert submission.closed_reason(explainer) is None


def test_editor_closed_explainer_refuses_comments(explainer):
    explainer.comment_mode = "closed"
    explainer.save()
    with pytest.raises(submission.CommentsClosed):
        submit(explainer)
    assert not Comment.objects.exists()


def test_comments_close_automatically_after_the_configured_days(settings):
    settings.COMMENTS_CLOSE_AFTER_DAYS = 30
    old = ExplainerFactory(published=True, publish_at=timezone.now() - datetime.timedelta(days=31))
    assert "30" in submission.closed_reason(old)
    with pytest.raises(submission.CommentsClosed):
        submit(old)


def test_comments_still_open_just_before_the_automatic_close(settings):
    settings.COMMENTS_CLOSE_AFTER_DAYS = 30
    recent = ExplainerFactory(
        published=True, publish_at=timezone.now() - datetime.timedelta(days=29)
    )
    assert submission.comments_are_open(recent)


def test_unpublished_explainer_takes_no_comments():
    assert not submission.comments_are_open(ExplainerFactory())


def test_close_and_open_comments_are_logged_in_the_explainer_history(explainer, editor):
    explainer_comment_mode_set(mode="closed", explainer=explainer, actor=editor)
    explainer.refresh_from_db()
    assert explainer.comments_open is False
    explainer_comment_mode_set(mode="open", explainer=explainer, actor=editor)
    explainer.refresh_from_db()
    assert explainer.comments_open is True
    messages = [
        explainer_history_message(entry)
        for entry in LogEntry.objects.filter(object_id=str(explainer.pk))
    ]
    assert sorted(messages) == ["Closed comments.", "Opened comments."]


def test_moderator_may_close_comments(explainer, moderator):
    explainer_comment_mode_set(mode="closed", explainer=explainer, actor=moderator)
    assert Explainer.objects.get(pk=explainer.pk).comments_open is False


def test_reader_may_not_close_comments(explainer, reader):
    with pytest.raises(PermissionDenied):
        explainer_comment_mode_set(mode="closed", explainer=explainer, actor=reader)


# --- flood control ----------------------------------------------------------------------


def test_flood_from_one_address_is_refused_and_not_stored(explainer, settings):
    settings.COMMENTS_FLOOD_LIMIT_PER_MINUTE = 3
    for n in range(3):
        submit(explainer, body=f"{TEXT} {n}", ip_address="198.51.100.7")
    with pytest.raises(flood.FloodLimitExceeded):
        submit(explainer, body=f"{TEXT} again", ip_address="198.51.100.7")
    assert Comment.objects.count() == 3


def test_flood_from_one_account_is_refused_across_addresses(explainer, reader, settings):
    settings.COMMENTS_FLOOD_LIMIT_PER_MINUTE = 2
    submit(explainer, user=reader, body=f"{TEXT} one", ip_address="198.51.100.1")
    submit(explainer, user=reader, body=f"{TEXT} two", ip_address="198.51.100.2")
    with pytest.raises(flood.FloodLimitExceeded):
        submit(explainer, user=reader, body=f"{TEXT} three", ip_address="198.51.100.3")


def test_other_addresses_are_not_limited_by_a_flooder(explainer, settings):
    settings.COMMENTS_FLOOD_LIMIT_PER_MINUTE = 1
    submit(explainer, ip_address="198.51.100.7")
    assert submit(explainer, ip_address="198.51.100.8").pk


def test_a_burst_across_the_clocks_minute_is_still_limited(settings, monkeypatch):
    # 59.9 s past a minute, then just after it: a per-clock-minute counter would start over.
    settings.COMMENTS_FLOOD_LIMIT_PER_MINUTE = 2
    now = [6_000_059.9]
    monkeypatch.setattr(services_time, "time", lambda: now[0])
    flood.flood_check(ip_address="198.51.100.9")
    flood.flood_check(ip_address="198.51.100.9")
    now[0] = 6_000_060.1
    with pytest.raises(flood.FloodLimitExceeded):
        flood.flood_check(ip_address="198.51.100.9")


# --- moderation -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("service", "kwargs", "start", "end", "action", "reason"),
    [
        (moderation.comment_approve, {}, "pending", "approved", "approve", ""),
        (
            moderation.comment_reject,
            {"reason": "off_topic"},
            "pending",
            "rejected",
            "reject",
            "off_topic",
        ),
        (moderation.comment_mark_spam, {}, "pending", "spam", "spam", "spam"),
        (
            moderation.comment_remove,
            {"reason": "abusive"},
            "approved",
            "removed",
            "remove",
            "abusive",
        ),
        (moderation.comment_restore, {}, "rejected", "pending", "restore", ""),
        (moderation.comment_approve, {}, "spam", "approved", "approve", ""),
    ],
)
def test_moderation_changes_status_and_writes_one_log_entry(
    moderator, service, kwargs, start, end, action, reason
):
    comment = CommentFactory(status=start)
    result = service(comment=comment, actor=moderator, note="checked", **kwargs)
    assert result.status == end
    comment.refresh_from_db()
    assert (comment.status, comment.moderated_by) == (end, moderator)
    assert comment.moderated_at is not None
    entry = ModerationAction.objects.get(comment=comment)
    assert (entry.action, entry.old_status, entry.new_status) == (action, start, end)
    assert (entry.actor, entry.reason, entry.note) == (moderator, reason, "checked")


@pytest.mark.parametrize(
    ("service", "status"),
    [
        (moderation.comment_approve, "approved"),
        (moderation.comment_restore, "pending"),
        (moderation.comment_remove, "removed"),
        (moderation.comment_mark_spam, "spam"),
    ],
)
def test_a_transition_that_makes_no_sense_is_refused_and_not_logged(moderator, service, status):
    comment = CommentFactory(status=status)
    with pytest.raises(ValidationError):
        service(comment=comment, actor=moderator)
    assert not ModerationAction.objects.exists()


def test_reject_needs_a_reason(moderator):
    with pytest.raises(ValidationError):
        moderation.comment_reject(
            comment=CommentFactory(status="pending"), actor=moderator, reason=""
        )


def test_reject_refuses_an_unknown_reason(moderator):
    with pytest.raises(ValidationError):
        moderation.comment_reject(
            comment=CommentFactory(status="pending"), actor=moderator, reason="because"
        )


def test_reader_may_not_moderate(reader):
    comment = CommentFactory(status="pending")
    with pytest.raises(PermissionDenied):
        moderation.comment_approve(comment=comment, actor=reader)
    assert Comment.objects.get(pk=comment.pk).status == "pending"


def test_editor_without_moderate_permission_may_not_moderate(editor):
    with pytest.raises(PermissionDenied):
        moderation.comment_approve(comment=CommentFactory(status="pending"), actor=editor)


def test_bulk_moderation_changes_what_applies_and_skips_the_rest(moderator):
    pending = CommentFactory.create_batch(3, status="pending")
    approved = CommentFactory(status="approved")
    changed = moderation.comments_bulk_moderate(
        comments=[*pending, approved], action="approve", actor=moderator
    )
    assert changed == 3
    assert Comment.objects.filter(status="approved").count() == 4
    assert ModerationAction.objects.filter(action="approve").count() == 3


def test_bulk_reject_needs_a_reason(moderator):
    with pytest.raises(ValidationError):
        moderation.comments_bulk_moderate(
            comments=CommentFactory.create_batch(2, status="pending"),
            action="reject",
            actor=moderator,
        )


def test_moderation_log_entries_cannot_be_changed(moderator):
    comment = moderation.comment_approve(comment=CommentFactory(status="pending"), actor=moderator)
    entry = ModerationAction.objects.get(comment=comment)
    entry.note = "rewritten"
    with pytest.raises(ValidationError):
        entry.save()


# --- reports ----------------------------------------------------------------------------


def test_report_is_recorded(reader):
    comment = CommentFactory()
    report = reports.comment_report(comment=comment, reason="abusive", user=reader)
    assert (report.comment, report.reporter, report.reason) == (comment, reader, "abusive")


def test_one_report_per_reader_per_comment(reader):
    comment = CommentFactory()
    reports.comment_report(comment=comment, reason="abusive", user=reader)
    with pytest.raises(ValidationError, match="already reported"):
        reports.comment_report(comment=comment, reason="spam", user=reader)
    assert CommentReport.objects.count() == 1


def test_one_report_per_guest_address_per_comment():
    comment = CommentFactory()
    reports.comment_report(comment=comment, reason="abusive", ip_address="203.0.113.5")
    with pytest.raises(ValidationError):
        reports.comment_report(comment=comment, reason="abusive", ip_address="203.0.113.5")
    reports.comment_report(comment=comment, reason="abusive", ip_address="203.0.113.6")
    assert CommentReport.objects.count() == 2


def test_reports_at_the_threshold_send_the_comment_back_to_the_queue(settings):
    settings.COMMENTS_REPORT_THRESHOLD = 3
    comment = CommentFactory()
    for user in UserFactory.create_batch(2):
        reports.comment_report(comment=comment, reason="abusive", user=user)
    assert Comment.objects.get(pk=comment.pk).status == "approved"
    reports.comment_report(comment=comment, reason="abusive", user=UserFactory())
    comment.refresh_from_db()
    assert comment.status == "pending"
    assert comment.is_reported
    assert "reported" in comment.hold_reasons
    assert comment not in Comment.objects.visible()
    entry = ModerationAction.objects.get(comment=comment)
    assert (entry.action, entry.old_status, entry.new_status) == ("reported", "approved", "pending")


def test_only_reports_after_a_moderator_reapproves_count_again(settings, moderator):
    settings.COMMENTS_REPORT_THRESHOLD = 2
    comment = CommentFactory()
    for user in UserFactory.create_batch(2):
        reports.comment_report(comment=comment, reason="abusive", user=user)
    moderation.comment_approve(comment=comment, actor=moderator)
    reports.comment_report(comment=comment, reason="abusive", user=UserFactory())
    comment.refresh_from_db()
    assert comment.status == "approved"
    assert comment.is_reported is False


def test_a_hidden_comment_cannot_be_reported(reader):
    with pytest.raises(ValidationError):
        reports.comment_report(
            comment=CommentFactory(status="pending"), reason="abusive", user=reader
        )


def test_old_address_hashes_are_purged_and_recent_ones_kept(settings):
    settings.COMMENTS_IP_RETENTION_DAYS = 90
    old = CommentFactory(ip_hash="a" * 64)
    recent = CommentFactory(ip_hash="b" * 64)
    Comment.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=91)
    )
    assert privacy.comment_addresses_purge() == 1
    assert Comment.objects.get(pk=old.pk).ip_hash == ""
    assert Comment.objects.get(pk=recent.pk).ip_hash == "b" * 64


def _flood_ttl(key):
    """Seconds the flood counter `key` has left, read from whichever cache is configured."""
    backend = caches["default"]
    full_key = backend.make_and_validate_key(key)
    if isinstance(backend, RedisCache):
        return backend._cache.get_client(full_key).ttl(full_key)
    expires = backend._expire_info.get(full_key)
    return -1 if expires is None else expires - services_time.time()


def test_a_flood_counter_always_expires_within_the_window():
    key = f"comments:flood:ip:{privacy.ip_hash('198.51.100.4')}"
    flood.flood_check(ip_address="198.51.100.4")
    flood.flood_check(ip_address="198.51.100.4")
    assert 0 < _flood_ttl(key) <= flood.FLOOD_WINDOW_SECONDS


def test_a_flood_counter_stranded_without_an_expiry_gets_one(settings, monkeypatch):
    # The race of a check-then-increment: the counter expires between the two steps, and the
    # increment creates a fresh one with no expiry, which would block the address for ever.
    settings.COMMENTS_FLOOD_LIMIT_PER_MINUTE = 3
    key = f"comments:flood:ip:{privacy.ip_hash('198.51.100.5')}"
    backend = caches["default"]
    full_key = backend.make_and_validate_key(key)
    if isinstance(backend, RedisCache):
        # What the race leaves behind in Redis: a counter with no expiry.
        backend._cache.get_client(full_key, write=True).set(full_key, 1)
    else:
        # Local memory increments under its own lock, so only "expired between the steps"
        # can happen: the counter is gone by the time it is incremented.
        monkeypatch.setattr(backend, "add", lambda *args, **kwargs: False)
    flood.flood_check(ip_address="198.51.100.5")
    assert 0 < _flood_ttl(key) <= flood.FLOOD_WINDOW_SECONDS


# --- what each decision needs -----------------------------------------------------------


@pytest.mark.parametrize(("service", "start"), [("comment_reject", "pending"),
                                                ("comment_remove", "approved")])  # fmt: skip
def test_the_reason_other_needs_a_note(moderator, service, start):
    comment = CommentFactory(status=start)
    with pytest.raises(ValidationError) as raised:
        getattr(moderation, service)(comment=comment, actor=moderator, reason="other")
    assert "note" in raised.value.message_dict
    assert Comment.objects.get(pk=comment.pk).status == start
    getattr(moderation, service)(comment=comment, actor=moderator, reason="other", note="Dup")
    assert ModerationAction.objects.get(comment=comment).note == "Dup"


def test_a_held_comment_is_rejected_not_removed(moderator):
    comment = CommentFactory(status="pending")
    with pytest.raises(ValidationError):
        moderation.comment_remove(comment=comment, actor=moderator, reason="abusive")
    assert not ModerationAction.objects.exists()


def test_bulk_with_the_reason_other_and_no_note_changes_nothing(moderator):
    comments = CommentFactory.create_batch(2, status="pending")
    with pytest.raises(ValidationError):
        moderation.comments_bulk_moderate(
            comments=comments, action="reject", actor=moderator, reason="other"
        )
    assert not Comment.objects.exclude(status="pending").exists()
    assert not ModerationAction.objects.exists()
