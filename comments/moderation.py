"""Moderators' decisions on comments: one table says which exist and what each needs.

`TRANSITIONS` is the one statement of the rules: the statuses a decision may start from, the
status it leaves, and whether it takes a reason (and must have one). Every door (the site's
tool, its bulk form, the admin's actions) asks this module, so they cannot disagree: the tool
offers what `Transition.applies_to()` allows, and `Transition.clean_decision()` is the check the
forms show and the services enforce (a reason "other" always needs a note).

Each decision runs in one transaction and writes exactly one ModerationAction. Moderation never
deletes.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import counters, notifications
from .models import MODERATE_PERMISSION, Comment, ModerationAction, ReasonCode

S = Comment.Status
A = ModerationAction.Action


class TransitionNotAllowed(ValidationError):
    """The decision does not apply to the comment's status (often: someone decided first)."""


@dataclass(frozen=True)
class Transition:
    """One decision a moderator can make, with what it needs and how the tool shows it."""

    action: str
    label: Promise
    sources: frozenset
    target: str
    css_class: str
    takes_reason: bool = False
    needs_reason: bool = False
    fixed_reason: str = ""

    def applies_to(self, status: str) -> bool:
        return status in self.sources

    def clean_decision(self, *, reason: str = "", note: str = "") -> tuple[str, str]:
        """The (reason, note) this decision records; ValidationError, by field, when one is
        missing or wrong. A reason given to a decision that takes none is dropped."""
        note = (note or "").strip()
        if self.fixed_reason:
            return self.fixed_reason, note
        if not self.takes_reason:
            return "", note
        if reason and reason not in ReasonCode.values:
            raise ValidationError({"reason": _("Choose one of the listed reasons.")})
        if self.needs_reason and not reason:
            raise ValidationError({"reason": _("Choose a reason for rejecting the comment.")})
        if reason == ReasonCode.OTHER and not note:
            raise ValidationError({"note": _("Say in the note why, when the reason is “Other”.")})
        return reason, note


TRANSITIONS = {
    transition.action: transition
    for transition in (
        Transition(
            A.APPROVE,
            gettext_lazy("Approve"),
            frozenset({S.PENDING, S.SPAM, S.REJECTED}),
            S.APPROVED,
            css_class="btn-success",
        ),
        Transition(
            A.REJECT,
            gettext_lazy("Reject"),
            frozenset({S.PENDING, S.SPAM}),
            S.REJECTED,
            css_class="btn-danger",
            takes_reason=True,
            needs_reason=True,
        ),
        Transition(
            A.SPAM,
            gettext_lazy("Mark as spam"),
            frozenset({S.PENDING, S.APPROVED, S.REJECTED}),
            S.SPAM,
            css_class="btn-outline-dark",
            fixed_reason=ReasonCode.SPAM,
        ),
        # Removing takes a published comment down; a held one is rejected instead.
        Transition(
            A.REMOVE,
            gettext_lazy("Remove"),
            frozenset({S.APPROVED}),
            S.REMOVED,
            css_class="btn-secondary",
            takes_reason=True,
        ),
        Transition(
            A.RESTORE,
            gettext_lazy("Restore to the queue"),
            frozenset({S.REJECTED, S.SPAM, S.REMOVED}),
            S.PENDING,
            css_class="btn-outline-primary",
        ),
    )
}


# (action, label) for the tool's action menus, in the table's order.
ACTION_CHOICES = [(t.action, t.label) for t in TRANSITIONS.values()]


def transitions_from(status: str) -> list[Transition]:
    """The decisions that apply to a comment in `status`, in the table's order."""
    return [t for t in TRANSITIONS.values() if t.applies_to(status)]


def check_may_moderate(actor) -> None:
    """Moderators only (None is the system itself: demo data, scripts)."""
    if actor is not None and not actor.has_perm(MODERATE_PERMISSION):
        raise PermissionDenied(_("You do not have permission to moderate comments."))


