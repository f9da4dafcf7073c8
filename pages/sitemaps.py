"""Sitemaps: an index (/sitemap.xml, named in robots.txt) and sections of at most
SECTION_SIZE addresses: published explainers, the topics and the sources that have one.

Everything starts from `Explainer.objects.published()`, so drafts and scheduled explainers
(and topics or sources with only those) are left out. Addresses are on SITE_URL rather than
the Sites framework's domain, like canonical links and feeds, and each is the canonical one:
an explainer or a source under its own language's prefix, a topic or an author page under
each language (with its alternates). Every lastmod is `Explainer.last_updated` (or its SQL twin
`last_updated_of`), as in feeds and JSON-LD.

Explainers and sources are split into sections by primary key (`KeyRangePaginator`): section
N holds the rows whose key falls in the Nth block of SECTION_SIZE keys. Each section is one
range scan on the primary key, whatever the size of the archive (no OFFSET), and an old
section keeps its contents as the archive grows, so crawlers re-read only the last one.
Sitemaps are shared pages (core/page_cache.py): cached until an explainer, topic or source
changes, or the next scheduled explainer goes live.
"""

from math import ceil
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps.views import SitemapIndexItem, x_robots_tag
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db.models import Max
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.functional import cached_property

from core import page_cache
from explainers import cache as reader_pages
from explainers.models import Explainer, SourceArticle, Topic, canonical_path, last_updated_of
from pages.seo import absolute_url
from readers.models import AuthorProfile

# The protocol allows 50,000 addresses a file. A section of 1,000 costs the same to build
# whether the archive holds a thousand explainers or a hundred thousand (there are just more
# sections), and stays small for crawlers to fetch again.
SECTION_SIZE = 1_000


class CanonicalPaths:
    """`canonical_path()` for many rows of one model: the URL pattern is reversed once per
    language, then each row's key is put in its place (reversing per row was most of a
    section's cost)."""

    PLACEHOLDER = "0000000000"

    def __init__(self, name: str, key: str):
        self.name, self.key, self.patterns = name, key, {}

    def __call__(self, item) -> str:
        language = item.language if item.language in dict(settings.LANGUAGES) else None
        language = language or settings.LANGUAGE_CODE
        pattern = self.patterns.get(language)
        if pattern is None:
            pattern = self.patterns[language] = canonical_path(
                language, self.name, **{self.key: self.PLACEHOLDER}
            )
        return pattern.replace(self.PLACEHOLDER, str(getattr(item, self.key)), 1)


def depends(request, **kwargs):
    """What every sitemap shows changes with any explainer, topic or source (shared_page)."""
    page_cache.depend(request, reader_pages.SITEMAP)
    reader_pages.expires_with_schedule(request)


class KeyRangePage:
    def __init__(self, object_list, number):
        self.object_list = object_list
        self.number = number


class KeyRangePaginator:
    """Pages of a queryset by blocks of primary keys (see the module docstring): page N holds
    the rows with (N-1)·size < pk ≤ N·size. A page may hold fewer than `size` rows, never more.
    """

    def __init__(self, queryset, size):
        self.queryset = queryset
        self.size = size

    @property
    def num_pages(self) -> int:
        # The highest key of the whole table (the end of its primary key index), not of the
        # rows that qualify, which would be a scan: a last section may hold none of them.
        model = self.queryset.model
        highest = model._base_manager.aggregate(highest=Max("pk"))["highest"] or 0
        return max(1, ceil(highest / self.size))

    def page(self, number):
        try:
            number = int(number)
        except (TypeError, ValueError):
            raise PageNotAnInteger("That page number is not an integer") from None
        if number < 1 or number > self.num_pages:
            raise EmptyPage("That page contains no results")
        low = (number - 1) * self.size
        rows = self.queryset.filter(pk__gt=low, pk__lte=low + self.size).order_by("pk")
        return KeyRangePage(list(rows), number)


