"""Multi-step writes on explainers. The admin, the demo loader and the tests all call these.

Each is keyword-only, runs in one transaction, validates with full_clean() before saving,
and records the change in the explainer's history (the admin's LogEntry), so "who changed
what, when" is visible on the admin's History page whatever door the change came through.
"""

from django.conf import settings
from django.contrib.admin.models import CHANGE, LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Correction, Explainer

PUBLISH_PERMISSION = "explainers.publish_explainer"
# Editors and moderators hold it (explainers.0003); contributors do not, so the comment
# settings of a live explainer are out of their reach like its text.
COMMENT_SETTINGS_PERMISSION = "explainers.change_comment_settings"


def explainer_history_add(*, actor, explainer: Explainer, message: str) -> None:
    """Record a change in the explainer's history (the admin's History page)."""
    if actor is None or not actor.pk:
        return
    LogEntry.objects.log_actions(
        user_id=actor.pk,
        queryset=[explainer],
        action_flag=CHANGE,
        change_message=message,
        single_object=True,
    )


def key_point_warning(count: int) -> str | None:
    """House style is 3–7 key points: outside it the editor is warned, not stopped."""
    low, high = settings.KAISETSU_KEY_POINTS_MIN, settings.KAISETSU_KEY_POINTS_MAX
    if low <= count <= high:
        return None
    return _("This explainer has %(count)d key points; house style is %(low)d to %(high)d.") % {
        "count": count,
        "low": low,
        "high": high,
    }


def explainer_publish_problems(explainer: Explainer) -> list[str]:
    """What stops an explainer from being published (empty when it can be)."""
    problems = []
    if not explainer.source_links.exists():
        problems.append(_("Cite at least one source article before publishing."))
    if not explainer.key_points.exists():
        problems.append(_("Add at least one key point before publishing."))
    return problems


def explainer_submit_for_review(*, explainer: Explainer, actor) -> Explainer:
    """Draft → in review: the editor asks a publisher to look at it."""
    with transaction.atomic():
        explainer = Explainer.objects.select_for_update().get(pk=explainer.pk)
        if explainer.status not in {Explainer.Status.DRAFT, Explainer.Status.REVIEW}:
            raise ValidationError(
                _("Only a draft can be submitted for review (this one is %(status)s).")
                % {"status": explainer.get_status_display()}
            )
        explainer.status = Explainer.Status.REVIEW
        explainer.full_clean()
        explainer.save(update_fields=["status", "modified_at"])
        explainer_history_add(actor=actor, explainer=explainer, message=_("Submitted for review."))
    return explainer


def explainer_publish(*, explainer: Explainer, actor, publish_at=None) -> list[str]:
    """Publish now, or at `publish_at` (a future time schedules it; decided at query time).

    Needs the publish permission, at least one source and one key point. Returns warnings
    (key points outside house style) that do not stop publication.
    """
    if actor is not None and not actor.has_perm(PUBLISH_PERMISSION):
        raise PermissionDenied(_("You may submit explainers for review but not publish them."))
    with transaction.atomic():
        explainer = Explainer.objects.select_for_update().get(pk=explainer.pk)
        problems = explainer_publish_problems(explainer)
        if problems:
            raise ValidationError(problems)
        now = timezone.now()
        explainer.status = Explainer.Status.PUBLISHED
        explainer.publish_at = publish_at or now
        if explainer.first_published_at is None:
            explainer.first_published_at = explainer.publish_at
        explainer.full_clean()
        explainer.save(update_fields=["status", "publish_at", "first_published_at", "modified_at"])
        explainer.refresh_derived()
        if explainer.publish_at <= now:
            message = _("Published now.")
        else:
            message = _("Published at %(time)s.") % {"time": explainer.publish_at.isoformat()}
        explainer_history_add(actor=actor, explainer=explainer, message=message)
    warning = key_point_warning(explainer.key_points.count())
    return [warning] if warning else []


def explainer_unpublish(*, explainer: Explainer, actor) -> Explainer:
    """Take an explainer off the site (back to draft). Its first-published time is kept."""
    if actor is not None and not actor.has_perm(PUBLISH_PERMISSION):
        raise PermissionDenied(_("You may not unpublish explainers."))
    with transaction.atomic():
        explainer = Explainer.objects.select_for_update().get(pk=explainer.pk)
        explainer.status = Explainer.Status.DRAFT
        explainer.full_clean()
        explainer.save(update_fields=["status", "modified_at"])
        explainer_history_add(actor=actor, explainer=explainer, message=_("Unpublished."))
    return explainer


def correction_add(
    *,
    explainer: Explainer,
    kind: str,
    note: str,
    significant: bool,
    actor=None,
    at=None,
) -> Correction:
    """Add an entry to the public corrections log.

    A significant one moves the explainer's last-updated time (and so its sitemap lastmod
    and feed position); a silent fix does not. The time only moves forward: an entry dated
    before the latest significant one (a late-logged fix) never makes the explainer look
    older than it is.
    """
    with transaction.atomic():
        # Locked so two corrections added at once cannot both read the old time.
        latest = (
            Explainer.objects.select_for_update()
            .values_list("significant_update_at", flat=True)
            .get(pk=explainer.pk)
        )
        correction = Correction(
            explainer=explainer,
            kind=kind,
            note=note,
            significant=significant,
            created_at=at or timezone.now(),
        )
        correction.full_clean()
        correction.save()
        if significant and (latest is None or correction.created_at > latest):
            Explainer.objects.filter(pk=explainer.pk).update(
                significant_update_at=correction.created_at
            )
            explainer.significant_update_at = correction.created_at
        template = _("Added significant %(kind)s.") if significant else _("Added silent %(kind)s.")
        # The kind's display name, lower-cased to sit inside the sentence ("update").
        kind_name = str(correction.get_kind_display()).lower()
        explainer_history_add(
            actor=actor, explainer=explainer, message=template % {"kind": kind_name}
        )
    return correction


def explainer_comments_set(*, explainer: Explainer, actor, open_comments: bool) -> Explainer:
    """Open or close comments on an explainer; logged in its history.

    The one rule for who may: holders of the comment-settings permission (editors and
    moderators). The admin action, the moderation tool and commands all come here. Comments
    still close by themselves COMMENTS_CLOSE_AFTER_DAYS after first publication.
    """
    if actor is not None and not actor.has_perm(COMMENT_SETTINGS_PERMISSION):
        raise PermissionDenied(_("You may not open or close comments on this explainer."))
    with transaction.atomic():
        explainer = Explainer.objects.select_for_update().get(pk=explainer.pk)
        explainer.comments_open = open_comments
        explainer.full_clean()
        explainer.save(update_fields=["comments_open", "modified_at"])
        message = "Opened comments." if open_comments else "Closed comments."
        explainer_history_add(actor=actor, explainer=explainer, message=message)
    return explainer
