"""Comment permissions for the newsroom roles created by explainers.0002_roles.

Moderators work the queue (the custom `moderate_comment` permission) and see the audit log,
reports and word list; Editors may read comments. Superusers can do everything anyway.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLES = {
    "Moderators": [
        "moderate_comment",
        "view_comment",
        "change_comment",
        "view_moderationaction",
        "view_commentreport",
        "view_wordlistentry",
        "add_wordlistentry",
        "change_wordlistentry",
        "delete_wordlistentry",
    ],
    "Editors": ["view_comment"],
}


def grant(apps, schema_editor):
    app_config = apps.get_app_config("comments")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="comments", codename__in=codenames)
        )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in ROLES.items():
        for group in Group.objects.filter(name=name):
            group.permissions.remove(
                *Permission.objects.filter(content_type__app_label="comments", codename__in=codenames)
            )


class Migration(migrations.Migration):
    dependencies = [
        ("comments", "0001_initial"),
        ("explainers", "0002_roles"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
