from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReadersConfig(AppConfig):
    name = "readers"
    verbose_name = _("Readers")

    def ready(self):
        from core import media

        from .models import AuthorProfile

        # A replaced or removed portrait is deleted by the unused-file purge.
        media.register_references(
            lambda: (
                AuthorProfile.objects.exclude(portrait="")
                .values_list("portrait", flat=True)
                .iterator()
            )
        )
