"""Old uploads are deleted once nothing names them (core/media.py, `manage.py
purge_unused_media`): a replaced lead image with its renditions goes once two runs a day
apart found it unused, while the current one, a working draft's, a section figure's, a
revision's and a portrait stay."""

import io
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.utils import timezone

from core import media
from explainers.drafts import explainer_draft_start
from explainers.revisions import record
from tests.explainers.test_images import image_bytes, upload, with_lead_image
from tests.factories import AuthorProfileFactory, DetailSectionFactory, ExplainerFactory

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def two_runs():
    """A run now and one a day later, as the daily timer makes them: what the second deleted."""
    now = timezone.now()
    assert media.unused_media_delete(now=now) == []  # a first sighting deletes nothing
    return media.unused_media_delete(now=now + DAY)


def renditions_of(renditions):
    return [entry[key] for entry in renditions["widths"] for key in ("jpeg", "webp")] + [
        renditions["og"]["name"]
    ]


def replace_lead_image(explainer, name="second.jpg"):
    explainer.lead_image = upload(name)
    explainer.save()
    explainer.refresh_derived()
    explainer.refresh_from_db()
    return explainer


def test_a_replaced_lead_image_and_its_renditions_are_deleted():
    explainer = with_lead_image()
    old_name = explainer.lead_image.name
    old_renditions = renditions_of(explainer.lead_image_renditions)
    explainer = replace_lead_image(explainer)
    deleted = two_runs()
    assert sorted(deleted) == sorted([old_name, *old_renditions])
    for name in deleted:
        assert not default_storage.exists(name)
    assert default_storage.exists(explainer.lead_image.name)
    assert all(default_storage.exists(n) for n in renditions_of(explainer.lead_image_renditions))


def test_a_file_is_kept_until_a_run_a_day_later_still_finds_it_unused():
    """However old the file: a page cached before the replacement still links it."""
    explainer = with_lead_image()
    old_name = explainer.lead_image.name
    replace_lead_image(explainer)
    now = timezone.now()
    assert media.unused_media_delete(now=now) == []
    assert media.unused_media_delete(now=now + timedelta(hours=1)) == []
    assert old_name in media.unused_since()
    assert old_name in media.unused_media_delete(now=now + DAY)
    assert old_name not in media.unused_since()


def test_a_file_used_again_is_forgotten_by_the_next_run():
    explainer = with_lead_image()
    old_name = explainer.lead_image.name
    now = timezone.now()
    explainer.lead_image = upload("other.jpg")
    explainer.save()
    assert media.unused_media_delete(now=now) == []
    type(explainer).objects.filter(pk=explainer.pk).update(lead_image=old_name)
    assert media.unused_media_delete(now=now + DAY) != [old_name]
    assert default_storage.exists(old_name) and old_name not in media.unused_since()


def test_an_image_a_revision_names_is_kept_for_a_restore():
    explainer = with_lead_image()
    record(explainer=explainer, event="edit")
    old_name = explainer.lead_image.name
    replace_lead_image(explainer)
    assert old_name not in two_runs()
    assert default_storage.exists(old_name)


def test_a_working_drafts_new_figure_and_the_live_figure_both_stay(editor):
    live = with_lead_image()
    DetailSectionFactory(explainer=live, figure_image=upload("live-fig.jpg"), figure_alt="Fig")
    live.refresh_derived()
    draft = explainer_draft_start(explainer=live, actor=editor)
    section = draft.sections.get()
    live_figure = section.figure_image.name  # shared with the live row, never copied
    section.figure_image = upload("draft-fig.jpg")
    section.save()
    draft.refresh_derived()
    section.refresh_from_db()
    deleted = two_runs()
    assert deleted == []
    for name in (live_figure, section.figure_image.name, live.lead_image.name):
        assert default_storage.exists(name)
    assert all(default_storage.exists(n) for n in renditions_of(section.figure_renditions))


def test_portraits_in_use_stay_and_a_replaced_one_goes():
    profile = AuthorProfileFactory(portrait=upload("me.jpg"))
    old_name = profile.portrait.name
    profile.portrait = upload("me-again.jpg")
    profile.save()
    assert two_runs() == [old_name]


def test_the_command_lists_with_dry_run_and_deletes_through_the_job():
    explainer = with_lead_image()
    old_name = explainer.lead_image.name
    replace_lead_image(explainer)
    media.unused_media_delete(now=timezone.now() - DAY)  # yesterday's run
    out = io.StringIO()
    call_command("purge_unused_media", "--dry-run", stdout=out)
    assert f"{old_name}  (unused since" in out.getvalue() and default_storage.exists(old_name)
    call_command("purge_unused_media", stdout=io.StringIO())  # the tests' tasks run at once
    assert not default_storage.exists(old_name)


def test_nothing_uploaded_yet_is_nothing_to_delete():
    assert media.unused_media() == []
    assert two_runs() == []


def test_same_named_jpeg_and_png_keep_renditions_of_their_own():
    """Renditions were filed under the name without its extension: a PNG uploaded after a
    JPEG of the same name and month replaced the JPEG's renditions."""
    first = with_lead_image()
    first_name = first.lead_image.name
    png_name = first_name.rsplit("/", 1)[-1].replace(".jpg", ".png")
    second = ExplainerFactory(
        published=True,
        lead_image=upload(png_name, image_bytes(fmt="PNG", color="#d53a3a"), "image/png"),
        lead_image_alt="A red square",
    )
    second.refresh_from_db()
    assert second.lead_image.name.rsplit(".", 1)[0] == first_name.rsplit(".", 1)[0]
    ours = set(renditions_of(first.lead_image_renditions))
    theirs = {e[k] for e in second.lead_image_renditions["widths"] for k in ("png", "webp")}
    assert not ours & theirs
    first_webp = first.lead_image_renditions["widths"][0]["webp"]
    second_webp = second.lead_image_renditions["widths"][0]["webp"]
    with default_storage.open(first_webp) as a, default_storage.open(second_webp) as b:
        assert a.read() != b.read()
