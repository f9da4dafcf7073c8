"""Enqueue the moderators' queue digest (run from cron or a systemd timer, e.g. every morning).

The command only enqueues: the worker (`manage.py db_worker`) builds and sends each
moderator's email, with retries, like every other email.
"""

from django.core.management.base import BaseCommand

from comments.tasks import send_moderation_digest


class Command(BaseCommand):
    help = (
        "Enqueue the Moderators group's digest: the pending count, the oldest pending comment's "
        "age and the explainers with most pending comments. Nothing when the queue is empty."
    )

    def handle(self, *args, **options):
        result = send_moderation_digest.enqueue()
        self.stdout.write(f"Enqueued the moderation digest (job {result.id}).")
