from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExplainersConfig(AppConfig):
    name = "explainers"
    verbose_name = _("Explainers")

    def ready(self):
        from django.db.models.signals import post_migrate

        from readers import privacy as reader_privacy
        from readers import services as reader_services

        from . import cache, images, privacy, search, signals

        # After the sites app made its default record (it migrates first in INSTALLED_APPS).
        post_migrate.connect(signals.site_follows_site_url, sender=self)
        # SQLite loses the search index's delete trigger whenever a migration rebuilds the
        # explainer table: make it again.
        post_migrate.connect(search.restore_sqlite_delete_trigger, sender=self)
        # An account named in a byline is kept until an editor moves the byline.
        reader_privacy.register("explainers", keeper=privacy.byline_keeper)
        # Bylines show the editor's public name.
        reader_services.on_public_name_change(cache.byline_renamed)
        # Author profiles: the author page, the bylines linking to it, feeds and sitemaps.
        reader_services.on_author_change(cache.author_changed)
        # Author portraits get renditions like every other stored image.
        reader_services.on_image_renditions(images.renditions_for)
