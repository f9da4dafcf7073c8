"""Enqueueing background jobs (Django's tasks API) so they live and die with a transaction."""

from datetime import timedelta
from functools import partial

from django.db import transaction
from django.utils import timezone
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
