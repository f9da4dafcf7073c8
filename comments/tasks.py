"""The comments app's background work, on Django's tasks API (the django-tasks backport).

Every email is sent here, by a worker (`manage.py db_worker`), never by a request: one
`send_notification` job per owed email (the `Notification` row is the outbox; see
`comments.notifications`). The periodic jobs (the moderators' digest, the address purge) are
enqueued by their management commands, run from cron or systemd timers.
"""

from django_tasks import task

from core.tasks import outboxes_requeue
from readers import privacy as reader_privacy

from . import notifications


@task()
def send_notification(*, notification_id: int) -> str:
    """Send one owed email at most once (claimed, sent, recorded; retried on mail errors)."""
    return notifications.notification_deliver(notification_id=notification_id)


@task()
def send_moderation_digest() -> int:
    """Owe each moderator today's queue digest; each is then sent by its own job."""
    return notifications.moderation_digest_enqueue()


@task()
def requeue_notifications() -> int:
    """Enqueue again the emails whose job was lost or whose worker died."""
    return outboxes_requeue()


@task()
def purge_comment_ips() -> dict:
    """The job's old name (jobs enqueued before it was renamed): every app's retention rule,
    as `readers.tasks.purge_personal_data` runs it."""
    return reader_privacy.personal_data_purge()
