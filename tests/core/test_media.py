"""Old uploads are deleted once nothing names them (core/media.py, `manage.py
purge_unused_media`): a replaced lead image with its renditions goes, while the current one,
a working draft's, a revision's and a portrait stay, and so does a file still in its grace
period."""

import io
import os
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.utils import timezone

from core import media
from explainers.revisions import record
from tests.explainers.test_images import upload, with_lead_image
from tests.factories import AuthorProfileFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def age(name, days=2):
    """Make a stored file look `days` old (past the grace period)."""
    when = (timezone.now() - timedelta(days=days)).timestamp()
    os.utime(default_storage.path(name), (when, when))


def age_everything(days=2):
    for name in media._walk(default_storage):
        age(name, days)


def renditions_of(explainer):
    made = explainer.lead_image_renditions
    return [entry[key] for entry in made["widths"] for key in ("jpeg", "webp")] + [
        made["og"]["name"]
    ]


def replace_lead_image(explainer):
    explainer.lead_image = upload("second.jpg")
    explainer.save()
    explainer.refresh_derived()
    explainer.refresh_from_db()
    return explainer


def test_a_replaced_lead_image_and_its_renditions_are_deleted():
    explainer = with_lead_image()
    old_name, old_renditions = explainer.lead_image.name, renditions_of(explainer)
    explainer = replace_lead_image(explainer)
    age_everything()
    deleted = media.unused_media_delete()
    assert sorted(deleted) == sorted([old_name, *old_renditions])
    for name in deleted:
        assert not default_storage.exists(name)
    assert default_storage.exists(explainer.lead_image.name)
    assert all(default_storage.exists(name) for name in renditions_of(explainer))


def test_an_image_a_revision_names_is_kept_for_a_restore():
    explainer = with_lead_image()
    record(explainer=explainer, event="edit")
    old_name = explainer.lead_image.name
    replace_lead_image(explainer)
    age_everything()
    deleted = media.unused_media_delete()
    assert old_name not in deleted and default_storage.exists(old_name)


def test_an_upload_in_its_grace_period_is_kept():
    explainer = with_lead_image()
    old_name = explainer.lead_image.name
    replace_lead_image(explainer)
    assert media.unused_media() == []  # everything is minutes old
    age(old_name, days=2)
    assert media.unused_media() == [old_name]


def test_portraits_in_use_stay_and_a_replaced_one_goes():
    profile = AuthorProfileFactory(portrait=upload("me.jpg"))
    old_name = profile.portrait.name
    profile.portrait = upload("me-again.jpg")
    profile.save()
    age_everything()
    assert media.unused_media() == [old_name]


def test_the_command_lists_with_dry_run_and_deletes_through_the_job():
    explainer = with_lead_image()
    old_name = explainer.lead_image.name
    replace_lead_image(explainer)
    age_everything()
    out = io.StringIO()
    call_command("purge_unused_media", "--dry-run", stdout=out)
    assert old_name in out.getvalue() and default_storage.exists(old_name)
    call_command("purge_unused_media", stdout=io.StringIO())  # the tests' tasks run at once
    assert not default_storage.exists(old_name)


def test_nothing_uploaded_yet_is_nothing_to_delete():
    assert media.unused_media() == []
