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

from core.text import is_cjk
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
    # An address without a language goes to the browser's; the page is then in it.
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="ja")
    assert response["Location"] == "/ja/"
    doc = rendered(client.get(response["Location"]))
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
    with translation.override("ja"):
        assert response["Location"] == reverse("explainers:search")
    doc = rendered(client.get(response["Location"]))
    assert doc.get("lang") == "ja"
    assert japanese("Latest") in header_text(doc)
    # Remembered for addresses without a language.
    assert client.get("/", HTTP_ACCEPT_LANGUAGE="en")["Location"] == "/ja/"

    client.get(reverse("explainers:set_language", kwargs={"code": "en"}))
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="ja")
    assert response["Location"] == "/en/", "the chosen language outranks the browser's"


def test_language_switcher_never_redirects_off_site(client):
    switch = reverse("explainers:set_language", kwargs={"code": "ja"})
    for target in ("https://evil.example/", "//evil.example/", "javascript:alert(1)"):
        response = client.get(switch, {"next": target})
        assert response.status_code == 302
        assert response["Location"] == "/"


def test_language_switcher_refuses_an_unknown_language(client):
    response = client.get(reverse("explainers:set_language", kwargs={"code": "xx"}))
    assert response.status_code == 404
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies


def test_language_switcher_links_back_to_the_current_page(client):
    doc = rendered(client.get(reverse("explainers:search"), {"q": "金利 rates"}))
    [link] = doc.xpath('//ul[contains(@class, "language-switcher")]//a[@hreflang="ja"]')
    switch = reverse("explainers:set_language", kwargs={"code": "ja"})
    response = client.get(link.get("href"))
    assert link.get("href").startswith(switch)
    with translation.override("ja"):
        search = reverse("explainers:search")
    assert response["Location"] == search + "?q=%E9%87%91%E5%88%A9+rates"


@pytest.mark.parametrize("ui", ["en", "ja"])
@pytest.mark.parametrize("content", ["ja", "en"])
def test_explainer_page_lang_is_its_content_language(client, ui, content):
    explainer = ExplainerFactory(published=True, language=content, key_points=3, sections=1)
    with translation.override(ui):
        doc = rendered(client.get(explainer.get_absolute_url()))
    assert doc.get("lang") == content
    latest = japanese("Latest") if ui == "ja" else "Latest"
    assert latest in header_text(doc)


# Every piece of text on a reader page is in the language its `lang` says ------------------------

# Names that stay in Latin letters in the Japanese UI: the site's name and the feed formats.
LATIN_IN_JAPANESE_UI = {"Kaisetsu", "RSS", "Atom"}
LATIN_WORD_RE = re.compile(r"[A-Za-z]{2,}")
UI_ATTRIBUTES = ("aria-label", "title", "placeholder", "alt")


def effective_lang(element) -> str:
    for node in element.iterancestors() if element.get("lang") is None else ():
        if node.get("lang") is not None:
            return node.get("lang")
    return element.get("lang") or ""


def texts_by_lang(doc):
    """(lang, text) for every text node and readable attribute of the page, scripts aside."""
    for element in doc.iter():
        if not isinstance(element.tag, str) or element.tag in {"script", "style"}:
            continue
        lang = effective_lang(element)
        if element.text and element.text.strip():
            yield lang, element.text.strip()
        for name in UI_ATTRIBUTES:
            if element.get(name):
                yield lang, element.get(name)
        if element.tag == "input" and element.get("type") in {"submit", "button"}:
            yield lang, element.get("value") or ""
        parent = element.getparent()
        if element.tail and element.tail.strip() and parent is not None:
            yield effective_lang(parent), element.tail.strip()


# The same reader pages' content in each language: explainers, parts, sources, topics, a byline.
CONTENT_TEXT = {
    "ja": {
        "topic": ("経済", "景気と暮らしの話題。"),
        "source": ("日銀、金利を据え置き", "例示新聞", "山田記者"),
        "further": ("金利の行方", "見本通信"),
        "byline": ("花子", "佐藤"),
        "title": "金利据え置きの意味その{n}",
        "introduction": "物価と景気の間で、中央銀行が難しい判断を続けています。",
        "summary": "今後の物価の動きが鍵になります。",
        "point": "要点その{n}",
        "section": ("背景", "金利は**物価**に影響します。"),
        "figure": ("金利の推移を示す折れ線グラフ", "金利の推移", "編集部作成"),
        "correction": "日付を訂正しました。",
        "query": "金利",
        "no_hits": "存在しない語",
    },
    "en": {
        "topic": ("Economy", "Prices, jobs and money."),
        "source": ("Central bank holds rates", "Example Herald", "Jo Reporter"),
        "further": ("Where rates go next", "Sample Wire"),
        "byline": ("Hana", "Sato"),
        "title": "What the rate hold means, part {n}",
        "introduction": "The central bank keeps weighing prices against growth.",
        "summary": "Prices decide what happens next.",
        "point": "Key point {n}",
        "section": ("Background", "Rates move **prices**."),
        "figure": ("Line chart of the policy rate", "The policy rate", "Newsroom graphic"),
        "correction": "We corrected a date.",
        "query": "rate",
        "no_hits": "nothingmatches",
    },
}


