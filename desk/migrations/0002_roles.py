"""Editors work correction requests (decide them, link them and comments to corrections);
contributors may read them."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLES = {
    "Editors": [
        "view_correctionrequest",
        "change_correctionrequest",
        "view_correctioncomment",
        "add_correctioncomment",
        "delete_correctioncomment",
        "view_requestnotification",
    ],
    "Contributors": ["view_correctionrequest"],
}


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
            *Permission.objects.filter(content_type__app_label="desk", codename__in=codenames)
        )


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    for group in apps.get_model("auth", "Group").objects.filter(name__in=ROLES):
        group.permissions.remove(*Permission.objects.filter(content_type__app_label="desk"))


class Migration(migrations.Migration):
    dependencies = [
        ("desk", "0001_initial"),
        ("explainers", "0002_roles"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
