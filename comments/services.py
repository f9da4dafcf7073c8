"""Every write on comments: the public pages, the moderation pages, the admin and the demo
loader all call these.

Each is keyword-only, runs in one transaction, validates with full_clean() before saving, and
writes exactly one ModerationAction for every change of status, so the audit log is complete
whatever door the change came through. Moderation never deletes.
"""

import hashlib
import hmac
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import text
from core.addresses import reader_network
from core.text import clean_name, clean_text
from readers.models import ReaderProfile

from . import notifications, pipeline
from .models import (
    Comment,
    CommentReport,
    ModerationAction,
    ReasonCode,
)

MODERATE_PERMISSION = "comments.moderate_comment"


class FloodLimitExceeded(Exception):
    """More comments a minute than COMMENTS_FLOOD_LIMIT_PER_MINUTE from one address/account."""


class CommentsClosed(PermissionDenied):
    """The explainer takes no comments (closed by an editor, or automatically)."""


# --- Text hygiene -------------------------------------------------------------------------


def body_problems(body: str, *, language: str = "en") -> list[str]:
    """Why a comment's text cannot be accepted (empty when it can).

    The minimum counts characters for Japanese and words for English: Japanese has no spaces,
    so "two words" would let any five characters through and "five characters" would stop a
    short English reply. Text in either script that meets its own minimum is accepted.
    """
    body = (body or "").strip()
    if not body:
        return [_("Write something before sending.")]
    if len(body) > settings.COMMENTS_MAX_LENGTH:
        return [
            _("Keep it under %(max)d characters (this is %(length)d).")
            % {"max": settings.COMMENTS_MAX_LENGTH, "length": len(body)}
        ]
    cjk_chars, latin_words = text.count_units(body)
    if cjk_chars < settings.COMMENTS_MIN_CHARS_JA and latin_words < settings.COMMENTS_MIN_WORDS_EN:
        return [
            _(
                "That is too short to publish: write at least %(chars)d Japanese characters "
                "or %(words)d words."
            )
            % {"chars": settings.COMMENTS_MIN_CHARS_JA, "words": settings.COMMENTS_MIN_WORDS_EN}
        ]
    return []


def ip_hash(ip_address: str) -> str:
    """A keyed hash of an address: enough to count and match, useless to anyone who steals it.

    IPv6 is hashed by its /64 network (addresses.reader_network): one reader's addresses
    count, match and report as one.
    """
    if not ip_address:
        return ""
    key = settings.COMMENTS_IP_HASH_KEY.encode()
    return hmac.new(key, reader_network(ip_address).encode(), hashlib.sha256).hexdigest()


# --- Open / closed ------------------------------------------------------------------------


def _auto_close_at(explainer):
    days = settings.COMMENTS_CLOSE_AFTER_DAYS
    published = explainer.first_published_at or explainer.publish_at
    if days <= 0 or published is None:
        return None
    return published + timedelta(days=days)


def closed_reason(explainer) -> str | None:
    """Why the explainer takes no comments, in words for the reader; None when it does."""
    if not explainer.comments_open:
        return _("The editors have closed comments on this explainer.")
    if not explainer.is_published:
        return _("Comments open when the explainer is published.")
    close_at = _auto_close_at(explainer)
    if close_at is not None and timezone.now() >= close_at:
        return _("Comments close %(days)d days after publication.") % {
            "days": settings.COMMENTS_CLOSE_AFTER_DAYS
        }
    return None


def comments_are_open(explainer) -> bool:
    return closed_reason(explainer) is None


def _require(actor, *perms):
    if actor is None:
        return
    if not any(actor.has_perm(perm) for perm in perms):
        raise PermissionDenied(_("You do not have permission to moderate comments."))


# --- Submission ---------------------------------------------------------------------------


FLOOD_WINDOW_SECONDS = 60


def _flood_keys(*, ip_address: str, user) -> list[str]:
    keys = []
    if ip_address:
        keys.append(f"comments:flood:ip:{ip_hash(ip_address)}")
    if user is not None:
        keys.append(f"comments:flood:user:{user.pk}")
    return keys


