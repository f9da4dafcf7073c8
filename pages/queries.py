"""The queries of the reader pages that need more than a queryset in the view.

- `load_parts(explainer)`: the explainer page's parts in one query (below).
- `related_explainers(explainer)`: its related reading (`ExplainerQuerySet.related_to`).
- `published_count(through)`: how many published explainers a topic or source has, read
  with the topic or source.

The explainer page's two fixed queries are `core.prepared.PreparedQuery`s: their SQL is built
once, not on every render.

The parts (topics, cited sources, key points, sections and corrections): five
`prefetch_related` lookups would be five queries. Instead one UNION ALL reads every part into
one common set of columns (`COLUMNS`; a kind, ids, a position, nine texts, a time, a date and
a flag), ordered as each relation's prefetch would be, and the model instances are rebuilt
from the rows and put where `prefetch_related` puts its results. So `explainer.topics.all()`,
`explainer.source_links.all()` (each link with its `.source`), `explainer.key_points.all()`,
`explainer.sections.all()` and `explainer.corrections.all()` are answered from memory, for the
template and for `pages.seo` alike, and each part's `.explainer` is the explainer itself.

Every column is typed in every branch (a NULL is cast to the column's type), since PostgreSQL
resolves a UNION's column types branch by branch.
"""

import json

from django.db import models
from django.db.models import Count, F, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone

from core.prepared import PreparedQuery
from explainers.models import (
    Correction,
    DetailSection,
    Explainer,
    ExplainerSource,
    KeyPoint,
    SourceArticle,
    Topic,
)

# The common columns, with their types. Texts are numbered; each kind says what it puts where.
COLUMNS = {
    "p_kind": models.IntegerField(),
    "p_position": models.IntegerField(),
    "p_at": models.DateTimeField(),
    "p_t1": models.TextField(),  # sorts: only topics use it (their name, their order)
    "p_pk": models.BigIntegerField(),
    "p_ref": models.BigIntegerField(),
    "p_t2": models.TextField(),
    "p_t3": models.TextField(),
    "p_t4": models.TextField(),
    "p_t5": models.TextField(),
    "p_t6": models.TextField(),
    "p_t7": models.TextField(),
    "p_t8": models.TextField(),
    "p_t9": models.TextField(),  # a section's figure renditions, JSON as text
    "p_on": models.DateField(),
    "p_flag": models.BooleanField(),
}
ORDER = ["p_kind", "p_position", "p_at", "p_t1", "p_pk"]

TOPIC, SOURCE, KEY_POINT, SECTION, CORRECTION = range(5)


def _branch(queryset, kind: int, **columns):
    """One kind's rows in the common columns; those it does not use are typed NULLs."""
    values = {
        name: columns[name] if name in columns else Cast(Value(None), output_field=field)
        for name, field in COLUMNS.items()
    }
    values["p_kind"] = Value(kind, output_field=models.IntegerField())
    if "p_position" not in columns:  # ordered by time or name instead
        values["p_position"] = Value(0, output_field=models.IntegerField())
    return queryset.order_by().annotate(**values).values(*COLUMNS)


def _parts_query(*, explainer_id):
    return (
        _branch(
            Explainer.topics.through.objects.filter(explainer_id=explainer_id),
            TOPIC,
            p_pk=F("topic_id"),
            p_t1=F("topic__name"),
            p_t2=F("topic__slug"),
            p_t3=F("topic__description"),
        )
        .union(
            _branch(
                ExplainerSource.objects.filter(explainer_id=explainer_id),
                SOURCE,
                p_pk=F("pk"),
                p_ref=F("source_id"),
                p_position=F("position"),
                p_t2=F("source__title"),
                p_t3=F("source__url"),
                p_t4=F("source__publisher"),
                p_t5=F("source__author"),
                p_t6=F("source__language"),
                p_on=F("source__published_on"),
            ),
            _branch(
                KeyPoint.objects.filter(explainer_id=explainer_id),
                KEY_POINT,
                p_pk=F("pk"),
                p_position=F("position"),
                p_t2=F("text"),
            ),
            _branch(
                DetailSection.objects.filter(explainer_id=explainer_id),
                SECTION,
                p_pk=F("pk"),
                p_position=F("position"),
                p_t2=F("heading"),
                p_t3=F("body"),
                p_t4=F("body_html"),
                p_t5=F("figure_image"),
                p_t6=F("figure_alt"),
                p_t7=F("figure_caption"),
                p_t8=F("figure_credit"),
                p_t9=Cast("figure_renditions", output_field=models.TextField()),
            ),
            _branch(
                Correction.objects.filter(explainer_id=explainer_id),
                CORRECTION,
                p_pk=F("pk"),
                p_at=F("created_at"),
                p_t2=F("kind"),
                p_t3=F("note"),
                p_flag=F("significant"),
            ),
            all=True,
        )
        .order_by(*ORDER)
    )


