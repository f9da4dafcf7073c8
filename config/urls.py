import re

from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.sitemaps import views as sitemap_views
from django.http import Http404
from django.urls import include, path, re_path
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from django.views.static import serve

from comments.views import my_comments
from core.page_cache import shared_page
from pages.sitemaps import SITEMAPS
from pages.sitemaps import depends as sitemap_depends
from pages.sitemaps import index as sitemap_index

admin.site.site_header = _("Kaisetsu newsroom")
admin.site.site_title = _("Kaisetsu newsroom")
admin.site.index_title = _("Explainers, sources and comments")

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("readers.urls")),
    # The reader's own comments sit with their account pages; the comments app serves them.
    path("accounts/comments/", my_comments, name="my_comments"),
    path("accounts/", include("allauth.urls")),
    path("moderation/", include("comments.moderation_urls")),
    # A sitemap index with sections of at most SECTION_SIZE addresses (pages/sitemaps.py).
    path(
        "sitemap.xml",
        shared_page(sitemap_index, depends=sitemap_depends),
        {"sitemaps": SITEMAPS},
        name="sitemap",
    ),
    path(
        "sitemap-<section>.xml",
        shared_page(sitemap_views.sitemap, params=("p",), depends=sitemap_depends),
        {"sitemaps": SITEMAPS},
        name="sitemap_section",
    ),
    path(
        "robots.txt",
        TemplateView.as_view(template_name="robots.txt", content_type="text/plain"),
        name="robots",
    ),
]

# Reader pages carry their language in the address (/en/…, /ja/…), so the address alone
# decides what a reader gets and any shared cache can serve it; the comment forms they bring
# in follow the page's language. An address without one (every link published before)
# redirects to the reader's language (LocaleMiddleware: the cookie, else Accept-Language).
urlpatterns += i18n_patterns(
    path("comments/", include("comments.urls")),
    # "Suggest a correction": a form of its own, never cached (desk/views.py).
    path("corrections/", include("desk.urls")),
    path("", include("pages.urls")),
    prefix_default_language=True,
)

# Django's error views, minus a CSRF check that reads the body again (see config/views.py).
handler400 = "config.views.bad_request"
handler403 = "config.views.permission_denied"
handler404 = "config.views.page_not_found"
handler500 = "config.views.server_error"

if settings.SERVE_MEDIA:
    # static() adds nothing unless DEBUG is on: the view itself, as it would, for the others.
    def media(request, path):
        # MEDIA_ROOT as it is now, not at import (tests give each run its own). A name the
        # file system refuses (too long, a NUL) names no file: 404, as nginx answers.
        try:
            return serve(request, path, document_root=settings.MEDIA_ROOT)
        except (OSError, ValueError) as error:
            raise Http404(path) from error

    urlpatterns += [re_path(rf"^{re.escape(settings.MEDIA_URL.lstrip('/'))}(?P<path>.*)$", media)]
