"""Delete editors' uploads that nothing names any more (see core/media.py), daily from a timer."""

from django.core.management.base import BaseCommand

from core import media
from core.tasks import purge_unused_media


class Command(BaseCommand):
    help = (
        "Enqueue the job that deletes uploaded images (and their renditions) that no explainer, "
        "draft, revision or author profile names, once two runs a day apart found them unused. "
        "--dry-run lists them instead."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="list, delete nothing")

    def handle(self, *args, dry_run=False, **options):
        if dry_run:
            names = media.unused_media()
            since = media.unused_since()
            for name in names:
                first = since.get(name)
                self.stdout.write(f"{name}  (unused since {first})" if first else name)
            self.stdout.write(
                f"{len(names)} unused file(s); nothing deleted. A run deletes those found "
                f"unused by a run at least {media.GRACE} before."
            )
            return
        result = purge_unused_media.enqueue()
        self.stdout.write(f"Enqueued the purge of unused uploads (job {result.id}).")
