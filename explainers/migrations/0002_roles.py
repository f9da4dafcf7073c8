"""Newsroom roles as groups: a newsroom gives someone a role by adding them to a group."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CONTENT_MODELS = ["explainer", "explainersource", "keypoint", "detailsection", "correction", "sourcearticle", "topic"]
ROLES = {
    # Edit everything editorial, and publish, schedule and unpublish.
    "Editors": [f"{action}_{model}" for model in CONTENT_MODELS for action in ("add", "change", "delete", "view")]
    + ["publish_explainer"],
    # Write and submit for review; a publisher decides.
    "Contributors": [f"{action}_{model}" for model in CONTENT_MODELS for action in ("add", "change", "view")],
    # Comment permissions are added by the comments app's migrations.
    "Moderators": ["view_explainer"],
}


def create_roles(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*Permission.objects.filter(content_type__app_label="explainers", codename__in=codenames))


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("explainers", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
