"""Enqueue the purge of old comment and report addresses (run daily from cron or a timer)."""

from django.conf import settings
from django.core.management.base import BaseCommand

from comments.tasks import purge_comment_ips


class Command(BaseCommand):
    help = (
        "Enqueue the job that blanks the address hashes of comments (and reader reports) and "
        "deletes guests' email addresses and reply subscriptions older than "
        "COMMENTS_IP_RETENTION_DAYS."
    )

    def handle(self, *args, **options):
        result = purge_comment_ips.enqueue()
        self.stdout.write(
            f"Enqueued the purge of addresses older than {settings.COMMENTS_IP_RETENTION_DAYS} "
            f"days (job {result.id})."
        )
