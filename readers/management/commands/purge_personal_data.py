"""Enqueue every app's retention purge (run daily from cron or a timer)."""

from django.conf import settings
from django.core.management.base import BaseCommand

from readers.tasks import purge_personal_data


class Command(BaseCommand):
    help = (
        "Enqueue the job that forgets what is older than COMMENTS_IP_RETENTION_DAYS: the "
        "address hashes of comments, reports and correction requests, and guests' email "
        "addresses (reply subscriptions, comments, decided correction requests)."
    )

    def handle(self, *args, **options):
        result = purge_personal_data.enqueue()
        self.stdout.write(
            f"Enqueued the purge of personal data older than "
            f"{settings.COMMENTS_IP_RETENTION_DAYS} days (job {result.id})."
        )
