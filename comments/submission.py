"""A reader's comment arriving: whether the explainer takes comments, and storing it.

`comment_submit` is the one door for new comments (the site's form, the demo loader, tests):
it refuses what cannot be accepted with a clear error and stores everything else, spam
included, in the status the pipeline decides.
"""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.text import clean_name, clean_text

from . import counters, notifications, pipeline
from .flood import flood_check
from .models import Comment, ModerationAction
from .privacy import guest_key, ip_hash
from .suspensions import check_not_suspended
from .text_checks import body_problems


class CommentsClosed(PermissionDenied):
    """The explainer takes no comments (closed by an editor, or automatically)."""


def comments_close_at(explainer):
    """When comments close by themselves (COMMENTS_CLOSE_AFTER_DAYS after first
    publication), or None when they never do."""
    days = settings.COMMENTS_CLOSE_AFTER_DAYS
    published = explainer.first_published
    if days <= 0 or published is None:
        return None
    return published + timedelta(days=days)


def closed_reason(explainer) -> str | None:
    """Why the explainer takes no comments, in words for the reader; None when it does."""
    if not explainer.comments_open:  # CommentMode.CLOSED
        return _("The editors have closed comments on this explainer.")
    if not explainer.is_published:
        return _("Comments open when the explainer is published.")
    close_at = comments_close_at(explainer)
    if close_at is not None and timezone.now() >= close_at:
        return _("Comments close %(days)d days after publication.") % {
            "days": settings.COMMENTS_CLOSE_AFTER_DAYS
        }
    return None


def comments_are_open(explainer) -> bool:
    return closed_reason(explainer) is None


def _resolve_thread(*, explainer, parent):
    """A reply to a reply joins its top-level comment and records whom it answers."""
    if parent is None:
        return None, None
    if parent.explainer_id != explainer.pk or parent.status != Comment.Status.APPROVED:
        raise ValidationError(_("The comment you are replying to is not available."))
    if parent.parent_id is not None:
        return parent.parent, parent
    return parent, None


def comment_submit(
    *,
    explainer,
    body,
    user=None,
    guest_name="",
    guest_email="",
    parent=None,
    ip_address="",
    honeypot="",
    issued_at=None,
) -> Comment:
    """Store a reader's comment in the status the pipeline decides.

    Refuses (nothing stored) when comments are closed (CommentsClosed, a PermissionDenied),
    when the reader is suspended or banned (ReaderSuspended, a PermissionDenied),
    when the address or account floods (FloodLimitExceeded), or when the text or name is not
    acceptable (ValidationError). Everything else is stored, spam included, so nothing a reader
    sends is silently lost.
    """
    user = user if user is not None and user.is_authenticated else None
    reason = closed_reason(explainer)
    if reason:
        raise CommentsClosed(reason)
    check_not_suspended(user)  # ReaderSuspended: says why and until when
    body = clean_text(body)
    guest_name = clean_name(guest_name)
    problems = body_problems(body)
    if problems:
        raise ValidationError({"body": problems})
    if user is None and not guest_name:
        raise ValidationError({"guest_name": _("Give the name to show with your comment.")})
    thread, in_reply_to = _resolve_thread(explainer=explainer, parent=parent)
    flood_check(ip_address=ip_address, user=user)

    verdict = pipeline.evaluate(
        body=body,
        user=user,
        honeypot=honeypot,
        issued_at=issued_at,
        mode=explainer.comment_mode,
    )
    with transaction.atomic():
        comment = Comment(
            explainer=explainer,
            parent=thread,
            in_reply_to=in_reply_to,
            user=user,
            guest_name="" if user else guest_name,
            guest_email="" if user else (guest_email or "").strip(),
            # A guest is one person by their email, never by the address they post from.
            guest_key="" if user else guest_key(guest_email),
            body=body,
            status=verdict.status,
            hold_reasons=verdict.reasons,
            badge=verdict.badge,
            ip_hash=ip_hash(ip_address),
        )
        comment.full_clean()
        comment.save()
        if verdict.status != Comment.Status.APPROVED:
            ModerationAction.objects.create(
                comment=comment,
                actor=None,
                action=ModerationAction.Action.HELD,
                old_status="",
                new_status=verdict.status,
                note=pipeline.held_note(verdict.reasons),
            )
        else:
            # Published at once (trusted reader, staff): readers see one more comment, and a
            # reply tells its thread's author.
            counters.comment_visibility_changed(comment, was_visible=False, is_visible=True)
            notifications.on_published(comment)
    return comment
