"""The full-text index (explainers.search): a tsvector column with a GIN index on PostgreSQL,
an FTS5 table on SQLite.

Neither is a model field, so each is created here for the database the migration runs on, as
SQL (RunPython, since the SQL differs by vendor). Afterwards run `manage.py
rebuild_search_index` once to index the explainers that already exist.
"""

from django.db import migrations, models

# Ranking reads the vector of every match: kept in the row (MAIN storage, and rows allowed to
# 4 KB before the toaster moves anything out) it is read with the row, not fetched from the
# TOAST table one match at a time. The big text columns are still moved out first.
PG_FORWARD = [
    "ALTER TABLE explainers_explainer ADD COLUMN search_vector tsvector NOT NULL DEFAULT ''",
    "ALTER TABLE explainers_explainer ALTER COLUMN search_vector SET STORAGE MAIN",
    "ALTER TABLE explainers_explainer SET (toast_tuple_target = 4080)",
    "CREATE INDEX explainer_search_vector_gin ON explainers_explainer USING gin (search_vector)",
]
PG_BACKWARD = [
    "DROP INDEX IF EXISTS explainer_search_vector_gin",
    "ALTER TABLE explainers_explainer RESET (toast_tuple_target)",
    "ALTER TABLE explainers_explainer DROP COLUMN IF EXISTS search_vector",
]
# One row per explainer (rowid = explainer id), one column per weight. The ascii tokenizer
# splits only on the spaces between our own tokens; the trigger drops a deleted explainer's row.
SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE explainers_search_fts USING fts5(a, b, c, tokenize='ascii')",
    "CREATE TRIGGER explainers_search_fts_delete AFTER DELETE ON explainers_explainer "
    "BEGIN DELETE FROM explainers_search_fts WHERE rowid = old.id; END",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS explainers_search_fts_delete",
    "DROP TABLE IF EXISTS explainers_search_fts",
]


def run(statements):
    def operation(apps, schema_editor):
        for statement in statements.get(schema_editor.connection.vendor, ()):
            schema_editor.execute(statement)

    return operation


class Migration(migrations.Migration):

    dependencies = [
        ("explainers", "0004_clear_future_first_published"),
    ]

    operations = [
        migrations.AddField(
            model_name="explainer",
            name="search_text",
            field=models.TextField(default="", editable=False),
        ),
        migrations.RunPython(
            run({"postgresql": PG_FORWARD, "sqlite": SQLITE_FORWARD}),
            run({"postgresql": PG_BACKWARD, "sqlite": SQLITE_BACKWARD}),
        ),
    ]
