"""The explainers app's background work (Django's tasks API): the editorial workflow emails
(`explainers.notifications`), sent by a worker (`manage.py db_worker`), never by a request."""

from django_tasks import task

from . import notifications


@task()
def send_workflow_email(
    *, user_id: int, event: str, explainer_id: int, actor_id=None, note: str = "", attempt: int = 1
) -> str:
    """Write and send one workflow email in its recipient's language (retried on mail errors)."""
    return notifications.workflow_email_deliver(
        user_id=user_id,
        event=event,
        explainer_id=explainer_id,
        actor_id=actor_id,
        note=note,
        attempt=attempt,
    )
