"""Who may open and close comments is one permission, held by editors (and by moderators:
the comments app grants it to its own group, comments.0007)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

# In the shape of 0002_roles.ROLES (tests restore groups from both after a flush).
ROLES = {"Editors": ["change_comment_settings"]}


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(
            *Permission.objects.filter(
                content_type__app_label="explainers", codename__in=codenames
            )
        )


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Permission.objects.filter(
        content_type__app_label="explainers", codename="change_comment_settings"
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("explainers", "0002_roles"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="explainer",
            options={
                "ordering": ["-publish_at", "-pk"],
                "permissions": [
                    ("publish_explainer", "Can publish, schedule and unpublish explainers"),
                    ("change_comment_settings", "Can open and close comments on explainers"),
                ],
                "verbose_name": "explainer",
                "verbose_name_plural": "explainers",
            },
        ),
        migrations.RunPython(grant, revoke),
    ]
