"""Editorial workflow emails: "submitted for review" to the Editors, "changes requested" and
"published" to the author.

No request sends them. The workflow service calls `workflow_notify` inside its transaction;
it enqueues one `explainers.tasks.send_workflow_email` job per recipient in that transaction
(`core.tasks.enqueue_in_transaction`: with the database backend the job is a row written with
the decision, so a rollback owes nothing and a committed decision survives a restart). The job
writes the email when it runs, in the recipient's language (their reader profile's, else the
site's), and retries a failing mail server with the notifications' backoff. Each email carries
a signed one-click unsubscribe link (also as List-Unsubscribe / List-Unsubscribe-Post headers)
that records a `WorkflowEmailOptOut`.
"""

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core import signing
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext

from core.mail import templated_email
from core.tasks import MAIL_TRANSPORT_ERRORS, enqueue_in_transaction, mail_retry_delay
from readers.models import ReaderProfile, public_name

from . import tasks
from .models import Explainer, WorkflowEmailOptOut

logger = logging.getLogger(__name__)

EVENTS = ("submitted", "changes_requested", "published")
EDITORS_GROUP = "Editors"
UNSUBSCRIBE_SALT = "explainers.workflow-emails"


def unsubscribe_token(user) -> str:
    return signing.dumps({"u": user.pk}, salt=UNSUBSCRIBE_SALT, compress=True)


def read_unsubscribe_token(token: str):
    """The account a valid token names; raises signing.BadSignature for anything else."""
    data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    user = get_user_model().objects.filter(pk=data.get("u") if isinstance(data, dict) else None)
    user = user.first()
    if user is None:
        raise signing.BadSignature("No such account.")
    return user


def unsubscribe_url(user) -> str:
    path = reverse("admin:explainers_workflow_unsubscribe", args=[unsubscribe_token(user)])
    return f"{settings.SITE_URL}{path}"


def workflow_emails_stop(*, user) -> None:
    WorkflowEmailOptOut.objects.get_or_create(user=user)


def _wants(user) -> bool:
    return (
        user is not None
        and user.is_active
        and bool(user.email)
        and not WorkflowEmailOptOut.objects.filter(user=user).exists()
    )


def recipients(*, event: str, actor, author=None) -> list:
    """Who hears of `event`: the Editors for a submission, the author otherwise; never the
    person who did it."""
    if event == "submitted":
        group = Group.objects.filter(name=EDITORS_GROUP).first()
        people = list(group.user_set.filter(is_active=True).order_by("pk")) if group else []
    else:
        people = [author] if author is not None else []
    actor_pk = getattr(actor, "pk", None)
    return [person for person in people if person.pk != actor_pk and _wants(person)]


def workflow_notify(*, event: str, explainer: Explainer, actor, author=None) -> int:
    """Owe each recipient an email about `event` (call inside the service's transaction)."""
    if event not in EVENTS:
        raise ValueError(f"Unknown workflow email: {event!r}")
    people = recipients(event=event, actor=actor, author=author)
    for person in people:
        enqueue_in_transaction(
            tasks.send_workflow_email,
            user_id=person.pk,
            event=event,
            explainer_id=explainer.pk,
            actor_id=getattr(actor, "pk", None),
            note=explainer.review_note if event == "changes_requested" else "",
        )
    return len(people)


def build_message(*, user, event: str, explainer: Explainer, actor, note: str = ""):
    """The email, written in the recipient's language."""
    profile = ReaderProfile.objects.filter(user=user).first()
    language = profile.email_language() if profile is not None else settings.LANGUAGE_CODE
    link = unsubscribe_url(user)
    change = reverse("admin:explainers_explainer_change", args=[explainer.pk])
    # Published for a time still to come: the email says when (its page is a 404 until then,
    # so it links only the admin). Decided when the email is written, so a late one says
    # "published".
    scheduled = (
        event == "published"
        and explainer.status == Explainer.Status.PUBLISHED
        and not explainer.is_published
        and explainer.publish_at is not None
    )
    with translation.override(language):
        context = {
            "scheduled_for": (
                formats.date_format(timezone.localtime(explainer.publish_at), gettext("j F H:i"))
                if scheduled
                else ""
            ),
            "event": event,
            "explainer": explainer,
            "title": str(explainer),
            "actor_name": public_name(actor) if actor is not None else "",
            "recipient_name": public_name(user),
            "note": note,
            "admin_url": f"{settings.SITE_URL}{change}",
            "page_url": f"{settings.SITE_URL}{explainer.canonical_path()}",
            "unsubscribe_url": link,
        }
    return templated_email(
        "explainers/email/workflow",
        context,
        to=user.email,
        language=language,
        unsubscribe_url=link,
    )


def workflow_email_deliver(
    *, user_id: int, event: str, explainer_id: int, actor_id=None, note: str = "", attempt: int = 1
) -> str:
    """Send one workflow email; a mail-server error is retried with backoff, then logged."""
    user = get_user_model().objects.filter(pk=user_id).first()
    explainer = Explainer.objects.filter(pk=explainer_id).first()
    if user is None or explainer is None or not _wants(user):
        return "skipped"
    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    message = build_message(user=user, event=event, explainer=explainer, actor=actor, note=note)
    try:
        message.send()
    except MAIL_TRANSPORT_ERRORS as error:
        delay = mail_retry_delay(attempt)
        if delay is None:
            logger.error("Gave up sending a workflow email to user %s: %s", user_id, error)
            return "failed"
        logger.warning("Workflow email to user %s failed (%s); trying again", user_id, error)
        enqueue_in_transaction(
            tasks.send_workflow_email,
            delay=delay,
            user_id=user_id,
            event=event,
            explainer_id=explainer_id,
            actor_id=actor_id,
            note=note,
            attempt=attempt + 1,
        )
        return "retrying"
    return "sent"
