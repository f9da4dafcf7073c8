"""Revisions: stored on every save and workflow step, listed, compared side by side (parts
matched by identity, Japanese by character, English by word) and restored into a draft."""

import lxml.html
import pytest
from django.test import Client, override_settings
from django.urls import reverse

from explainers import revisions
from explainers.drafts import (
    explainer_draft_start,
    explainer_publish_changes,
    explainer_revision_restore,
)
from explainers.models import Explainer, KeyPoint, Revision
from explainers.services import explainer_publish, explainer_submit_for_review
from tests.explainers.test_admin import change_url, form_data, messages_of
from tests.factories import ExplainerFactory, TopicFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor_client(editor):
    client = Client()
    client.force_login(editor)
    return client


def revisions_url(explainer):
    return reverse("admin:explainers_explainer_revisions", args=[explainer.pk])


def compare_url(explainer, a, b):
    return reverse("admin:explainers_explainer_compare", args=[explainer.pk]) + f"?a={a}&b={b}"


def restore_url(revision):
    return reverse("admin:explainers_explainer_restore", args=[revision.explainer_id, revision.pk])


def kinds(diff):
    return [(segment.kind, segment.text) for segment in diff]


# Snapshots and recording --------------------------------------------------------------------


def test_a_snapshot_holds_the_explainer_as_readers_would_see_it():
    explainer = ExplainerFactory(key_points=2, sections=1, sources=1)
    explainer.topics.add(TopicFactory(name="Energy"))
    data = revisions.snapshot(explainer)
    assert data["title"] == explainer.title
    assert [point["id"] for point in data["key_points"]] == list(
        explainer.key_points.order_by("position").values_list("pk", flat=True)
    )
    assert data["sections"][0]["body"] == explainer.sections.get().body
    assert data["topics"] == [{"id": explainer.topics.get().pk, "name": "Energy"}]
    assert data["sources"][0]["id"] == explainer.source_links.get().source_id


def test_a_working_drafts_parts_keep_the_live_parts_ids(editor):
    live = ExplainerFactory(published=True, key_points=2, sources=1)
    draft = explainer_draft_start(explainer=live, actor=editor)
    assert [p["id"] for p in revisions.snapshot(draft)["key_points"]] == [
        p["id"] for p in revisions.snapshot(live)["key_points"]
    ]


def test_an_edit_that_changes_nothing_stores_no_revision(editor):
    explainer = ExplainerFactory(key_points=1)
    assert revisions.record(explainer=explainer, event="edit", actor=editor) is not None
    assert revisions.record(explainer=explainer, event="edit", actor=editor) is None
    explainer.summary = "Changed."
    explainer.save()
    assert revisions.record(explainer=explainer, event="edit", actor=editor) is not None
    assert explainer.revisions.count() == 2


@override_settings(KAISETSU_REVISION_EDITS_KEPT=3)
def test_only_the_newest_edits_are_kept_and_every_workflow_step(editor):
    explainer = ExplainerFactory(key_points=3, sources=1)
    explainer_submit_for_review(explainer=explainer, actor=editor)
    for n in range(6):
        explainer.summary = f"Summary {n}"
        explainer.save()
        revisions.record(explainer=explainer, event="edit", actor=editor)
    events = list(explainer.revisions.order_by("created_at", "pk").values_list("event", flat=True))
    assert events == ["submitted", "edit", "edit", "edit"]
    kept = [r.snapshot["summary"] for r in explainer.revisions.filter(event="edit")]
    assert sorted(kept) == ["Summary 3", "Summary 4", "Summary 5"]


def test_workflow_steps_record_revisions(editor):
    explainer = ExplainerFactory(key_points=3, sources=1)
    explainer_submit_for_review(explainer=explainer, actor=editor)
    explainer_publish(explainer=explainer, actor=editor)
    assert list(explainer.revisions.order_by("pk").values_list("event", "actor")) == [
        ("submitted", editor.pk),
        ("published", editor.pk),
    ]


def test_saving_the_admin_form_records_an_edit(editor_client):
    explainer = ExplainerFactory(key_points=1)
    data = form_data(editor_client.get(change_url(explainer)))
    data["summary"] = "A new summary."
    assert editor_client.post(change_url(explainer), data).status_code == 302
    assert explainer.revisions.get().snapshot["summary"] == "A new summary."


# Diffs -------------------------------------------------------------------------------------


