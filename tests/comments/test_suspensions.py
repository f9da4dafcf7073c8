"""Suspensions and bans of signed-in readers (issue 14 §3): the services, the one check every
door asks, what the reader sees and is emailed, and the moderators' tool."""

import datetime
import io

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from comments import notifications, reports, submission
from comments.models import (
    Comment,
    CommentReport,
    ModerationAction,
    Notification,
    ReaderSuspension,
)
from comments.suspensions import (
    ReaderSuspended,
    reader_suspend,
    reader_suspension_lift,
    suspension_in_force,
)
from readers import services as reader_services
from tests.comments.helpers import TEXT, token
from tests.factories import CommentFactory, UserFactory

pytestmark = pytest.mark.django_db

A = ModerationAction.Action
Kind = ReaderSuspension.Kind


@pytest.fixture(scope="module", autouse=True)
def compiled_catalogue():
    """The reader is told in their language: compile the catalogue as set-up does."""
    call_command("compile_catalogues", stdout=io.StringIO())
    with override_settings(LOCALE_PATHS=list(django_settings.LOCALE_PATHS)):
        yield


@pytest.fixture(autouse=True)
def _mail(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SITE_URL = "https://kaisetsu.example"
    settings.COMMENTS_MODERATION_CONTACT = "moderators@kaisetsu.example"
    settings.COMMENTS_MIN_SECONDS_TO_SUBMIT = 0


def in_days(days):
    return timezone.now() + datetime.timedelta(days=days)


def suspend(reader, moderator, *, days=7, reason="abusive", note=""):
    return reader_suspend(
        user=reader,
        actor=moderator,
        kind=Kind.SUSPENSION,
        reason=reason,
        note=note,
        ends_at=in_days(days),
    )


def ban(reader, moderator, *, reason="spam", note=""):
    return reader_suspend(user=reader, actor=moderator, kind=Kind.BAN, reason=reason, note=note)


def submit(explainer, user, body=TEXT):
    return submission.comment_submit(
        explainer=explainer, body=body, user=user, issued_at=timezone.now()
    )


# --- the services ---------------------------------------------------------------------------


def test_suspending_a_reader_stores_it_and_logs_one_entry_about_the_reader(reader, moderator):
    suspension = suspend(reader, moderator, note="Insults in three threads.")
    assert suspension_in_force(reader) == suspension
    assert (suspension.kind, suspension.reason, suspension.created_by) == (
        "suspension",
        "abusive",
        moderator,
    )
    [entry] = ModerationAction.objects.all()
    assert (entry.action, entry.comment, entry.subject_user, entry.actor) == (
        A.SUSPEND,
        None,
        reader,
        moderator,
    )
    assert (entry.reason, entry.note, entry.old_status, entry.new_status) == (
        "abusive",
        "Insults in three threads.",
        "",
        "",
    )


def test_a_ban_has_no_end_and_is_logged_as_a_ban(reader, moderator):
    suspension = ban(reader, moderator)
    assert suspension.ends_at is None
    assert suspension_in_force(reader, now=in_days(10_000)) == suspension
    assert ModerationAction.objects.get().action == A.BAN


def test_a_suspension_ends_by_itself(reader, moderator):
    suspend(reader, moderator, days=3)
    assert suspension_in_force(reader, now=in_days(2)) is not None
    assert suspension_in_force(reader, now=in_days(4)) is None


def test_a_suspension_needs_a_future_end(reader, moderator):
    with pytest.raises(ValidationError) as missing:
        reader_suspend(user=reader, actor=moderator, kind=Kind.SUSPENSION, reason="abusive")
    assert "ends_at" in missing.value.message_dict
    with pytest.raises(ValidationError) as past:
        suspend(reader, moderator, days=-1)
    assert "future" in " ".join(past.value.messages)
    assert not ReaderSuspension.objects.exists()
    assert not ModerationAction.objects.exists()


def test_a_ban_refuses_an_end(reader, moderator):
    with pytest.raises(ValidationError):
        reader_suspend(
            user=reader, actor=moderator, kind=Kind.BAN, reason="spam", ends_at=in_days(3)
        )
    assert not ReaderSuspension.objects.exists()


def test_an_unknown_kind_or_reason_is_refused(reader, moderator):
    with pytest.raises(ValidationError):
        reader_suspend(user=reader, actor=moderator, kind="exile", reason="spam")
    with pytest.raises(ValidationError):
        reader_suspend(user=reader, actor=moderator, kind=Kind.BAN, reason="rude")
    assert not ReaderSuspension.objects.exists()


def test_the_reason_other_needs_a_note(reader, moderator):
    with pytest.raises(ValidationError) as error:
        ban(reader, moderator, reason="other")
    assert "note" in error.value.message_dict
    assert ban(reader, moderator, reason="other", note="Ban evasion.").note == "Ban evasion."


def test_staff_and_moderators_cannot_be_suspended(moderator, editor):
    other_moderator = UserFactory()
    other_moderator.groups.add(*moderator.groups.all())
    for person in (editor, other_moderator):
        with pytest.raises(ValidationError) as error:
            ban(person, moderator)
        assert "Staff and moderators cannot be suspended" in " ".join(error.value.messages)
    assert not ReaderSuspension.objects.exists()


def test_only_moderators_may_suspend_or_lift(reader, moderator):
    somebody = UserFactory()
    with pytest.raises(PermissionDenied):
        ban(reader, somebody)
    assert not ReaderSuspension.objects.exists()
    suspension = ban(reader, moderator)
    with pytest.raises(PermissionDenied):
        reader_suspension_lift(suspension=suspension, actor=somebody)
    assert suspension_in_force(reader) == suspension


def test_a_reader_already_suspended_is_not_suspended_twice(reader, moderator):
    suspend(reader, moderator)
    with pytest.raises(ValidationError) as error:
        ban(reader, moderator)
    assert "lift that first" in " ".join(error.value.messages)
    assert ReaderSuspension.objects.count() == 1


def test_lifting_ends_it_now_and_is_logged(reader, moderator):
    suspension = ban(reader, moderator)
    reader_suspension_lift(suspension=suspension, actor=moderator, note="Apologised.")
    suspension.refresh_from_db()
    assert suspension.lifted_at is not None
    assert suspension.lifted_by == moderator
    assert suspension_in_force(reader) is None
    entry = ModerationAction.objects.filter(action=A.LIFT).get()
    assert (entry.subject_user, entry.actor, entry.comment, entry.note) == (
        reader,
        moderator,
        None,
        "Apologised.",
    )


def test_lifting_twice_or_after_the_end_is_refused(reader, moderator):
    suspension = suspend(reader, moderator, days=1)
    with pytest.raises(ValidationError):
        reader_suspension_lift(suspension=suspension, actor=moderator, now=in_days(2))
    reader_suspension_lift(suspension=suspension, actor=moderator)
    with pytest.raises(ValidationError):
        reader_suspension_lift(suspension=suspension, actor=moderator)
    assert ModerationAction.objects.filter(action=A.LIFT).count() == 1


# --- the refusals ---------------------------------------------------------------------------


def test_a_suspended_reader_cannot_post_and_nothing_is_stored(explainer, reader, moderator):
    suspension = suspend(reader, moderator, days=7)
    with translation.override("en"), pytest.raises(ReaderSuspended) as error:
        submit(explainer, reader)
    assert isinstance(error.value, PermissionDenied)
    assert error.value.suspension == suspension
    message = str(error.value)
    assert "suspended" in message
    assert "Abusive or hateful" in message
    until = date_format(timezone.localtime(suspension.ends_at), "DATETIME_FORMAT")
    assert f"until {until} (JST)." in message  # the site's time zone, named
    assert not Comment.objects.exists()


def test_the_refusal_is_in_the_readers_language(explainer, reader, moderator):
    ban(reader, moderator, reason="abusive")
    with translation.override("ja"), pytest.raises(ReaderSuspended) as error:
        submit(explainer, reader)
    message = str(error.value)
    assert "禁止" in message
    assert "Abusive" not in message


def test_a_banned_reader_cannot_reply(explainer, reader, moderator):
    top = CommentFactory(explainer=explainer)
    ban(reader, moderator)
    with pytest.raises(ReaderSuspended):
        submission.comment_submit(
            explainer=explainer, body=TEXT, user=reader, parent=top, issued_at=timezone.now()
        )
    assert Comment.objects.count() == 1


def test_a_reader_may_post_again_once_lifted(explainer, reader, moderator):
    reader_suspension_lift(suspension=ban(reader, moderator), actor=moderator)
    assert submit(explainer, reader).user == reader


def test_guests_and_other_readers_are_not_affected(explainer, reader, moderator):
    ban(reader, moderator)
    assert submit(explainer, UserFactory()).pk
    guest = submission.comment_submit(
        explainer=explainer, body=TEXT, guest_name="Hana", issued_at=timezone.now()
    )
    assert guest.user is None


def test_a_suspended_reader_cannot_report(explainer, reader, moderator):
    comment = CommentFactory(explainer=explainer)
    suspend(reader, moderator)
    with pytest.raises(ReaderSuspended):
        reports.comment_report(comment=comment, reason="abusive", user=reader)
    assert not CommentReport.objects.exists()


# --- the email --------------------------------------------------------------------------------


def japanese_reader():
    user = UserFactory(username="kenji", email="kenji@example.net")
    reader_services.reader_profile_update(user=user, display_name="Kenji", language="ja")
    return user


def test_the_reader_is_owed_one_email_in_their_language(moderator):
    kenji = japanese_reader()
    suspension = suspend(kenji, moderator, days=7)
    [owed] = Notification.objects.all()
    assert (owed.kind, owed.recipient, owed.suspension, owed.action) == (
        "suspension",
        kenji,
        suspension,
        A.SUSPEND,
    )
    assert owed.key == f"suspension:{suspension.pk}:user:{kenji.pk}"
    assert owed.status == Notification.Status.PENDING
    assert notifications.notification_deliver(notification_id=owed.pk) == "sent"
    [message] = mail.outbox
    assert message.to == ["kenji@example.net"]
    assert message.reply_to == ["moderators@kaisetsu.example"]
    assert "停止" in message.subject
    html = message.alternatives[0][0]
    assert "理由：攻撃的・差別的" in message.body  # the reason's label, in Japanese
    assert "Abusive" not in message.body
    assert "(JST)" in message.body
    assert "moderators@kaisetsu.example" in html
    assert "List-Unsubscribe" not in message.extra_headers  # not an opt-in: nothing to stop


def test_the_email_is_sent_by_the_job_after_the_commit(
    reader, moderator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ban(reader, moderator)
    [message] = mail.outbox
    assert message.to == [reader.email]
    assert "banned" in message.subject
    assert "until the moderators lift the ban" in message.body
    assert Notification.objects.get().status == Notification.Status.SENT


def test_a_rolled_back_suspension_owes_nothing(reader, moderator):
    with pytest.raises(ValidationError):
        suspend(reader, moderator, days=-2)
    assert not Notification.objects.exists()


def test_lifting_tells_the_reader_and_the_earlier_email_is_no_longer_sent(reader, moderator):
    suspension = ban(reader, moderator)
    reader_suspension_lift(suspension=suspension, actor=moderator)
    banned, lifted = Notification.objects.order_by("pk")
    assert lifted.action == A.LIFT
    assert lifted.key == f"lift:{suspension.pk}:user:{reader.pk}"
    assert notifications.notification_deliver(notification_id=banned.pk) == "skipped"
    assert notifications.notification_deliver(notification_id=lifted.pk) == "sent"
    [message] = mail.outbox
    assert "again" in message.subject


# --- what the reader sees ---------------------------------------------------------------------


def test_a_suspended_reader_sees_the_notice_instead_of_the_form(client, explainer, moderator):
    reader = UserFactory()
    comment = CommentFactory(explainer=explainer, body="Someone else wrote this comment.")
    suspend(reader, moderator, days=5)
    client.force_login(reader)
    page = client.get(explainer.get_absolute_url()).content.decode()
    assert "suspension-notice" in page
    assert "Your account is suspended from commenting." in page
    assert "Abusive or hateful" in page
    assert "mailto:moderators@kaisetsu.example" in page
    assert reverse("comments:post", args=[explainer.slug]) not in page
    assert reverse("comments:reply", args=[explainer.slug, comment.pk]) not in page
    assert reverse("comments:report", args=[comment.pk]) not in page  # reporting is refused too
    assert "Someone else wrote this comment." in page  # still reads the thread


def test_a_banned_reader_sees_until_lifted(client, explainer, reader, moderator):
    ban(reader, moderator)
    client.force_login(reader)
    page = client.get(explainer.get_absolute_url()).content.decode()
    assert "Your account is banned from commenting." in page
    assert "until the moderators lift the ban" in page


def test_the_notice_is_for_that_reader_only(client, explainer, reader, moderator):
    ban(reader, moderator)
    anonymous = client.get(explainer.get_absolute_url()).content.decode()
    client.force_login(UserFactory())
    other = client.get(explainer.get_absolute_url()).content.decode()
    for page in (anonymous, other):
        assert "suspension-notice" not in page
        assert reverse("comments:post", args=[explainer.slug]) in page


def test_the_notice_on_the_explainer_page_is_in_japanese(client, explainer, reader, moderator):
    suspend(reader, moderator, days=5)
    client.force_login(reader)
    with translation.override("ja"):
        url = explainer.get_absolute_url()
    page = client.get(url).content.decode()
    assert "コメント" in page and "停止" in page
    assert "Your account is suspended" not in page


def test_the_notice_is_on_the_readers_account_page(client, reader, moderator):
    client.force_login(reader)
    assert "suspension-notice" not in client.get(reverse("my_comments")).content.decode()
    suspend(reader, moderator)
    page = client.get(reverse("my_comments")).content.decode()
    assert "Your account is suspended from commenting." in page


def test_the_comment_form_is_a_403_notice(client, explainer, reader, moderator):
    suspend(reader, moderator)
    client.force_login(reader)
    response = client.get(reverse("comments:post", args=[explainer.slug]))
    assert response.status_code == 403
    assert "suspension-notice" in response.content.decode()
    assert 'name="body"' not in response.content.decode()


def test_posting_while_suspended_is_a_403_and_stores_nothing(client, explainer, reader, moderator):
    suspend(reader, moderator)
    client.force_login(reader)
    response = client.post(
        reverse("comments:post", args=[explainer.slug]),
        {"body": TEXT, "website": "", "issued": token(explainer, age_seconds=60)},
    )
    assert response.status_code == 403
    assert "Your account is suspended from commenting." in response.content.decode()
    assert not Comment.objects.exists()


def test_suspended_while_the_form_was_open_is_a_403_not_a_500(
    client, explainer, reader, moderator, monkeypatch
):
    """The view checked before the suspension began; the service refuses at the last step."""
    client.force_login(reader)
    suspension = suspend(reader, moderator)
    monkeypatch.setattr("comments.views.suspension_in_force", lambda user: None)
    response = client.post(
        reverse("comments:post", args=[explainer.slug]),
        {"body": TEXT, "website": "", "issued": token(explainer, age_seconds=60)},
    )
    assert response.status_code == 403
    assert "suspension-notice" in response.content.decode()
    assert suspension_in_force(reader) == suspension
    assert not Comment.objects.exists()


def test_reporting_while_suspended_is_a_403_and_stores_nothing(
    client, explainer, reader, moderator
):
    comment = CommentFactory(explainer=explainer)
    ban(reader, moderator)
    client.force_login(reader)
    url = reverse("comments:report", args=[comment.pk])
    assert client.get(url).status_code == 403
    response = client.post(url, {"reason": "abusive"})
    assert response.status_code == 403
    assert "Your account is banned from commenting." in response.content.decode()
    assert not CommentReport.objects.exists()


# --- the moderators' tool ---------------------------------------------------------------------


def history(reader):
    return reverse("moderation:commenter", kwargs={"pk": reader.pk})


def suspend_url(reader):
    return reverse("moderation:suspend", kwargs={"pk": reader.pk})


def test_the_history_page_offers_the_form(mod_client, reader):
    page = mod_client.get(history(reader)).content.decode()
    assert f'action="{suspend_url(reader)}"' in page
    assert "Never suspended or banned." in page


def test_a_moderator_suspends_for_some_days_from_the_history_page(mod_client, reader, moderator):
    response = mod_client.post(
        suspend_url(reader),
        {"kind": "suspension", "days": "3", "reason": "off_topic", "note": "Derailing."},
        follow=True,
    )
    assert response.redirect_chain == [(history(reader), 302)]
    suspension = ReaderSuspension.objects.get()
    assert (suspension.user, suspension.kind, suspension.reason, suspension.note) == (
        reader,
        "suspension",
        "off_topic",
        "Derailing.",
    )
    assert abs(suspension.ends_at - in_days(3)) < datetime.timedelta(minutes=1)
    page = response.content.decode()
    assert "is suspended until" in page  # the confirmation
    assert reverse("moderation:lift", kwargs={"pk": suspension.pk}) in page
    assert ModerationAction.objects.get().actor == moderator


def test_a_moderator_suspends_until_a_date(mod_client, reader):
    until = timezone.localdate() + datetime.timedelta(days=10)
    response = mod_client.post(
        suspend_url(reader), {"kind": "suspension", "until": until.isoformat(), "reason": "spam"}
    )
    assert response.status_code == 302
    ends_at = timezone.localtime(ReaderSuspension.objects.get().ends_at)
    assert (ends_at.date(), ends_at.hour, ends_at.minute) == (until, 0, 0)


def test_a_moderator_bans_from_the_history_page(mod_client, reader):
    response = mod_client.post(suspend_url(reader), {"kind": "ban", "reason": "spam"}, follow=True)
    assert response.status_code == 200
    assert "is banned from commenting." in response.content.decode()
    assert ReaderSuspension.objects.get().ends_at is None


@pytest.mark.parametrize(
    "data",
    [
        {"kind": "suspension", "reason": "spam"},  # no end
        {"kind": "suspension", "days": "0", "reason": "spam"},
        {"kind": "suspension", "days": "abc", "reason": "spam"},
        {"kind": "suspension", "days": "99999999999999999999", "reason": "spam"},
        {"kind": "suspension", "until": "2001-01-01", "reason": "spam"},
        {"kind": "suspension", "until": "not a date", "reason": "spam"},
        {"kind": "suspension", "days": "3", "until": "2999-01-01", "reason": "spam"},
        {"kind": "ban", "days": "3", "reason": "spam"},
        {"kind": "exile", "reason": "spam"},
        {"kind": "ban", "reason": ""},
        {"kind": "ban", "reason": "other", "note": ""},
        {"kind": "ban", "reason": "spam", "note": "x" * 1001},
    ],
    ids=[
        "no-end",
        "zero-days",
        "days-not-a-number",
        "days-huge",
        "date-past",
        "date-garbage",
        "days-and-date",
        "ban-with-days",
        "unknown-kind",
        "no-reason",
        "other-without-note",
        "note-too-long",
    ],
)
def test_bad_input_is_a_400_with_the_forms_errors(mod_client, reader, data):
    response = mod_client.post(suspend_url(reader), data)
    assert response.status_code == 400
    assert "suspension-form-errors" in response.content.decode()
    assert not ReaderSuspension.objects.exists()


def test_suspending_a_moderator_from_the_tool_is_a_400_that_says_why(mod_client, editor):
    response = mod_client.post(suspend_url(editor), {"kind": "ban", "reason": "spam"})
    assert response.status_code == 400
    assert "Staff and moderators cannot be suspended" in response.content.decode()
    assert not ReaderSuspension.objects.exists()


def test_a_moderator_lifts_it_from_the_history_page(mod_client, reader, moderator):
    suspension = ban(reader, moderator)
    assert "To change the suspension or ban in force, lift it first." in (
        mod_client.get(history(reader)).content.decode()
    )
    response = mod_client.post(
        reverse("moderation:lift", kwargs={"pk": suspension.pk}),
        {"note": "Appeal accepted."},
        follow=True,
    )
    assert response.redirect_chain == [(history(reader), 302)]
    assert "can comment again." in response.content.decode()
    assert suspension_in_force(reader) is None
    assert ModerationAction.objects.filter(action=A.LIFT).get().note == "Appeal accepted."


def test_lifting_twice_from_the_tool_says_so(mod_client, reader, moderator):
    suspension = ban(reader, moderator)
    url = reverse("moderation:lift", kwargs={"pk": suspension.pk})
    mod_client.post(url)
    response = mod_client.post(url, follow=True)
    assert "already lifted" in response.content.decode()
    assert ModerationAction.objects.filter(action=A.LIFT).count() == 1


def test_the_tools_changes_are_post_only_and_for_moderators(client, reader, moderator):
    suspension = ban(reader, moderator)
    urls = [suspend_url(reader), reverse("moderation:lift", kwargs={"pk": suspension.pk})]
    client.force_login(moderator)
    for url in urls:
        assert client.get(url).status_code == 405
    client.force_login(UserFactory())
    assert client.post(urls[0], {"kind": "ban", "reason": "spam"}).status_code == 403
    assert client.post(urls[1]).status_code == 403
    assert suspension_in_force(reader) == suspension
    client.logout()
    assert client.post(urls[1]).status_code == 302  # to sign in
    assert suspension_in_force(reader) == suspension


def test_lifting_a_missing_suspension_is_404(mod_client):
    assert mod_client.post(reverse("moderation:lift", kwargs={"pk": 999999})).status_code == 404


def test_the_admin_lists_suspensions_read_only(admin_client, reader, moderator):
    suspension = ban(reader, moderator, note="Spam links.")
    changelist = admin_client.get(reverse("admin:comments_readersuspension_changelist"))
    assert changelist.status_code == 200
    assert reader.username in changelist.content.decode()
    assert admin_client.get(reverse("admin:comments_readersuspension_add")).status_code == 403
    delete = reverse("admin:comments_readersuspension_delete", args=[suspension.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert ReaderSuspension.objects.filter(pk=suspension.pk).exists()


def test_the_admins_lift_action_calls_the_service(admin_client, reader, moderator):
    suspension = ban(reader, moderator)
    response = admin_client.post(
        reverse("admin:comments_readersuspension_changelist"),
        {"action": "lift", "_selected_action": [suspension.pk]},
    )
    assert response.status_code == 302
    assert suspension_in_force(reader) is None
    assert ModerationAction.objects.filter(action=A.LIFT, subject_user=reader).count() == 1


def test_the_history_page_costs_the_same_with_one_suspension_or_many(
    mod_client, reader, moderator, count_queries
):
    reader_suspension_lift(suspension=ban(reader, moderator), actor=moderator)
    one = count_queries(mod_client, history(reader))
    for _ in range(4):
        reader_suspension_lift(suspension=ban(reader, UserFactory(is_superuser=True)), actor=None)
    many = count_queries(mod_client, history(reader))
    assert len(count_queries.response.context["suspensions"]) == 5
    assert one == many


def test_the_notice_costs_one_query_and_keeps_the_page_in_its_budget(
    client, explainer, reader, moderator, count_queries
):
    client.force_login(reader)
    free = count_queries(client, explainer.get_absolute_url())
    suspend(reader, moderator)
    suspended = count_queries(client, explainer.get_absolute_url())
    assert "suspension-notice" in count_queries.response.content.decode()
    assert suspended == free  # the check is one query whether or not it finds anything
    assert suspended <= 8  # tests/test_query_budgets.py: EXPLAINER_SIGNED_IN
    assert "private" in count_queries.response["Cache-Control"]
