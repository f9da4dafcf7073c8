"""The explainer form itself (issue 12, §4): key points wide enough for a Japanese sentence,
rows for the seed-sized explainer, order help on unsaved rows, and a Japanese admin with no
English left in what we (and django-admin-sortable2) add."""

import io

import lxml.html
import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse

from explainers import revisions
from explainers.drafts import explainer_draft_start
from tests.explainers.test_admin import ADD, change_url
from tests.factories import ExplainerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module", autouse=True)
def compiled_catalogue():
    call_command("compile_catalogues", stdout=io.StringIO())
    with override_settings(LOCALE_PATHS=list(settings.LOCALE_PATHS)):
        yield


@pytest.fixture
def editor_client(editor):
    client = Client()
    client.force_login(editor)
    return client


def doc_of(response):
    assert response.status_code == 200
    return lxml.html.fromstring(response.content.decode())


def test_key_points_are_multi_line_fields(editor_client):
    doc = doc_of(editor_client.get(ADD))
    field = doc.get_element_by_id("id_key_points-0-text")
    assert field.tag == "textarea"
    assert int(field.get("rows")) >= 2
    assert "key-point-text" in field.get("class")


def test_a_new_explainer_offers_five_key_points_and_three_sections(editor_client):
    doc = doc_of(editor_client.get(ADD))
    assert doc.get_element_by_id("id_key_points-TOTAL_FORMS").get("value") == "5"
    assert doc.get_element_by_id("id_sections-TOTAL_FORMS").get("value") == "3"


def test_the_new_explainer_form_says_order_is_set_after_the_first_save(editor_client):
    page = editor_client.get(ADD).content.decode()
    assert "once the explainer is saved, drag them" in page
    explainer = ExplainerFactory(key_points=2)
    assert (
        "once the explainer is saved"
        not in editor_client.get(change_url(explainer)).content.decode()
    )


def test_the_slug_script_is_on_the_form(editor_client):
    doc = doc_of(editor_client.get(ADD))
    assert any("js/admin-slug.js" in src for src in doc.xpath("//script/@src"))


ENGLISH_LEFT = [
    "Move to first position",
    "Move to last position",
    "Edit in a working draft",
    "Revisions",
    "Save and submit for review",
    "Live.",
    "Readers see",
]


def test_the_japanese_admin_has_no_english_left_on_a_live_explainer(editor_client):
    explainer = ExplainerFactory(published=True, key_points=3, sections=1, sources=1)
    page = editor_client.get(change_url(explainer), HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    for english in ENGLISH_LEFT:
        assert english not in page, english
    assert "作業中の下書きで編集" in page
    assert "版の履歴" in page


def test_the_japanese_working_draft_form_has_sortable_labels_translated(editor_client, editor):
    live = ExplainerFactory(published=True, key_points=3, sections=2, sources=1)
    draft = explainer_draft_start(explainer=live, actor=editor)
    page = editor_client.get(change_url(draft), HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert "先頭に移動" in page and "末尾に移動" in page
    for english in [
        "Move to first position",
        "Move to last position",
        "Discard changes",
        "Save and publish changes",
        "Working draft",
    ]:
        assert english not in page, english


def test_the_japanese_revisions_and_compare_pages_are_japanese(editor_client, editor):
    explainer = ExplainerFactory(key_points=1)
    first = revisions.record(explainer=explainer, event="edit", actor=editor)
    explainer.summary = "別のまとめ"
    explainer.save()
    second = revisions.record(explainer=explainer, event="edit", actor=editor)
    listing = editor_client.get(
        reverse("admin:explainers_explainer_revisions", args=[explainer.pk]),
        HTTP_ACCEPT_LANGUAGE="ja",
    ).content.decode()
    assert "選んだ版を比較" in listing and "Compare the ticked" not in listing
    compare = editor_client.get(
        reverse("admin:explainers_explainer_compare", args=[explainer.pk])
        + f"?a={first.pk}&b={second.pk}",
        HTTP_ACCEPT_LANGUAGE="ja",
    ).content.decode()
    assert "［追加：" in compare and "[added:" not in compare
