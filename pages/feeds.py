"""RSS and Atom feeds: latest explainers, per topic, and the corrections log.

Tiny classes on Django's syndication framework. Every item starts from
`Explainer.objects.published()`. Feeds are ordered by `Explainer.last_updated` (the last
significant update, else first publication), so a significant correction brings an explainer
back to the top of readers' feeds while a silent fix does not. Links are absolute on SITE_URL
(not the Sites framework's domain), and nothing private (emails, logins) is ever put in a
feed: authors are `readers.public_name()`.

Every piece of editor text goes through `core.text.clean_text` on its way out (`plain()`):
the models clean it on save, but a row stored before that (or written with .update()) with
a control character would make Django's feed writer raise and the whole feed answer 500.
"""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.template.defaultfilters import linebreaks_filter as linebreaks
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape, format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from core import page_cache
from core.text import clean_text as plain
from explainers import cache as reader_pages
from explainers.models import Correction, Explainer, KeyPoint, Topic

from .seo import absolute_url

FEED_LENGTH = 20


def depends(request, **kwargs):
    """Feeds are shared pages (core/page_cache.py): any explainer change, topic rename or
    scheduled publication makes them stale."""
    page_cache.depend(request, reader_pages.FEEDS)
    reader_pages.expires_with_schedule(request)


def feed_explainers():
    """Published explainers, most recently published or significantly updated first."""
    return (
        Explainer.objects.published()
        # The profile too: public_name() reads its display name.
        .select_related("byline__reader_profile", "byline__author_profile")
        .prefetch_related(
            "topics", Prefetch("key_points", queryset=KeyPoint.objects.order_by("position"))
        )
        .with_last_updated()
        .order_by("-last_updated_at", "-pk")
    )


class AtomAuthorMixin:
    """RFC 4287: a feed names an author unless every entry does. An explainer without a
    byline (or the corrections log) has none, so the feed's author is the newsroom."""

    def author_name(self):
        return settings.SITE_NAME


class LatestExplainersFeed(Feed):
    """The latest explainers, whole summary and key points in each item."""

    description = _("New and significantly updated explainers of the news.")

    def title(self):
        return _("%(site)s: latest explainers") % {"site": settings.SITE_NAME}

    def link(self):
        return absolute_url(reverse("explainers:home"))

    def feed_url(self):
        return absolute_url(reverse("explainers:feed_rss"))

    def items(self):
        return feed_explainers()[:FEED_LENGTH]

    def item_title(self, item):
        return plain(item.title)

    def item_description(self, item):
        # Plain editor text, escaped here (paragraphs kept, as on the page); the feed writer
        # escapes the HTML once more for XML. Key points are an ordered list, as on the page.
        points = format_html_join(
            "", "<li>{}</li>", ((plain(p.text),) for p in item.key_points.all())
        )
        summary = linebreaks(plain(item.summary), autoescape=True)
        return format_html("{}<ol>{}</ol>", summary, points)

    def item_link(self, item):
        return absolute_url(item.get_absolute_url())

    def item_pubdate(self, item):
        return item.first_published

    def item_updateddate(self, item):
        return item.last_updated

    def item_author_name(self, item):
        # readers.public_name(): a login name never reaches a feed.
        return plain(item.byline_name) or None

    def item_categories(self, item):
        return [plain(topic.name) for topic in item.topics.all()]


class LatestExplainersAtomFeed(AtomAuthorMixin, LatestExplainersFeed):
    feed_type = Atom1Feed
    subtitle = LatestExplainersFeed.description

    def feed_url(self):
        return absolute_url(reverse("explainers:feed_atom"))


class TopicExplainersFeed(LatestExplainersFeed):
    """The latest explainers on one topic; an unknown topic is a 404."""

    def get_object(self, request, slug):
        return get_object_or_404(Topic, slug=slug)

    def title(self, obj):
        return _("%(site)s: %(topic)s") % {"site": settings.SITE_NAME, "topic": plain(obj.name)}

    def description(self, obj):
        # RSS readers render the channel description as HTML, like the items' descriptions:
        # the editor's topic name is escaped for it. Atom's subtitle is plain text (below).
        return escape(self.subtitle_text(obj))

    def subtitle_text(self, obj):
        return _("New and significantly updated explainers about %(topic)s.") % {
            "topic": plain(obj.name)
        }

    def link(self, obj):
        return absolute_url(obj.get_absolute_url())

    def feed_url(self, obj):
        return absolute_url(reverse("explainers:topic_feed_rss", kwargs={"slug": obj.slug}))

    def items(self, obj):
        return feed_explainers().filter(topics=obj)[:FEED_LENGTH]


class TopicExplainersAtomFeed(AtomAuthorMixin, TopicExplainersFeed):
    feed_type = Atom1Feed

    def subtitle(self, obj):
        return self.subtitle_text(obj)

    def feed_url(self, obj):
        return absolute_url(reverse("explainers:topic_feed_atom", kwargs={"slug": obj.slug}))


class CorrectionsFeed(Feed):
    """The public corrections log of every published explainer, newest first.

    Each item links to the correction's own anchor on the explainer page.
    """

    description = _("Corrections, clarifications and updates to published explainers.")

    def title(self):
        return _("%(site)s: corrections") % {"site": settings.SITE_NAME}

    def link(self):
        return absolute_url(reverse("explainers:home"))

    def feed_url(self):
        return absolute_url(reverse("explainers:feed_corrections"))

    def items(self):
        return (
            Correction.objects.filter(explainer__in=Explainer.objects.published())
            .select_related("explainer")
            .order_by("-created_at", "-pk")[:FEED_LENGTH]
        )

    def item_title(self, item):
        return _("%(kind)s: %(title)s") % {
            "kind": item.get_kind_display(),
            "title": plain(item.explainer.title),
        }

    def item_description(self, item):
        return format_html("<p>{}</p>", plain(item.note))

    def item_link(self, item):
        return absolute_url(item.get_absolute_url())

    def item_pubdate(self, item):
        return item.created_at

    def item_updateddate(self, item):
        # Atom (RFC 4287) requires every entry's <updated>: an entry of the log never changes.
        return item.created_at


class CorrectionsAtomFeed(AtomAuthorMixin, CorrectionsFeed):
    feed_type = Atom1Feed
    subtitle = CorrectionsFeed.description

    def feed_url(self):
        return absolute_url(reverse("explainers:feed_corrections_atom"))
