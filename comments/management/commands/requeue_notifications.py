"""Enqueue again the emails a dead worker held or whose job was lost (every few minutes)."""

from django.core.management.base import BaseCommand

from core.tasks import outboxes_requeue


class Command(BaseCommand):
    help = (
        "Enqueue a new job for each owed email (comment notifications, correction-request "
        "emails: every outbox in core.tasks) claimed longer ago than "
        "COMMENTS_NOTIFICATION_LEASE_SECONDS (its worker died) or overdue (its job was lost)."
    )

    def handle(self, *args, **options):
        count = outboxes_requeue()
        self.stdout.write(f"Enqueued {count} notification email(s) again.")
