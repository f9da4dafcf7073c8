"""Revisions of an explainer: one snapshot of it as readers would see it, recorded on every
save and workflow step, compared side by side and restored into a working draft.

One function, `snapshot()`, turns an explainer and its ordered parts into JSON; the same JSON
is stored (`Revision.snapshot`), compared (`compare()`) and restored
(`explainers.drafts.explainer_revision_restore`). Each key point and section carries a stable
`id` (the live part's key, which a working draft's copy remembers as `origin`), so a compare
matches parts by identity, not by position: a moved point is "moved", not "removed + added".

Storage is bounded: an edit that changes nothing readers would see stores nothing, and only
the newest `KAISETSU_REVISION_EDITS_KEPT` edit revisions of an explainer are kept (every
workflow revision — submitted, changes requested, published… — is kept, so the conversation
stays). A history page reads revisions without their snapshots, a page at a time.
"""

import difflib
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _

from .models import DetailSection, Explainer, ExplainerSource, KeyPoint, Language, Revision

SNAPSHOT_VERSION = 1
DEFAULT_EDITS_KEPT = 100

# The explainer's own fields a revision keeps and a compare shows, in form order.
FIELDS = [
    ("title", _("title")),
    ("language", _("language")),
    ("introduction", _("introduction")),
    ("summary", _("summary")),
    ("lead_image", _("lead image")),
    ("lead_image_alt", _("alt text")),
    ("lead_image_caption", _("caption")),
    ("lead_image_credit", _("credit")),
]
SECTION_FIELDS = [
    ("heading", _("heading")),
    ("body", _("body")),
    ("figure_image", _("figure image")),
    ("figure_alt", _("alt text")),
    ("figure_caption", _("caption")),
    ("figure_credit", _("credit")),
]


def story_of(explainer: Explainer) -> Explainer:
    """The explainer readers know: a working draft's live explainer, else itself."""
    return explainer.draft_of if explainer.draft_of_id else explainer


def _part_id(part) -> int:
    return part.origin_id or part.pk


def _field_value(explainer: Explainer, name: str):
    """A field as JSON: an image by its stored name (figures and lead images are not copied;
    their renditions are derived again from the file)."""
    value = getattr(explainer, name)
    return value.name or "" if hasattr(value, "storage") else value


def snapshot(explainer: Explainer) -> dict:
    """The explainer as readers would see it, as JSON (four queries: topics, sources, key
    points, sections)."""
    explainer = (
        Explainer.objects.filter(pk=explainer.pk)
        .prefetch_related(
            "topics",
            Prefetch("source_links", queryset=ExplainerSource.objects.select_related("source")),
            Prefetch("key_points", queryset=KeyPoint.objects.order_by("position", "pk")),
            Prefetch("sections", queryset=DetailSection.objects.order_by("position", "pk")),
        )
        .get()
    )
    return {
        "v": SNAPSHOT_VERSION,
        **{name: _field_value(explainer, name) for name, _label in FIELDS},
        "topics": sorted(
            ({"id": topic.pk, "name": topic.name} for topic in explainer.topics.all()),
            key=lambda topic: topic["name"],
        ),
        "sources": [
            {"id": link.source_id, "title": str(link.source)}
            for link in sorted(explainer.source_links.all(), key=lambda link: link.position)
        ],
        "key_points": [
            {"id": _part_id(point), "text": point.text} for point in explainer.key_points.all()
        ],
        "sections": [
            {
                "id": _part_id(section),
                "heading": section.heading,
                "body": section.body,
                "figure_image": section.figure_image.name or "",
                "figure_alt": section.figure_alt,
                "figure_caption": section.figure_caption,
                "figure_credit": section.figure_credit,
            }
            for section in explainer.sections.all()
        ],
    }


def _content(data: dict) -> dict:
    return {key: value for key, value in data.items() if key != "v"}


def edits_kept() -> int:
    return getattr(settings, "KAISETSU_REVISION_EDITS_KEPT", DEFAULT_EDITS_KEPT)


def record(*, explainer: Explainer, event: str, actor=None, note: str = "") -> Revision | None:
    """Store a revision of `explainer` (a working draft's is filed under its live explainer).

    An edit identical to the newest revision of the same content (live or working draft) is
    not stored; older edits beyond `edits_kept()` are deleted. Call inside the transaction
    that made the change.
    """
    story = story_of(explainer)
    of_draft = explainer.draft_of_id is not None
    data = snapshot(explainer)
    if event == Revision.Event.EDIT:
        latest = (
            Revision.objects.filter(explainer=story, of_working_draft=of_draft)
            .order_by("-created_at", "-pk")
            .values_list("snapshot", flat=True)
            .first()
        )
        if latest is not None and _content(latest) == _content(data):
            return None
    revision = Revision.objects.create(
        explainer=story,
        of_working_draft=of_draft,
        event=event,
        actor=actor if actor is not None and actor.pk else None,
        note=note,
        snapshot=data,
    )
    if event == Revision.Event.EDIT:
        old_edits = (
            Revision.objects.filter(explainer=story, event=Revision.Event.EDIT)
            .order_by("-created_at", "-pk")
            .values_list("pk", flat=True)[edits_kept() :]
        )
        Revision.objects.filter(pk__in=list(old_edits)).delete()
    return revision


def last_submitter(story: Explainer, *, draft: Explainer | None = None):
    """Who last submitted the explainer (or its working draft) for review, if anyone: the
    author a decision on it is sent to.

    With a working `draft`, only a submission of that draft counts (one since it was started),
    not whoever submitted the explainer, or an earlier draft of it, long ago."""
    submitted = Revision.objects.filter(explainer=story, event=Revision.Event.SUBMITTED)
    if draft is not None:
        submitted = submitted.filter(of_working_draft=True, created_at__gte=draft.created_at)
    revision = submitted.select_related("actor").order_by("-created_at", "-pk").first()
    return revision.actor if revision is not None else None


