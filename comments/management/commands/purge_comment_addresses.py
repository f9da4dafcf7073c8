"""Forget the address hashes of old comments (run daily, e.g. from cron)."""

from django.core.management.base import BaseCommand

from comments.services import comment_addresses_purge


class Command(BaseCommand):
    help = "Clear the address hash of comments older than COMMENTS_IP_RETENTION_DAYS."

    def handle(self, *args, **options):
        purged = comment_addresses_purge()
        self.stdout.write(f"Forgot the address of {purged} comment(s).")
