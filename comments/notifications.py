"""Emails to readers (a reply to their comment was published; a moderator decided on their
comment; both opt-in on the account page; their account was suspended, banned or lifted, not
an opt-in) and to moderators (the queue digest).

No request sends an email. The services call `on_published` / `on_decision` inside their
transaction; those write one `Notification` row per email owed (the outbox, keyed by event +
recipient) and enqueue `comments.tasks.send_notification` for it in the same transaction, so a
rolled-back decision owes nothing and a committed one is never forgotten. The task
(`notification_deliver`) claims the row, builds the email, sends it and records the outcome:
mail-server errors are retried with backoff (COMMENTS_NOTIFICATION_RETRY_DELAYS), then the row
is marked failed for staff to retry from the admin; a template or programming error is a bug,
logged loudly and not retried.

Every email is multipart (text and HTML), written in the recipient's language, and carries a
signed one-click unsubscribe link (also as List-Unsubscribe / List-Unsubscribe-Post headers,
RFC 8058). Reader text reaches the HTML only as the comment's sanitized `body_html`; everything
else goes through autoescaping templates.
"""

import logging
from datetime import timedelta
from email.utils import parseaddr

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import get_connection
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from core.mail import templated_email
from core.tasks import (
    MAIL_TRANSPORT_ERRORS,
    enqueue_in_transaction,
    mail_retry_delay,
    outbox_requeue,
    outbox_retry,
)
from readers.models import ReaderProfile, public_name
from readers.unsubscribe import KINDS, guest_token, unsubscribe_url

from . import tasks
from .models import Comment, GuestReplySubscription, ModerationAction, Notification

logger = logging.getLogger(__name__)

# The decisions a reader hears about. Spam is not one: a spammer learns nothing from us.
NOTIFIED_DECISIONS = {
    ModerationAction.Action.APPROVE,
    ModerationAction.Action.REJECT,
    ModerationAction.Action.REMOVE,
}
# What the mail server (or the network to it) does when it fails: worth another try later.
# socket.timeout is TimeoutError, an OSError; SMTPException is an OSError too.
TRANSIENT_ERRORS = MAIL_TRANSPORT_ERRORS

# --- Building and sending ----------------------------------------------------------------


def _profile_for(user, kind: str) -> ReaderProfile | None:
    """The recipient's profile when they want this kind of email and can receive it."""
    if user is None or not user.is_active or not user.email:
        return None
    profile = ReaderProfile.objects.filter(user=user).first()
    if profile is None or not getattr(profile, KINDS[kind]):
        return None
    return profile


def build_message(*, user, profile, kind: str | None, template: str, context: dict, reply_to=None):
    """One multipart email in the recipient's language, with its unsubscribe link and headers.

    `kind` None is an email about the reader's account that they did not opt in to (a
    suspension): nothing to unsubscribe from, so no link and no List-Unsubscribe."""
    link = unsubscribe_url(user=user, kind=kind) if kind else ""
    # Staff may have no profile: the site's language then.
    language = profile.email_language() if profile is not None else settings.LANGUAGE_CODE
    with translation.override(language):  # addresses in the recipient's language
        context = {
            **context,
            "recipient_name": public_name(user),
            "unsubscribe_url": link,
            "account_url": f"{settings.SITE_URL}{reverse('reader:profile')}",
        }
    return templated_email(
        f"comments/email/{template}",
        context,
        to=user.email,
        language=language,
        unsubscribe_url=link,
        reply_to=reply_to,
    )


def moderation_contact() -> str:
    """Where a reader writes about a moderators' decision on their account: the address in
    COMMENTS_MODERATION_CONTACT, else the one our emails come from."""
    return settings.COMMENTS_MODERATION_CONTACT or parseaddr(settings.DEFAULT_FROM_EMAIL)[1]


def format_moment(moment) -> str:
    """A time as a reader is told it: the active language's format, in the site's time zone,
    with the zone named (a reader abroad should not have to guess)."""
    local = timezone.localtime(moment)
    return f"{date_format(local, 'DATETIME_FORMAT')} ({local.tzname()})"


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


# --- What each kind of email says (built when it is sent) --------------------------------