def test_japanese_is_compared_character_by_character():
    diff = revisions.text_diff("日銀は利上げを決めた。", "日銀は利下げを決めた。")
    assert kinds(diff.old) == [("equal", "日銀は利"), ("deleted", "上"), ("equal", "げを決めた。")]
    assert kinds(diff.new) == [("equal", "日銀は利"), ("inserted", "下"), ("equal", "げを決めた。")]


def test_english_is_compared_word_by_word():
    diff = revisions.text_diff("The bank raised rates.", "The bank cut rates.")
    assert ("deleted", "raised") in kinds(diff.old)
    assert ("inserted", "cut") in kinds(diff.new)
    assert ("deleted", "r") not in kinds(diff.old)


def test_identical_texts_show_no_change():
    assert not revisions.text_diff("同じ", "同じ").changed


def test_parts_are_matched_by_identity_not_position():
    old = {"key_points": [{"id": 1, "text": "A"}, {"id": 2, "text": "B"}, {"id": 3, "text": "C"}]}
    new = {"key_points": [{"id": 2, "text": "B"}, {"id": 1, "text": "A!"}, {"id": 4, "text": "D"}]}
    parts = revisions.compare(old, new).key_points
    assert [(p.status, p.old_position, p.new_position) for p in parts] == [
        ("moved", 2, 1),
        ("changed", 1, 2),
        ("added", None, 3),
        ("removed", 3, None),
    ]


# The pages -----------------------------------------------------------------------------------


def _with_revisions(count, editor):
    explainer = ExplainerFactory(key_points=3, sections=2, sources=1)
    Revision.objects.bulk_create(
        Revision(
            explainer=explainer,
            event="edit",
            actor=editor,
            snapshot={**revisions.snapshot(explainer), "summary": f"Summary {n}"},
        )
        for n in range(count)
    )
    return explainer


def test_the_revisions_page_lists_revisions_with_who_and_what(editor_client, editor):
    explainer = ExplainerFactory(key_points=3, sources=1)
    explainer_submit_for_review(explainer=explainer, actor=editor)
    response = editor_client.get(revisions_url(explainer))
    assert response.status_code == 200
    row = lxml.html.fromstring(response.content).xpath("//table[@id='revision-list']//tbody/tr")
    assert len(row) == 1
    assert "Submitted for review" in row[0].text_content()
    assert "editor" in row[0].text_content()
    assert revisions_url(explainer) in editor_client.get(change_url(explainer)).content.decode()


@pytest.mark.parametrize("page", ["revisions", "compare"])
def test_history_and_compare_queries_are_bounded_at_2_and_200_revisions(
    editor_client, editor, count_queries, django_assert_max_num_queries, page
):
    counts = []
    for number in (2, 200):
        explainer = _with_revisions(number, editor)
        ids = list(explainer.revisions.order_by("pk").values_list("pk", flat=True))
        url = (
            revisions_url(explainer)
            if page == "revisions"
            else compare_url(explainer, ids[0], ids[-1])
        )
        with django_assert_max_num_queries(8):
            counts.append(count_queries(editor_client, url))
    assert counts[0] == counts[1]


def test_the_revisions_page_paginates(editor_client, editor):
    explainer = _with_revisions(120, editor)
    response = editor_client.get(revisions_url(explainer))
    rows = lxml.html.fromstring(response.content).xpath("//table[@id='revision-list']//tbody/tr")
    assert len(rows) == 50
    assert "120 revisions" in response.content.decode()
    last = editor_client.get(revisions_url(explainer) + "?p=3")
    assert len(lxml.html.fromstring(last.content).xpath("//tbody/tr")) == 20
    assert editor_client.get(revisions_url(explainer) + "?p=abc").status_code == 200


def test_compare_shows_the_changed_japanese_sentence_marked_and_escaped(editor_client, editor):
    explainer = ExplainerFactory(language="ja", key_points=0, sources=1)
    point = KeyPoint.objects.create(explainer=explainer, text="物価は上がった。", position=1)
    first = revisions.record(explainer=explainer, event="edit", actor=editor)
    point.text = "物価は<b>下がった</b>。"
    point.save()
    second = revisions.record(explainer=explainer, event="edit", actor=editor)
    response = editor_client.get(compare_url(explainer, second.pk, first.pk))
    assert response.status_code == 200
    html = response.content.decode()
    doc = lxml.html.fromstring(html)
    (row,) = doc.xpath("//table[@id='compare-key-points']//tbody/tr")
    deleted = [d.text_content() for d in row.xpath(".//del")]
    inserted = [i.text_content() for i in row.xpath(".//ins")]
    # Character by character: only what changed is marked, the rest of the sentence is kept.
    assert deleted == ["[removed: 上]"]
    assert inserted == ["[added: <b>下]", "[added: </b>]"]
    # Marked for screen readers too, and the editor's text never becomes markup.
    assert row.xpath(".//del/span[@class='visually-hidden']")
    assert row.xpath(".//ins/span[@class='visually-hidden']")
    assert "&lt;b&gt;" in html
    assert not row.xpath(".//b")
    assert "(changed)" in row.text_content()


