"""Changes to a live explainer are made in its working draft and reach readers only when an
editor publishes them (explainers/drafts.py, the admin's buttons and banners)."""

import datetime

import lxml.html
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from explainers.drafts import (
    explainer_draft_discard,
    explainer_draft_start,
    explainer_publish_changes,
    explainer_request_changes,
)
from explainers.models import Explainer, KeyPoint, Revision
from explainers.services import (
    correction_add,
    explainer_archive,
    explainer_publish,
    explainer_submit_for_review,
)
from tests.explainers.test_admin import CHANGELIST, change_url, form_data, messages_of
from tests.factories import DetailSectionFactory, ExplainerFactory, TopicFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor_client(editor):
    client = Client()
    client.force_login(editor)
    return client


@pytest.fixture
def contributor_client(contributor):
    client = Client()
    client.force_login(contributor)
    return client


@pytest.fixture
def live():
    explainer = ExplainerFactory(
        published=True, title="金利の行方", language="ja", key_points=3, sections=2, sources=1
    )
    explainer.topics.add(TopicFactory(name="経済"))
    return explainer


def start_url(explainer):
    return reverse("admin:explainers_explainer_working_draft", args=[explainer.pk])


def discard_url(explainer):
    return reverse("admin:explainers_explainer_discard", args=[explainer.pk])


def reader_page(client, explainer):
    return client.get(explainer.get_absolute_url()).content.decode()


# Services ---------------------------------------------------------------------------------


def test_a_working_draft_copies_the_live_explainer_and_its_parts(live, editor):
    draft = explainer_draft_start(explainer=live, actor=editor)
    assert draft.draft_of == live
    assert draft.status == Explainer.Status.DRAFT
    assert draft.slug != live.slug
    assert (draft.title, draft.introduction, draft.summary) == (
        live.title,
        live.introduction,
        live.summary,
    )
    assert list(draft.key_points.values_list("text", "origin")) == [
        (point.text, point.pk) for point in live.key_points.order_by("position")
    ]
    assert list(draft.sections.values_list("origin", flat=True)) == list(
        live.sections.order_by("position").values_list("pk", flat=True)
    )
    assert list(draft.source_links.values_list("source", flat=True)) == list(
        live.source_links.values_list("source", flat=True)
    )
    assert set(draft.topics.all()) == set(live.topics.all())


def test_starting_twice_opens_the_same_working_draft(live, editor):
    assert explainer_draft_start(explainer=live, actor=editor) == explainer_draft_start(
        explainer=live, actor=editor
    )
    assert Explainer.objects.filter(draft_of=live).count() == 1


def test_only_a_published_explainer_has_a_working_draft(editor):
    with pytest.raises(ValidationError):
        explainer_draft_start(explainer=ExplainerFactory(), actor=editor)


def test_readers_never_see_a_working_draft(client, live, editor):
    draft = explainer_draft_start(explainer=live, actor=editor)
    assert not Explainer.objects.published().filter(pk=draft.pk).exists()
    assert client.get(draft.get_absolute_url()).status_code == 404


def test_the_live_explainer_is_unchanged_until_the_changes_are_published(client, live, editor):
    before = reader_page(client, live)
    draft = explainer_draft_start(explainer=live, actor=editor)
    draft.title = "金利はどこへ向かうのか"
    draft.save()
    point = draft.key_points.order_by("position").first()
    point.text = "日銀は追加の利上げを示唆した。"
    point.save()
    client.get("/")  # any request between
    assert reader_page(client, live) == before
    live.refresh_from_db()
    assert live.title == "金利の行方"


