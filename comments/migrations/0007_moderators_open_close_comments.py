"""Moderators may open and close comments on any explainer (explainers.change_comment_settings)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

# In the shape of 0002_roles.ROLES, but naming another app's permission (app_label, codename).
ROLES = {"Moderators": [("explainers", "change_comment_settings")]}


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, permissions in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        for app_label, codename in permissions:
            group.permissions.add(
                *Permission.objects.filter(content_type__app_label=app_label, codename=codename)
            )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, permissions in ROLES.items():
        for group in Group.objects.filter(name=name):
            for app_label, codename in permissions:
                group.permissions.remove(
                    *Permission.objects.filter(
                        content_type__app_label=app_label, codename=codename
                    )
                )


class Migration(migrations.Migration):
    dependencies = [
        ("comments", "0006_notification"),
        ("explainers", "0003_comment_settings_permission"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
