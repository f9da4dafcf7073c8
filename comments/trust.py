"""Trust: whose comments are published at once, by the rule or by a moderator's decision."""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from readers.models import ReaderProfile

from .models import Comment, ModerationAction
from .moderation import check_may_moderate

A = ModerationAction.Action

# What counts against a reader: a moderator's rejection or removal, and spam, whether a
# moderator or the pipeline (on arrival, with no moderated_at) said so.
DISQUALIFYING_STATUSES = [Comment.Status.REJECTED, Comment.Status.SPAM, Comment.Status.REMOVED]

TRUST_ACTIONS = {
    ReaderProfile.Trust.GRANTED: A.GRANT_TRUST,
    ReaderProfile.Trust.REVOKED: A.REVOKE_TRUST,
    ReaderProfile.Trust.AUTO: A.AUTO_TRUST,
}


def is_trusted(user) -> bool:
    """A signed-in reader whose earlier comments show they can be published at once.

    Trusted: at least COMMENTS_TRUSTED_AFTER_APPROVED approved comments, and no comment
    rejected, removed or marked as spam in the last COMMENTS_TRUST_REJECTION_WINDOW_DAYS days
    (counted from the decision, or from arrival for spam the pipeline caught). Guests are never
    trusted: a name and an email prove nothing. A moderator's decision on the reader's profile
    (granted / revoked) overrides the rule either way.
    """
    if user is None or not user.is_authenticated:
        return False
    override = ReaderProfile.objects.filter(user=user).values_list("trust", flat=True).first()
    if override == ReaderProfile.Trust.GRANTED:
        return True
    if override == ReaderProfile.Trust.REVOKED:
        return False
    needed = settings.COMMENTS_TRUSTED_AFTER_APPROVED
    if needed <= 0:
        return True
    since = timezone.now() - timedelta(days=settings.COMMENTS_TRUST_REJECTION_WINDOW_DAYS)
    mine = Comment.objects.filter(user=user)
    if (
        mine.filter(status__in=DISQUALIFYING_STATUSES)
        .alias(decided_at=Coalesce(F("moderated_at"), F("created_at")))
        .filter(decided_at__gte=since)
        .exists()
    ):
        return False
    return mine.visible().count() >= needed


def reader_trust_set(*, user, actor, trust, note="") -> ReaderProfile:
    """Grant or revoke a reader's trust by hand, or give the decision back to the rule.

    Moderators only; logged in the moderation log (an entry about the reader, not a comment).
    """
    check_may_moderate(actor)
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
