from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NewsroomConfig(AppConfig):
    """The editors' and moderators' dashboard: the admin's front page."""

    name = "newsroom"
    verbose_name = _("Newsroom dashboard")

    def ready(self):
        from django.contrib import admin

        from . import views

        # Before the URLconf is loaded (at the first request), which binds site.index.
        views.install(admin.site)
