"""Author profiles (public author pages), kept by each editor and contributor: the roles get
add, change and view (the admin limits them to their own profile; readers.admin)."""

import django.db.models.deletion
from django.conf import settings
from django.contrib.auth.management import create_permissions
from django.db import migrations, models

AUTHOR_PERMISSIONS = [f"{action}_authorprofile" for action in ("add", "change", "view")]
# In the shape of explainers.0002_roles.ROLES (tests restore groups from it after a flush).
ROLES = {"Editors": AUTHOR_PERMISSIONS, "Contributors": AUTHOR_PERMISSIONS}


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
            *Permission.objects.filter(content_type__app_label="readers", codename__in=codenames)
        )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(
        content_type__app_label="readers", codename__in=AUTHOR_PERMISSIONS
    )
    for group in Group.objects.filter(name__in=ROLES):
        group.permissions.remove(*permissions)


class Migration(migrations.Migration):

    dependencies = [
        ('auth', '0012_alter_user_first_name_max_length'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('readers', '0002_readerprofile_notify_digest'),
    ]

    operations = [
        migrations.CreateModel(
            name='AuthorProfile',
            fields=[
                ('user', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='author_profile', serialize=False, to=settings.AUTH_USER_MODEL, verbose_name='account')),
                ('name', models.CharField(help_text='Your name as readers see it on your bylines and your author page.', max_length=80, verbose_name='name')),
                ('slug', models.SlugField(blank=True, help_text="The end of your author page's address; left empty, it is made from the name.", max_length=90, unique=True, verbose_name='address')),
                ('bio', models.TextField(blank=True, help_text='A few sentences about you and what you cover, shown on your author page.', max_length=600, verbose_name='short bio')),
                ('portrait', models.ImageField(blank=True, height_field='portrait_height', help_text='Optional. A square photo works best.', upload_to='authors/', verbose_name='portrait', width_field='portrait_width')),
                ('portrait_width', models.PositiveIntegerField(blank=True, editable=False, null=True)),
                ('portrait_height', models.PositiveIntegerField(blank=True, editable=False, null=True)),
                ('portrait_renditions', models.JSONField(blank=True, default=dict, editable=False)),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created')),
                ('modified_at', models.DateTimeField(auto_now=True, verbose_name='modified')),
            ],
            options={
                'verbose_name': 'author profile',
                'verbose_name_plural': 'author profiles',
                'ordering': ['name'],
            },
        ),
        migrations.RunPython(grant, revoke),
    ]
