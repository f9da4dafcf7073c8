"""Explainer services: each write checks its rules, happens in one transaction and leaves an
entry in the explainer's admin history."""

import datetime
import io
from unittest import mock

import pytest
from django.conf import settings
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone, translation
from django.utils.formats import date_format

from explainers.models import Correction, Explainer
from explainers.services import (
    correction_add,
    explainer_history_message,
    explainer_publish,
    explainer_submit_for_review,
    explainer_unpublish,
    key_point_warning,
    source_article_save,
)
from pages import seo
from tests.factories import ExplainerFactory, ExplainerSourceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """The role fixtures hash passwords; the real hasher is deliberately slow."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def history(explainer) -> list[tuple[str, str]]:
    """(username, message) of each admin history entry for the explainer, oldest first,
    worded as the History page words it (in the active language)."""
    entries = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Explainer), object_id=str(explainer.pk)
    ).order_by("pk")
    assert all(entry.action_flag == CHANGE for entry in entries)
    return [(entry.user.username, explainer_history_message(entry)) for entry in entries]


@pytest.fixture
def ready():
    """A draft with everything publishing needs: a source and house-style key points."""
    return ExplainerFactory(key_points=4, sources=1, sections=1)


# Submit for review.


def test_submit_for_review_moves_a_draft_to_review(ready, contributor):
    explainer = explainer_submit_for_review(explainer=ready, actor=contributor)
    ready.refresh_from_db()
    assert explainer.status == ready.status == Explainer.Status.REVIEW


def test_submit_for_review_is_logged(ready, contributor):
    explainer_submit_for_review(explainer=ready, actor=contributor)
    assert history(ready) == [("contributor", "Submitted for review.")]


def test_submit_for_review_refuses_a_published_explainer(ready, editor):
    explainer_publish(explainer=ready, actor=editor)
    with pytest.raises(ValidationError, match="Only a draft can be submitted"):
        explainer_submit_for_review(explainer=ready, actor=editor)
    ready.refresh_from_db()
    assert ready.status == Explainer.Status.PUBLISHED


# Publish.


def test_publish_now_makes_the_explainer_visible(ready, editor):
    before = timezone.now()
    warnings = explainer_publish(explainer=ready, actor=editor)
    ready.refresh_from_db()
    assert warnings == []
    assert ready.status == Explainer.Status.PUBLISHED
    assert before <= ready.publish_at <= timezone.now()
    assert ready.first_published_at == ready.publish_at
    assert list(Explainer.objects.published()) == [ready]


def test_publish_now_is_logged(ready, editor):
    explainer_publish(explainer=ready, actor=editor)
    assert history(ready) == [("editor", "Published now.")]


def test_publish_at_a_future_time_schedules_without_showing_it(ready, editor):
    publish_at = timezone.now() + datetime.timedelta(days=2)
    explainer_publish(explainer=ready, actor=editor, publish_at=publish_at)
    ready.refresh_from_db()
    assert ready.status == Explainer.Status.PUBLISHED
    assert ready.publish_at == publish_at
    assert not Explainer.objects.published().exists()
    assert list(Explainer.objects.published(now=publish_at)) == [ready]


def at_time(moment):
    """Pretend it is `moment` (scheduling is decided at query time, so time is all it takes)."""
    return mock.patch("django.utils.timezone.now", return_value=moment)


def test_scheduling_does_not_set_a_first_published_time(ready, editor):
    publish_at = timezone.now() + datetime.timedelta(days=2)
    explainer_publish(explainer=ready, actor=editor, publish_at=publish_at)
    ready.refresh_from_db()
    assert ready.first_published_at is None
    assert ready.first_published is None


def test_a_scheduled_explainer_is_first_published_at_its_publish_time(ready, editor):
    publish_at = timezone.now() + datetime.timedelta(hours=2)
    explainer_publish(explainer=ready, actor=editor, publish_at=publish_at)
    ready.refresh_from_db()
    with at_time(publish_at + datetime.timedelta(minutes=1)):
        assert ready.first_published == publish_at
        data = seo.news_article(ready)
    assert datetime.datetime.fromisoformat(data["datePublished"]) == publish_at


def test_scheduled_then_unpublished_before_its_time_was_never_published(ready, editor):
    publish_at = timezone.now() + datetime.timedelta(days=2)
    explainer_publish(explainer=ready, actor=editor, publish_at=publish_at)
    explainer_unpublish(explainer=ready, actor=editor)
    ready.refresh_from_db()
    assert ready.first_published_at is None
    with at_time(publish_at + datetime.timedelta(days=1)):
        assert ready.first_published is None
        assert seo.news_article(ready)["datePublished"] is None


def test_scheduled_then_published_now_is_first_published_now(ready, editor):
    explainer_publish(
        explainer=ready, actor=editor, publish_at=timezone.now() + datetime.timedelta(days=2)
    )
    explainer_publish(explainer=ready, actor=editor)
    ready.refresh_from_db()
    assert ready.first_published_at == ready.publish_at <= timezone.now()
    data = seo.news_article(ready)
    assert datetime.datetime.fromisoformat(data["datePublished"]) == ready.publish_at


def test_unpublishing_after_the_scheduled_time_keeps_it_as_first_published(ready, editor):
    publish_at = timezone.now() + datetime.timedelta(hours=2)
    explainer_publish(explainer=ready, actor=editor, publish_at=publish_at)
    with at_time(publish_at + datetime.timedelta(hours=1)):
        explainer_unpublish(explainer=ready, actor=editor)
        ready.refresh_from_db()
        assert ready.first_published_at == publish_at
        explainer_publish(explainer=ready, actor=editor)
    ready.refresh_from_db()
    assert ready.first_published_at == publish_at


# Source articles.


def test_renaming_a_source_refreshes_the_explainers_citing_it():
    link = ExplainerSourceFactory(source__title="Old headline")
    explainer = link.explainer
    explainer.refresh_from_db()
    assert explainer in Explainer.objects.search("old headline")
    source = link.source
    source.title = "New headline"
    source_article_save(source=source)
    explainer.refresh_from_db()
    assert explainer in Explainer.objects.search("new headline")
    assert explainer not in Explainer.objects.search("old")


def test_source_article_save_validates_and_cleans():
    link = ExplainerSourceFactory()
    source = link.source
    source.title = "Bad\x00 title"
    source_article_save(source=source)
    source.refresh_from_db()
    assert source.title == "Bad title"
    source.url = "not an address"
    with pytest.raises(ValidationError):
        source_article_save(source=source)


def test_correction_note_with_control_characters_is_stored_clean(ready, editor):
    explainer_publish(explainer=ready, actor=editor)
    correction = correction_add(
        explainer=ready, kind="correction", note="Da\x00te\x0b fixed.", significant=True
    )
    correction.refresh_from_db()
    assert correction.note == "Date fixed."


def test_scheduled_publication_is_logged_with_its_time(ready, editor):
    publish_at = timezone.now() + datetime.timedelta(days=2)
    explainer_publish(explainer=ready, actor=editor, publish_at=publish_at)
    local_time = date_format(timezone.localtime(publish_at), "DATETIME_FORMAT")
    assert history(ready) == [("editor", f"Published at {local_time}.")]


def test_publish_refuses_an_explainer_without_a_source(editor):
    explainer = ExplainerFactory(key_points=4, sources=0)
    with pytest.raises(ValidationError) as excinfo:
        explainer_publish(explainer=explainer, actor=editor)
    assert excinfo.value.messages == ["Cite at least one source article before publishing."]
    explainer.refresh_from_db()
    assert explainer.status == Explainer.Status.DRAFT
    assert history(explainer) == []


def test_publish_refuses_an_explainer_without_a_key_point(editor):
    explainer = ExplainerFactory(key_points=0, sources=1)
    with pytest.raises(ValidationError) as excinfo:
        explainer_publish(explainer=explainer, actor=editor)
    assert excinfo.value.messages == ["Add at least one key point before publishing."]
    explainer.refresh_from_db()
    assert explainer.status == Explainer.Status.DRAFT
    assert history(explainer) == []


def test_publish_reports_every_missing_part_at_once(editor):
    explainer = ExplainerFactory()
    with pytest.raises(ValidationError) as excinfo:
        explainer_publish(explainer=explainer, actor=editor)
    assert len(excinfo.value.messages) == 2


@pytest.mark.parametrize("count", [1, 2, 8])
def test_publish_warns_outside_house_style_but_still_publishes(count, editor):
    explainer = ExplainerFactory(key_points=count, sources=1)
    warnings = explainer_publish(explainer=explainer, actor=editor)
    assert warnings == [f"This explainer has {count} key points; house style is 3 to 7."]
    assert Explainer.objects.published().filter(pk=explainer.pk).exists()


@pytest.mark.parametrize("count", [3, 5, 7])
def test_publish_does_not_warn_inside_house_style(count, editor):
    explainer = ExplainerFactory(key_points=count, sources=1)
    assert explainer_publish(explainer=explainer, actor=editor) == []


def test_key_point_range_follows_settings(settings):
    settings.KAISETSU_KEY_POINTS_MIN = 2
    settings.KAISETSU_KEY_POINTS_MAX = 4
    assert key_point_warning(2) is None
    assert key_point_warning(5) == "This explainer has 5 key points; house style is 2 to 4."


def test_contributor_may_not_publish(ready, contributor):
    with pytest.raises(PermissionDenied):
        explainer_publish(explainer=ready, actor=contributor)
    ready.refresh_from_db()
    assert ready.status == Explainer.Status.DRAFT
    assert history(ready) == []


def test_publish_keeps_the_search_index_made_when_the_parts_were_saved(editor):
    """Whoever saved the parts refreshed the derived data once; publishing changes no text."""
    explainer = ExplainerFactory(key_points=3, sources=1, introduction="Ｗｉｎｄ power")
    with mock.patch.object(Explainer, "refresh_derived") as refresh:
        explainer_publish(explainer=explainer, actor=editor)
    assert refresh.call_count == 0
    explainer.refresh_from_db()
    assert explainer in Explainer.objects.search("wind power")
    assert explainer.reading_minutes >= 1


# Unpublish.


def test_unpublish_hides_the_explainer_and_keeps_first_published(ready, editor):
    explainer_publish(explainer=ready, actor=editor)
    ready.refresh_from_db()
    first_published = ready.first_published_at
    explainer_unpublish(explainer=ready, actor=editor)
    ready.refresh_from_db()
    assert ready.status == Explainer.Status.DRAFT
    assert not Explainer.objects.published().exists()
    assert ready.first_published_at == first_published


def test_republishing_keeps_the_first_published_time(ready, editor):
    first_time = timezone.now() - datetime.timedelta(days=3)
    explainer_publish(explainer=ready, actor=editor, publish_at=first_time)
    explainer_unpublish(explainer=ready, actor=editor)
    explainer_publish(explainer=ready, actor=editor)
    ready.refresh_from_db()
    assert ready.first_published_at == first_time
    assert ready.publish_at > first_time


def test_unpublish_is_logged(ready, editor):
    explainer_publish(explainer=ready, actor=editor)
    explainer_unpublish(explainer=ready, actor=editor)
    assert history(ready) == [("editor", "Published now."), ("editor", "Unpublished.")]


def test_contributor_may_not_unpublish(ready, editor, contributor):
    explainer_publish(explainer=ready, actor=editor)
    with pytest.raises(PermissionDenied):
        explainer_unpublish(explainer=ready, actor=contributor)
    ready.refresh_from_db()
    assert ready.status == Explainer.Status.PUBLISHED


# Corrections.


def test_significant_correction_moves_the_updated_time(ready, editor):
    explainer_publish(explainer=ready, actor=editor)
    at = timezone.now() + datetime.timedelta(minutes=5)
    correction = correction_add(
        explainer=ready,
        kind="correction",
        note="Date fixed.",
        significant=True,
        actor=editor,
        at=at,
    )
    ready.refresh_from_db()
    assert correction.created_at == at
    assert ready.significant_update_at == at
    assert ready.updated_at == at
    assert ready.last_updated == at


def test_silent_correction_does_not_move_the_updated_time(ready, editor):
    explainer_publish(explainer=ready, actor=editor)
    ready.refresh_from_db()
    correction_add(
        explainer=ready, kind="correction", note="Typo.", significant=False, actor=editor
    )
    ready.refresh_from_db()
    assert ready.significant_update_at is None
    assert ready.last_updated == ready.first_published_at
    assert Correction.objects.filter(explainer=ready, significant=False).count() == 1


def test_corrections_are_logged(ready, editor):
    correction_add(
        explainer=ready, kind="update", note="New figures.", significant=True, actor=editor
    )
    correction_add(
        explainer=ready, kind="correction", note="Typo.", significant=False, actor=editor
    )
    assert history(ready) == [
        ("editor", "Added significant update."),
        ("editor", "Added silent correction."),
    ]


def test_correction_with_an_unknown_kind_is_refused_and_nothing_changes(ready, editor):
    with pytest.raises(ValidationError) as excinfo:
        correction_add(explainer=ready, kind="retraction", note="x", significant=True, actor=editor)
    assert "kind" in excinfo.value.message_dict
    ready.refresh_from_db()
    assert ready.significant_update_at is None
    assert not Correction.objects.exists()
    assert history(ready) == []


def test_correction_without_a_note_is_refused(ready, editor):
    with pytest.raises(ValidationError) as excinfo:
        correction_add(explainer=ready, kind="correction", note="", significant=True, actor=editor)
    assert "note" in excinfo.value.message_dict


def test_backdated_significant_correction_does_not_move_the_updated_time_back(ready, editor):
    explainer_publish(explainer=ready, actor=editor)
    latest = timezone.now()
    correction_add(explainer=ready, kind="update", note="New figures.", significant=True, at=latest)
    earlier = latest - datetime.timedelta(days=2)
    correction_add(
        explainer=ready, kind="correction", note="Late-logged fix.", significant=True, at=earlier
    )
    ready.refresh_from_db()
    assert ready.significant_update_at == latest
    assert ready.corrections.count() == 2


@pytest.fixture
def japanese_catalogue():
    """The compiled Japanese catalogue, as set-up makes it; Django reloads it afterwards."""
    call_command("compile_catalogues", stdout=io.StringIO())
    # Changing LOCALE_PATHS (even to itself) drops Django's cached translations.
    with override_settings(LOCALE_PATHS=list(settings.LOCALE_PATHS)):
        yield


def test_history_is_worded_in_the_readers_language(ready, editor, japanese_catalogue):
    with translation.override("ja"):
        explainer_publish(explainer=ready, actor=editor)
        correction_add(
            explainer=ready, kind="update", note="New figures.", significant=True, actor=editor
        )
    assert [message for _, message in history(ready)] == [
        "Published now.",
        "Added significant update.",
    ]
    with translation.override("ja"):
        messages = [message for _, message in history(ready)]
    assert messages == ["今すぐ公開しました。", "重要な更新を記録しました。"]