def _moderate(*, comment, actor, transition, reason, note) -> Comment:
    """Apply one already-checked decision to one comment, and log it."""
    with transaction.atomic():
        comment = Comment.objects.select_for_update().get(pk=comment.pk)
        old_status = comment.status
        if not transition.applies_to(old_status):
            raise TransitionNotAllowed(
                _("A comment that is %(status)s cannot be %(action)s.")
                % {
                    "status": comment.get_status_display().lower(),
                    "action": A(transition.action).label.lower(),
                }
            )
        comment.status = transition.target
        comment.moderated_by = actor if actor is not None and actor.pk else None
        comment.moderated_at = timezone.now()
        comment.rejection_reason = reason if transition.takes_reason else ""
        if transition.action == A.APPROVE:
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
        counters.comment_visibility_changed(
            comment,
            was_visible=counters.is_visible(old_status),
            is_visible=counters.is_visible(comment.status),
        )
        ModerationAction.objects.create(
            comment=comment,
            actor=comment.moderated_by,
            action=transition.action,
            old_status=old_status,
            new_status=transition.target,
            reason=reason,
            note=note,
        )
        # Emails go after the commit, and a failed send is logged, never raised.
        notifications.on_decision(comment, transition.action)
    return comment


def comment_moderate(*, comment, actor, action, reason="", note="") -> Comment:
    """Make one decision on one comment, as the table allows."""
    check_may_moderate(actor)
    transition = TRANSITIONS[A(action)]
    reason, note = transition.clean_decision(reason=reason, note=note)
    return _moderate(comment=comment, actor=actor, transition=transition, reason=reason, note=note)


def comment_approve(*, comment, actor, note="") -> Comment:
    """Publish a held comment (or rescue one from spam or a rejection)."""
    return comment_moderate(comment=comment, actor=actor, action=A.APPROVE, note=note)


def comment_reject(*, comment, actor, reason, note="") -> Comment:
    """Decline a held comment, with a reason code."""
    return comment_moderate(comment=comment, actor=actor, action=A.REJECT, reason=reason, note=note)


def comment_mark_spam(*, comment, actor, note="") -> Comment:
    return comment_moderate(comment=comment, actor=actor, action=A.SPAM, note=note)


def comment_remove(*, comment, actor, reason="", note="") -> Comment:
    """Take a published comment down (kept, hidden, logged)."""
    return comment_moderate(comment=comment, actor=actor, action=A.REMOVE, reason=reason, note=note)


def comment_restore(*, comment, actor, note="") -> Comment:
    """Bring a rejected, spam or removed comment back into the queue for a fresh decision."""
    return comment_moderate(comment=comment, actor=actor, action=A.RESTORE, note=note)


def comments_bulk_moderate(*, comments, action, actor, reason="", note="") -> int:
    """Apply one decision to many comments; returns how many changed.

    The decision itself (permission, reason, note) is checked once, before anything changes.
    Comments it does not apply to (already approved, say) are skipped, not errors: a moderator
    selecting a page of the queue should not be stopped by one of them.
    """
    check_may_moderate(actor)
    transition = TRANSITIONS[A(action)]
    reason, note = transition.clean_decision(reason=reason, note=note)
    changed = 0
    with transaction.atomic():
        for comment in comments:
            try:
                _moderate(
                    comment=comment, actor=actor, transition=transition, reason=reason, note=note
                )
            except TransitionNotAllowed:
                continue
            changed += 1
    return changed


def comment_feature(*, comment, actor, featured: bool = True, note: str = "") -> Comment:
    """Feature an approved comment (a moderator's pick, shown with a badge and first in the
    thread), or stop featuring it; logged like any decision. Featuring a comment that
    readers cannot see is refused; one that stops being visible stops being featured
    (`counters.comment_visibility_changed`)."""
    check_may_moderate(actor)
    with transaction.atomic():
        comment = Comment.objects.select_for_update().get(pk=comment.pk)
        if featured and comment.status != S.APPROVED:
            raise TransitionNotAllowed(_("Only a published comment can be featured."))
        if comment.is_featured == featured:
            return comment
        comment.is_featured = featured
        comment.featured_at = timezone.now() if featured else None
        comment.save(update_fields=["is_featured", "featured_at"])
        counters.comment_featured_changed(comment, featured=featured)
        ModerationAction.objects.create(
            comment=comment,
            actor=actor if actor is not None and actor.pk else None,
            action=A.FEATURE if featured else A.UNFEATURE,
            old_status=comment.status,
            new_status=comment.status,
            note=(note or "").strip(),
        )
    return comment
