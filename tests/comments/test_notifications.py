"""Emails to readers (replies, decisions), one-click unsubscribe, and the moderators' digest."""

import io
import logging
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone, translation

from comments import moderation, notifications, submission
from comments.models import Comment, ModerationAction, Notification
from readers import services as reader_services
from readers import unsubscribe
from readers.models import ReaderProfile
from tests.comments.helpers import token
from tests.factories import CommentFactory, ExplainerFactory, UserFactory

pytestmark = pytest.mark.django_db


class FailingBackend(BaseEmailBackend):
    """A mail server that is down."""

    def send_messages(self, email_messages):
        raise ConnectionRefusedError("The mail server is down.")


FAILING_BACKEND = f"{__name__}.FailingBackend"


@pytest.fixture(scope="module", autouse=True)
def compiled_catalogue():
    """Emails are written in the reader's language: compile the catalogue as set-up does."""
    call_command("compile_catalogues", stdout=io.StringIO())
    with override_settings(LOCALE_PATHS=list(django_settings.LOCALE_PATHS)):
        yield


@pytest.fixture(autouse=True)
def _mail(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SITE_URL = "https://kaisetsu.example"


def reader(name, *, replies=False, decisions=False, language="en"):
    user = UserFactory(username=name, email=f"{name}@example.net")
    reader_services.reader_profile_update(
        user=user,
        display_name=name.title(),
        notify_replies=replies,
        notify_decisions=decisions,
        language=language,
    )
    return user


def approve(comment, moderator, capture):
    with capture(execute=True):
        moderation.comment_approve(comment=comment, actor=moderator)


def reject(comment, moderator, capture, reason="off_topic"):
    with capture(execute=True):
        moderation.comment_reject(comment=comment, actor=moderator, reason=reason)


def pending_reply(explainer, parent, user):
    return CommentFactory(
        explainer=explainer,
        parent=parent,
        user=user,
        guest_name="",
        guest_email="",
        status="pending",
    )


# --- Replies ------------------------------------------------------------------------------


def test_published_reply_emails_the_author_who_opted_in(
    explainer, moderator, django_capture_on_commit_callbacks
):
    author = reader("aiko", replies=True)
    top = CommentFactory(explainer=explainer, user=author, guest_name="", guest_email="")
    reply = pending_reply(explainer, top, reader("botan"))
    approve(reply, moderator, django_capture_on_commit_callbacks)
    [message] = mail.outbox
    assert message.to == ["aiko@example.net"]
    assert explainer.title in message.subject
    assert f"https://kaisetsu.example{reply.get_absolute_url()}" in message.body
    assert "Botan" in message.body


def test_reply_email_is_multipart_with_unsubscribe_headers(
    explainer, moderator, django_capture_on_commit_callbacks
):
    author = reader("aiko", replies=True)
    top = CommentFactory(explainer=explainer, user=author, guest_name="", guest_email="")
    approve(
        pending_reply(explainer, top, reader("botan")),
        moderator,
        django_capture_on_commit_callbacks,
    )
    [message] = mail.outbox
    [(html_body, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    link = message.extra_headers["List-Unsubscribe"].strip("<>")
    assert link.startswith("https://kaisetsu.example/accounts/unsubscribe/")
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert link in message.body
    assert link in html_body


def test_reply_email_is_in_the_recipients_language_not_the_repliers(
    explainer, moderator, django_capture_on_commit_callbacks
):
    author = reader("aiko", replies=True, language="ja")
    top = CommentFactory(explainer=explainer, user=author, guest_name="", guest_email="")
    reply = pending_reply(explainer, top, reader("botan", language="en"))
    with translation.override("en"):  # the moderator works in English
        approve(reply, moderator, django_capture_on_commit_callbacks)
    [message] = mail.outbox
    with translation.override("ja"):
        stop_ja = translation.gettext("Stop these emails (one click, no sign-in):")
    assert stop_ja != "Stop these emails (one click, no sign-in):"
    assert stop_ja in message.body
    assert "New reply" not in message.subject
    assert 'lang="ja"' in message.alternatives[0][0]


def test_no_reply_email_without_opting_in(explainer, moderator, django_capture_on_commit_callbacks):
    top = CommentFactory(explainer=explainer, user=reader("aiko"), guest_name="", guest_email="")
    approve(
        pending_reply(explainer, top, reader("botan")),
        moderator,
        django_capture_on_commit_callbacks,
    )
    assert mail.outbox == []


def test_no_reply_email_for_answering_oneself(
    explainer, moderator, django_capture_on_commit_callbacks
):
    author = reader("aiko", replies=True)
    top = CommentFactory(explainer=explainer, user=author, guest_name="", guest_email="")
    approve(pending_reply(explainer, top, author), moderator, django_capture_on_commit_callbacks)
    assert mail.outbox == []


def test_reply_published_at_once_emails_the_author(
    explainer, editor, django_capture_on_commit_callbacks
):
    top = CommentFactory(
        explainer=explainer, user=reader("aiko", replies=True), guest_name="", guest_email=""
    )
    with django_capture_on_commit_callbacks(execute=True):
        submission.comment_submit(
            explainer=explainer, body="Thanks, we will add an update soon.", user=editor, parent=top
        )
    assert [message.to for message in mail.outbox] == [["aiko@example.net"]]


def test_reply_to_a_reply_emails_the_author_answered(
    explainer, moderator, django_capture_on_commit_callbacks
):
    top = CommentFactory(
        explainer=explainer, user=reader("aiko", replies=True), guest_name="", guest_email=""
    )
    middle = CommentFactory(
        explainer=explainer,
        parent=top,
        user=reader("botan", replies=True),
        guest_name="",
        guest_email="",
    )
    answer = CommentFactory(
        explainer=explainer,
        parent=top,
        in_reply_to=middle,
        user=reader("chika"),
        guest_name="",
        guest_email="",
        status="pending",
    )
    approve(answer, moderator, django_capture_on_commit_callbacks)
    assert [message.to for message in mail.outbox] == [["botan@example.net"]]


def test_reply_email_html_escapes_everything_but_the_sanitized_body(
    explainer, moderator, django_capture_on_commit_callbacks
):
    top = CommentFactory(
        explainer=explainer, user=reader("aiko", replies=True), guest_name="", guest_email=""
    )
    reply = CommentFactory(
        explainer=explainer,
        parent=top,
        guest_name="<img src=x onerror=alert(1)>",
        guest_email="guest@example.net",
        body="<script>alert('x')</script> see this",
        status="pending",
    )
    approve(reply, moderator, django_capture_on_commit_callbacks)
    [(html_body, _mimetype)] = mail.outbox[0].alternatives
    assert "<script>" not in html_body
    assert "<img src=x" not in html_body
    assert "&lt;script&gt;" in html_body


# --- Decisions ----------------------------------------------------------------------------


def test_approval_emails_the_author_who_opted_in(
    explainer, moderator, django_capture_on_commit_callbacks
):
    comment = CommentFactory(
        explainer=explainer,
        user=reader("aiko", decisions=True),
        guest_name="",
        guest_email="",
        status="pending",
    )
    approve(comment, moderator, django_capture_on_commit_callbacks)
    [message] = mail.outbox
    assert message.to == ["aiko@example.net"]
    assert "published" in message.subject
    assert f"https://kaisetsu.example{comment.get_absolute_url()}" in message.body


def test_rejection_email_gives_the_reason(explainer, moderator, django_capture_on_commit_callbacks):
    comment = CommentFactory(
        explainer=explainer,
        user=reader("aiko", decisions=True),
        guest_name="",
        guest_email="",
        status="pending",
    )
    reject(comment, moderator, django_capture_on_commit_callbacks, reason="personal_info")
    [message] = mail.outbox
    assert "Personal information" in message.body
    assert "Personal information" in message.alternatives[0][0]


def test_no_decision_email_without_opting_in(
    explainer, moderator, django_capture_on_commit_callbacks
):
    comment = CommentFactory(
        explainer=explainer,
        user=reader("aiko", replies=True),
        guest_name="",
        guest_email="",
        status="pending",
    )
    reject(comment, moderator, django_capture_on_commit_callbacks)
    assert mail.outbox == []


def test_spam_decision_sends_nothing(explainer, moderator, django_capture_on_commit_callbacks):
    comment = CommentFactory(
        explainer=explainer,
        user=reader("aiko", decisions=True),
        guest_name="",
        guest_email="",
        status="pending",
    )
    with django_capture_on_commit_callbacks(execute=True):
        moderation.comment_mark_spam(comment=comment, actor=moderator)
    assert mail.outbox == []


def test_decision_email_is_in_the_readers_language(
    explainer, moderator, django_capture_on_commit_callbacks
):
    comment = CommentFactory(
        explainer=explainer,
        user=reader("aiko", decisions=True, language="ja"),
        guest_name="",
        guest_email="",
        status="pending",
    )
    reject(comment, moderator, django_capture_on_commit_callbacks, reason="off_topic")
    [message] = mail.outbox
    with translation.override("ja"):
        reason_ja = translation.gettext("Off topic")
    with translation.override("en"):
        english = notifications.build_message(
            user=comment.user,
            profile=ReaderProfile(language="en"),
            kind="decisions",
            template="decision",
            context={"explainer": explainer, "action": "reject", "reason": "Off topic"},
        )
    assert reason_ja != "Off topic"
    assert reason_ja in message.body
    assert message.subject != english.subject
    assert 'lang="ja"' in message.alternatives[0][0]


def test_decision_rolled_back_sends_nothing(
    explainer, moderator, django_capture_on_commit_callbacks
):
    comment = CommentFactory(
        explainer=explainer,
        user=reader("aiko", decisions=True),
        guest_name="",
        guest_email="",
        status="pending",
    )
    from django.db import transaction

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                moderation.comment_approve(comment=comment, actor=moderator)
                raise RuntimeError("something later in the request failed")
        except RuntimeError:
            pass
    assert callbacks == []
    assert mail.outbox == []


# --- A mail server that is down -----------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_failing_mail_keeps_the_decision_and_logs(explainer, caplog, settings):
    settings.EMAIL_BACKEND = FAILING_BACKEND
    moderator = UserFactory(username="mod", is_staff=True)
    from django.contrib.auth.models import Group

    moderator.groups.add(Group.objects.get(name="Moderators"))
    comment = CommentFactory(
        explainer=explainer,
        user=reader("aiko", decisions=True),
        guest_name="",
        guest_email="",
        status="pending",
    )
    client = Client()
    client.force_login(moderator)
    with caplog.at_level(logging.ERROR, logger="comments.notifications"):
        response = client.post(reverse("moderation:approve", args=[comment.pk]))
    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.status == "approved"
    assert ModerationAction.objects.filter(comment=comment, action="approve").exists()
    assert "failed after" in caplog.text
    [owed] = Notification.objects.all()
    assert (owed.status, owed.attempts) == ("failed", 5)
    assert "ConnectionRefusedError" in owed.last_error


@pytest.mark.django_db(transaction=True)
def test_failing_mail_keeps_the_comment_and_logs(explainer, caplog, settings):
    settings.EMAIL_BACKEND = FAILING_BACKEND
    settings.COMMENTS_MIN_SECONDS_TO_SUBMIT = 0
    top = CommentFactory(
        explainer=explainer, user=reader("aiko", replies=True), guest_name="", guest_email=""
    )
    trusted = reader("botan")
    ReaderProfile.objects.filter(user=trusted).update(trust="granted")
    client = Client()
    client.force_login(trusted)
    with caplog.at_level(logging.ERROR, logger="comments.notifications"):
        response = client.post(
            reverse("comments:reply", args=[explainer.slug, top.pk]),
            {
                "body": "A reply that is published at once.",
                "issued": token(explainer, age_seconds=60),
            },
        )
    assert response.status_code == 302
    assert "posted=approved" in response["Location"]
    assert Comment.objects.filter(user=trusted, status="approved", parent=top).exists()
    assert "failed after" in caplog.text
    assert Notification.objects.get().status == "failed"


# --- Unsubscribe --------------------------------------------------------------------------


def unsubscribe_path(user, kind):
    return reverse(
        "reader:unsubscribe",
        kwargs={"token": unsubscribe.unsubscribe_token(user=user, kind=kind)},
    )


def test_unsubscribe_link_asks_first_without_signing_in():
    user = reader("aiko", replies=True)
    response = Client().get(unsubscribe_path(user, "replies"))
    assert response.status_code == 200
    assert b'type="submit"' in response.content
    assert ReaderProfile.objects.get(user=user).notify_replies is True


def test_unsubscribe_confirmed_turns_that_email_off_only():
    user = reader("aiko", replies=True, decisions=True)
    response = Client(enforce_csrf_checks=True).post(unsubscribe_path(user, "replies"))
    assert response.status_code == 200
    profile = ReaderProfile.objects.get(user=user)
    assert (profile.notify_replies, profile.notify_decisions) == (False, True)


def test_one_click_unsubscribe_from_the_email_header(
    explainer, moderator, django_capture_on_commit_callbacks
):
    user = reader("aiko", decisions=True)
    comment = CommentFactory(
        explainer=explainer, user=user, guest_name="", guest_email="", status="pending"
    )
    approve(comment, moderator, django_capture_on_commit_callbacks)
    link = mail.outbox[0].extra_headers["List-Unsubscribe"].strip("<>")
    path = link.removeprefix("https://kaisetsu.example")
    response = Client(enforce_csrf_checks=True).post(
        path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    assert ReaderProfile.objects.get(user=user).notify_decisions is False


def test_tampered_unsubscribe_link_is_refused():
    user = reader("aiko", replies=True)
    response = Client().post(unsubscribe_path(user, "replies")[:-3] + "xx/")
    assert response.status_code == 400
    assert ReaderProfile.objects.get(user=user).notify_replies is True


# --- The moderators' digest ---------------------------------------------------------------


def moderators_group():
    from django.contrib.auth.models import Group

    return Group.objects.get(name="Moderators")


def send_digest(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_moderation_digest", stdout=io.StringIO())


def test_digest_sends_nothing_when_the_queue_is_empty(
    moderator, django_capture_on_commit_callbacks
):
    CommentFactory(status="approved")
    send_digest(django_capture_on_commit_callbacks)
    assert mail.outbox == []
    assert not Notification.objects.exists()


def test_digest_gives_count_oldest_age_and_busiest_explainers(
    moderator, django_capture_on_commit_callbacks
):
    busy = ExplainerFactory(published=True, title="Busy explainer")
    quiet = ExplainerFactory(published=True, title="Quiet explainer")
    oldest = CommentFactory(explainer=quiet, status="pending")
    Comment.objects.filter(pk=oldest.pk).update(created_at=timezone.now() - timedelta(hours=5))
    for _ in range(3):
        CommentFactory(explainer=busy, status="pending")
    CommentFactory(explainer=busy, status="approved")
    UserFactory(username="not-a-moderator")
    send_digest(django_capture_on_commit_callbacks)
    [message] = mail.outbox
    assert message.to == [moderator.email]
    assert "4 comments await moderation" in message.subject
    assert "5 hours" in message.body.replace("\xa0", " ")
    assert message.body.index("Busy explainer: 3") < message.body.index("Quiet explainer: 1")
    assert message.alternatives[0][1] == "text/html"


def test_digest_goes_to_every_moderator_in_their_language(
    moderator, django_capture_on_commit_callbacks
):
    other = UserFactory(username="mod-ja", email="mod-ja@example.net", is_staff=True)
    other.groups.add(moderators_group())
    reader_services.reader_profile_update(user=other, language="ja")
    CommentFactory(status="pending")
    send_digest(django_capture_on_commit_callbacks)
    by_address = {message.to[0]: message for message in mail.outbox}
    assert set(by_address) == {moderator.email, "mod-ja@example.net"}
    assert by_address["mod-ja@example.net"].subject != by_address[moderator.email].subject


def test_digest_has_a_one_click_unsubscribe_that_stops_it(
    moderator, django_capture_on_commit_callbacks
):
    CommentFactory(status="pending")
    send_digest(django_capture_on_commit_callbacks)
    [message] = mail.outbox
    link = message.extra_headers["List-Unsubscribe"].strip("<>")
    assert link.startswith("https://kaisetsu.example/")
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert link in message.body
    response = Client(enforce_csrf_checks=True).post(
        link.removeprefix("https://kaisetsu.example"),
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert ReaderProfile.objects.get(user=moderator).notify_digest is False
    Notification.objects.all().delete()  # a new day
    mail.outbox.clear()
    send_digest(django_capture_on_commit_callbacks)
    assert mail.outbox == []


def test_digest_is_owed_once_a_day_however_often_cron_runs(
    moderator, django_capture_on_commit_callbacks
):
    CommentFactory(status="pending")
    send_digest(django_capture_on_commit_callbacks)
    send_digest(django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1


def test_one_event_owes_one_email_however_often_it_is_reported(
    explainer, django_capture_on_commit_callbacks
):
    top = CommentFactory(
        explainer=explainer, user=reader("aiko", replies=True), guest_name="", guest_email=""
    )
    reply = CommentFactory(explainer=explainer, parent=top, status="approved")
    with django_capture_on_commit_callbacks(execute=True):
        notifications.on_published(reply)
        notifications.on_published(reply)
    assert len(mail.outbox) == 1
    assert Notification.objects.get().key == f"reply:{reply.pk}:user:{top.user_id}"


def test_a_template_error_is_a_bug_logged_and_not_retried(
    explainer, moderator, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    def broken(notification):
        raise ValueError("a bug in the template")

    monkeypatch.setitem(notifications.BUILDERS, Notification.Kind.DECISION, broken)
    comment = CommentFactory(
        explainer=explainer,
        user=reader("aiko", decisions=True),
        guest_name="",
        guest_email="",
        status="pending",
    )
    with caplog.at_level(logging.ERROR, logger="comments.notifications"):
        approve(comment, moderator, django_capture_on_commit_callbacks)
    owed = Notification.objects.get()
    assert (owed.status, owed.attempts) == ("failed", 1)
    assert "a bug in the template" in caplog.text
    assert mail.outbox == []


def test_no_request_sends_mail_itself(explainer, moderator, django_capture_on_commit_callbacks):
    """The decision only owes the email: nothing is sent until its job runs."""
    comment = CommentFactory(
        explainer=explainer,
        user=reader("aiko", decisions=True),
        guest_name="",
        guest_email="",
        status="pending",
    )
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        moderation.comment_approve(comment=comment, actor=moderator)
    assert mail.outbox == []
    assert Notification.objects.get().status == "pending"
    for callback in callbacks:
        callback()
    assert len(mail.outbox) == 1
    assert Notification.objects.get().status == "sent"
