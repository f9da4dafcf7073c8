"""Background jobs (Django's tasks API): enqueueing them with a transaction, the one rule for
retrying an email (which errors are the mail server's, how long to wait), and the outboxes'
recovery.

An *outbox* is a model of owed emails (`comments.Notification`, `desk.RequestNotification`)
with `status` (pending, sending, sent, failed, skipped), `attempts`, `claimed_at`,
`next_attempt_at` and `created_at`, and a task taking `notification_id` that claims and sends
one row. Each app registers its outbox (`register_outbox`) in its AppConfig.ready();
`outboxes_requeue` (`manage.py requeue_notifications`, every few minutes) hands on what a dead
worker held or a lost job left pending, in every outbox, and `outbox_retry` is the admin's
"send the failed ones again"."""

import smtplib
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_tasks import task
from django_tasks_db import DatabaseBackend


def enqueue_in_transaction(task_, *, delay: int = 0, **kwargs) -> None:
    """Enqueue so that the job lives and dies with the caller's transaction.

    When jobs are rows in our own database, the job is written in the transaction itself: a
    rollback takes it away, a commit makes it durable. With any other backend (the immediate
    one, or a broker) it is enqueued after the commit; the `Notification` row, written in the
    transaction, is then what `notifications_requeue` recovers a lost job from. A delay is
    kept where the backend can defer (the immediate backend runs everything at once).
    """
    backend = task_.get_backend()
    if delay and backend.supports_defer:
        task_ = task_.using(run_after=timezone.now() + timedelta(seconds=delay))
    if isinstance(backend, DatabaseBackend):
        task_.enqueue(**kwargs)
    else:
        transaction.on_commit(partial(task_.enqueue, **kwargs))


# A mail server that is down, slow or refusing (socket.timeout and ConnectionError are
# OSErrors). Anything else is a bug: not retried.
MAIL_TRANSPORT_ERRORS = (smtplib.SMTPException, OSError)


def mail_retry_delay(attempts: int) -> int | None:
    """Seconds before the next try after `attempts` failed ones; None when none are left."""
    delays = settings.COMMENTS_NOTIFICATION_RETRY_DELAYS
    return delays[attempts - 1] if attempts <= len(delays) else None


@task()
def purge_unused_media() -> int:
    """Delete the uploads and renditions no row or revision names any more (`core.media`)."""
    from . import media

    return len(media.unused_media_delete())


_outboxes: list = []


def register_outbox(model, send_task) -> None:
    """Declare an outbox model and the task that sends one of its rows (see above)."""
    _outboxes.append((model, send_task))


def outbox_requeue(model, send_task, *, now=None) -> int:
    """Enqueue again what a dead worker held (claimed longer ago than the lease) and what is
    overdue (pending past its next attempt by a lease: its job was lost). The claim makes a
    duplicate job harmless."""
    now = now or timezone.now()
    stale = now - timedelta(seconds=settings.COMMENTS_NOTIFICATION_LEASE_SECONDS)
    Status = model.Status
    owed = model.objects.filter(
        Q(status=Status.SENDING, claimed_at__lt=stale)
        | Q(status=Status.PENDING, created_at__lt=stale, next_attempt_at__isnull=True)
        | Q(status=Status.PENDING, next_attempt_at__lt=stale)
    ).values_list("pk", flat=True)
    count = 0
    with transaction.atomic():
        for pk in owed:
            enqueue_in_transaction(send_task, notification_id=pk)
            count += 1
    return count


def outboxes_requeue(*, now=None) -> int:
    """`outbox_requeue` for every registered outbox: how many emails were handed on."""
    return sum(outbox_requeue(model, send_task, now=now) for model, send_task in _outboxes)


def outbox_retry(model, send_task, pks) -> int:
    """Staff's retry of failed emails: back to pending with fresh attempts, and enqueued."""
    count = 0
    with transaction.atomic():
        failed = model.objects.select_for_update().filter(
            pk__in=list(pks), status=model.Status.FAILED
        )
        for pk in failed.values_list("pk", flat=True):
            model.objects.filter(pk=pk).update(status=model.Status.PENDING, attempts=0)
            enqueue_in_transaction(send_task, notification_id=pk)
            count += 1
    return count
