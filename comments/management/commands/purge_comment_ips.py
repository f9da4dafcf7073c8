"""Forget old comment and report addresses (run daily from cron)."""

from django.conf import settings
from django.core.management.base import BaseCommand

from comments.privacy import comment_ips_purge


class Command(BaseCommand):
    help = (
        "Blank the address hashes of comments (and reader reports) older than "
        "COMMENTS_IP_RETENTION_DAYS."
    )

    def handle(self, *args, **options):
        comments, reports = comment_ips_purge()
        self.stdout.write(
            f"Forgot the address of {comments} comment(s) and {reports} report(s) older than "
            f"{settings.COMMENTS_IP_RETENTION_DAYS} days."
        )
