from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExplainersConfig(AppConfig):
    name = "explainers"
    verbose_name = _("Explainers")

    def ready(self):
        from . import signals  # noqa: F401
