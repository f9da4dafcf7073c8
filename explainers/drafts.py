"""Working drafts: changes to a live explainer that readers see only once they are published.

Editing a live explainer works on a copy of it, a second `Explainer` row with
`draft_of = <the live one>` (at most one per live explainer), holding its fields and parts.
The admin edits that row with every inline it already has; readers never see it (it is never
published, and its slug is internal). The live row — what pages, feeds, sitemaps, JSON-LD and
the page cache show — does not change until "Publish changes" copies the draft onto it in one
transaction. Each part of a draft remembers the live part it copies (`origin`), so publishing
updates the live key points and sections in place (their ids, and so the sections' anchors,
survive) and moves the new ones over.

Every function is a service (keyword-only, one transaction, logged, revisions recorded).
"""

import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.translation import gettext as _

from core import text

from . import cache as reader_pages
from . import revisions
from .forms import POSITION_PARKING_OFFSET
from .models import (
    DetailSection,
    Explainer,
    ExplainerSource,
    KeyPoint,
    Revision,
    SourceArticle,
    Topic,
)
from .notifications import workflow_notify
from .services import (
    PUBLISH_PERMISSION,
    explainer_history_add,
    explainer_publish_problems,
    key_point_warning,
)

CHANGE_PERMISSION = "explainers.change_explainer"
# The fields a working draft carries and "Publish changes" copies. Not the slug (the live
# explainer's address stays), the workflow state, the byline or the comment settings, which
# belong to the live explainer and change there, through their own services.
# Images are copied by name with their renditions (the files are shared, never duplicated).
CONTENT_FIELDS = [
    "title",
    "language",
    "introduction",
    "summary",
    "lead_image",
    "lead_image_alt",
    "lead_image_caption",
    "lead_image_credit",
    "lead_image_renditions",
]
SECTION_CONTENT = [
    "heading",
    "body",
    "figure_image",
    "figure_alt",
    "figure_caption",
    "figure_credit",
    "figure_renditions",
]


def _content(obj, name: str):
    """A field's value to copy onto another row: an image by its stored name (a FieldFile
    assigned to another instance would be re-bound to it)."""
    value = getattr(obj, name)
    return value.name if isinstance(value, FieldFile) else value


def _may_edit(actor) -> None:
    if actor is not None and not actor.has_perm(CHANGE_PERMISSION):
        raise PermissionDenied(_("You may not edit explainers."))


def _may_publish(actor) -> None:
    if actor is not None and not actor.has_perm(PUBLISH_PERMISSION):
        raise PermissionDenied(_("You may submit changes for review but not publish them."))


def internal_slug(live: Explainer) -> str:
    """A working draft's slug: unique, and no address anyone was ever given."""
    return f"draft-{live.pk}-{secrets.token_hex(4)}"


def _copy_parts(source: Explainer, target: Explainer, *, remember_origin: bool) -> None:
    ExplainerSource.objects.bulk_create(
        ExplainerSource(explainer=target, source_id=link.source_id, position=link.position)
        for link in source.source_links.order_by("position")
    )
    KeyPoint.objects.bulk_create(
        KeyPoint(
            explainer=target,
            text=point.text,
            position=point.position,
            origin_id=point.pk if remember_origin else None,
        )
        for point in source.key_points.order_by("position")
    )
    # bulk_create skips save(): body_html is copied as it is, already sanitized.
    DetailSection.objects.bulk_create(
        DetailSection(
            explainer=target,
            body_html=section.body_html,
            position=section.position,
            origin_id=section.pk if remember_origin else None,
            **{name: _content(section, name) for name in SECTION_CONTENT},
        )
        for section in source.sections.order_by("position")
    )
    target.topics.set(source.topics.all())


def explainer_draft_start(*, explainer: Explainer, actor) -> Explainer:
    """The working draft of a live explainer: the existing one, or a new copy of it.

    Anyone who may edit explainers may start one (contributors too: proposing a change to a
    live explainer is their job); publishing it takes the publish permission.
    """
    _may_edit(actor)
    with transaction.atomic():
        live = Explainer.objects.select_for_update().get(pk=explainer.pk)
        if not live.is_live:
            raise ValidationError(_("Only a published explainer has a working draft."))
        existing = Explainer.objects.filter(draft_of=live).first()
        if existing is not None:
            return existing
        draft = Explainer(
            draft_of=live,
            slug=internal_slug(live),
            status=Explainer.Status.DRAFT,
            byline_id=live.byline_id,
            comment_mode=live.comment_mode,
            **{name: _content(live, name) for name in CONTENT_FIELDS},
        )
        draft.full_clean()
        draft.save()
        _copy_parts(live, draft, remember_origin=True)
        draft.refresh_derived()
        # The live text as it stands, if no revision holds it yet (an explainer older than
        # revisions): what the draft is compared with and what a restore can go back to.
        revisions.record(explainer=live, event=Revision.Event.EDIT)
        explainer_history_add(actor=actor, explainer=live, event="draft_started")
    return draft


