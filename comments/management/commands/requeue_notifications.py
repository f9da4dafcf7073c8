"""Enqueue again the emails a dead worker held or whose job was lost (every few minutes)."""

from django.core.management.base import BaseCommand

from comments.notifications import notifications_requeue


class Command(BaseCommand):
    help = (
        "Enqueue a new job for each notification email claimed longer ago than "
        "COMMENTS_NOTIFICATION_LEASE_SECONDS (its worker died) or overdue (its job was lost)."
    )

    def handle(self, *args, **options):
        count = notifications_requeue()
        self.stdout.write(f"Enqueued {count} notification email(s) again.")
