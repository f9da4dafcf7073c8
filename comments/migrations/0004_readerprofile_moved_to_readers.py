"""ReaderProfile now belongs to the readers app (readers.0001 took over its table)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("comments", "0003_reader_profile_and_trust_log"),
        ("readers", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="ReaderProfile")],
        ),
    ]
