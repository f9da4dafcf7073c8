"""axe-core (WCAG 2.x A and AA) on every reader page, in a real Chromium, with the strict CSP.

axe-playwright-python injects the axe.min.js it bundles; every request the page makes is
checked to stay on the live server, so neither the site nor the checker touches the network.
"""

import datetime

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation

from explainers.models import Explainer
from explainers.services import correction_add
from tests.factories import (
    DetailSectionFactory,
    ExplainerFactory,
    ExplainerSourceFactory,
    KeyPointFactory,
    SourceArticleFactory,
    TopicFactory,
    UserFactory,
)

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
PAGES = ["home", "explainer_ja", "explainer_en", "topic", "source", "search"]


def make_explainer(
    *, language, title, introduction, summary, points, sections, topic, source, byline
):
    when = timezone.now() - datetime.timedelta(days=1)
    item = ExplainerFactory(
        language=language,
        title=title,
        introduction=introduction,
        summary=summary,
        byline=byline,
        status=Explainer.Status.PUBLISHED,
        publish_at=when,
        first_published_at=when,
    )
    item.topics.add(topic)
    ExplainerSourceFactory(explainer=item, source=source, position=1)
    for position, text in enumerate(points, start=1):
        KeyPointFactory(explainer=item, position=position, text=text)
    for position, (heading, body) in enumerate(sections, start=1):
        DetailSectionFactory(explainer=item, position=position, heading=heading, body=body)
    return item


@pytest.fixture
def content():
    editor = UserFactory(username="akiko", first_name="Akiko", last_name="Mori")
    topic = TopicFactory(name="エネルギー", slug="energy")
    source = SourceArticleFactory(
        title="電力料金の見直しについて", publisher="Example Shimbun", language="ja"
    )
    ja = make_explainer(
        language="ja",
        title="電力料金はなぜ上がるのか",
        introduction="来月から電力料金が改定されます。家計への影響を整理します。",
        summary="料金の仕組みを知れば、節約の手がかりが見えてきます。",
        points=["燃料費が上がった", "補助金が終わる", "使用量で差が出る"],
        sections=[
            ("料金の内訳", "料金は**基本料金**と従量料金からなります。"),
            ("家計への影響", "月の使用量が多い家庭ほど影響が大きくなります。"),
        ],
        topic=topic,
        source=source,
        byline=editor,
    )
    correction_add(explainer=ja, kind="correction", note="日付を訂正しました。", significant=True)
    en = make_explainer(
        language="en",
        title="Why electricity bills are rising",
        introduction="Bills change next month. Here is what it means for households.",
        summary="Knowing how the bill is built shows where to save.",
        points=["Fuel costs rose", "Subsidies end", "Usage makes the difference"],
        sections=[
            ("What is in a bill", "A *basic* charge and a [usage charge](https://example.org/).")
        ],
        topic=topic,
        source=source,
        byline=editor,
    )
    return {"explainer_ja": ja, "explainer_en": en, "topic": topic, "source": source}


def url_for(name, content):
    if name == "home":
        return reverse("explainers:home")
    if name == "search":
        return reverse("explainers:search") + "?q=電力"
    return content[name].get_absolute_url()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("ui", ["en", "ja"])
@pytest.mark.parametrize("name", PAGES)
def test_reader_page_has_no_axe_violations(page, live_server, content, name, ui):
    page.context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": ui, "url": live_server.url}]
    )
    off_site = []

    def keep_local(route):
        if route.request.url.startswith(live_server.url) or route.request.url.startswith("data:"):
            route.continue_()
        else:
            off_site.append(route.request.url)
            route.abort()

    page.route("**/*", keep_local)
    with translation.override(ui):  # the interface language is in the address
        response = page.goto(url_for(name, content))
    assert response.status == 200
    page.wait_for_load_state("load")
    page_language = content[name].language if name.startswith("explainer") else ui
    assert page.locator("html").get_attribute("lang") == page_language

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})

    violations = "\n".join(
        f"- {v['id']} ({v['impact']}): {v['help']}\n    "
        + "\n    ".join(str(node["target"]) + " " + node["failureSummary"] for node in v["nodes"])
        for v in results.response["violations"]
    )
    assert results.violations_count == 0, f"axe found on {name} ({ui} UI):\n{violations}"
    assert page.console_errors == []
    assert off_site == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_axe_reports_a_violation_under_our_csp(page, content):
    """The checker really runs on our pages (the CSP does not silently stop it)."""
    page.goto(reverse("explainers:home"))
    page.evaluate("document.querySelector('main').appendChild(document.createElement('img'))")
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})
    assert "image-alt" in {v["id"] for v in results.response["violations"]}
