"""The UI speaks English and Japanese; an explainer page's lang is its content's language."""

import io
import re
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import translation
from lxml import html

from tests.factories import ExplainerFactory

pytestmark = pytest.mark.django_db

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "ja" / "LC_MESSAGES" / "django.po"
PLACEHOLDER_RE = re.compile(r"%(?:\([a-z_]+\))?[sd]")
NAVIGATION = ["Latest", "Search", "Skip to main content"]


@pytest.fixture(scope="module", autouse=True)
def compiled_catalogue():
    """Compile the .po as set-up does, and make Django reload catalogues afterwards."""
    call_command("compile_catalogues", stdout=io.StringIO())
    # Changing LOCALE_PATHS (even to itself) drops Django's cached translations.
    with override_settings(LOCALE_PATHS=list(settings.LOCALE_PATHS)):
        yield


def japanese(message: str) -> str:
    with translation.override("ja"):
        text = translation.gettext(message)
    assert text != message, f"{message!r} has no Japanese translation"
    return text


def rendered(response):
    assert response.status_code == 200
    return html.fromstring(response.content)


def header_text(doc) -> str:
    """The page's own UI around the content: the skip link and the site header."""
    parts = doc.xpath('//a[@href="#main"] | //header[contains(@class, "site-header")]')
    assert parts
    return " ".join(" ".join(part.text_content().split()) for part in parts)


def test_ja_catalogue_has_no_untranslated_entry():
    catalogue = polib.pofile(str(CATALOGUE))
    assert len(catalogue) > 0
    assert [entry.msgid for entry in catalogue.untranslated_entries()] == []


def test_ja_catalogue_has_no_fuzzy_entry():
    catalogue = polib.pofile(str(CATALOGUE))
    assert [entry.msgid for entry in catalogue.fuzzy_entries()] == []


def test_ja_catalogue_plural_forms_are_all_filled():
    catalogue = polib.pofile(str(CATALOGUE))
    empty = [
        entry.msgid
        for entry in catalogue
        if entry.msgid_plural and not all(entry.msgstr_plural.values())
    ]
    assert empty == []


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER_RE.findall(text))


def test_ja_translations_keep_every_placeholder():
    """A dropped or renamed %(name)s would raise at render time, so the page would 500."""
    catalogue = polib.pofile(str(CATALOGUE))
    wrong = {}
    for entry in catalogue.translated_entries():
        if entry.msgid_plural:
            # Japanese has one plural form, used for every count: it follows the plural msgid.
            expected = placeholders(entry.msgid_plural)
            found = [placeholders(text) for text in entry.msgstr_plural.values()]
        else:
            expected = placeholders(entry.msgid)
            found = [placeholders(entry.msgstr)]
        if any(f != expected for f in found):
            wrong[entry.msgid] = (expected, found)
    assert wrong == {}


def test_accept_language_ja_gives_japanese_navigation(client):
    doc = rendered(client.get(reverse("explainers:home"), HTTP_ACCEPT_LANGUAGE="ja"))
    assert doc.get("lang") == "ja"
    text = header_text(doc)
    for message in NAVIGATION:
        assert japanese(message) in text


def test_english_is_the_default_ui(client):
    doc = rendered(client.get(reverse("explainers:home")))
    assert doc.get("lang") == "en"
    assert "Latest" in header_text(doc)


def test_language_switcher_sets_the_ui_language(client):
    switch = reverse("explainers:set_language", kwargs={"code": "ja"})
    response = client.get(f"{switch}?next={reverse('explainers:search')}")
    assert response.status_code == 302
    assert response["Location"] == reverse("explainers:search")
    doc = rendered(client.get(reverse("explainers:home")))
    assert doc.get("lang") == "ja"
    assert japanese("Latest") in header_text(doc)

    client.get(reverse("explainers:set_language", kwargs={"code": "en"}))
    doc = rendered(client.get(reverse("explainers:home"), HTTP_ACCEPT_LANGUAGE="ja"))
    assert doc.get("lang") == "en", "the chosen language outranks the browser's"


@pytest.mark.parametrize("ui", ["en", "ja"])
@pytest.mark.parametrize("content", ["ja", "en"])
def test_explainer_page_lang_is_its_content_language(client, ui, content):
    explainer = ExplainerFactory(published=True, language=content, key_points=3, sections=1)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = ui
    doc = rendered(client.get(explainer.get_absolute_url()))
    assert doc.get("lang") == content
    latest = japanese("Latest") if ui == "ja" else "Latest"
    assert latest in header_text(doc)
