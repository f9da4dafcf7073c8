"""The admin's front page: Django's index view, given the dashboard's panels.

`install()` (called from `NewsroomConfig.ready()`) wraps the default admin site's `index`, so
the admin keeps its URLs, permissions and app list (shown below the panels, "All models");
only the context and the template (`templates/admin/index.html`) change.
"""

from django.utils.translation import gettext_lazy as _

from . import dashboard


def install(site) -> None:
    plain_index = site.index

    def index(request, extra_context=None):
        context = {
            "title": _("Newsroom dashboard"),
            "dashboard_panels": dashboard.panels(request.user),
            **(extra_context or {}),
        }
        return plain_index(request, extra_context=context)

    index.__doc__ = plain_index.__doc__
    site.index = index
