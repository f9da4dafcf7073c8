"""Email the moderators a summary of the queue (run from cron, e.g. every morning)."""

from django.core.mail import get_connection
from django.core.management.base import BaseCommand

from comments.notifications import moderation_digest_messages


class Command(BaseCommand):
    help = (
        "Email the Moderators group the pending count, the oldest pending comment's age and "
        "the explainers with most pending comments. Sends nothing when the queue is empty."
    )

    def handle(self, *args, **options):
        messages = moderation_digest_messages()
        if not messages:
            self.stdout.write("The queue is empty: no digest sent.")
            return
        # A failure here should fail the cron job loudly, so it is not swallowed.
        sent = get_connection().send_messages(messages)
        self.stdout.write(f"Sent the moderation digest to {sent} moderator(s).")