def test_publishing_changes_copies_the_draft_onto_the_live_explainer(client, live, editor):
    reader_page(client, live)  # cached
    section_ids = list(live.sections.order_by("position").values_list("pk", flat=True))
    draft = explainer_draft_start(explainer=live, actor=editor)
    draft.title = "金利はどこへ向かうのか"
    draft.save()
    first, second, third = draft.key_points.order_by("position")
    first.text = "日銀は追加の利上げを示唆した。"
    first.save()
    third.delete()
    KeyPoint.objects.create(explainer=draft, text="新しい要点です。", position=9)
    new_topic = TopicFactory(name="金融")
    draft.topics.set([new_topic])

    explainer_publish_changes(draft=draft, actor=editor)

    live.refresh_from_db()
    assert live.title == "金利はどこへ向かうのか"
    assert list(live.key_points.order_by("position").values_list("text", flat=True)) == [
        "日銀は追加の利上げを示唆した。",
        second.text,
        "新しい要点です。",
    ]
    # Sections kept their ids (and so their anchors); the topics are the draft's.
    assert list(live.sections.order_by("position").values_list("pk", flat=True)) == section_ids
    assert list(live.topics.all()) == [new_topic]
    assert not Explainer.objects.filter(pk=draft.pk).exists()
    assert live in Explainer.objects.search("どこへ向かう")
    page = reader_page(client, live)
    assert "金利はどこへ向かうのか" in page
    assert "日銀は追加の利上げを示唆した。" in page
    assert live.revisions.filter(event=Revision.Event.PUBLISHED).exists()


def test_publishing_changes_moves_last_updated_only_when_significant(live, editor):
    draft = explainer_draft_start(explainer=live, actor=editor)
    explainer_publish_changes(draft=draft, actor=editor)
    live.refresh_from_db()
    assert live.significant_update_at is None
    draft = explainer_draft_start(explainer=live, actor=editor)
    explainer_publish_changes(draft=draft, actor=editor, significant=True)
    live.refresh_from_db()
    assert live.significant_update_at is not None
    assert live.last_updated == live.significant_update_at


def test_a_contributor_may_not_publish_changes(live, contributor):
    draft = explainer_draft_start(explainer=live, actor=contributor)
    with pytest.raises(PermissionDenied):
        explainer_publish_changes(draft=draft, actor=contributor)
    assert Explainer.objects.filter(pk=draft.pk).exists()


def test_a_working_draft_is_not_published_archived_or_corrected_on_its_own(live, editor):
    draft = explainer_draft_start(explainer=live, actor=editor)
    with pytest.raises(ValidationError):
        explainer_publish(explainer=draft, actor=editor)
    with pytest.raises(ValidationError):
        explainer_archive(explainer=draft, actor=editor)
    with pytest.raises(ValidationError):
        correction_add(explainer=draft, kind="correction", note="No.", significant=True)
    draft.refresh_from_db()
    assert draft.status == Explainer.Status.DRAFT


def test_publishing_changes_without_key_points_is_refused(live, editor):
    draft = explainer_draft_start(explainer=live, actor=editor)
    draft.key_points.all().delete()
    with pytest.raises(ValidationError):
        explainer_publish_changes(draft=draft, actor=editor)
    assert live.key_points.count() == 3


def test_discarding_throws_the_draft_away_and_leaves_the_live_explainer(live, editor):
    draft = explainer_draft_start(explainer=live, actor=editor)
    draft.key_points.all().delete()
    assert explainer_draft_discard(draft=draft, actor=editor) == live
    assert not Explainer.objects.filter(pk=draft.pk).exists()
    assert live.key_points.count() == 3


def test_request_changes_sends_it_back_with_the_note(live, contributor, editor):
    draft = explainer_draft_start(explainer=live, actor=contributor)
    explainer_submit_for_review(explainer=draft, actor=contributor)
    explainer_request_changes(explainer=draft, actor=editor, note="見出しを短くしてください。")
    draft.refresh_from_db()
    assert draft.status == Explainer.Status.DRAFT
    assert draft.review_note == "見出しを短くしてください。"
    events = list(live.revisions.order_by("created_at", "pk").values_list("event", "note"))
    assert events[-2:] == [
        ("submitted", ""),
        ("changes_requested", "見出しを短くしてください。"),
    ]
    explainer_submit_for_review(explainer=draft, actor=contributor)
    draft.refresh_from_db()
    assert draft.review_note == ""


@pytest.mark.parametrize("note", ["", "   ", "\x00"])
def test_request_changes_needs_a_note(live, editor, note):
    explainer = ExplainerFactory(status=Explainer.Status.REVIEW)
    with pytest.raises(ValidationError):
        explainer_request_changes(explainer=explainer, actor=editor, note=note)


def test_only_a_publisher_requests_changes(contributor):
    explainer = ExplainerFactory(status=Explainer.Status.REVIEW)
    with pytest.raises(PermissionDenied):
        explainer_request_changes(explainer=explainer, actor=contributor, note="No.")


