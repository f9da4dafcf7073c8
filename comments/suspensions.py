"""Suspensions and bans: a moderator stops a signed-in reader posting and reporting comments.

A suspension lasts until a time in the future; a ban until a moderator lifts it. Both keep
their row when they end or are lifted, and each step (suspend, ban, lift) writes one
`ModerationAction` about the reader (no comment) in the same transaction, plus the email that
tells the reader (the outbox, `comments.notifications`).

`suspension_in_force(user)` is the one check: `comment_submit`, `comment_report`, the comment
and report forms, the explainer page and the reader's account page all ask it. Guests are not
suspended (a name and an email prove nothing, and a new address costs nothing): the word
lists, flood control and the spam checks handle them.

Staff and moderators cannot be suspended: the newsroom settles that among itself, not here.
"""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from core.text import clean_text

from . import notifications
from .models import MODERATE_PERMISSION, ModerationAction, ReaderSuspension, ReasonCode
from .moderation import check_may_moderate

Kind = ReaderSuspension.Kind
A = ModerationAction.Action

KIND_ACTIONS = {Kind.SUSPENSION: A.SUSPEND, Kind.BAN: A.BAN}


class ReaderSuspended(PermissionDenied):
    """The reader is suspended or banned: they may not post or report. The message says why
    and until when, in the active language and time zone; `suspension` is the row."""

    def __init__(self, suspension):
        self.suspension = suspension
        super().__init__(suspension_message(suspension))


def suspension_in_force(user, *, now=None) -> ReaderSuspension | None:
    """The suspension or ban that stops `user` now, or None (always None for guests).

    One query. When several are in force, a ban wins, then the one that ends last: the notice
    shows what actually stops the reader."""
    if user is None or not user.is_authenticated:
        return None
    return (
        ReaderSuspension.objects.in_force(now=now)
        .filter(user=user)
        .order_by(F("ends_at").desc(nulls_first=True), "-pk")
        .first()
    )


def check_not_suspended(user, *, now=None) -> None:
    """Raise ReaderSuspended when `user` is suspended or banned now."""
    suspension = suspension_in_force(user, now=now)
    if suspension is not None:
        raise ReaderSuspended(suspension)


@dataclass(frozen=True)
class SuspensionNotice:
    """What a suspended reader is shown, in the active language: why, until when, whom to ask."""

    suspension: ReaderSuspension
    is_ban: bool
    reason: str
    until: str  # empty for a ban: it lasts until lifted
    contact: str
    message: str


def suspension_notice(suspension: ReaderSuspension | None) -> SuspensionNotice | None:
    if suspension is None:
        return None
    return SuspensionNotice(
        suspension=suspension,
        is_ban=suspension.kind == Kind.BAN,
        reason=str(suspension.get_reason_display()),
        until=notifications.format_moment(suspension.ends_at) if suspension.ends_at else "",
        contact=notifications.moderation_contact(),
        message=suspension_message(suspension),
    )


def suspension_message(suspension: ReaderSuspension) -> str:
    """Why the reader may not post or report, and until when, in one sentence."""
    reason = suspension.get_reason_display()
    if suspension.ends_at is None:
        return _(
            "Your account has been banned from commenting (reason: %(reason)s): you cannot "
            "post or report comments until the moderators lift the ban."
        ) % {"reason": reason}
    return _(
        "Your account is suspended from commenting (reason: %(reason)s): you cannot post or "
        "report comments until %(until)s."
    ) % {"reason": reason, "until": notifications.format_moment(suspension.ends_at)}


def may_be_suspended(user, *, check_permissions: bool = True) -> bool:
    """Readers only: never staff, superusers or moderators. `check_permissions=False` skips
    the permission lookup (two queries) where only a page's offer depends on it: the
    newsroom's roles are staff accounts, and the service checks in full before acting."""
    if user.is_staff or user.is_superuser:
        return False
    return not (check_permissions and user.has_perm(MODERATE_PERMISSION))


def _actor_or_none(actor):
    return actor if actor is not None and actor.pk else None


def reader_suspend(
    *, user, actor, kind, reason, note="", ends_at=None, now=None
) -> ReaderSuspension:
    """Suspend a reader until `ends_at` (in the future), or ban them (no end).

    Moderators only. Refused (ValidationError) for staff and moderators, for a reader already
    suspended or banned (lift it first, so each decision is one line of the log), and for an
    end that is missing, past, or given to a ban. One transaction: the suspension, its log
    entry and the email that tells the reader.
    """
    check_may_moderate(actor)
    now = now or timezone.now()
    if kind not in Kind.values:
        raise ValidationError({"kind": _("Choose a suspension or a ban.")})
    if reason not in ReasonCode.values:
        raise ValidationError({"reason": _("Choose one of the listed reasons.")})
    if reason == ReasonCode.OTHER and not (note or "").strip():
        raise ValidationError({"note": _("Say why in the note when the reason is “Other”.")})
    if kind == Kind.SUSPENSION and ends_at is None:
        raise ValidationError({"ends_at": _("A suspension needs an end: say until when.")})
    if kind == Kind.SUSPENSION and ends_at <= now:
        raise ValidationError({"ends_at": _("A suspension must end in the future.")})
    if kind == Kind.BAN and ends_at is not None:
        raise ValidationError({"ends_at": _("A ban has no end: it lasts until lifted.")})
    if not may_be_suspended(user):
        raise ValidationError(
            _("Staff and moderators cannot be suspended or banned from commenting.")
        )
    note = clean_text(note or "")
    with transaction.atomic():
        # The reader's row is the lock: two moderators deciding at once make one decision.
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        current = suspension_in_force(user, now=now)
        if current is not None:
            raise ValidationError(
                _("This reader is already suspended or banned: lift that first to change it.")
            )
        suspension = ReaderSuspension(
            user=user,
            kind=kind,
            reason=reason,
            note=note,
            starts_at=now,
            ends_at=ends_at,
            created_by=_actor_or_none(actor),
        )
        suspension.full_clean()
        suspension.save()
        action = KIND_ACTIONS[Kind(kind)]
        ModerationAction.objects.create(
            comment=None,
            subject_user=user,
            actor=_actor_or_none(actor),
            action=action,
            old_status="",
            new_status="",
            reason=reason,
            note=note,
        )
        notifications.on_suspension(suspension, action=action)
    return suspension


def reader_suspension_lift(*, suspension, actor, note="", now=None) -> ReaderSuspension:
    """End a suspension or ban now. Moderators only; logged, and the reader is told.

    Refused (ValidationError) when it was already lifted or has ended by itself."""
    check_may_moderate(actor)
    now = now or timezone.now()
    note = clean_text(note or "")
    with transaction.atomic():
        suspension = ReaderSuspension.objects.select_for_update().get(pk=suspension.pk)
        if suspension.lifted_at is not None:
            raise ValidationError(_("This suspension was already lifted."))
        if suspension.ends_at is not None and suspension.ends_at <= now:
            raise ValidationError(_("This suspension has already ended."))
        suspension.lifted_at = now
        suspension.lifted_by = _actor_or_none(actor)
        suspension.full_clean()
        suspension.save(update_fields=["lifted_at", "lifted_by"])
        ModerationAction.objects.create(
            comment=None,
            subject_user=suspension.user,
            actor=_actor_or_none(actor),
            action=A.LIFT,
            old_status="",
            new_status="",
            note=note,
        )
        notifications.on_suspension(suspension, action=A.LIFT)
    return suspension
