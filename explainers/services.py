"""Multi-step writes on explainers. The admin, the demo loader and the tests all call these.

Each is keyword-only, runs in one transaction, validates with full_clean() before saving,
and records the change in the explainer's history (the admin's LogEntry), so "who changed
what, when" is visible on the admin's History page whatever door the change came through.
Each change readers see also marks the reader pages that show it as stale (explainers/cache.py,
after the commit).
"""

import datetime
import json

from django.conf import settings
from django.contrib.admin.models import CHANGE, LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from . import cache as reader_pages
from . import revisions
from .models import CommentMode, Correction, Explainer, Revision, SourceArticle, Topic
from .notifications import workflow_notify

PUBLISH_PERMISSION = "explainers.publish_explainer"
# Editors and moderators hold it (explainers.0003); contributors do not, so the comment
# settings of a live explainer are out of their reach like its text.
COMMENT_SETTINGS_PERMISSION = "explainers.change_comment_settings"


def explainer_history_add(*, actor, explainer: Explainer, event: str, **data) -> None:
    """Record what happened in the explainer's history (the admin's History page).

    Stored language-neutral, as `[{"kaisetsu": {"event": ..., **data}}]` (times as UTC ISO
    strings), and put into words only when read, in the reader's language and time zone
    (`explainer_history_message`; the events are `HISTORY_SENTENCES` at the end of this file).
    """
    if event not in HISTORY_SENTENCES:
        raise ValueError(f"Unknown explainer history event: {event!r}")
    if actor is None or not actor.pk:
        return
    # A working draft's history is its live explainer's: one story, one History page.
    explainer = revisions.story_of(explainer)
    data = {
        key: value.isoformat() if isinstance(value, datetime.datetime) else value
        for key, value in data.items()
    }
    LogEntry.objects.log_actions(
        user_id=actor.pk,
        queryset=[explainer],
        action_flag=CHANGE,
        change_message=json.dumps([{"kaisetsu": {"event": event, **data}}]),
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


def refuse_working_draft(explainer: Explainer, message: str) -> None:
    """Workflow steps of the live explainer are not a working draft's: it is published
    through "Publish changes" (explainers.drafts), never on its own."""
    if explainer.draft_of_id is not None:
        raise ValidationError(message)


def refuse_open_working_draft(explainer: Explainer) -> None:
    """A live explainer with a working draft stays live: taken off the site (or deleted), the
    draft would be published onto an explainer readers no longer see, or be lost with it."""
    if Explainer.objects.filter(draft_of=explainer).exists():
        raise ValidationError(
            _(
                "It has unpublished changes in a working draft. Publish or discard its working "
                "draft first."
            )
        )


def explainer_submit_for_review(*, explainer: Explainer, actor) -> Explainer:
    """Draft → in review: the editor asks a publisher to look at it (a working draft of a
    live explainer too). The note of any earlier "Request changes" has been answered."""
    with transaction.atomic():
        explainer = Explainer.objects.select_for_update().get(pk=explainer.pk)
        if explainer.status not in {Explainer.Status.DRAFT, Explainer.Status.REVIEW}:
            raise ValidationError(
                _("Only a draft can be submitted for review (this one is %(status)s).")
                % {"status": explainer.get_status_display()}
            )
        explainer.status = Explainer.Status.REVIEW
        explainer.review_note = ""
        explainer.full_clean()
        explainer.save(update_fields=["status", "review_note", "modified_at"])
        explainer_history_add(actor=actor, explainer=explainer, event="submitted")
        revisions.record(explainer=explainer, event=Revision.Event.SUBMITTED, actor=actor)
        workflow_notify(event="submitted", explainer=explainer, actor=actor)
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
        refuse_working_draft(
            explainer, _("This is a working draft of a live explainer: publish its changes.")
        )
        problems = explainer_publish_problems(explainer)
        if problems:
            raise ValidationError(problems)
        now = timezone.now()
        # Read before the publish time moves: a scheduled explainer whose time has come was
        # seen from then on, though nothing wrote first_published_at.
        first_published = explainer.first_published
        explainer.status = Explainer.Status.PUBLISHED
        explainer.publish_at = publish_at or now
        if first_published is None and explainer.publish_at <= now:
            first_published = explainer.publish_at
        # A future time is only a schedule: first_published_at is never set ahead of time
        # (Explainer.first_published covers the scheduled one once its time comes).
        explainer.first_published_at = first_published
        explainer.review_note = ""
        explainer.full_clean()
        explainer.save(
            update_fields=[
                "status",
                "publish_at",
                "first_published_at",
                "review_note",
                "modified_at",
            ]
        )
        reader_pages.explainer_changed(explainer)
        if explainer.publish_at <= now:
            explainer_history_add(actor=actor, explainer=explainer, event="published")
            revisions.record(explainer=explainer, event=Revision.Event.PUBLISHED, actor=actor)
        else:
            explainer_history_add(
                actor=actor, explainer=explainer, event="scheduled", at=explainer.publish_at
            )
            revisions.record(explainer=explainer, event=Revision.Event.SCHEDULED, actor=actor)
        workflow_notify(
            event="published",
            explainer=explainer,
            actor=actor,
            author=revisions.last_submitter(explainer) or explainer.byline,
        )
    warning = key_point_warning(explainer.key_points.count())
    return [warning] if warning else []


def explainer_unpublish(*, explainer: Explainer, actor) -> Explainer:
    """Take an explainer off the site (back to draft).

    Its first-published time is kept if readers ever saw it (a scheduled explainer whose
    time had come gets it recorded now); one unpublished before its time never was.
    """
    if actor is not None and not actor.has_perm(PUBLISH_PERMISSION):
        raise PermissionDenied(_("You may not unpublish explainers."))
    with transaction.atomic():
        explainer = Explainer.objects.select_for_update().get(pk=explainer.pk)
        refuse_working_draft(explainer, _("A working draft is not published."))
        refuse_open_working_draft(explainer)
        explainer.first_published_at = explainer.first_published
        explainer.status = Explainer.Status.DRAFT
        explainer.full_clean()
        explainer.save(update_fields=["status", "first_published_at", "modified_at"])
        reader_pages.explainer_changed(explainer)
        explainer_history_add(actor=actor, explainer=explainer, event="unpublished")
        revisions.record(explainer=explainer, event=Revision.Event.UNPUBLISHED, actor=actor)
    return explainer


def source_article_save(*, source: SourceArticle) -> SourceArticle:
    """Validate and save a source article, then refresh the explainers that cite it.

    A source's title is part of their search document, so a rename must reach them; this is
    the one explicit refresh (no signals). The admin and the demo loader save sources here.
    """
    with transaction.atomic():
        source.full_clean()
        source.save()
        for explainer in Explainer.objects.filter(source_links__source=source).distinct():
            explainer.refresh_derived()
        reader_pages.source_changed(source)
    return source


def topic_save(*, topic: Topic) -> Topic:
    """Validate and save a topic, then refresh the explainers filed under it.

    Topic names are in the search index, so a rename must reach those explainers: the one
    explicit refresh, as for sources.
    """
    with transaction.atomic():
        # A blank slug is filled from the name on save (Topic.save): not an error here.
        topic.full_clean(exclude=None if topic.slug else ["slug"])
        old_slug = Topic.objects.filter(pk=topic.pk).values_list("slug", flat=True).first()
        topic.save()
        for explainer in Explainer.objects.filter(topics=topic).distinct():
            explainer.refresh_derived()
        reader_pages.topic_changed(topic, old_slug=old_slug if old_slug != topic.slug else "")
    return topic


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
    refuse_working_draft(
        explainer, _("Corrections are added to the live explainer, not to its working draft.")
    )
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
        reader_pages.explainer_changed(explainer)
        event = "significant_correction" if significant else "silent_correction"
        explainer_history_add(actor=actor, explainer=explainer, event=event, kind=correction.kind)
        revisions.record(
            explainer=explainer, event=Revision.Event.CORRECTION, actor=actor, note=correction.note
        )
    return correction


COMMENT_MODE_EVENTS = {
    CommentMode.OPEN: "comments_opened",
    CommentMode.HELD: "comments_held",
    CommentMode.CLOSED: "comments_closed",
}


def explainer_comment_mode_set(*, explainer: Explainer, actor, mode: str) -> Explainer:
    """Set how an explainer takes comments (`CommentMode`: open with the site's
    pre-moderation, open with every comment held, or closed); logged in its history.

    The one rule for who may: holders of the comment-settings permission (editors and
    moderators). The admin's form and actions, the moderation tool and commands all come here.
    Comments still close by themselves COMMENTS_CLOSE_AFTER_DAYS after first publication.
    """
    if actor is not None and not actor.has_perm(COMMENT_SETTINGS_PERMISSION):
        raise PermissionDenied(_("You may not change how this explainer takes comments."))
    mode = CommentMode(mode)
    with transaction.atomic():
        explainer = Explainer.objects.select_for_update().get(pk=explainer.pk)
        if explainer.comment_mode == mode:
            return explainer
        explainer.comment_mode = mode
        explainer.full_clean()
        explainer.save(update_fields=["comment_mode", "modified_at"])
        reader_pages.explainer_page_changed(explainer)
        explainer_history_add(actor=actor, explainer=explainer, event=COMMENT_MODE_EVENTS[mode])
    return explainer


def explainer_archive(*, explainer: Explainer, actor) -> Explainer:
    """Take an explainer off the site for good, keeping it (and so its readers' comments,
    the moderation log). Archiving, not deleting, is how anything ever published goes away.

    Needs the publish permission; `Explainer.objects.published()` leaves archived explainers
    out, and publishing one again brings it back.
    """
    if actor is not None and not actor.has_perm(PUBLISH_PERMISSION):
        raise PermissionDenied(_("You may not archive explainers."))
    with transaction.atomic():
        explainer = Explainer.objects.select_for_update().get(pk=explainer.pk)
        refuse_working_draft(explainer, _("Discard a working draft instead of archiving it."))
        refuse_open_working_draft(explainer)
        if explainer.status == Explainer.Status.ARCHIVED:
            raise ValidationError(_("This explainer is already archived."))
        # A scheduled time that had come is when readers first saw it: keep it once the
        # status no longer says so (as unpublishing does).
        explainer.first_published_at = explainer.first_published
        explainer.status = Explainer.Status.ARCHIVED
        explainer.full_clean()
        explainer.save(update_fields=["status", "first_published_at", "modified_at"])
        reader_pages.explainer_changed(explainer)
        explainer_history_add(actor=actor, explainer=explainer, event="archived")
        revisions.record(explainer=explainer, event=Revision.Event.ARCHIVED, actor=actor)
    return explainer


def explainer_may_be_deleted(explainer: Explainer) -> bool:
    """Only a draft that was never published may be deleted; anything else is archived.

    A published explainer may have readers' comments, which protect it (they are the
    moderation log). This layer cannot look at comments (they live above it) and need not:
    an explainer that was never published has none. Nor one with a working draft (deleting
    it would take the draft's text with it).
    """
    return (
        explainer.status == Explainer.Status.DRAFT
        and explainer.first_published_at is None
        and explainer.draft_of_id is None
        and not Explainer.objects.filter(draft_of=explainer).exists()
    )


def _history_time(value: str) -> str:
    """A stored UTC ISO time in the site's time zone and the reader's date format."""
    moment = timezone.localtime(datetime.datetime.fromisoformat(value))
    return formats.date_format(moment, "DATETIME_FORMAT")


def _history_kind(kind: str) -> str:
    """A correction kind's name, lower-cased to sit inside a sentence ("update")."""
    try:
        return str(Correction.Kind(kind).label).lower()
    except ValueError:  # a kind since retired: its code is still better than nothing
        return kind


# What each history event says, put into words when it is read (in the reader's language).
HISTORY_SENTENCES = {
    "submitted": lambda data: _("Submitted for review."),
    "published": lambda data: _("Published now."),
    "scheduled": lambda data: _("Published at %(time)s.") % {"time": _history_time(data["at"])},
    "unpublished": lambda data: _("Unpublished."),
    "archived": lambda data: _("Archived."),
    "significant_correction": lambda data: (
        _("Added significant %(kind)s.") % {"kind": _history_kind(data["kind"])}
    ),
    "silent_correction": lambda data: (
        _("Added silent %(kind)s.") % {"kind": _history_kind(data["kind"])}
    ),
    "comments_closed": lambda data: _("Closed comments."),
    "comments_opened": lambda data: _("Opened comments."),
    "comments_held": lambda data: _("Set every new comment to be held for a moderator."),
    "draft_started": lambda data: _("Started a working draft of changes."),
    "draft_discarded": lambda data: _("Discarded the working draft."),
    "changes_published": lambda data: _("Published the working draft's changes."),
    "changes_requested": lambda data: _("Requested changes."),
    "restored": lambda data: (
        _("Restored the revision of %(time)s as the working draft.")
        % {"time": _history_time(data["from"])}
    ),
}


def explainer_history_message(entry: LogEntry) -> str:
    """One entry of an explainer's history, in the active language and time zone.

    Entries from `explainer_history_add` are put into words here; Django's own (form edits)
    and entries stored as plain text before are shown as Django shows them.
    """
    try:
        (stored,) = json.loads(entry.change_message)
        record = stored["kaisetsu"]
        return str(HISTORY_SENTENCES[record["event"]](record))
    except (ValueError, TypeError, LookupError):
        return entry.get_change_message()