# The admin --------------------------------------------------------------------------------


def test_the_changelist_hides_working_drafts_and_marks_the_live_explainer(
    editor_client, live, editor
):
    draft = explainer_draft_start(explainer=live, actor=editor)
    response = editor_client.get(CHANGELIST)
    assert list(response.context["cl"].result_list) == [live]
    assert "Published, with unpublished changes" in response.content.decode()
    assert change_url(draft) not in response.content.decode()


def test_the_live_form_offers_a_working_draft_and_then_links_to_it(editor_client, live):
    page = editor_client.get(change_url(live)).content.decode()
    assert start_url(live) in page
    response = editor_client.post(start_url(live))
    draft = Explainer.objects.get(draft_of=live)
    assert response.url == change_url(draft)
    page = editor_client.get(change_url(live)).content.decode()
    assert "Live, with unpublished changes." in page
    assert change_url(draft) in page
    assert start_url(live) not in page


def test_the_draft_form_says_it_is_a_draft_and_previews_as_readers_would_see_it(
    editor_client, live, editor
):
    draft = explainer_draft_start(explainer=live, actor=editor)
    page = editor_client.get(change_url(draft)).content.decode()
    assert "Readers see the live version until an editor publishes these changes." in page
    assert draft.get_absolute_url() in page
    preview = editor_client.get(draft.get_absolute_url())
    assert preview.status_code == 200
    assert "no-cache" in preview["Cache-Control"]
    assert "金利の行方" in preview.content.decode()
    assert "Preview of the working draft" in preview.content.decode()


def test_a_contributor_edits_the_draft_of_a_live_explainer_and_submits_it(
    client, contributor_client, live
):
    before = reader_page(client, live)
    contributor_client.post(start_url(live))
    draft = Explainer.objects.get(draft_of=live)
    data = form_data(contributor_client.get(change_url(draft)))
    data["key_points-0-text"] = "寄稿者が書き直した要点。"
    response = contributor_client.post(
        change_url(draft), {**data, "_submit_for_review": "Submit"}, follow=True
    )
    assert ("success", "Submitted for review.") in messages_of(response)
    draft.refresh_from_db()
    assert draft.status == Explainer.Status.REVIEW
    assert reader_page(client, live) == before
    page = contributor_client.get(change_url(draft)).content.decode()
    assert 'name="_publish_changes"' not in page


def test_an_editor_publishes_changes_from_the_draft_form(client, editor_client, live, editor):
    draft = explainer_draft_start(explainer=live, actor=editor)
    data = form_data(editor_client.get(change_url(draft)))
    data["title"] = "金利の行方、その先"
    data["significant_change"] = "on"
    response = editor_client.post(
        change_url(draft), {**data, "_publish_changes": "Publish changes"}, follow=True
    )
    assert response.redirect_chain[-1][0] == change_url(live)
    assert ("success", "Changes published.") in messages_of(response)
    live.refresh_from_db()
    assert live.title == "金利の行方、その先"
    assert live.significant_update_at is not None
    assert "金利の行方、その先" in reader_page(client, live)


def test_saving_the_draft_form_records_a_working_draft_revision_only(editor_client, live, editor):
    draft = explainer_draft_start(explainer=live, actor=editor)
    data = form_data(editor_client.get(change_url(draft)))
    data["summary"] = "新しいまとめ。"
    assert editor_client.post(change_url(draft), data).status_code == 302
    # The live text as it was (recorded when the draft began), then the draft's edit.
    baseline, revision = live.revisions.order_by("created_at", "pk")
    assert (baseline.event, baseline.of_working_draft) == ("edit", False)
    assert baseline.snapshot["summary"] == live.summary
    assert (revision.event, revision.of_working_draft) == ("edit", True)
    assert revision.snapshot["summary"] == "新しいまとめ。"
    live.refresh_from_db()
    assert live.summary != "新しいまとめ。"


def test_discard_in_the_admin(editor_client, live, editor):
    draft = explainer_draft_start(explainer=live, actor=editor)
    assert discard_url(draft) in editor_client.get(change_url(draft)).content.decode()
    response = editor_client.post(discard_url(draft), follow=True)
    assert ("success", "Changes discarded.") in messages_of(response)
    assert not Explainer.objects.filter(pk=draft.pk).exists()


