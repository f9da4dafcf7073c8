"""The requesters' outbox is as durable as the comments' (core.tasks' outbox helpers): an
email a dead worker held, or whose job was lost, is handed on by `requeue_notifications`,
and an editor sends the failed ones again from the admin."""

import io
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from desk import services
from desk.models import RequestNotification
from tests.factories import CorrectionRequestFactory

pytestmark = pytest.mark.django_db

Status = RequestNotification.Status


def owed(**fields) -> RequestNotification:
    """A confirmation email owed to a requester, in the state `fields` give it."""
    request = CorrectionRequestFactory(email="aki@example.net", language="en")
    return RequestNotification.objects.create(
        key=f"confirm:{request.pk}",
        kind=RequestNotification.Kind.CONFIRM,
        request=request,
        **fields,
    )


def requeue(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("requeue_notifications", stdout=io.StringIO())


def test_an_email_a_dead_worker_held_is_sent_by_the_requeue(
    settings, django_capture_on_commit_callbacks
):
    long_ago = timezone.now() - timedelta(seconds=settings.COMMENTS_NOTIFICATION_LEASE_SECONDS + 60)
    notification = owed(status=Status.SENDING, claimed_at=long_ago, attempts=1)
    requeue(django_capture_on_commit_callbacks)
    notification.refresh_from_db()
    assert notification.status == Status.SENT
    (message,) = mail.outbox
    assert message.to == ["aki@example.net"]


def test_an_email_whose_job_was_lost_is_sent_by_the_requeue(
    settings, django_capture_on_commit_callbacks
):
    notification = owed()
    long_ago = timezone.now() - timedelta(seconds=settings.COMMENTS_NOTIFICATION_LEASE_SECONDS + 60)
    RequestNotification.objects.filter(pk=notification.pk).update(created_at=long_ago)
    requeue(django_capture_on_commit_callbacks)
    notification.refresh_from_db()
    assert notification.status == Status.SENT and len(mail.outbox) == 1


def test_a_fresh_claim_is_left_to_its_worker(django_capture_on_commit_callbacks):
    notification = owed(status=Status.SENDING, claimed_at=timezone.now(), attempts=1)
    requeue(django_capture_on_commit_callbacks)
    notification.refresh_from_db()
    assert notification.status == Status.SENDING and mail.outbox == []


def test_an_editor_sends_failed_emails_again_from_the_admin(
    client, editor, django_capture_on_commit_callbacks
):
    notification = owed(status=Status.FAILED, attempts=3, last_error="SMTPServerDisconnected()")
    client.force_login(editor)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:desk_requestnotification_changelist"),
            {"action": "retry", "_selected_action": [notification.pk]},
            follow=True,
        )
    assert response.status_code == 200
    assert "1 email is queued to be sent again." in response.content.decode()
    notification.refresh_from_db()
    assert notification.status == Status.SENT and len(mail.outbox) == 1


def test_only_those_who_decide_requests_may_send_again(moderator):
    notification = owed(status=Status.FAILED, attempts=3)
    with pytest.raises(PermissionDenied):
        services.request_notifications_retry(
            actor=moderator, notifications=RequestNotification.objects.all()
        )
    notification.refresh_from_db()
    assert notification.status == Status.FAILED
