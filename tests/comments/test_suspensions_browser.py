"""A suspended reader, in a real browser (Chromium) with the real CSP (issue 14 §5)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from comments.models import Comment
from comments.suspensions import reader_suspend
from tests.comments.test_comments_browser import sign_in_as
from tests.factories import CommentFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_suspended_reader_sees_the_suspension_notice_instead_of_the_form(
    page, live_server, explainer, moderator
):
    from axe_playwright_python.sync_playwright import Axe

    top = CommentFactory(explainer=explainer, body="A comment the reader may read, not answer.")
    reader = UserFactory()
    reader_suspend(
        user=reader,
        actor=moderator,
        kind="suspension",
        reason="abusive",
        ends_at=timezone.now() + datetime.timedelta(days=3),
    )
    sign_in_as(page, live_server, reader)

    page.goto(explainer.get_absolute_url())
    notice = page.locator("#comments .suspension-notice")
    notice.wait_for()
    text = notice.inner_text()
    assert "Your account is suspended from commenting." in text
    assert "Reason: Abusive or hateful" in text
    assert "(JST)" in text  # until when, in the site's time zone
    assert notice.locator("a[href^='mailto:']").count() == 1  # whom to write to
    assert page.get_by_role("link", name="Write a comment").count() == 0
    assert page.locator(f"#comment-{top.pk}").get_by_role("link", name="Reply").count() == 0
    assert page.locator("form.comment-form").count() == 0
    assert "A comment the reader may read" in page.locator("#comments").inner_text()
    results = Axe().run(page, context={"include": [["main"]]})
    assert results.violations_count == 0, results.generate_report()
    assert page.console_errors == []

    # The form's own address (a bookmark, an old tab) says the same, and holds no form.
    response = page.goto(reverse("comments:post", args=[explainer.slug]))
    assert response.status == 403
    assert "Your account is suspended" in page.locator(".suspension-notice").inner_text()
    assert page.locator("textarea[name=body]").count() == 0
    # The browser reports the 403 itself; the page adds no error of its own (CSP, scripts).
    assert [e for e in page.console_errors if "status of 403" not in e] == []
    assert not Comment.objects.filter(user=reader).exists()
