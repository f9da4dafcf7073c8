from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExplainersConfig(AppConfig):
    name = "explainers"
    verbose_name = _("Explainers")

    def ready(self):
        from django.db.models.signals import post_migrate

        from core import media as stored_media
        from readers import privacy as reader_privacy
        from readers import services as reader_services

        from . import cache, media, privacy, search, signals

        # After the sites app made its default record (it migrates first in INSTALLED_APPS).
        post_migrate.connect(signals.site_follows_site_url, sender=self)
        # SQLite loses the search index's delete trigger whenever a migration rebuilds the
        # explainer table: make it again.
        post_migrate.connect(search.restore_sqlite_delete_trigger, sender=self)
        # Old lead images and figures are deleted only once no row or revision names them.
        stored_media.register_references(media.image_names_in_use)
        # An account named in a byline is kept until an editor moves the byline.
        reader_privacy.register("explainers", keeper=privacy.byline_keeper)
        # Bylines show the editor's public name.
        reader_services.on_public_name_change(cache.byline_renamed)
        # Author profiles: the author page, the bylines linking to it, feeds and sitemaps.
        reader_services.on_author_change(cache.author_changed)
