"""A reader's path through the site in a real browser (Chromium, CSP enforced, JS on)."""

import io
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from core.text import is_cjk
from explainers.models import Explainer
from tests.factories import (
    DetailSectionFactory,
    ExplainerFactory,
    ExplainerSourceFactory,
    KeyPointFactory,
    SourceArticleFactory,
    TopicFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Our own sample text (long enough that the last section starts below the first screen).
PARAGRAPH = (
    "量子コンピューターは、重ね合わせという性質を使って多くの計算を同時に進める新しい計算機です。"
    "研究機関や企業が開発を競っており、実用化の時期について様々な見方が出ています。"
)
SECTION_BODY = "\n\n".join([PARAGRAPH] * 6)


@pytest.fixture
def reading_data():
    topic = TopicFactory(name="科学技術", slug="science", description="研究と技術の話題。")
    source = SourceArticleFactory(
        title="Quantum computing race heats up",
        publisher="Example Wire",
        url="https://wire.example.com/quantum",
    )
    ja = ExplainerFactory(
        published=True,
        language="ja",
        title="量子コンピューターはいつ実用になるのか",
        introduction="各社の発表が相次ぐ量子計算について、何が進み何が課題なのかを整理します。",
        summary="実用化には誤り訂正の進歩が欠かせません。",
    )
    ja.topics.add(topic)
    ExplainerSourceFactory(explainer=ja, source=source, position=1)
    for position, text in enumerate(["開発競争が激しい", "誤り訂正が鍵", "実用化は段階的"], 1):
        KeyPointFactory(explainer=ja, text=text, position=position)
    for position, heading in enumerate(["背景", "技術の現状", "残る課題", "今後の見通し"], 1):
        DetailSectionFactory(explainer=ja, heading=heading, body=SECTION_BODY, position=position)
    en = ExplainerFactory(published=True, title="Why the harbour project stalled", key_points=3)
    ExplainerSourceFactory(explainer=en, position=1)
    return {"ja": ja, "en": en, "topic": topic, "source": source}


def assert_clean(page):
    assert page.console_errors == [], page.url


def test_reader_browses_reads_navigates_searches_and_switches_language(page, reading_data):
    ja = reading_data["ja"]

    # Home lists both explainers.
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.get_by_role("link", name=ja.title)).to_be_visible()
    expect(page.get_by_role("link", name=reading_data["en"].title)).to_be_visible()
    assert_clean(page)

    # Open the Japanese explainer: the page speaks its content's language.
    page.get_by_role("link", name=ja.title).click()
    expect(page).to_have_url(re.compile(re.escape(ja.get_absolute_url()) + "$"))
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    expect(page.get_by_role("heading", level=1, name=ja.title)).to_be_visible()
    assert_clean(page)

    # Jump to the last section from the table of contents.
    last = ja.sections.order_by("position").last()
    target = page.locator(f"#{last.anchor}")
    expect(target).not_to_be_in_viewport()
    page.locator("nav.toc").get_by_role("link", name=last.heading).click()
    expect(page).to_have_url(re.compile(f"#{last.anchor}$"))
    expect(target).to_be_in_viewport()
    assert_clean(page)

    # Follow the topic.
    page.locator(".explainer-header").get_by_role("link", name="科学技術").click()
    expect(page).to_have_url(re.compile(r"/topics/science/$"))
    expect(page.get_by_role("heading", level=1, name="科学技術")).to_be_visible()
    expect(page.get_by_role("link", name=ja.title)).to_be_visible()
    assert_clean(page)

    # From the explainer, the primary source's page.
    page.get_by_role("link", name=ja.title).click()
    page.locator(".source-box").get_by_role("link", name="About this source").click()
    expect(page).to_have_url(re.compile(re.escape(reading_data["source"].get_absolute_url()) + "$"))
    expect(
        page.get_by_role("heading", level=1, name="Quantum computing race heats up")
    ).to_be_visible()
    expect(page.get_by_role("link", name="Read the original article")).to_have_attribute(
        "rel", "noopener noreferrer"
    )
    assert_clean(page)

    # Search in Japanese from the header: a word inside an unspaced sentence.
    page.locator("#site-search-q").fill("誤り訂正")
    page.locator("#site-search-q").press("Enter")
    expect(page).to_have_url(re.compile(r"/search/\?q="))
    results = page.locator("main")
    expect(results.get_by_role("link", name=ja.title)).to_be_visible()
    expect(results.get_by_role("link", name=reading_data["en"].title)).to_have_count(0)
    assert_clean(page)

    # Switch the interface to Japanese with the language switcher.
    page.locator(".language-switcher a[hreflang=ja]").click()
    expect(page.locator(".language-switcher [aria-current]")).to_have_attribute("lang", "ja")
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    expect(page).to_have_url(re.compile(r"/search/\?q="))  # back where the reader was
    # Needs the Japanese catalogue (locale/ja): the navigation is then in Japanese.
    latest = page.locator("header nav a.nav-link").first.inner_text()
    assert is_cjk(latest), f"navigation still reads {latest!r}"
    assert_clean(page)


