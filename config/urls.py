from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from comments.views import my_comments
from pages.sitemaps import SITEMAPS

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
    path("comments/", include("comments.urls")),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path(
        "robots.txt",
        TemplateView.as_view(template_name="robots.txt", content_type="text/plain"),
        name="robots",
    ),
    path("", include("pages.urls")),
]

# Django's error views, minus a CSRF check that reads the body again (see config/views.py).
handler400 = "config.views.bad_request"
handler403 = "config.views.permission_denied"
handler404 = "config.views.page_not_found"
handler500 = "config.views.server_error"

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
