"""Background jobs: the commands only enqueue, failed emails are visible to staff and can be
retried, and the old sending paths are gone."""

import io

import pytest
from django.conf import settings as django_settings
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from comments import notifications, tasks
from comments.models import Notification
from readers.models import ReaderProfile
from tests.factories import CommentFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _mail(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def failed_reply_email():
    author = UserFactory(username="aiko", email="aiko@example.net")
    ReaderProfile.objects.create(user=author, notify_replies=True)
    top = CommentFactory(user=author, guest_name="", guest_email="")
    reply = CommentFactory(explainer=top.explainer, parent=top, status="approved")
    return Notification.objects.create(
        key=f"reply:{reply.pk}:user:{author.pk}",
        kind=Notification.Kind.REPLY,
        recipient=author,
        comment=reply,
        status=Notification.Status.FAILED,
        attempts=5,
        last_error="SMTPServerDisconnected('Connection unexpectedly closed')",
    )


def test_failed_emails_are_listed_for_staff(client):
    failed_reply_email()
    client.force_login(UserFactory(username="boss", is_staff=True, is_superuser=True))
    response = client.get(
        reverse("admin:comments_notification_changelist"), {"status__exact": "failed"}
    )
    assert response.status_code == 200
    assert b"SMTPServerDisconnected" in response.content
    notification = Notification.objects.get()
    change = reverse("admin:comments_notification_change", args=[notification.pk])
    assert client.get(change).status_code == 200


def test_staff_retry_sends_a_failed_email_once(
    client, moderator, django_capture_on_commit_callbacks
):
    notification = failed_reply_email()
    moderator.is_superuser = True  # moderators may retry; the superuser flag lets them see it
    moderator.save()
    client.force_login(moderator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:comments_notification_changelist"),
            {"action": "retry", ACTION_CHECKBOX_NAME: [notification.pk]},
        )
    assert response.status_code == 302
    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == ("sent", 1)
    assert [message.to for message in mail.outbox] == [["aiko@example.net"]]


def test_retry_leaves_sent_emails_alone(django_capture_on_commit_callbacks):
    notification = failed_reply_email()
    Notification.objects.filter(pk=notification.pk).update(status="sent")
    with django_capture_on_commit_callbacks(execute=True):
        assert notifications.notifications_retry(Notification.objects.all()) == 0
    assert mail.outbox == []


def test_a_sent_email_is_never_sent_again_by_a_second_job(django_capture_on_commit_callbacks):
    notification = failed_reply_email()
    Notification.objects.filter(pk=notification.pk).update(status="pending", attempts=0)
    with django_capture_on_commit_callbacks(execute=True):
        tasks.send_notification.enqueue(notification_id=notification.pk)
        tasks.send_notification.enqueue(notification_id=notification.pk)
    assert len(mail.outbox) == 1


def test_commands_enqueue_their_jobs(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    out = io.StringIO()
    call_command("purge_personal_data", stdout=out)
    call_command("purge_comment_ips", stdout=out)  # its old name
    call_command("send_moderation_digest", stdout=out)
    backend = tasks.purge_comment_ips.get_backend()
    assert [result.task.name for result in backend.results] == [
        "purge_personal_data",
        "purge_personal_data",
        "send_moderation_digest",
    ]
    assert "Enqueued" in out.getvalue()


def test_mail_server_errors_are_retried_but_bugs_are_not():
    assert issubclass(TimeoutError, notifications.TRANSIENT_ERRORS)  # socket.timeout
    assert issubclass(ConnectionRefusedError, notifications.TRANSIENT_ERRORS)
    assert not issubclass(ValueError, notifications.TRANSIENT_ERRORS)


def test_the_daemon_thread_setting_is_gone():
    assert not hasattr(django_settings, "COMMENTS_EMAIL_IN_BACKGROUND")
    assert not hasattr(notifications, "threading")
