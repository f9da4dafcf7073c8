"""A reader's account in a real browser (Chromium), with the real CSP: sign up, verify the
address from the email, sign in, comment, and see the moderator's decision on "My comments"."""

import re

import pytest
from django.core import mail

from comments import services
from comments.models import Comment
from tests.factories import PASSWORD, ExplainerFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LINK_RE = re.compile(r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+/)")


@pytest.fixture(autouse=True)
def _mail(settings):
    # The live server runs in this process, so the locmem outbox is the one we read.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.COMMENTS_MIN_SECONDS_TO_SUBMIT = 0


def test_sign_up_verify_sign_in_comment_and_see_it_published(page):
    explainer = ExplainerFactory(published=True, key_points=3, sources=1)
    moderator = UserFactory(username="mod", is_staff=True, is_superuser=True)

    page.goto("/accounts/signup/")
    page.fill("input[name=email]", "kaede@example.net")
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    page.fill("input[name=display_name]", "Kaede")
    page.locator("main button[type=submit]").click()
    page.wait_for_url("**/accounts/confirm-email/")
    assert page.console_errors == []

    confirm_path = LINK_RE.search(mail.outbox[-1].body).group(1)
    page.goto(confirm_path)
    page.locator("main button[type=submit]").click()
    page.wait_for_load_state()

    page.goto("/accounts/login/")
    page.fill("input[name=login]", "kaede@example.net")
    page.fill("input[name=password]", PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)

    page.goto(explainer.get_absolute_url())
    page.get_by_role("link", name="Write a comment").click()
    form = page.locator("#comment-slot-new form.comment-form")
    form.wait_for()
    assert form.locator("input[name=email]").count() == 0
    assert "Kaede" in form.inner_text()
    form.locator("textarea[name=body]").fill("The key points made the background clear to me.")
    form.get_by_role("button", name="Send comment").click()
    page.wait_for_url("**posted=pending**")

    comment = Comment.objects.get(user__email="kaede@example.net")
    assert comment.status == "pending"
    services.comment_approve(comment=comment, actor=moderator)

    page.goto("/accounts/comments/")
    item = page.locator(f"#my-comment-{comment.pk}")
    assert item.get_attribute("data-status") == "approved"
    assert "Published" in item.inner_text()
    page.goto(explainer.get_absolute_url())
    assert "Kaede" in page.locator(f"#comment-{comment.pk}").inner_text()
    assert page.console_errors == []


def test_account_pages_have_no_accessibility_violations(page, live_server):
    from axe_playwright_python.sync_playwright import Axe

    from tests.comments.test_comments_browser import sign_in_as

    reader = UserFactory(username="hana", email="hana@example.net")
    services.reader_profile_update(user=reader, display_name="Hana")
    sign_in_as(page, live_server, reader)
    axe = Axe()
    for url in ["/accounts/profile/", "/accounts/comments/", "/accounts/delete/"]:
        page.goto(url)
        results = axe.run(page, context={"include": [["main"]]})
        assert results.violations_count == 0, results.generate_report()
    page.context.clear_cookies()
    for url in ["/accounts/login/", "/accounts/signup/", "/accounts/password/reset/"]:
        page.goto(url)
        results = axe.run(page, context={"include": [["main"]]})
        assert results.violations_count == 0, results.generate_report()
    assert page.console_errors == []
