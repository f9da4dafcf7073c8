"""ReaderProfile moves here from the comments app: its table and rows are kept, renamed."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def move_content_type(apps, schema_editor):
    """Permissions given to groups on the old model follow it to its new app."""
    content_type = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    if content_type.objects.using(db).filter(app_label="readers", model="readerprofile").exists():
        return
    content_type.objects.using(db).filter(app_label="comments", model="readerprofile").update(
        app_label="readers"
    )


def move_content_type_back(apps, schema_editor):
    content_type = apps.get_model("contenttypes", "ContentType")
    content_type.objects.using(schema_editor.connection.alias).filter(
        app_label="readers", model="readerprofile"
    ).update(app_label="comments")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("comments", "0003_reader_profile_and_trust_log"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ReaderProfile",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("display_name", models.CharField(blank=True, help_text="Shown with the reader's comments instead of their email address.", max_length=80, verbose_name="display name")),
                        ("notify_replies", models.BooleanField(default=False, help_text="An email when a reply to one of the reader's comments is published.", verbose_name="email me when someone replies")),
                        ("notify_decisions", models.BooleanField(default=False, help_text="An email when a moderator publishes or rejects one of the reader's comments.", verbose_name="email me about moderation decisions")),
                        ("language", models.CharField(blank=True, choices=[("en", "English"), ("ja", "Japanese")], help_text="The language of emails to this reader; empty means the site's default.", max_length=10, verbose_name="email language")),
                        ("trust", models.CharField(choices=[("auto", "By the rule (approved comments, no recent rejection)"), ("granted", "Granted by a moderator"), ("revoked", "Revoked by a moderator")], default="auto", help_text="Trusted readers' comments are published at once (links and hold words still hold them). Change it from the reader's history page so the log records it.", max_length=10, verbose_name="trust")),
                        ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created")),
                        ("modified_at", models.DateTimeField(auto_now=True, verbose_name="modified")),
                        ("user", models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name="reader_profile", to=settings.AUTH_USER_MODEL, verbose_name="account")),
                    ],
                    options={
                        "verbose_name": "reader profile",
                        "verbose_name_plural": "reader profiles",
                        "db_table": "comments_readerprofile",
                        "constraints": [models.CheckConstraint(condition=models.Q(("trust__in", ["auto", "granted", "revoked"])), name="readerprofile_trust_valid")],
                    },
                ),
            ],
        ),
        migrations.AlterModelTable(name="readerprofile", table=None),
        migrations.RunPython(move_content_type, move_content_type_back),
    ]