class SiteUrlSitemap(Sitemap):
    """A sitemap whose addresses use settings.SITE_URL's scheme and host."""

    limit = SECTION_SIZE

    @property
    def protocol(self):
        return urlsplit(settings.SITE_URL).scheme or "https"

    def get_domain(self, site=None):
        return urlsplit(settings.SITE_URL).netloc


class ExplainerSitemap(SiteUrlSitemap):
    canonical = CanonicalPaths("explainers:detail", "slug")

    def items(self):
        return Explainer.objects.published().only(
            "slug", "language", "publish_at", "first_published_at", "significant_update_at"
        )

    @property
    def paginator(self):
        return KeyRangePaginator(self.items(), self.limit)

    def location(self, item):
        return self.canonical(item)

    def lastmod(self, item):
        return item.last_updated


class TopicSitemap(SiteUrlSitemap):
    """Topic pages in every language, each with its alternates."""

    i18n = True
    alternates = True
    x_default = False

    def items(self):
        # Filtering and annotating through the same relation: only published explainers count.
        return (
            Topic.objects.filter(explainers__in=Explainer.objects.published())
            .annotate(last_explainer_at=Max(last_updated_of("explainers__")))
            .order_by("slug")
        )

    def lastmod(self, item):
        return item.last_explainer_at

    @property
    def paginator(self):
        # Pages counted from the topics table (the index asks how many), not from the
        # annotated query, which reads every explainer of every topic.
        paginator = Paginator(self._items, self.limit)
        paginator.count = Topic.objects.count() * len(self._languages())
        return paginator

    @cached_property
    def _items(self):
        return LazyItems(super()._items)


class LazyItems:
    """A list made only when it is sliced (a section is built), not when pages are counted."""

    def __init__(self, make):
        self.make, self.items = make, None

    def __getitem__(self, index):
        if self.items is None:
            self.items = self.make()
        return self.items[index]

    def __len__(self):
        if self.items is None:
            self.items = self.make()
        return len(self.items)


class SourceSitemap(SiteUrlSitemap):
    canonical = CanonicalPaths("explainers:source", "pk")

    def items(self):
        return SourceArticle.objects.filter(explainers__in=Explainer.objects.published()).annotate(
            last_explainer_at=Max(last_updated_of("explainers__"))
        )

    @property
    def paginator(self):
        return KeyRangePaginator(self.items(), self.limit)

    def location(self, item):
        return self.canonical(item)

    def lastmod(self, item):
        return item.last_explainer_at


class AuthorSitemap(SiteUrlSitemap):
    """Author pages with a published explainer, in every language, each with its alternates
    (a newsroom has a handful of authors: the plain paginator's count is cheap)."""

    i18n = True
    alternates = True
    x_default = False

    def items(self):
        return (
            AuthorProfile.objects.filter(user__explainers__in=Explainer.objects.published())
            .annotate(last_explainer_at=Max(last_updated_of("user__explainers__")))
            .order_by("slug")
        )

    def lastmod(self, item):
        return item.last_explainer_at


SITEMAPS = {
    "explainers": ExplainerSitemap,
    "topics": TopicSitemap,
    "sources": SourceSitemap,
    "authors": AuthorSitemap,
}


@x_robots_tag
def index(request, sitemaps):
    """The sitemap index: every section's pages, on SITE_URL (Django's own index view takes
    the Sites framework's domain). Without lastmod (optional in the protocol): the latest
    change of a section is a scan of its rows, and each section says it per address."""
    entries = []
    for section, sitemap_class in sitemaps.items():
        sitemap = sitemap_class()
        location = absolute_url(reverse("sitemap_section", kwargs={"section": section}))
        for number in range(1, sitemap.paginator.num_pages + 1):
            page_location = location if number == 1 else f"{location}?p={number}"
            entries.append(SitemapIndexItem(page_location, None))
    return TemplateResponse(
        request, "sitemap_index.xml", {"sitemaps": entries}, content_type="application/xml"
    )