def reader_content(language):
    """Reader pages full of content in one language, with every part an explainer can have."""
    from explainers.services import correction_add
    from tests.factories import (
        DetailSectionFactory,
        ExplainerSourceFactory,
        KeyPointFactory,
        SourceArticleFactory,
        TopicFactory,
        UserFactory,
    )

    text = CONTENT_TEXT[language]
    topic = TopicFactory(name=text["topic"][0], slug="topic", description=text["topic"][1])
    title, publisher, author = text["source"]
    source = SourceArticleFactory(
        title=title, publisher=publisher, author=author, language=language
    )
    further = SourceArticleFactory(
        title=text["further"][0], publisher=text["further"][1], language=language
    )
    first_name, last_name = text["byline"]
    byline = UserFactory(username="byline", first_name=first_name, last_name=last_name)
    explainers = []
    for n in range(11):  # one more than a page, so the pager shows
        explainer = ExplainerFactory(
            published=True,
            language=language,
            title=text["title"].format(n=n),
            introduction=text["introduction"],
            summary=text["summary"],
            byline=byline,
        )
        explainer.topics.add(topic)
        ExplainerSourceFactory(explainer=explainer, source=source, position=1)
        explainers.append(explainer)
    main = explainers[0]
    ExplainerSourceFactory(explainer=main, source=further, position=2)
    for position in range(1, 4):
        KeyPointFactory(explainer=main, position=position, text=text["point"].format(n=position))
    alt, caption, credit = text["figure"]
    DetailSectionFactory(
        explainer=main,
        position=1,
        heading=text["section"][0],
        body=text["section"][1],
        figure_image="figures/chart.png",
        figure_alt=alt,
        figure_caption=caption,
        figure_credit=credit,
    )
    correction_add(explainer=main, kind="correction", note=text["correction"], significant=True)
    for explainer in explainers:
        explainer.refresh_derived()
    return {**text, "explainer": main, "topic": topic, "source": source}


def reader_pages(content):
    search = reverse("explainers:search")
    return {
        "home": reverse("explainers:home"),
        "home page 2": reverse("explainers:home") + "?page=2",
        "explainer": content["explainer"].get_absolute_url(),
        "topic": content["topic"].get_absolute_url(),
        "source": content["source"].get_absolute_url(),
        "search results": search + "?q=" + content["query"],
        "search without results": search + "?q=" + content["no_hits"],
        "search form": search,
        "search too long": search + "?q=" + "あ" * 201,
        "not found": "/no-such-page/",
    }


def mislabelled_texts(client, content, *, lang, wrong_script):
    """Text labelled `lang` on the reader pages that is written in `wrong_script`."""
    found = {}
    for name, url in reader_pages(content).items():
        response = client.get(url)
        assert response.status_code in {200, 400, 404}, name
        wrong = [
            text
            for text_lang, text in texts_by_lang(html.fromstring(response.content))
            if text_lang == lang and wrong_script(text)
        ]
        if wrong:
            found[name] = wrong
    return found


def latin_words(text) -> bool:
    return bool(set(LATIN_WORD_RE.findall(text)) - LATIN_IN_JAPANESE_UI)


@pytest.mark.parametrize("ui", ["ja", "en"])
def test_text_labelled_japanese_on_reader_pages_is_japanese(client, settings, ui):
    """Japanese content: Latin words in `lang="ja"` text are UI strings left untranslated
    (Japanese UI) or English UI text inheriting the content's language (English UI)."""
    settings.DEBUG = False  # the friendly 404 page, not the debug one
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = ui  # for the pages without a prefix (404)
    content = reader_content("ja")
    with translation.override(ui):  # the reader pages' addresses, under the /ui/ prefix
        assert mislabelled_texts(client, content, lang="ja", wrong_script=latin_words) == {}


def test_japanese_ui_text_is_never_labelled_english(client, settings):
    """English content under the Japanese UI: the UI's Japanese must not inherit `lang="en"`."""
    settings.DEBUG = False
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ja"
    content = reader_content("en")
    with translation.override("ja"):
        assert mislabelled_texts(client, content, lang="en", wrong_script=is_cjk) == {}
