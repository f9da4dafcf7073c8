"""The desk's background work: each email owed to a requester is sent by its own job."""

from django_tasks import task

from . import notifications


@task()
def send_request_notification(*, notification_id: int) -> str:
    """Send one owed email at most once (claimed, sent, recorded; retried on mail errors)."""
    return notifications.request_notification_deliver(notification_id=notification_id)
