"""Keep each explainer's derived search document and reading time true to its parts, and the
Sites framework's record true to SITE_URL."""

from urllib.parse import urlsplit

from django.conf import settings
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import DetailSection, Explainer, ExplainerSource, KeyPoint, SourceArticle


@receiver(post_save, sender=KeyPoint)
@receiver(post_delete, sender=KeyPoint)
@receiver(post_save, sender=DetailSection)
@receiver(post_delete, sender=DetailSection)
@receiver(post_save, sender=ExplainerSource)
@receiver(post_delete, sender=ExplainerSource)
def refresh_parent(sender, instance, raw=False, **kwargs):
    if raw:
        return
    explainer = Explainer.objects.filter(pk=instance.explainer_id).first()
    if explainer is not None:
        explainer.refresh_derived()


@receiver(post_save, sender=Explainer)
def refresh_self(sender, instance, raw=False, update_fields=None, **kwargs):
    if raw or (
        update_fields
        and set(update_fields)
        <= {"status", "publish_at", "first_published_at", "modified_at", "significant_update_at"}
    ):
        return
    instance.refresh_derived()


@receiver(post_save, sender=SourceArticle)
def refresh_citing(sender, instance, raw=False, **kwargs):
    if raw:
        return
    for explainer in Explainer.objects.filter(source_links__source=instance).distinct():
        explainer.refresh_derived()


def site_follows_site_url(sender, using="default", apps=None, **kwargs):
    """After migrate: the Sites record names the public site (SITE_URL's host, SITE_NAME).

    Addresses are built on SITE_URL everywhere, but the admin's "View on site" for topics,
    sources, corrections and comments goes through contenttypes' shortcut, which redirects to
    the Sites record's domain: left at Django's "example.com", it sent editors off the site.
    """
    host = urlsplit(settings.SITE_URL).netloc
    if apps is None or not host:
        return
    try:
        site_model = apps.get_model("sites", "Site")
    except LookupError:
        return
    site_model.objects.using(using).update_or_create(
        pk=settings.SITE_ID, defaults={"domain": host, "name": settings.SITE_NAME}
    )
    from django.contrib.sites.models import SITE_CACHE

    SITE_CACHE.clear()
