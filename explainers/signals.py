"""Keep the Sites framework's record true to SITE_URL (a post_migrate hook).

Derived explainer data (search document, reading time) is not refreshed here: whoever saves
an explainer or its parts calls `Explainer.refresh_derived()` once (services, admin, demo
loader), so one save is one refresh.
"""

from urllib.parse import urlsplit

from django.conf import settings


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