@pytest.mark.parametrize(
    "query", ["", "?a=1", "?a=abc&b=2", "?a=99999999999999999999&b=1", "?a=-1&b=2", "?a=%00&b=1"]
)
def test_compare_with_bad_input_is_a_400_not_a_500(editor_client, query):
    explainer = ExplainerFactory()
    url = reverse("admin:explainers_explainer_compare", args=[explainer.pk]) + query
    assert editor_client.get(url).status_code == 400


def test_compare_of_another_explainers_revision_is_a_404(editor_client, editor):
    one, other = _with_revisions(1, editor), _with_revisions(1, editor)
    response = editor_client.get(compare_url(one, one.revisions.get().pk, other.revisions.get().pk))
    assert response.status_code == 404


# Restore -------------------------------------------------------------------------------------


def test_restoring_a_revision_of_a_live_explainer_makes_a_working_draft_not_live(client, editor):
    live = ExplainerFactory(published=True, title="First title", key_points=3, sources=1)
    old = revisions.record(explainer=live, event="edit", actor=editor)
    draft = explainer_draft_start(explainer=live, actor=editor)
    draft.title = "Second title"
    draft.save()
    explainer_publish_changes(draft=draft, actor=editor)

    restored = explainer_revision_restore(revision=old, actor=editor)

    live.refresh_from_db()
    assert live.title == "Second title"
    assert restored.draft_of == live
    assert restored.title == "First title"
    assert "Second title" in client.get(live.get_absolute_url()).content.decode()
    assert list(restored.key_points.values_list("origin", flat=True)) == list(
        live.key_points.order_by("position").values_list("pk", flat=True)
    )
    assert live.revisions.order_by("-pk").first().event == "restored"


def test_restoring_a_revision_of_an_explainer_in_review_makes_it_a_draft(editor):
    explainer = ExplainerFactory(title="Old words", key_points=1)
    old = revisions.record(explainer=explainer, event="edit", actor=editor)
    explainer.title = "New words"
    explainer.save()
    explainer_submit_for_review(explainer=explainer, actor=editor)
    restored = explainer_revision_restore(revision=old, actor=editor)
    assert restored == explainer
    explainer.refresh_from_db()
    assert (explainer.title, explainer.status) == ("Old words", Explainer.Status.DRAFT)


def test_restore_in_the_admin_goes_to_the_working_draft(editor_client, editor):
    live = ExplainerFactory(published=True, key_points=3, sources=1)
    revision = revisions.record(explainer=live, event="edit", actor=editor)
    assert restore_url(revision) in editor_client.get(revisions_url(live)).content.decode()
    assert editor_client.get(restore_url(revision)).status_code == 302  # GET does nothing
    assert not Explainer.objects.filter(draft_of=live).exists()
    response = editor_client.post(restore_url(revision), follow=True)
    draft = Explainer.objects.get(draft_of=live)
    assert response.redirect_chain[-1][0] == change_url(draft)
    assert any("is now the working draft" in text for _, text in messages_of(response))
    assert Explainer.objects.published().get(pk=live.pk)


@pytest.mark.parametrize("object_id", ["999999", "abc", "99999999999999999999999"])
def test_revision_pages_of_no_explainer_are_404(editor_client, object_id):
    base = f"/admin/explainers/explainer/{object_id}/revisions/"
    assert editor_client.get(base).status_code == 404
    assert editor_client.get(base + "compare/?a=1&b=2").status_code == 404
    assert editor_client.post(base + "1/restore/").status_code == 404


def test_restoring_a_revision_of_another_explainer_is_a_404(editor_client, editor):
    one, other = _with_revisions(1, editor), _with_revisions(1, editor)
    url = reverse("admin:explainers_explainer_restore", args=[one.pk, other.revisions.get().pk])
    assert editor_client.post(url).status_code == 404
    assert (
        editor_client.post(
            reverse("admin:explainers_explainer_restore", args=[one.pk, 2**70])
        ).status_code
        == 404
    )
