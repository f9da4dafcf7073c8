"""The dashboard in a real browser (Chromium, CSP enforced): an editor signs in, reads the
panels and follows one to its filtered list; axe finds nothing on the page."""

import datetime

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from explainers.services import explainer_submit_for_review
from tests.factories import CommentFactory, CorrectionFactory, ExplainerFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


@pytest.fixture
def desk(editor, contributor):
    """Something in most panels: a draft, a submission, a scheduled and a live explainer, a
    comment waiting, a correction."""
    ExplainerFactory(title="An editor's draft", byline=editor)
    explainer_submit_for_review(
        explainer=ExplainerFactory(title="Submitted story", byline=contributor), actor=contributor
    )
    ExplainerFactory(
        title="Scheduled story",
        status="published",
        publish_at=timezone.now() + datetime.timedelta(days=1),
    )
    live = ExplainerFactory(title="Live story", published=True)
    CommentFactory(explainer=live, status="pending")
    CorrectionFactory(explainer=live)


def axe_violations(page) -> str:
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})
    return "\n".join(
        f"- {v['id']} ({v['impact']}): {v['help']} "
        + " ".join(str(node["target"]) for node in v["nodes"])
        for v in results.response["violations"]
    )


def test_an_editor_reads_the_dashboard_and_follows_a_panel_to_its_list(page, login, editor, desk):
    login(editor)
    expect(page.locator("h1")).to_have_text("Newsroom dashboard")
    expect(page.locator(".newsroom-panel h2")).to_have_text(
        [
            "My drafts",
            "Awaiting review",
            "Scheduled",
            "Live, with unpublished changes",
            "Recently published",
            "Comments waiting",
            "Open correction requests",
            "Recent corrections",
        ]
    )
    review = page.locator("#awaiting-review")
    expect(review.locator("caption")).to_have_text("Awaiting review, the longest waiting first")
    expect(review.locator("tbody tr")).to_have_count(1)
    expect(review.locator("tbody th")).to_have_text("Submitted story")
    expect(review.locator(".newsroom-count")).to_have_text("1 explainer is awaiting review.")
    expect(page.locator("#all-models")).to_have_text("All models")
    assert axe_violations(page) == ""
    assert page.console_errors == []

    review.get_by_role("link", name="Everything awaiting review").click()
    page.wait_for_load_state()
    expect(page.locator("#result_list tbody tr")).to_have_count(1)
    expect(page.locator("#result_list tbody th")).to_have_text("Submitted story")
    expect(page.locator("#changelist-filter .selected", has_text="Awaiting review")).to_be_visible()
    assert page.console_errors == []


def test_the_japanese_dashboard_has_no_axe_violations(page, live_server, login, editor, desk):
    page.context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": "ja", "url": live_server.url}]
    )
    login(editor)
    expect(page.locator("h1")).to_have_text("編集部ダッシュボード")
    assert page.locator("html").get_attribute("lang") == "ja"
    assert axe_violations(page) == ""
    assert page.console_errors == []