def explainer_draft_discard(*, draft: Explainer, actor) -> Explainer:
    """Throw a working draft away; the live explainer is as it was. Returns the live one."""
    _may_edit(actor)
    with transaction.atomic():
        draft = Explainer.objects.select_for_update().get(pk=draft.pk)
        if draft.draft_of_id is None:
            raise ValidationError(_("This is not a working draft."))
        live = draft.draft_of
        draft.delete()
        explainer_history_add(actor=actor, explainer=live, event="draft_discarded")
    return live


def _publish_parts(draft: Explainer, live: Explainer) -> None:
    """The live explainer's parts become the draft's: updated in place where the draft row
    copies one, moved over where it is new, deleted where the draft dropped it."""
    for model, content in ((KeyPoint, ["text"]), (DetailSection, SECTION_CONTENT)):
        live_rows = model.objects.filter(explainer=live)
        # Out of the way of the positions the draft gives them (explainer, position is unique).
        live_rows.update(position=F("position") + POSITION_PARKING_OFFSET)
        draft_rows = list(model.objects.filter(explainer=draft).order_by("position"))
        kept = {row.origin_id for row in draft_rows if row.origin_id}
        live_rows.exclude(pk__in=kept).delete()
        live_by_pk = {row.pk: row for row in model.objects.filter(explainer=live)}
        for row in draft_rows:
            target = live_by_pk.get(row.origin_id)
            if target is None:
                # New in the draft: the row itself moves, so its id is the one its revisions
                # already know.
                model.objects.filter(pk=row.pk).update(explainer=live, origin=None)
                continue
            for name in content:
                setattr(target, name, _content(row, name))
            target.position = row.position
            target.save()  # a section's HTML is made from its Markdown here
    ExplainerSource.objects.filter(explainer=live).delete()
    ExplainerSource.objects.bulk_create(
        ExplainerSource(explainer=live, source_id=link.source_id, position=link.position)
        for link in draft.source_links.order_by("position")
    )
    live.topics.set(draft.topics.all())


def explainer_publish_changes(*, draft: Explainer, actor, significant: bool = False) -> list[str]:
    """Readers see the working draft's changes: the live explainer takes its content, in one
    transaction; a revision is recorded, derived data refreshed, the reader pages that show it
    marked stale, and the draft is gone.

    Its "last updated" time moves only when the change is `significant` (as a significant
    correction moves it; forward only). Returns warnings that do not stop it.
    """
    _may_publish(actor)
    with transaction.atomic():
        draft = Explainer.objects.select_for_update().get(pk=draft.pk)
        if draft.draft_of_id is None:
            raise ValidationError(_("This is not a working draft."))
        live = Explainer.objects.select_for_update().get(pk=draft.draft_of_id)
        if not live.is_live:
            # Readers no longer see it (unpublished or archived some other way): its text is
            # not rewritten behind that decision. Publish it again, then its changes.
            raise ValidationError(
                _("The live explainer is no longer published: publish it again first.")
            )
        problems = explainer_publish_problems(draft)
        if problems:
            raise ValidationError(problems)
        before = reader_pages.explainer_listing_tags(live.pk)
        for name in CONTENT_FIELDS:
            setattr(live, name, _content(draft, name))
        update = [*CONTENT_FIELDS, "modified_at"]
        now = timezone.now()
        if significant and (live.significant_update_at is None or live.significant_update_at < now):
            live.significant_update_at = now
            update.append("significant_update_at")
        live.full_clean()
        live.save(update_fields=update)
        _publish_parts(draft, live)
        # Whoever submitted this draft hears of it; an editor's own unsubmitted fix tells
        # nobody (not whoever submitted the explainer long ago).
        author = revisions.last_submitter(live, draft=draft)
        draft.delete()
        live.refresh_derived()
        reader_pages.explainer_changed(live, before=before)
        explainer_history_add(actor=actor, explainer=live, event="changes_published")
        revisions.record(explainer=live, event=Revision.Event.PUBLISHED, actor=actor)
        workflow_notify(event="published", explainer=live, actor=actor, author=author)
    warning = key_point_warning(live.key_points.count())
    return [warning] if warning else []