def test_get_on_the_post_only_addresses_changes_nothing(editor_client, live, editor):
    assert editor_client.get(start_url(live)).status_code == 302
    assert not Explainer.objects.filter(draft_of=live).exists()
    draft = explainer_draft_start(explainer=live, actor=editor)
    assert editor_client.get(discard_url(draft)).status_code == 302
    assert Explainer.objects.filter(pk=draft.pk).exists()


def test_the_working_draft_addresses_of_nothing_are_404(editor_client):
    for url in ("/admin/explainers/explainer/999999/working-draft/", discard_url_of("abc")):
        assert editor_client.post(url).status_code == 404


def discard_url_of(raw):
    return f"/admin/explainers/explainer/{raw}/discard-changes/"


def test_request_changes_from_the_form_shows_the_note_to_the_contributor(
    editor_client, contributor_client, contributor, editor
):
    explainer = ExplainerFactory(byline=contributor, key_points=3, sources=1)
    explainer_submit_for_review(explainer=explainer, actor=contributor)
    data = form_data(editor_client.get(change_url(explainer)))
    data["change_request_note"] = "出典をもう一つ加えてください。"
    response = editor_client.post(
        change_url(explainer), {**data, "_request_changes": "Request changes"}, follow=True
    )
    assert ("success", "Changes requested.") in messages_of(response)
    explainer.refresh_from_db()
    assert explainer.status == Explainer.Status.DRAFT
    assert (
        "出典をもう一つ加えてください。"
        in contributor_client.get(change_url(explainer)).content.decode()
    )
    listing = contributor_client.get(CHANGELIST).content.decode()
    assert "出典をもう一つ加えてください。" in listing
    assert "Changes requested" in listing


def test_request_changes_without_a_note_is_refused_with_a_message(editor_client, contributor):
    explainer = ExplainerFactory(status=Explainer.Status.REVIEW, title="Pending")
    data = form_data(editor_client.get(change_url(explainer)))
    response = editor_client.post(
        change_url(explainer), {**data, "_request_changes": "Request changes"}, follow=True
    )
    explainer.refresh_from_db()
    assert explainer.status == Explainer.Status.REVIEW
    assert any(level == "error" for level, _ in messages_of(response))


def test_workflow_buttons_say_what_happened(editor_client):
    explainer = ExplainerFactory(key_points=3, sources=1)
    data = form_data(editor_client.get(change_url(explainer)))
    response = editor_client.post(
        change_url(explainer), {**data, "_publish": "Publish"}, follow=True
    )
    assert ("success", "Published.") in messages_of(response)
    assert not any("was saved" in text for _, text in messages_of(response))


def test_scheduling_button_says_when(editor_client, settings):
    later = timezone.now().replace(microsecond=0) + datetime.timedelta(days=3)
    explainer = ExplainerFactory(key_points=3, sources=1, publish_at=later)
    data = form_data(editor_client.get(change_url(explainer)))
    response = editor_client.post(
        change_url(explainer), {**data, "_publish": "Publish"}, follow=True
    )
    local = timezone.localtime(later)
    expected = f"Scheduled for {local.day} {local:%B} {local:%H:%M}."
    assert ("success", expected) in messages_of(response)


def test_the_live_form_keeps_its_sections_read_only(editor_client, live):
    DetailSectionFactory(explainer=live, position=7, refresh=False)
    doc = lxml.html.fromstring(editor_client.get(change_url(live)).content)
    assert not doc.xpath("//textarea[starts-with(@name, 'sections-')]")
    assert not doc.xpath("//textarea[starts-with(@name, 'key_points-')]")


def test_a_correction_for_a_working_draft_is_refused_on_the_corrections_page(
    editor_client, live, editor
):
    draft = explainer_draft_start(explainer=live, actor=editor)
    response = editor_client.post(
        reverse("admin:explainers_correction_add"),
        {
            "explainer": draft.pk,
            "kind": "correction",
            "note": "Wrong place.",
            "significant": "on",
            "created_at_0": "2026-11-28",
            "created_at_1": "10:00:00",
        },
    )
    assert response.status_code == 200
    assert "not to its working draft" in response.content.decode()
    assert not draft.corrections.exists()
