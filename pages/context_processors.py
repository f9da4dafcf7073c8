from django.conf import settings

from .views import SEARCH_MAX_LENGTH


def site(request):
    """Site-wide names for templates, and the search box's length limit (the view's rule)."""
    return {
        "SITE_NAME": settings.SITE_NAME,
        "SITE_URL": settings.SITE_URL,
        "SEARCH_MAX_LENGTH": SEARCH_MAX_LENGTH,
    }