def explainer_request_changes(*, explainer: Explainer, actor, note: str) -> Explainer:
    """Send an explainer (or working draft) in review back to its author with a note: it is a
    draft again, the note is shown on its form and in the list until they submit again, and
    the decision is a revision (so the history holds the conversation)."""
    _may_publish(actor)
    note = text.clean_text(note or "").strip()
    if not note:
        raise ValidationError(_("Say what should change: the note is what the author reads."))
    with transaction.atomic():
        explainer = Explainer.objects.select_for_update().get(pk=explainer.pk)
        if explainer.status != Explainer.Status.REVIEW:
            raise ValidationError(_("Only an explainer in review can be sent back with changes."))
        explainer.status = Explainer.Status.DRAFT
        explainer.review_note = note
        explainer.full_clean()
        explainer.save(update_fields=["status", "review_note", "modified_at"])
        explainer_history_add(actor=actor, explainer=explainer, event="changes_requested")
        revisions.record(
            explainer=explainer, event=Revision.Event.CHANGES_REQUESTED, actor=actor, note=note
        )
        if explainer.is_working_draft:
            author = revisions.last_submitter(explainer.draft_of, draft=explainer)
        else:
            author = revisions.last_submitter(explainer) or explainer.byline
        workflow_notify(event="changes_requested", explainer=explainer, actor=actor, author=author)
    return explainer


def _apply_snapshot(target: Explainer, data: dict, *, live: Explainer | None) -> None:
    """Make `target` hold a revision's content. Topics and sources deleted since are left
    out; parts that still exist on the live explainer are matched to it (their `origin`)."""
    for name in CONTENT_FIELDS:
        if name in data:
            setattr(target, name, data[name])
    target.status = Explainer.Status.DRAFT
    target.full_clean(exclude=["slug"])
    target.save()
    target.key_points.all().delete()
    target.sections.all().delete()
    target.source_links.all().delete()
    live_points = set(live.key_points.values_list("pk", flat=True)) if live else set()
    live_sections = set(live.sections.values_list("pk", flat=True)) if live else set()
    for position, point in enumerate(data.get("key_points", []), 1):
        KeyPoint.objects.create(
            explainer=target,
            text=point.get("text", ""),
            position=position,
            origin_id=point.get("id") if point.get("id") in live_points else None,
        )
    for position, section in enumerate(data.get("sections", []), 1):
        DetailSection.objects.create(
            explainer=target,
            position=position,
            origin_id=section.get("id") if section.get("id") in live_sections else None,
            # Renditions are not in a snapshot: the refresh after a restore remakes them.
            **{name: section.get(name, "") for name in SECTION_CONTENT if name in section},
        )
    source_ids = [source.get("id") for source in data.get("sources", [])]
    existing = set(SourceArticle.objects.filter(pk__in=source_ids).values_list("pk", flat=True))
    ExplainerSource.objects.bulk_create(
        ExplainerSource(explainer=target, source_id=pk, position=position)
        for position, pk in enumerate((pk for pk in source_ids if pk in existing), 1)
    )
    target.topics.set(Topic.objects.filter(pk__in=[t.get("id") for t in data.get("topics", [])]))


def explainer_revision_restore(*, revision: Revision, actor) -> Explainer:
    """A revision's content becomes the working draft — never straight to readers.

    For a live explainer that is its working draft (started if need be); for one readers do
    not see, the explainer itself (back to draft if it was in review). Logged, and recorded as
    a "restored" revision. Returns the draft.
    """
    _may_edit(actor)
    with transaction.atomic():
        story = Explainer.objects.select_for_update().get(pk=revision.explainer_id)
        if story.status == Explainer.Status.ARCHIVED:
            raise ValidationError(_("An archived explainer cannot be restored into a draft."))
        if story.is_live:
            target = explainer_draft_start(explainer=story, actor=actor)
            live = story
        else:
            target, live = story, None
        _apply_snapshot(target, revision.snapshot, live=live)
        target.refresh_derived()
        if live is None:
            reader_pages.explainer_changed(target)
        explainer_history_add(
            actor=actor, explainer=target, event="restored", **{"from": revision.created_at}
        )
        revisions.record(explainer=target, event=Revision.Event.RESTORED, actor=actor)
    return target
