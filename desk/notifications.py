"""Emails to a reader who asked for a correction: the confirmation link for their address
(double opt-in), then, once confirmed, the outcome of their request.

The outbox is `RequestNotification`, written by `desk.services` in its transaction with the
job that sends it (`desk.tasks.send_request_notification`), as `comments.notifications` does
for comment emails: a rolled-back decision owes nothing, a committed one is never forgotten,
and the worker sends only a row it has claimed. Each email is in the request's language (the
language the reader used the site in) and builds its links from SITE_URL.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.mail import get_connection
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone, translation

from core.mail import templated_email
from core.tasks import MAIL_TRANSPORT_ERRORS, enqueue_in_transaction, mail_retry_delay

from . import tasks
from .models import CorrectionRequest, RequestNotification

logger = logging.getLogger(__name__)

CONFIRM_SALT = "desk.request-email"


def confirm_token(request: CorrectionRequest) -> str:
    """A signed token naming the request and its address: the only credential the
    confirmation link carries. It names nothing once the address is gone."""
    return signing.dumps({"r": request.pk, "e": request.email.lower()}, salt=CONFIRM_SALT)


def read_confirm_token(token: str) -> tuple[int, str]:
    """(request id, address) for a valid token; signing.BadSignature otherwise."""
    data = signing.loads(token, salt=CONFIRM_SALT)
    if not isinstance(data, dict) or not isinstance(data.get("r"), int):
        raise signing.BadSignature("Not a confirmation link.")
    return data["r"], str(data.get("e", ""))


def confirm_url(request: CorrectionRequest) -> str:
    with translation.override(request.language):
        path = reverse("desk:confirm", kwargs={"token": confirm_token(request)})
    return f"{settings.SITE_URL}{path}"


def request_notification_create(
    *, request: CorrectionRequest, kind: str, outcome: str = ""
) -> bool:
    """Owe one email about `request`, and enqueue its sending, in the caller's transaction.
    Idempotent by its key: True when a new email is owed."""
    key = f"{kind}:{request.pk}" + (f":{outcome}" if outcome else "")
    try:
        with transaction.atomic():
            notification = RequestNotification.objects.create(
                key=key, kind=kind, request=request, outcome=outcome
            )
    except IntegrityError:
        return False
    enqueue_in_transaction(tasks.send_request_notification, notification_id=notification.pk)
    return True


def _message(request: CorrectionRequest, *, template: str, context: dict):
    language = request.language or settings.LANGUAGE_CODE
    with translation.override(language):  # the explainer's address in the reader's language
        explainer_url = f"{settings.SITE_URL}{request.explainer.get_absolute_url()}"
    context = {
        **context,
        "correction_request": request,
        "explainer": request.explainer,
        "explainer_url": explainer_url,
    }
    return templated_email(f"desk/email/{template}", context, to=request.email, language=language)


def _build(notification: RequestNotification):
    """The email, or None when it is no longer owed (address gone, not confirmed)."""
    request = notification.request
    if not request.email:
        return None
    if notification.kind == RequestNotification.Kind.CONFIRM:
        if request.email_confirmed_at is not None:
            return None
        return _message(request, template="confirm", context={"confirm_url": confirm_url(request)})
    if request.email_confirmed_at is None:
        return None
    return _message(
        request,
        template="outcome",
        context={
            "outcome": notification.outcome,
            "correction": request.correction,
            "reason": request.decline_reason,
        },
    )


def _finish(notification_id, **fields) -> None:
    RequestNotification.objects.filter(pk=notification_id).update(**fields)


def request_notification_deliver(*, notification_id: int, now=None) -> str:
    """Send one owed email at most once and record what happened (the task's body): claimed
    with one conditional UPDATE, mail-server errors retried with COMMENTS_NOTIFICATION_RETRY_DELAYS,
    anything else a bug, marked failed at once."""
    now = now or timezone.now()
    Status = RequestNotification.Status
    stale = now - timedelta(seconds=settings.COMMENTS_NOTIFICATION_LEASE_SECONDS)
    claimed = (
        RequestNotification.objects.filter(pk=notification_id)
        .filter(Q(status=Status.PENDING) | Q(status=Status.SENDING, claimed_at__lt=stale))
        .update(status=Status.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    )
    if not claimed:
        return "not-claimed"
    notification = RequestNotification.objects.select_related(
        "request__explainer", "request__correction"
    ).get(pk=notification_id)
    try:
        message = _build(notification)
    except Exception as error:
        logger.exception("Request notification %s could not be built.", notification.key)
        _finish(notification_id, status=Status.FAILED, last_error=repr(error))
        return Status.FAILED
    if message is None:
        _finish(notification_id, status=Status.SKIPPED)
        return Status.SKIPPED
    try:
        get_connection().send_messages([message])
    except MAIL_TRANSPORT_ERRORS as error:
        delay = mail_retry_delay(notification.attempts)
        if delay is None:
            _finish(notification_id, status=Status.FAILED, last_error=repr(error))
            return Status.FAILED
        with transaction.atomic():
            _finish(
                notification_id,
                status=Status.PENDING,
                last_error=repr(error),
                next_attempt_at=now + timedelta(seconds=delay),
            )
            enqueue_in_transaction(
                tasks.send_request_notification, notification_id=notification_id, delay=delay
            )
        return Status.PENDING
    except Exception as error:
        logger.exception("Request notification %s could not be sent.", notification.key)
        _finish(notification_id, status=Status.FAILED, last_error=repr(error))
        return Status.FAILED
    _finish(notification_id, status=Status.SENT, sent_at=timezone.now(), last_error="")
    return Status.SENT
