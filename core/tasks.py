"""Background jobs (Django's tasks API): enqueueing them with a transaction, and the one rule
for retrying an email (which errors are the mail server's, how long to wait)."""

import smtplib
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
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