def flood_check(*, ip_address: str = "", user=None) -> None:
    """Count this submission; refuse it when the address or account is over the limit.

    Counted in the configured cache (Redis in production) so the limit holds across app
    servers: `add` starts a counter that lives one minute from the first comment of a burst,
    `incr` is atomic and keeps that expiry. (A window from the first comment, not the clock's
    minute, so a burst cannot get twice the limit by straddling a minute boundary.)
    """
    limit = settings.COMMENTS_FLOOD_LIMIT_PER_MINUTE
    if limit <= 0:
        return
    over = False
    for key in _flood_keys(ip_address=ip_address, user=user):
        cache.add(key, 0, timeout=FLOOD_WINDOW_SECONDS)
        try:
            count = cache.incr(key)
        except ValueError:  # expired or evicted between add and incr
            cache.set(key, 1, timeout=FLOOD_WINDOW_SECONDS)
            count = 1
        over = over or count > limit
    if over:
        raise FloodLimitExceeded(
            _("You are posting too fast. Wait a minute, then send your comment again.")
        )


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
    when the address or account floods (FloodLimitExceeded), or when the text or name is not
    acceptable (ValidationError). Everything else is stored, spam included, so nothing a reader
    sends is silently lost.
    """
    user = user if user is not None and user.is_authenticated else None
    reason = closed_reason(explainer)
    if reason:
        raise CommentsClosed(reason)
    body = clean_text(body)
    guest_name = clean_name(guest_name)
    problems = body_problems(body, language=explainer.language)
    if problems:
        raise ValidationError({"body": problems})
    if user is None and not guest_name:
        raise ValidationError({"guest_name": _("Give the name to show with your comment.")})
    thread, in_reply_to = _resolve_thread(explainer=explainer, parent=parent)
    flood_check(ip_address=ip_address, user=user)

    verdict = pipeline.evaluate(body=body, user=user, honeypot=honeypot, issued_at=issued_at)
    with transaction.atomic():
        comment = Comment(
            explainer=explainer,
            parent=thread,
            in_reply_to=in_reply_to,
            user=user,
            guest_name="" if user else guest_name,
            guest_email="" if user else (guest_email or "").strip(),
            body=body,
            status=verdict.status,
            hold_reasons=verdict.reasons,
            is_staff_comment=verdict.is_staff_comment,
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
                note=", ".join(verdict.reasons),
            )
        else:
            # Published at once (trusted reader, staff): a reply tells its thread's author.
            notifications.on_published(comment)
    return comment


# --- Moderation ---------------------------------------------------------------------------

S = Comment.Status
A = ModerationAction.Action
# Which statuses each decision may start from; anything else is a mistake worth saying so.
TRANSITIONS = {
    A.APPROVE: ({S.PENDING, S.SPAM, S.REJECTED}, S.APPROVED),
    A.REJECT: ({S.PENDING, S.SPAM}, S.REJECTED),
    A.SPAM: ({S.PENDING, S.APPROVED, S.REJECTED}, S.SPAM),
    A.REMOVE: ({S.APPROVED, S.PENDING}, S.REMOVED),
    A.RESTORE: ({S.REJECTED, S.SPAM, S.REMOVED}, S.PENDING),
}


def _moderate(*, comment, actor, action, reason="", note="") -> Comment:
    _require(actor, MODERATE_PERMISSION)
    allowed_from, new_status = TRANSITIONS[action]
    if reason and reason not in ReasonCode.values:
        raise ValidationError({"reason": _("Choose one of the listed reasons.")})
    with transaction.atomic():
        comment = Comment.objects.select_for_update().get(pk=comment.pk)
        old_status = comment.status
        if old_status not in allowed_from:
            raise ValidationError(
                _("A comment that is %(status)s cannot be %(action)s.")
                % {
                    "status": comment.get_status_display().lower(),
                    "action": A(action).label.lower(),
                }
            )
        comment.status = new_status
        comment.moderated_by = actor if actor is not None and actor.pk else None
        comment.moderated_at = timezone.now()
        comment.rejection_reason = reason if action in {A.REJECT, A.REMOVE} else ""
        if action == A.APPROVE:
            # A moderator has looked at it: the reader reports so far are answered.
            comment.is_reported = False
        comment.full_clean()
        comment.save(
            update_fields=[
                "status",
                "moderated_by",
                "moderated_at",
                "rejection_reason",
                "is_reported",
            ]
        )
        ModerationAction.objects.create(
            comment=comment,
            actor=comment.moderated_by,
            action=action,
            old_status=old_status,
            new_status=new_status,
            reason=reason,
            note=note,
        )
        # Emails go after the commit, and a failed send is logged, never raised.
        notifications.on_decision(comment, action)
    return comment


def comment_approve(*, comment, actor, note="") -> Comment:
    """Publish a held comment (or rescue one from spam or a rejection)."""
    return _moderate(comment=comment, actor=actor, action=A.APPROVE, note=note)


def comment_reject(*, comment, actor, reason, note="") -> Comment:
    """Decline a held comment, with a reason code."""
    if not reason:
        raise ValidationError({"reason": _("Choose a reason for rejecting the comment.")})
    return _moderate(comment=comment, actor=actor, action=A.REJECT, reason=reason, note=note)


def comment_mark_spam(*, comment, actor, note="") -> Comment:
    return _moderate(comment=comment, actor=actor, action=A.SPAM, reason=ReasonCode.SPAM, note=note)


def comment_remove(*, comment, actor, reason="", note="") -> Comment:
    """Take a published comment down (kept, hidden, logged)."""
    return _moderate(comment=comment, actor=actor, action=A.REMOVE, reason=reason, note=note)


def comment_restore(*, comment, actor, note="") -> Comment:
    """Bring a rejected, spam or removed comment back into the queue for a fresh decision."""
    return _moderate(comment=comment, actor=actor, action=A.RESTORE, note=note)


def comments_bulk_moderate(*, comments, action, actor, reason="", note="") -> int:
    """Apply one decision to many comments; returns how many changed.

    Comments the decision does not apply to (already approved, say) are skipped, not errors:
    a moderator selecting a page of the queue should not be stopped by one of them.
    """
    _require(actor, MODERATE_PERMISSION)
    action = A(action)
    if action == A.REJECT and not reason:
        raise ValidationError({"reason": _("Choose a reason for rejecting the comments.")})
    if action == A.SPAM:
        reason = ReasonCode.SPAM
    changed = 0
    with transaction.atomic():
        for comment in comments:
            try:
                _moderate(comment=comment, actor=actor, action=action, reason=reason, note=note)
            except ValidationError:
                continue
            changed += 1
    return changed


# --- Reader reports -----------------------------------------------------------------------


def comment_report(*, comment, reason, user=None, ip_address="") -> CommentReport:
    """Record a reader's report; enough of them send a published comment back to the queue.

    One report per reader per comment: per account when signed in, per address for guests.
    At COMMENTS_REPORT_THRESHOLD reports since the last moderator decision, an approved
    comment goes back to pending, hidden, marked "reported", and the log says so.
    """
    user = user if user is not None and user.is_authenticated else None
    with transaction.atomic():
        comment = Comment.objects.select_for_update().get(pk=comment.pk)
        if comment.status != Comment.Status.APPROVED:
            raise ValidationError(_("This comment is already with the moderators."))
        report = CommentReport(
            comment=comment,
            reporter=user,
            reporter_ip_hash="" if user else ip_hash(ip_address),
            reason=reason,
        )
        try:
            report.full_clean()
        except ValidationError as error:
            if "__all__" in error.message_dict:
                raise ValidationError(_("You have already reported this comment.")) from error
            raise
        try:
            with transaction.atomic():
                report.save()
        except IntegrityError as error:  # a double click racing past full_clean()
            raise ValidationError(_("You have already reported this comment.")) from error

        reports = comment.reports.all()
        if comment.moderated_at is not None:
            reports = reports.filter(created_at__gte=comment.moderated_at)
        if reports.count() >= settings.COMMENTS_REPORT_THRESHOLD:
            comment.status = Comment.Status.PENDING
            comment.is_reported = True
            if pipeline.REPORTED not in comment.hold_reasons:
                comment.hold_reasons = [*comment.hold_reasons, pipeline.REPORTED]
            comment.full_clean()
            comment.save(update_fields=["status", "is_reported", "hold_reasons"])
            ModerationAction.objects.create(
                comment=comment,
                actor=None,
                action=A.REPORTED,
                old_status=Comment.Status.APPROVED,
                new_status=Comment.Status.PENDING,
                note=_("%(count)d reader reports") % {"count": reports.count()},
            )
    return report


# --- Privacy ------------------------------------------------------------------------------


def comment_addresses_purge(*, now=None) -> int:
    """Forget the address hash of comments older than COMMENTS_IP_RETENTION_DAYS.

    The hash is only needed while flood and abuse patterns are fresh; after that it is
    personal data with no purpose. Run daily (`manage.py purge_comment_ips`).
    """
    cutoff = (now or timezone.now()) - timedelta(days=settings.COMMENTS_IP_RETENTION_DAYS)
    with transaction.atomic():
        return Comment.objects.filter(created_at__lt=cutoff).exclude(ip_hash="").update(ip_hash="")


# --- Reader accounts and trust ------------------------------------------------------------

TRUST_ACTIONS = {
    ReaderProfile.Trust.GRANTED: A.GRANT_TRUST,
    ReaderProfile.Trust.REVOKED: A.REVOKE_TRUST,
    ReaderProfile.Trust.AUTO: A.AUTO_TRUST,
}


def reader_trust_set(*, user, actor, trust, note="") -> ReaderProfile:
    """Grant or revoke a reader's trust by hand, or give the decision back to the rule.

    Moderators only; logged in the moderation log (an entry about the reader, not a comment).
    """
    _require(actor, MODERATE_PERMISSION)
    if trust not in ReaderProfile.Trust.values:
        raise ValidationError({"trust": _("Choose one of the listed trust settings.")})
    with transaction.atomic():
        profile, _created = ReaderProfile.objects.select_for_update().get_or_create(user=user)
        old = profile.trust
        if old == trust:
            raise ValidationError(_("The reader's trust is already set that way."))
        profile.trust = trust
        profile.full_clean()
        profile.save(update_fields=["trust", "modified_at"])
        ModerationAction.objects.create(
            comment=None,
            subject_user=user,
            actor=actor if actor is not None and actor.pk else None,
            action=TRUST_ACTIONS[ReaderProfile.Trust(trust)],
            old_status="",
            new_status="",
            note=note or f"{old} → {trust}",
        )
    return profile
