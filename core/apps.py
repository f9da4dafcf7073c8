from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """Project-wide rules with no models: Japanese text, the one sanitizer door, client
    addresses. It imports nothing of ours; every other app may import it."""

    name = "core"
    verbose_name = _("Kaisetsu core")

    def ready(self):
        from . import lookups

        # Query lookups that a thirty-digit number or a NUL cannot crash (see core/lookups.py).
        lookups.register()