# With the demo content (`manage.py load_demo`), as a reader of `make run` sees it ---------------

PHONE = {"width": 360, "height": 740}


@pytest.fixture
def demo(settings, tmp_path):
    """The demo newsroom, its figure written to a throw-away MEDIA_ROOT."""
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("load_demo", stdout=io.StringIO())
    published = Explainer.objects.published()
    return {
        "ja": published.get(slug="suiden-nakaboshi-metan-sakugen"),
        "ja_with_figure": published.get(slug="minato-romen-densha-yojo-furyoku"),
        "en": published.get(slug="harbour-city-trams-offshore-wind"),
        "hidden": list(Explainer.objects.exclude(pk__in=published.values("pk"))),
    }


@pytest.fixture
def no_js_page(browser, live_server, settings):
    """A reader whose browser runs no JavaScript at all."""
    context = browser.new_context(
        base_url=live_server.url, locale="en-US", java_script_enabled=False
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.console_errors = []
    page.on(
        "console", lambda msg: page.console_errors.append(msg.text) if msg.type == "error" else None
    )
    yield page
    context.close()


def test_demo_reader_path_works_without_javascript(no_js_page, demo):
    page, ja = no_js_page, demo["ja"]

    page.goto("/")
    expect(page.get_by_role("link", name=ja.title)).to_be_visible()
    expect(page.get_by_role("link", name=demo["en"].title)).to_be_visible()
    for hidden in demo["hidden"]:  # the demo's draft and scheduled explainers
        expect(page.get_by_role("link", name=hidden.title)).to_have_count(0)
    assert_clean(page)

    page.get_by_role("link", name=ja.title).click()
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    last = ja.sections.order_by("position").last()
    page.locator("nav.toc").get_by_role("link", name=last.heading).click()
    expect(page).to_have_url(re.compile(f"#{last.anchor}$"))
    expect(page.locator(f"#{last.anchor}")).to_be_in_viewport()
    assert_clean(page)

    topic = ja.topics.order_by("name").first()
    page.locator(".explainer-header").get_by_role("link", name=topic.name).click()
    expect(page.get_by_role("heading", level=1, name=topic.name)).to_be_visible()
    page.get_by_role("link", name=ja.title).click()
    page.locator(".source-box-facts").get_by_role("link", name="About this source").click()
    primary = ja.source_links.order_by("position").first().source
    expect(page.get_by_role("heading", level=1, name=primary.title)).to_be_visible()
    assert_clean(page)

    # A word from inside the unspaced Japanese text finds the Japanese demo explainer first.
    page.locator("#site-search-q").fill("温室効果ガス")
    page.locator("#site-search-q").press("Enter")
    expect(page.locator("main .explainer-card-title a").first).to_have_text(ja.title)
    assert_clean(page)

    page.locator(".language-switcher a[hreflang=ja]").click()
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    assert is_cjk(page.locator("header nav a.nav-link").first.inner_text())
    expect(page.locator("main .explainer-card-title a").first).to_have_text(ja.title)
    assert_clean(page)


@pytest.mark.parametrize("ui", ["en", "ja"])
def test_demo_pages_fit_a_360px_phone(browser, live_server, settings, demo, ui):
    context = browser.new_context(base_url=live_server.url, viewport=PHONE)
    context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": ui, "url": live_server.url}]
    )
    page = context.new_page()
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    ja = demo["ja_with_figure"]
    urls = [
        "/",
        ja.get_absolute_url(),
        demo["en"].get_absolute_url(),
        ja.topics.order_by("name").first().get_absolute_url(),
        ja.source_links.order_by("position").first().source.get_absolute_url(),
        "/search/?q=%E9%A2%A8%E5%8A%9B",  # 風力
    ]
    too_wide = {}
    for url in urls:
        assert page.goto(url).status == 200, url
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            too_wide[url] = width
    assert too_wide == {}
    assert errors == []

    # Japanese has no italics: the figure credits (the lead image's and the section figure's)
    # stay upright (browsers would slant them); every image loads.
    page.goto(ja.get_absolute_url())
    credits = page.locator("figure .figure-credit")
    assert credits.count() == 2
    for index in range(credits.count()):
        credit = credits.nth(index)
        credit.scroll_into_view_if_needed()
        image = credit.locator("xpath=ancestor::figure[1]//img")
        expect(image).to_have_js_property("complete", True)
        assert image.evaluate("img => img.naturalWidth") > 0
        assert credit.evaluate("el => getComputedStyle(el).fontStyle") == "normal"
    context.close()
