"""Emails to readers: a reply to their comment was published; a moderator decided on their
comment. Both are opt-in on the reader's account page.

Sending never decides anything. The services call `on_published` / `on_decision` inside their
transaction; the email is built after the commit (so a rolled-back decision sends nothing) and
any failure, building or sending, is logged and swallowed: a comment or a decision is never
lost or refused because the mail server is down. With COMMENTS_EMAIL_IN_BACKGROUND on, the SMTP
conversation itself runs in a background thread, so a slow server does not slow the request.

Every email is multipart (text and HTML), written in the recipient's language, and carries a
signed one-click unsubscribe link (also as List-Unsubscribe / List-Unsubscribe-Post headers,
RFC 8058). Reader text reaches the HTML only as the comment's sanitized `body_html`; everything
else goes through autoescaping templates.
"""

import logging
import threading
from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from readers.models import ReaderProfile, public_name
from readers.unsubscribe import KINDS, unsubscribe_url

from .models import Comment, ModerationAction

logger = logging.getLogger(__name__)

# The decisions a reader hears about. Spam is not one: a spammer learns nothing from us.
NOTIFIED_DECISIONS = {
    ModerationAction.Action.APPROVE,
    ModerationAction.Action.REJECT,
    ModerationAction.Action.REMOVE,
}


# --- Building and sending ----------------------------------------------------------------


def _profile_for(user, kind: str) -> ReaderProfile | None:
    """The recipient's profile when they want this kind of email and can receive it."""
    if user is None or not user.is_active or not user.email:
        return None
    profile = ReaderProfile.objects.filter(user=user).first()
    if profile is None or not getattr(profile, KINDS[kind]):
        return None
    return profile


