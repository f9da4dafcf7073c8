"""Clear first-published times that lie in the future.

explainer_publish used to store a scheduled explainer's future publish time as its first
publication. Readers had not seen it then; Explainer.first_published now gives a scheduled
explainer its publish time once that time comes, so the stored future value is dropped.
"""

from django.db import migrations
from django.utils import timezone


def clear_future_first_published(apps, schema_editor):
    Explainer = apps.get_model("explainers", "Explainer")
    Explainer.objects.filter(first_published_at__gt=timezone.now()).update(first_published_at=None)


class Migration(migrations.Migration):
    dependencies = [("explainers", "0003_comment_settings_permission")]

    operations = [migrations.RunPython(clear_future_first_published, migrations.RunPython.noop)]
