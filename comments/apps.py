from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommentsConfig(AppConfig):
    name = "comments"
    verbose_name = _("Comments")

    def ready(self):
        from core.tasks import register_outbox
        from readers import privacy as reader_privacy
        from readers import services as reader_services

        from . import privacy, tasks
        from .models import Notification

        # Its owed emails are handed on by requeue_notifications when a worker died.
        register_outbox(Notification, tasks.send_notification)

        # A reader's comments go with their data download and are anonymised, not lost, when
        # they delete their account.
        reader_privacy.register(
            "comments",
            exporter=privacy.comments_personal_data,
            eraser=privacy.comments_author_erase,
            purger=privacy.comments_retention_purge,
        )
        # Comments show their author's public name.
        reader_services.on_public_name_change(privacy.author_renamed)
