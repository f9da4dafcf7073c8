"""A reader follows an explainer's byline to its author's page, in a real browser (Chromium,
CSP enforced): no console errors, and axe (WCAG 2.x A and AA) finds nothing on the way."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.explainers.test_accessibility_browser import WCAG_TAGS
from tests.factories import AuthorProfileFactory, ExplainerFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def assert_accessible(page):
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})
    violations = "\n".join(v["id"] for v in results.response["violations"])
    assert results.violations_count == 0, f"axe found on {page.url}:\n{violations}"


def test_reader_follows_the_byline_to_the_author_page(page, live_server):
    writer = UserFactory(username="hsato_login", is_staff=True)
    author = AuthorProfileFactory(
        user=writer, name="佐藤花子", bio="エネルギーと気候を担当しています。"
    )
    explainer = ExplainerFactory(
        published=True,
        language="ja",
        byline=writer,
        title="電気料金はなぜ上がったのか",
        introduction="燃料価格と為替の動きから、家庭の電気料金の仕組みを整理します。",
        key_points=3,
        sources=1,
    )
    ExplainerFactory(published=True, language="ja", byline=writer, title="原発再稼働の論点")

    page.goto(f"/ja/explainers/{explainer.slug}/")
    byline = page.locator(".byline").get_by_role("link", name="佐藤花子")
    expect(byline).to_be_visible()
    assert_accessible(page)
    byline.click()

    expect(page).to_have_url(re.compile(re.escape(f"/ja/authors/{author.slug}/") + "$"))
    expect(page.get_by_role("heading", level=1, name="佐藤花子")).to_be_visible()
    expect(page.get_by_text("エネルギーと気候を担当しています。")).to_be_visible()
    expect(page.get_by_role("link", name="電気料金はなぜ上がったのか")).to_be_visible()
    expect(page.get_by_role("link", name="原発再稼働の論点")).to_be_visible()
    assert "hsato_login" not in page.content()
    assert page.console_errors == []
    assert_accessible(page)
