from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PagesConfig(AppConfig):
    """The reader site: it builds each public page from explainers and their comments."""

    name = "pages"
    verbose_name = _("Reader pages")