def build_message(*, user, profile, kind: str, template: str, context: dict):
    """One multipart email in the recipient's language, with its unsubscribe link and headers."""
    link = unsubscribe_url(user=user, kind=kind)
    with translation.override(profile.email_language()):
        context = {
            **context,
            "recipient_name": public_name(user),
            "unsubscribe_url": link,
            "account_url": f"{settings.SITE_URL}{reverse('reader:profile')}",
            "SITE_NAME": settings.SITE_NAME,
            "SITE_URL": settings.SITE_URL,
        }
        subject = render_to_string(f"comments/email/{template}_subject.txt", context)
        text_body = render_to_string(f"comments/email/{template}.txt", context)
        html_body = render_to_string(f"comments/email/{template}.html", context)
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),  # one line: a header cannot hold a newline
        body=text_body,
        to=[user.email],
        headers={
            "List-Unsubscribe": f"<{link}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    message.attach_alternative(html_body, "text/html")
    return message


def _send_now(messages) -> None:
    try:
        get_connection().send_messages(messages)
    except Exception:
        logger.exception("Could not send %d notification email(s).", len(messages))


def deliver(messages) -> None:
    """Send, logging any failure; in a background thread when configured."""
    messages = [message for message in messages if message is not None]
    if not messages:
        return
    if settings.COMMENTS_EMAIL_IN_BACKGROUND:
        threading.Thread(target=_send_now, args=(messages,), daemon=True).start()
    else:
        _send_now(messages)


def _guarded(function):
    """Run an after-commit job so that nothing it raises reaches the request."""

    def run(**kwargs):
        try:
            function(**kwargs)
        except Exception:
            logger.exception("Notification job %s failed.", function.__name__)

    run.__name__ = function.__name__
    return run


def _comment(comment_id):
    return (
        Comment.objects.select_related(
            "explainer", "user", "parent__user", "in_reply_to__user", "user__reader_profile"
        )
        .filter(pk=comment_id)
        .first()
    )


def _absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


@_guarded
def send_reply_notification(*, comment_id) -> None:
    """Tell the author of the comment answered that a reply to it is published."""
    reply = _comment(comment_id)
    if reply is None or reply.status != Comment.Status.APPROVED or reply.parent_id is None:
        return
    answered = reply.in_reply_to or reply.parent
    recipient = answered.user
    if recipient is None or recipient.pk == reply.user_id:
        return  # a guest (no opt-in possible) or answering oneself
    profile = _profile_for(recipient, "replies")
    if profile is None:
        return
    context = {
        "reply": reply,
        "answered": answered,
        "explainer": reply.explainer,
        "reply_author": reply.author_name,
        "reply_url": _absolute(reply.get_absolute_url()),
    }
    deliver(
        [
            build_message(
                user=recipient, profile=profile, kind="replies", template="reply", context=context
            )
        ]
    )


@_guarded
def send_decision_notification(*, comment_id, action) -> None:
    """Tell a signed-in author what a moderator decided on their comment (and why, if not)."""
    comment = _comment(comment_id)
    if comment is None or comment.user is None:
        return
    profile = _profile_for(comment.user, "decisions")
    if profile is None:
        return
    action = ModerationAction.Action(action)
    context = {
        "comment": comment,
        "explainer": comment.explainer,
        "action": action.value,
        "published": action == ModerationAction.Action.APPROVE,
        "reason_code": comment.rejection_reason,
        "comment_url": _absolute(comment.get_absolute_url()),
        "explainer_url": _absolute(comment.explainer.get_absolute_url()),
        "my_comments_url": _absolute(reverse("my_comments")),
    }
    with translation.override(profile.email_language()):
        # The reason's label is translated in the recipient's language, like the rest.
        context["reason"] = str(comment.get_rejection_reason_display() or "")
    deliver(
        [
            build_message(
                user=comment.user,
                profile=profile,
                kind="decisions",
                template="decision",
                context=context,
            )
        ]
    )


# --- Hooks called by the services (inside their transaction) ------------------------------


def on_published(comment) -> None:
    """A comment just became visible: if it is a reply, its thread's author may want to know."""
    if comment.parent_id is not None:
        transaction.on_commit(partial(send_reply_notification, comment_id=comment.pk))


def on_decision(comment, action) -> None:
    """A moderator decided on a comment: tell its author (if they asked), and, when a reply
    was published, the author of the comment it answers."""
    if action in NOTIFIED_DECISIONS and comment.user_id is not None:
        transaction.on_commit(
            partial(send_decision_notification, comment_id=comment.pk, action=action)
        )
    if action == ModerationAction.Action.APPROVE:
        on_published(comment)


# --- The moderators' digest ---------------------------------------------------------------

MODERATORS_GROUP = "Moderators"
DIGEST_TOP_EXPLAINERS = 5


def moderation_digest_data(*, now=None) -> dict | None:
    """The queue in three numbers: how many wait, since when, and where. None when empty."""
    summary = Comment.objects.pending_summary(top=DIGEST_TOP_EXPLAINERS)
    if not summary["count"]:
        return None
    return {
        "pending_count": summary["count"],
        "oldest_at": summary["oldest"],
        "now": now,
        "by_explainer": [
            {
                "title": row["explainer__title"],
                "count": row["n"],
                "url": _absolute(reverse("moderation:thread", kwargs={"pk": row["explainer"]})),
            }
            for row in summary["by_explainer"]
        ],
        "queue_url": _absolute(reverse("moderation:queue")),
    }


def moderation_digest_messages(*, now=None) -> list:
    """One email per active moderator with an address, each in their language; [] when the
    queue is empty (nobody is woken up to be told there is nothing to do)."""
    from django.utils import timezone

    data = moderation_digest_data(now=now or timezone.now())
    if data is None:
        return []
    moderators = (
        get_user_model()
        .objects.filter(is_active=True, groups__name=MODERATORS_GROUP)
        .exclude(email="")
        .select_related("reader_profile")
        .distinct()
        .order_by("pk")
    )
    messages = []
    for moderator in moderators:
        try:
            language = moderator.reader_profile.email_language()
        except ReaderProfile.DoesNotExist:
            language = settings.LANGUAGE_CODE
        with translation.override(language):
            context = {**data, "SITE_NAME": settings.SITE_NAME, "SITE_URL": settings.SITE_URL}
            subject = render_to_string("comments/email/digest_subject.txt", context)
            message = EmailMultiAlternatives(
                subject=" ".join(subject.split()),
                body=render_to_string("comments/email/digest.txt", context),
                to=[moderator.email],
            )
            message.attach_alternative(
                render_to_string("comments/email/digest.html", context), "text/html"
            )
        messages.append(message)
    return messages
