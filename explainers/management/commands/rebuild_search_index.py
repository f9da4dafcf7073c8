"""Rebuild the search index (and the other derived data) of every explainer.

Run once after migration 0005, and whenever the tokenizer changes. Safe on a live site: it
walks the explainers in id order, one batch per transaction, through the same
`Explainer.refresh_derived()` that every save uses, so a batch holds its locks briefly and an
explainer saved meanwhile is simply indexed twice, correctly both times.
"""

from django.core.management.base import BaseCommand
from django.db import transaction

from explainers.models import Explainer

BAR_WIDTH = 30


class Command(BaseCommand):
    help = "Rebuild every explainer's search index, in batches (one transaction each)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--batch-size", type=int, default=200, help="Explainers per transaction."
        )

    def handle(self, *args, batch_size, **options):
        batch_size = max(1, batch_size)
        total = Explainer.objects.count()
        done = 0
        last_pk = 0
        while True:
            with transaction.atomic():
                batch = list(Explainer.objects.filter(pk__gt=last_pk).order_by("pk")[:batch_size])
                for explainer in batch:
                    explainer.refresh_derived()
            if not batch:
                break
            last_pk = batch[-1].pk
            done += len(batch)
            self.progress(done, max(total, done))
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"Indexed {done} explainers."))

    def progress(self, done, total):
        filled = BAR_WIDTH * done // total
        bar = "#" * filled + "-" * (BAR_WIDTH - filled)
        self.stdout.write(f"\r[{bar}] {done}/{total}", ending="")
        self.stdout.flush()
