from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeskConfig(AppConfig):
    """Readers' correction requests and the corrections they prompt: it links what readers
    report (a request, a public comment) to the corrections the newsroom publishes."""

    name = "desk"
    verbose_name = _("Correction requests")

    def ready(self):
        from comments.moderation_queries import register_card_annotation
        from core.tasks import register_outbox
        from readers import privacy as reader_privacy

        from . import privacy, tasks
        from .models import RequestNotification

        # The requesters' owed emails are handed on like the comments' when a worker died.
        register_outbox(RequestNotification, tasks.send_request_notification)
        from .queries import led_to_correction

        # A reader's correction requests go with their data download, and lose the account
        # and the email when they delete it.
        reader_privacy.register(
            "desk",
            exporter=privacy.requests_personal_data,
            eraser=privacy.requests_author_erase,
            purger=privacy.requests_retention_purge,
        )

        # The moderation queue shows when a comment led to a correction; comments cannot
        # import desk, so desk gives the cards' query the expression that says so.
        register_card_annotation("led_to_correction", led_to_correction)
