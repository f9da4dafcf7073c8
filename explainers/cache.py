"""Which reader pages each change makes stale: the shared page cache's tags (core/page_cache.py).

A page depends on tags; a change bumps the tags of exactly the pages that show what changed:

| tag                   | pages that depend on it                                          |
|-----------------------|------------------------------------------------------------------|
| `explainer:<slug>`    | that explainer's page (its text, parts, corrections, comments)    |
| `home`                | the home list (cards: titles, topics, dates, comment counts)      |
| `topic:<slug>`        | the topic's page, and every explainer page filed under it (topic  |
|                       | name, and its "related explainers", drawn from the same topics)   |
| `topic-counts:<slug>` | the topic's page only (comment counts on its cards)               |
| `source:<pk>`         | the source's page, and every explainer page citing it             |
| `source-counts:<pk>`  | the source's page only                                            |
| `author:<slug>`       | the author's page (their profile, their published explainers and  |
|                       | the cards' comment counts)                                        |
| `feeds`, `sitemap`    | every feed; every sitemap section and the index                  |
| `listing`             | counts of published explainers (home's pager), not a page         |

Every event below is called by the service (or the admin's save, after the one refresh of
derived data) that makes the change, inside its transaction; the versions move at once and
again when it commits (core.page_cache.invalidate). Scheduled publishing
needs no event: pages that list explainers expire at the next scheduled publication time
(`next_scheduled_publication`), which is itself cached for a minute and reset by every
explainer change.
"""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from core import page_cache

from .models import Explainer, ExplainerSource, Topic

HOME = "home"
# Which explainers are published (not their cards): what counts of them depend on.
LISTING = "listing"
FEEDS = "feeds"
SITEMAP = "sitemap"
_NEXT_PUBLICATION_KEY = f"{page_cache.KEY_PREFIX}:next-publication"
_NONE = "none"


def explainer_tag(slug: str) -> str:
    return f"explainer:{slug}"


def topic_tag(slug: str) -> str:
    return f"topic:{slug}"


def topic_counts_tag(slug: str) -> str:
    return f"topic-counts:{slug}"


def source_tag(pk: int) -> str:
    return f"source:{pk}"


def source_counts_tag(pk: int) -> str:
    return f"source-counts:{pk}"


def author_tag(slug: str) -> str:
    return f"author:{slug}"


def _topic_slugs(explainer_id) -> list[str]:
    return list(Topic.objects.filter(explainers=explainer_id).values_list("slug", flat=True))


def _source_pks(explainer_id) -> list[int]:
    return list(
        ExplainerSource.objects.filter(explainer_id=explainer_id).values_list(
            "source_id", flat=True
        )
    )


def explainer_listing_tags(explainer_id) -> set[str]:
    """The tags of the topic and source pages an explainer is listed on, as it is now.

    Read before a change to its topics or sources (the admin does) so that the pages it
    leaves are bumped as well as those it joins (its author's page too: the byline may move)."""
    authors = Explainer.objects.filter(
        pk=explainer_id, byline__author_profile__isnull=False
    ).values_list("byline__author_profile__slug", flat=True)
    return (
        {topic_tag(slug) for slug in _topic_slugs(explainer_id)}
        | {source_tag(pk) for pk in _source_pks(explainer_id)}
        | {author_tag(slug) for slug in authors}
    )


def explainer_changed(explainer: Explainer, *, before=(), old_slug: str = "") -> None:
    """The explainer, a part of it or its workflow state changed (an edit, publishing,
    unpublishing, scheduling, archiving, a correction): its page, the lists it is or was on,
    feeds and sitemaps. `before`: `explainer_listing_tags()` from before the change."""
    tags = {explainer_tag(explainer.slug), HOME, LISTING, FEEDS, SITEMAP}
    if old_slug:
        tags.add(explainer_tag(old_slug))
    tags |= set(before) | explainer_listing_tags(explainer.pk)
    page_cache.invalidate(tags)
    page_cache.forget(_NEXT_PUBLICATION_KEY)