_parts = PreparedQuery(_parts_query)


def _instance(model, db, **values):
    """A model instance as the database would have given it (every field loaded)."""
    names = [f.attname for f in model._meta.concrete_fields]
    return model.from_db(db, names, [values[name] for name in names])


def _build(row, explainer, db):
    kind, pk = row["p_kind"], row["p_pk"]
    if kind == TOPIC:
        return _instance(
            Topic, db, id=pk, name=row["p_t1"], slug=row["p_t2"], description=row["p_t3"]
        )
    if kind == SOURCE:
        link = _instance(
            ExplainerSource,
            db,
            id=pk,
            explainer_id=explainer.pk,
            source_id=row["p_ref"],
            position=row["p_position"],
        )
        link.source = _instance(
            SourceArticle,
            db,
            id=row["p_ref"],
            title=row["p_t2"],
            url=row["p_t3"],
            publisher=row["p_t4"],
            author=row["p_t5"],
            language=row["p_t6"],
            published_on=row["p_on"],
        )
        return link
    if kind == KEY_POINT:
        return _instance(
            KeyPoint,
            db,
            id=pk,
            explainer_id=explainer.pk,
            text=row["p_t2"],
            position=row["p_position"],
            origin_id=None,  # a working draft's bookkeeping (explainers.drafts), not shown
        )
    if kind == SECTION:
        return _instance(
            DetailSection,
            db,
            id=pk,
            explainer_id=explainer.pk,
            heading=row["p_t2"],
            body=row["p_t3"],
            body_html=row["p_t4"],
            figure_image=row["p_t5"],
            figure_alt=row["p_t6"],
            figure_caption=row["p_t7"],
            figure_credit=row["p_t8"],
            figure_renditions=json.loads(row["p_t9"]) if row["p_t9"] else {},
            position=row["p_position"],
            origin_id=None,
        )
    return _instance(
        Correction,
        db,
        id=pk,
        explainer_id=explainer.pk,
        kind=row["p_t2"],
        note=row["p_t3"],
        created_at=row["p_at"],
        significant=row["p_flag"],
    )


# Where each kind goes on the explainer: the relation's name.
RELATIONS = {
    TOPIC: "topics",
    SOURCE: "source_links",
    KEY_POINT: "key_points",
    SECTION: "sections",
    CORRECTION: "corrections",
}


def _cache_name(manager) -> str:
    """The key `prefetch_related` files a relation's results under on the instance."""
    if hasattr(manager, "prefetch_cache_name"):  # many-to-many
        return manager.prefetch_cache_name
    return manager.field.remote_field.cache_name  # the reverse side of a foreign key


def load_parts(explainer) -> None:
    """Read all of `explainer`'s parts in one query and attach them as if prefetched."""
    db = explainer._state.db or "default"
    found = {kind: [] for kind in RELATIONS}
    for row in _parts(explainer_id=explainer.pk, using=db):
        part = _build(row, explainer, db)
        if row["p_kind"] != TOPIC:
            part.explainer = explainer
        found[row["p_kind"]].append(part)
    cache = explainer.__dict__.setdefault("_prefetched_objects_cache", {})
    for kind, name in RELATIONS.items():
        manager = getattr(explainer, name)
        queryset = manager.all()
        queryset._result_cache = found[kind]
        queryset._prefetch_done = True
        cache[_cache_name(manager)] = queryset


def _related_query(*, now, explainer_id, topic_ids, source_ids, limit):
    return Explainer.objects.published(now).related_to(
        Explainer(pk=explainer_id), topic_ids=topic_ids, source_ids=source_ids
    )[:limit]


_related = PreparedQuery(_related_query)


def related_explainers(explainer, *, limit: int) -> list:
    """The `limit` published explainers most related to `explainer`
    (`Explainer.objects.published().related_to(explainer)`), from its loaded parts."""
    topic_ids = sorted({topic.pk for topic in explainer.topics.all()})
    source_ids = sorted({link.source_id for link in explainer.source_links.all()})
    if not topic_ids and not source_ids:
        return []
    return _related(
        now=timezone.now(),
        explainer_id=explainer.pk,
        topic_ids=topic_ids,
        source_ids=source_ids,
        literals={"limit": limit},
        using=explainer._state.db or "default",
    )


def published_count(through: str):
    """The number of published explainers linked to the outer row through `through`
    (`topics`, `source_links__source`): read with the topic or source, so its page's
    paginator needs no COUNT query of its own."""
    linked = (
        Explainer.objects.published()
        .filter(**{through: OuterRef("pk")})
        .order_by()
        .values(through)
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    return Coalesce(Subquery(linked, output_field=IntegerField()), 0)
