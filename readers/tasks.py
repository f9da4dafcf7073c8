"""Account emails (allauth's: verification, password reset, "your password was changed") are
written in the request, in the recipient's language, and sent by a worker like every other
email: a mail server that is down delays them, retried with backoff, and never loses them to a
worker restart."""

import logging
from datetime import timedelta

from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.utils import timezone
from django_tasks import task

from core.tasks import MAIL_TRANSPORT_ERRORS, mail_retry_delay

logger = logging.getLogger(__name__)


def message_data(message: EmailMessage) -> dict:
    """What a job needs to send a written email again: JSON, no objects."""
    return {
        "subject": message.subject,
        "body": message.body,
        "from_email": message.from_email,
        "to": list(message.to),
        "headers": dict(message.extra_headers),
        "content_subtype": message.content_subtype,
        "alternatives": [list(alternative) for alternative in getattr(message, "alternatives", [])],
    }


def message_from(data: dict) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=data["subject"],
        body=data["body"],
        from_email=data["from_email"],
        to=data["to"],
        headers=data["headers"],
    )
    message.content_subtype = data["content_subtype"]
    for content, mimetype in data["alternatives"]:
        message.attach_alternative(content, mimetype)
    return message


@task()
def send_account_email(*, message: dict, attempt: int = 1) -> str:
    """Send one written account email; a mail-server error is retried with backoff."""
    try:
        message_from(message).send()
    except MAIL_TRANSPORT_ERRORS as error:
        delay = mail_retry_delay(attempt)
        if delay is None:
            logger.error("Gave up sending an account email to %s: %s", message["to"], error)
            return "failed"
        logger.warning("Account email to %s failed (%s); trying again", message["to"], error)
        account_email_enqueue(message=message, attempt=attempt + 1, delay=delay)
        return "retrying"
    return "sent"


def account_email_enqueue(*, message: dict, attempt: int = 1, delay: int = 0) -> None:
    """Queue an account email at once. Not held until a commit: nothing an account email is
    about is undone by a rollback (allauth has already saved what the email confirms), and on
    the database backend the job row is written in whatever transaction is open anyway."""
    job = send_account_email
    if delay and job.get_backend().supports_defer:
        job = job.using(run_after=timezone.now() + timedelta(seconds=delay))
    job.enqueue(message=message, attempt=attempt)


@task()
def purge_personal_data() -> dict:
    """Forget what the retention rule says must go, in every app (`readers.privacy`)."""
    from . import privacy

    return privacy.personal_data_purge()