def _reply_message(notification):
    """The reply email, or None when it is no longer owed (reply hidden, opt-in withdrawn)."""
    reply = _comment(notification.comment_id)
    if reply is None or reply.status != Comment.Status.APPROVED or reply.parent_id is None:
        return None
    answered = reply.in_reply_to or reply.parent
    recipient = notification.recipient
    if answered.user_id != recipient.pk:
        return None
    profile = _profile_for(recipient, "replies")
    if profile is None:
        return None
    context = {
        "reply": reply,
        "answered": answered,
        "explainer": reply.explainer,
        "reply_author": reply.author_name,
        "reply_url": _absolute(reply.get_absolute_url()),
    }
    return build_message(
        user=recipient, profile=profile, kind="replies", template="reply", context=context
    )


def _decision_message(notification):
    """The decision email: what a moderator decided on the reader's comment, and why."""
    comment = _comment(notification.comment_id)
    recipient = notification.recipient
    if comment is None or comment.user_id != recipient.pk:
        return None
    profile = _profile_for(recipient, "decisions")
    if profile is None:
        return None
    action = ModerationAction.Action(notification.action)
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
    return build_message(
        user=recipient, profile=profile, kind="decisions", template="decision", context=context
    )


def _digest_message(notification, *, now=None):
    """The queue digest for one moderator, in their language; None when the queue emptied
    before it went out, or they no longer want it."""
    moderator = notification.recipient
    if not moderator.is_active or not moderator.email:
        return None
    profile = ReaderProfile.objects.filter(user=moderator).first()
    if profile is not None and not profile.notify_digest:
        return None
    data = moderation_digest_data(now=now or timezone.now())
    if data is None:
        return None
    return build_message(
        user=moderator, profile=profile, kind="digest", template="digest", context=data
    )


def guest_link(subscription, action: str) -> str:
    token = guest_token(subscription_id=subscription.pk, email=subscription.email, action=action)
    return _absolute(reverse(f"comments:guest_{action}", kwargs={"token": token}))


def _guest_message(subscription, *, template: str, context: dict, headers=None):
    """A guest's email, in their comment's explainer's language (a guest has no profile)."""
    comment = subscription.comment
    return templated_email(
        f"comments/email/{template}",
        {**context, "explainer": comment.explainer},
        to=subscription.email,
        language=comment.explainer.language,
        headers=headers,
    )


def _guest_confirm_message(notification):
    """The double opt-in: one email with the link that confirms the address, nothing else."""
    subscription = notification.guest_subscription
    if subscription is None or subscription.confirmed_at is not None:
        return None
    return _guest_message(
        subscription,
        template="guest_confirm",
        context={"confirm_url": guest_link(subscription, "confirm")},
    )


