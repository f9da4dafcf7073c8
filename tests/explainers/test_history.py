"""An explainer's history stores what happened and is worded when read: in the reader's
language and the site's time zone, whoever did it and in whatever language they worked."""

import datetime
import io
import json

import lxml.html
import pytest
from django.conf import settings
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone, translation

from explainers.models import Correction, Explainer
from explainers.services import (
    correction_add,
    explainer_archive,
    explainer_comment_mode_set,
    explainer_history_add,
    explainer_history_message,
    explainer_publish,
    explainer_submit_for_review,
    explainer_unpublish,
)
from tests.factories import ExplainerFactory

pytestmark = pytest.mark.django_db

# 01:00 UTC is 10:00 in Tokyo, the site's time zone.
SCHEDULED = datetime.datetime(2099, 12, 24, 1, 0, tzinfo=datetime.UTC)


@pytest.fixture(scope="module", autouse=True)
def compiled_catalogue():
    """Compile the .po as set-up does, and make Django reload catalogues afterwards."""
    call_command("compile_catalogues", stdout=io.StringIO())
    with override_settings(LOCALE_PATHS=list(settings.LOCALE_PATHS)):
        yield


@pytest.fixture
def ready():
    return ExplainerFactory(key_points=3, sources=1)


def entries(explainer):
    return LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Explainer), object_id=str(explainer.pk)
    ).order_by("pk")


def worded(explainer, language="en") -> list[str]:
    with translation.override(language):
        return [explainer_history_message(entry) for entry in entries(explainer)]


def history_page(client, explainer, language):
    url = reverse("admin:explainers_explainer_history", args=[explainer.pk])
    response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    rows = lxml.html.fromstring(response.content.decode()).xpath("//table//tbody/tr/td[last()]")
    return [" ".join(row.text_content().split()) for row in rows]


def test_an_entry_stores_the_event_not_words(ready, editor):
    with translation.override("ja"):
        explainer_publish(explainer=ready, actor=editor, publish_at=SCHEDULED)
    (entry,) = entries(ready)
    assert entry.action_flag == CHANGE
    assert json.loads(entry.change_message) == [
        {"kaisetsu": {"event": "scheduled", "at": "2099-12-24T01:00:00+00:00"}}
    ]


def test_an_entry_made_in_japanese_reads_in_english_to_an_english_reader(client, ready, editor):
    with translation.override("ja"):
        explainer_publish(explainer=ready, actor=editor)
    client.force_login(editor)
    assert history_page(client, ready, "en") == ["Published now."]
    assert history_page(client, ready, "ja") == ["今すぐ公開しました。"]


def test_a_scheduled_time_reads_in_the_site_time_zone_not_utc(client, ready, editor):
    explainer_publish(explainer=ready, actor=editor, publish_at=SCHEDULED)
    client.force_login(editor)
    assert history_page(client, ready, "en") == ["Published at Dec. 24, 2099, 10 a.m.."]
    assert history_page(client, ready, "ja") == ["2099年12月24日10:00 に公開するよう予約しました。"]


def test_closing_and_opening_comments_read_in_japanese(ready, editor):
    explainer_comment_mode_set(explainer=ready, actor=editor, mode="closed")
    explainer_comment_mode_set(explainer=ready, actor=editor, mode="open")
    assert worded(ready) == ["Closed comments.", "Opened comments."]
    assert worded(ready, "ja") == ["コメント受付を終了しました。", "コメント受付を再開しました。"]


def test_every_workflow_event_is_worded(ready, editor):
    explainer_submit_for_review(explainer=ready, actor=editor)
    explainer_publish(explainer=ready, actor=editor)
    correction_add(
        explainer=ready, kind=Correction.Kind.UPDATE, note="New.", significant=True, actor=editor
    )
    correction_add(
        explainer=ready,
        kind=Correction.Kind.CORRECTION,
        note="Typo.",
        significant=False,
        actor=editor,
    )
    explainer_unpublish(explainer=ready, actor=editor)
    explainer_archive(explainer=ready, actor=editor)
    assert worded(ready) == [
        "Submitted for review.",
        "Published now.",
        "Added significant update.",
        "Added silent correction.",
        "Unpublished.",
        "Archived.",
    ]
    japanese = worded(ready, "ja")
    assert all(sentence not in worded(ready) for sentence in japanese)


def test_entries_stored_as_text_before_still_show(client, ready, editor):
    LogEntry.objects.log_actions(
        user_id=editor.pk,
        queryset=[ready],
        action_flag=CHANGE,
        change_message=f"Published at {SCHEDULED.isoformat()}.",
        single_object=True,
    )
    client.force_login(editor)
    assert history_page(client, ready, "en") == ["Published at 2099-12-24T01:00:00+00:00."]


def test_djangos_own_entries_still_show(client, ready, editor):
    LogEntry.objects.log_actions(
        user_id=editor.pk,
        queryset=[ready],
        action_flag=CHANGE,
        change_message=json.dumps([{"changed": {"fields": ["Title"]}}]),
        single_object=True,
    )
    client.force_login(editor)
    assert history_page(client, ready, "en") == ["Changed Title."]


def test_an_unknown_event_is_refused(ready, editor):
    with pytest.raises(ValueError, match="unknown"):
        explainer_history_add(actor=editor, explainer=ready, event="unknown")


def test_archiving_needs_the_publish_permission(ready, contributor):
    with pytest.raises(PermissionDenied):
        explainer_archive(explainer=ready, actor=contributor)
    ready.refresh_from_db()
    assert ready.status == Explainer.Status.DRAFT
    assert not entries(ready).exists()


def test_an_archived_explainer_is_gone_from_the_site_and_can_be_published_again(
    client, ready, editor
):
    explainer_publish(explainer=ready, actor=editor)
    explainer_archive(explainer=ready, actor=editor)
    assert client.get(ready.get_absolute_url()).status_code == 404
    explainer_publish(explainer=ready, actor=editor)
    assert Explainer.objects.published().filter(pk=ready.pk).exists()


def test_scheduled_entry_time_is_localised_at_read_time(ready, editor):
    explainer_publish(explainer=ready, actor=editor, publish_at=SCHEDULED)
    with timezone.override("UTC"):
        assert worded(ready) == ["Published at Dec. 24, 2099, 1 a.m.."]