def explainer_page_changed(explainer: Explainer) -> None:
    """Only the explainer's own page changed (comments opened or closed)."""
    page_cache.invalidate({explainer_tag(explainer.slug)})


def comments_changed(explainer_id) -> None:
    """What readers see of an explainer's comments changed: its page and the comment counts
    on the lists it is on. Sibling explainers' pages are not touched."""
    row = (
        Explainer.objects.filter(pk=explainer_id)
        .values_list("slug", "byline__author_profile__slug")
        .first()
    )
    if row is None:
        return
    slug, author_slug = row
    tags = {explainer_tag(slug), HOME}
    if author_slug:
        tags.add(author_tag(author_slug))  # the comment counts on the author's page
    tags |= {topic_counts_tag(s) for s in _topic_slugs(explainer_id)}
    tags |= {source_counts_tag(pk) for pk in _source_pks(explainer_id)}
    page_cache.invalidate(tags)


def explainer_pages_changed(explainer_ids) -> None:
    """Only these explainers' own pages changed (a commenter's name, say)."""
    slugs = Explainer.objects.filter(pk__in=list(explainer_ids)).values_list("slug", flat=True)
    page_cache.invalidate({explainer_tag(slug) for slug in slugs})


def byline_renamed(user) -> None:
    """The public name of someone named in bylines changed: their explainers' pages and the
    feeds (which carry the author)."""
    slugs = Explainer.objects.filter(byline=user).values_list("slug", flat=True)
    if slugs:
        page_cache.invalidate({explainer_tag(slug) for slug in slugs} | {FEEDS})


def author_changed(user, author_slugs) -> None:
    """An author profile was saved or removed (readers.services; `author_slugs`: its
    addresses before and after): the author's page, their explainers' pages (the byline's
    name and link, JSON-LD), the feeds and sitemaps."""
    slugs = Explainer.objects.filter(byline=user).values_list("slug", flat=True)
    tags = {author_tag(slug) for slug in author_slugs if slug} | {FEEDS, SITEMAP}
    page_cache.invalidate(tags | {explainer_tag(slug) for slug in slugs})


def topic_changed(topic: Topic, *, old_slug: str = "") -> None:
    """A topic was renamed: its page, the pages of its explainers (their topic links), the
    lists that show topic names, feeds and sitemaps."""
    tags = {topic_tag(topic.slug), topic_counts_tag(topic.slug), HOME, FEEDS, SITEMAP}
    if old_slug:
        tags |= {topic_tag(old_slug), topic_counts_tag(old_slug)}
    page_cache.invalidate(tags)


def source_changed(source) -> None:
    """A source article was edited: its page and the pages of the explainers citing it."""
    page_cache.invalidate({source_tag(source.pk), source_counts_tag(source.pk)})


def next_scheduled_publication() -> datetime | None:
    """When the next scheduled explainer goes live (None: none is scheduled).

    Lists of explainers expire then. Cached (one query when the cache has no answer);
    `explainer_changed` resets it, and an answer whose time has passed is asked again.
    """
    cache = page_cache.shared_cache()
    now = timezone.now()
    cached = cache.get(_NEXT_PUBLICATION_KEY)
    if cached == _NONE:
        return None
    if cached is not None and cached > now:
        return cached
    upcoming = (
        Explainer.objects.filter(status=Explainer.Status.PUBLISHED, publish_at__gt=now)
        .order_by("publish_at")
        .values_list("publish_at", flat=True)
        .first()
    )
    # A minute at most: an answer read just before a scheduling commit, and stored just after
    # the reset, is wrong for no longer than that.
    cache.set(_NEXT_PUBLICATION_KEY, upcoming or _NONE, timeout=60)
    return upcoming


def expires_with_schedule(request) -> None:
    """The page lists explainers: it expires when the next scheduled one goes live."""
    if getattr(request, "page_cache", None) is not None:
        page_cache.expires_by(request, next_scheduled_publication())