def _guest_reply_message(notification):
    """A reply to a guest's comment, to a confirmed address only, with its one-click stop."""
    subscription = notification.guest_subscription
    reply = _comment(notification.comment_id)
    if subscription is None or subscription.confirmed_at is None or reply is None:
        return None
    if reply.status != Comment.Status.APPROVED:
        return None
    link = guest_link(subscription, "stop")
    return _guest_message(
        subscription,
        template="guest_reply",
        context={
            "reply_author": reply.author_name,
            "reply": reply,
            "reply_url": _absolute(reply.get_absolute_url()),
            "unsubscribe_url": link,
        },
        headers={
            "List-Unsubscribe": f"<{link}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )


def _suspension_message(notification):
    """A reader is told they were suspended or banned (why, until when, whom to write to), or
    that it was lifted; None when it no longer holds (lifted before the email went out).

    Not an opt-in: every reader hears of a decision about their own account."""
    recipient = notification.recipient
    suspension = notification.suspension
    if suspension is None or not recipient.is_active or not recipient.email:
        return None
    if suspension.user_id != recipient.pk:
        return None
    lifted = notification.action == ModerationAction.Action.LIFT
    if lifted != (suspension.lifted_at is not None):
        return None
    profile = ReaderProfile.objects.filter(user=recipient).first()
    language = profile.email_language() if profile is not None else settings.LANGUAGE_CODE
    contact = moderation_contact()
    context = {
        "suspension": suspension,
        "lifted": lifted,
        "banned": suspension.ends_at is None,
        "contact": contact,
        "my_comments_url": _absolute(reverse("my_comments")),
    }
    with translation.override(language):
        # Labels and the end time in the recipient's language (the site's time zone, named).
        context["reason"] = str(suspension.get_reason_display())
        if suspension.ends_at is not None:
            context["until"] = format_moment(suspension.ends_at)
    return build_message(
        user=recipient,
        profile=profile,
        kind=None,
        template="suspension",
        context=context,
        reply_to=[contact] if contact else None,
    )


BUILDERS = {
    Notification.Kind.SUSPENSION: _suspension_message,
    Notification.Kind.REPLY: _reply_message,
    Notification.Kind.DECISION: _decision_message,
    Notification.Kind.DIGEST: _digest_message,
    Notification.Kind.GUEST_CONFIRM: _guest_confirm_message,
    Notification.Kind.GUEST_REPLY: _guest_reply_message,
}


# --- The outbox: rows written with the event, sent by a task --------------------------------


def notification_create(
    *,
    key: str,
    kind: str,
    recipient=None,
    comment=None,
    action="",
    guest_subscription=None,
    suspension=None,
) -> bool:
    """Owe one email for one event, and enqueue its sending, in the caller's transaction.

    The unique key makes this idempotent: the same event owes the same person one email,
    however often it is reported. True when a new email is owed.
    """
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                key=key,
                kind=kind,
                recipient=recipient,
                comment=comment,
                action=action or "",
                guest_subscription=guest_subscription,
                suspension=suspension,
            )
    except IntegrityError:
        return False
    enqueue_in_transaction(tasks.send_notification, notification_id=notification.pk)
    return True


def _finish(notification_id, **fields) -> None:
    Notification.objects.filter(pk=notification_id).update(**fields)


def notification_deliver(*, notification_id: int, now=None) -> str:
    """Send one owed email at most once, and record what happened (the task's body).

    The row is claimed with one conditional UPDATE (pending → sending, or a claim older than
    the lease, whose worker died); whoever does not win the claim sends nothing. Returns the
    row's new status.
    """
    now = now or timezone.now()
    stale = now - timedelta(seconds=settings.COMMENTS_NOTIFICATION_LEASE_SECONDS)
    claimed = (
        Notification.objects.filter(pk=notification_id)
        .filter(
            Q(status=Notification.Status.PENDING)
            | Q(status=Notification.Status.SENDING, claimed_at__lt=stale)
        )
        .update(status=Notification.Status.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    )
    if not claimed:
        return "not-claimed"  # sent, failed, or another worker holds it
    notification = Notification.objects.select_related(
        "recipient", "guest_subscription__comment__explainer"
    ).get(pk=notification_id)
    try:
        message = BUILDERS[notification.kind](notification)
    except Exception as error:
        # A template or programming error: a bug to fix, not a mail server to wait for.
        logger.exception("Notification %s could not be built.", notification.key)
        _finish(notification_id, status=Notification.Status.FAILED, last_error=repr(error))
        return Notification.Status.FAILED
    if message is None:
        _finish(notification_id, status=Notification.Status.SKIPPED)
        return Notification.Status.SKIPPED
    try:
        get_connection().send_messages([message])
    except TRANSIENT_ERRORS as error:
        delay = mail_retry_delay(notification.attempts)
        if delay is None:
            logger.error(
                "Notification %s failed after %d attempts: %r",
                notification.key,
                notification.attempts,
                error,
            )
            _finish(notification_id, status=Notification.Status.FAILED, last_error=repr(error))
            return Notification.Status.FAILED
        logger.warning(
            "Notification %s: the mail server failed (%r); retrying in %ds.",
            notification.key,
            error,
            delay,
        )
        with transaction.atomic():
            _finish(
                notification_id,
                status=Notification.Status.PENDING,
                last_error=repr(error),
                next_attempt_at=now + timedelta(seconds=delay),
            )
            enqueue_in_transaction(
                tasks.send_notification, notification_id=notification_id, delay=delay
            )
        return Notification.Status.PENDING
    except Exception as error:
        logger.exception("Notification %s could not be sent.", notification.key)
        _finish(notification_id, status=Notification.Status.FAILED, last_error=repr(error))
        return Notification.Status.FAILED
    _finish(notification_id, status=Notification.Status.SENT, sent_at=timezone.now(), last_error="")
    return Notification.Status.SENT


def notifications_retry(queryset) -> int:
    """Staff's retry of failed emails: back to pending with fresh attempts, and enqueued."""
    # By primary key: the admin's queryset joins the (nullable) recipient.
    return outbox_retry(
        Notification, tasks.send_notification, queryset.values_list("pk", flat=True)
    )


def notifications_requeue(*, now=None) -> int:
    """This outbox's share of `core.tasks.outboxes_requeue` (a dead worker's claims, lost
    jobs), run periodically by `manage.py requeue_notifications`."""
    return outbox_requeue(Notification, tasks.send_notification, now=now)


# --- Hooks called by the services (inside their transaction) ------------------------------


def on_published(comment) -> None:
    """A comment just became visible: if it is a reply, its thread's author may want to know."""
    if comment.parent_id is None:
        return
    answered = comment.in_reply_to or comment.parent
    recipient = answered.user
    if recipient is None:
        _guest_reply_owed(comment, answered)
        return
    if recipient.pk == comment.user_id:
        return  # answering oneself
    if _profile_for(recipient, "replies") is None:
        return
    notification_create(
        key=f"reply:{comment.pk}:user:{recipient.pk}",
        kind=Notification.Kind.REPLY,
        recipient=recipient,
        comment=comment,
    )


def _guest_reply_owed(reply, answered) -> None:
    """A guest hears of a reply only once they have confirmed their address."""
    subscription = GuestReplySubscription.objects.filter(
        comment=answered, confirmed_at__isnull=False
    ).first()
    if subscription is None or subscription.email.lower() == (reply.guest_email or "").lower():
        return
    notification_create(
        key=f"guest-reply:{reply.pk}:subscription:{subscription.pk}",
        kind=Notification.Kind.GUEST_REPLY,
        comment=reply,
        guest_subscription=subscription,
    )


def guest_replies_subscribe(*, comment) -> GuestReplySubscription | None:
    """A guest ticked "email me about replies": store the address and owe it one email, the
    confirmation link. Nothing else is sent to it until the link is followed."""
    if comment.user_id is not None or not comment.guest_email:
        return None
    with transaction.atomic():
        subscription, created = GuestReplySubscription.objects.get_or_create(
            comment=comment, defaults={"email": comment.guest_email}
        )
        if created:
            notification_create(
                key=f"guest-confirm:{subscription.pk}",
                kind=Notification.Kind.GUEST_CONFIRM,
                comment=comment,
                guest_subscription=subscription,
            )
    return subscription


def _guest_subscription(subscription_id, email):
    subscription = GuestReplySubscription.objects.filter(pk=subscription_id).first()
    if subscription is None or subscription.email.lower() != email:
        return None
    return subscription


def guest_replies_confirm(*, subscription_id, email, now=None) -> bool:
    """The guest followed the confirmation link: replies from now on are emailed."""
    subscription = _guest_subscription(subscription_id, email)
    if subscription is None:
        return False
    GuestReplySubscription.objects.filter(pk=subscription.pk, confirmed_at__isnull=True).update(
        confirmed_at=now or timezone.now()
    )
    return True


def guest_replies_stop(*, subscription_id, email) -> bool:
    """One-click unsubscribe for a guest: the subscription, and its address, are deleted."""
    subscription = _guest_subscription(subscription_id, email)
    if subscription is None:
        return False
    subscription.delete()
    return True


def on_suspension(suspension, *, action) -> None:
    """A reader was suspended, banned, or had it lifted (`action`): they are told, whatever
    their opt-ins, once per decision."""
    event = "lift" if action == ModerationAction.Action.LIFT else "suspension"
    notification_create(
        key=f"{event}:{suspension.pk}:user:{suspension.user_id}",
        kind=Notification.Kind.SUSPENSION,
        recipient=suspension.user,
        suspension=suspension,
        action=action,
    )


def on_decision(comment, action) -> None:
    """A moderator decided on a comment: tell its author (if they asked), and, when a reply
    was published, the author of the comment it answers."""
    wanted = action in NOTIFIED_DECISIONS and comment.user_id is not None
    if wanted and _profile_for(comment.user, "decisions") is not None:
        # The event is the log entry the service just wrote: each decision is told once.
        entry = comment.actions.order_by("-pk").values_list("pk", flat=True).first()
        notification_create(
            key=f"decision:{entry}:user:{comment.user_id}",
            kind=Notification.Kind.DECISION,
            recipient=comment.user,
            comment=comment,
            action=action,
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


def _digest_recipients():
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name=MODERATORS_GROUP)
        .exclude(email="")
        .exclude(reader_profile__notify_digest=False)
        .distinct()
        .order_by("pk")
    )


def moderation_digest_enqueue(*, now=None) -> int:
    """Owe each moderator who wants it today's digest (once a day, whatever reruns); nothing
    when the queue is empty (nobody is woken up to be told there is nothing to do)."""
    now = now or timezone.now()
    if moderation_digest_data(now=now) is None:
        return 0
    day = timezone.localdate(now).isoformat()
    with transaction.atomic():
        return sum(
            notification_create(
                key=f"digest:{day}:user:{moderator.pk}",
                kind=Notification.Kind.DIGEST,
                recipient=moderator,
            )
            for moderator in _digest_recipients()
        )