# Diffs ------------------------------------------------------------------------------------

# A Latin word (with its digits and inner apostrophes or hyphens), a run of spaces, or any
# other single character: English compares word by word, Japanese (which has no spaces)
# character by character, and mixed text both at once.
TOKEN = re.compile(r"[A-Za-z0-9\u00C0-\u024F]+(?:['’\-][A-Za-z0-9\u00C0-\u024F]+)*|\s+|.", re.S)
# Beyond this many tokens a side, a text is shown as replaced whole (the matcher is quadratic).
MAX_DIFF_TOKENS = 20_000


def tokens(value: str) -> list[str]:
    return TOKEN.findall(value or "")


@dataclass
class Segment:
    """A run of text in one column of a compare: kept ("equal"), "deleted" or "inserted"."""

    kind: str
    text: str


@dataclass
class TextDiff:
    old: list[Segment]
    new: list[Segment]

    @property
    def changed(self) -> bool:
        return any(segment.kind != "equal" for segment in self.old + self.new)


def text_diff(old, new) -> TextDiff:
    """The two texts side by side, what was removed marked in the old and what was added in
    the new one."""
    old, new = str(old or ""), str(new or "")
    if old == new:
        return TextDiff(
            [Segment("equal", old)] if old else [], [Segment("equal", new)] if new else []
        )
    a, b = tokens(old), tokens(new)
    if len(a) > MAX_DIFF_TOKENS or len(b) > MAX_DIFF_TOKENS:
        return TextDiff(
            [Segment("deleted", old)] if old else [], [Segment("inserted", new)] if new else []
        )
    left, right = [], []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            chunk = "".join(a[i1:i2])
            left.append(Segment("equal", chunk))
            right.append(Segment("equal", chunk))
            continue
        if i2 > i1:
            left.append(Segment("deleted", "".join(a[i1:i2])))
        if j2 > j1:
            right.append(Segment("inserted", "".join(b[j1:j2])))
    return TextDiff(left, right)


# Compare ----------------------------------------------------------------------------------


@dataclass
class FieldChange:
    label: str
    diff: TextDiff


@dataclass
class PartChange:
    """One key point or section in either revision, matched by its stable id."""

    status: str  # "added", "removed", "changed", "moved", "unchanged"
    old_position: int | None
    new_position: int | None
    fields: list[FieldChange] = field(default_factory=list)

    @property
    def status_label(self):
        return PART_STATUS_LABELS[self.status]


PART_STATUS_LABELS = {
    "added": _("added"),
    "removed": _("removed"),
    "changed": _("changed"),
    "moved": _("moved"),
    "unchanged": _("unchanged"),
}


@dataclass
class Comparison:
    fields: list[FieldChange]
    key_points: list[PartChange]
    sections: list[PartChange]

    @property
    def changed(self) -> bool:
        return any(change.diff.changed for change in self.fields) or any(
            part.status != "unchanged" for part in self.key_points + self.sections
        )


def _names(items, key) -> str:
    return "\n".join(str(item.get(key, "")) for item in items)


def _parts(old_parts, new_parts, part_fields) -> list[PartChange]:
    old_by_id = {part.get("id"): (n, part) for n, part in enumerate(old_parts, 1)}
    new_ids = set()
    changes = []
    for n, part in enumerate(new_parts, 1):
        new_ids.add(part.get("id"))
        old_n, old_part = old_by_id.get(part.get("id"), (None, None))
        diffs = [
            FieldChange(label, text_diff(old_part.get(name) if old_part else "", part.get(name)))
            for name, label in part_fields
        ]
        if old_part is None:
            status = "added"
        elif any(change.diff.changed for change in diffs):
            status = "changed"
        elif old_n != n:
            status = "moved"
        else:
            status = "unchanged"
        changes.append(PartChange(status, old_n, n, diffs))
    for part_id, (old_n, old_part) in old_by_id.items():
        if part_id in new_ids:
            continue
        diffs = [
            FieldChange(label, text_diff(old_part.get(name), "")) for name, label in part_fields
        ]
        # Shown where it was: before the part that now holds its old place.
        index = next(
            (i for i, change in enumerate(changes) if (change.old_position or 0) > old_n), None
        )
        change = PartChange("removed", old_n, None, diffs)
        if index is None:
            changes.append(change)
        else:
            changes.insert(index, change)
    return changes


def _shown(name: str, value):
    """A field's value as an editor reads it (a language by its name, not its code)."""
    if name == "language":
        return dict(Language.choices).get(value, value)
    return value


def compare(old: dict, new: dict) -> Comparison:
    """Two snapshots field by field, their key points and sections matched by id."""
    fields = [
        FieldChange(label, text_diff(_shown(name, old.get(name)), _shown(name, new.get(name))))
        for name, label in FIELDS
    ]
    fields.append(
        FieldChange(
            _("topics"),
            text_diff(_names(old.get("topics", []), "name"), _names(new.get("topics", []), "name")),
        )
    )
    fields.append(
        FieldChange(
            _("cited sources"),
            text_diff(
                _names(old.get("sources", []), "title"), _names(new.get("sources", []), "title")
            ),
        )
    )
    return Comparison(
        fields=fields,
        key_points=_parts(
            old.get("key_points", []), new.get("key_points", []), [("text", _("key point"))]
        ),
        sections=_parts(old.get("sections", []), new.get("sections", []), SECTION_FIELDS),
    )
