"""sitemap.xml: published explainers, and the topics and sources that have one.

Everything starts from `Explainer.objects.published()`, so drafts and scheduled explainers
(and topics or sources with only those) are left out. Addresses are on SITE_URL rather than
the Sites framework's domain, like canonical links and feeds. Every lastmod is
`Explainer.last_updated` (or its SQL twin `last_updated_of`), as in feeds and JSON-LD.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.db.models import Max

from explainers.models import Explainer, SourceArticle, Topic, last_updated_of


class SiteUrlSitemap(Sitemap):
    """A sitemap whose addresses use settings.SITE_URL's scheme and host."""

    @property
    def protocol(self):
        return urlsplit(settings.SITE_URL).scheme or "https"

    def get_domain(self, site=None):
        return urlsplit(settings.SITE_URL).netloc


class ExplainerSitemap(SiteUrlSitemap):
    def items(self):
        return Explainer.objects.published().order_by("-publish_at", "-pk")

    def lastmod(self, item):
        return item.last_updated


class TopicSitemap(SiteUrlSitemap):
    def items(self):
        # Filtering and annotating through the same relation: only published explainers count.
        return (
            Topic.objects.filter(explainers__in=Explainer.objects.published())
            .annotate(last_explainer_at=Max(last_updated_of("explainers__")))
            .order_by("slug")
        )

    def lastmod(self, item):
        return item.last_explainer_at


class SourceSitemap(SiteUrlSitemap):
    def items(self):
        return (
            SourceArticle.objects.filter(explainers__in=Explainer.objects.published())
            .annotate(last_explainer_at=Max(last_updated_of("explainers__")))
            .order_by("pk")
        )

    def lastmod(self, item):
        return item.last_explainer_at


SITEMAPS = {"explainers": ExplainerSitemap, "topics": TopicSitemap, "sources": SourceSitemap}
