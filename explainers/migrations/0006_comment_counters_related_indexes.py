"""Comment counters on explainers, and the indexes that bound related reading.

- `comment_count` / `comment_thread_count`: what readers see of an explainer's thread, kept by
  `comments.counters` (the comments app's migration 0008 fills them for existing comments).
- (topic, explainer) and (source, explainer) indexes: `ExplainerQuerySet.related_to` reads the
  newest explainers under a topic or citing a source in index order. The topics link table is
  Django's own (no model to declare an index on), so its index is plain SQL, the same on
  SQLite and PostgreSQL.

On SQLite, adding a NOT NULL column rebuilds the explainers table, which drops the trigger
that keeps the full-text index clean (migration 0005): it is created again here. (Any later
migration that rebuilds the table on SQLite must do the same.)
"""

from django.db import migrations, models

TOPIC_INDEX = "explainer_topics_recent_idx"
# As in 0005_search_index: a deleted explainer's row leaves the SQLite full-text index.
SQLITE_DELETE_TRIGGER = (
    "CREATE TRIGGER IF NOT EXISTS explainers_search_fts_delete AFTER DELETE ON "
    "explainers_explainer BEGIN DELETE FROM explainers_search_fts WHERE rowid = old.id; END"
)


def restore_sqlite_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(SQLITE_DELETE_TRIGGER)


class Migration(migrations.Migration):
    dependencies = [
        ("explainers", "0005_search_index"),
    ]

    operations = [
        # Undoing the new columns rebuilds the table too: the trigger is restored after it.
        migrations.RunPython(migrations.RunPython.noop, restore_sqlite_trigger),
        migrations.AddField(
            model_name="explainer",
            name="comment_count",
            field=models.PositiveIntegerField(default=0, editable=False, verbose_name="comments"),
        ),
        migrations.AddField(
            model_name="explainer",
            name="comment_thread_count",
            field=models.PositiveIntegerField(default=0, editable=False, verbose_name="thread"),
        ),
        migrations.RunPython(restore_sqlite_trigger, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="explainersource",
            index=models.Index(fields=["source", "explainer"], name="explainersource_recent_idx"),
        ),
        migrations.RunSQL(
            f"CREATE INDEX {TOPIC_INDEX} ON explainers_explainer_topics (topic_id, explainer_id)",
            f"DROP INDEX {TOPIC_INDEX}",
        ),
    ]
