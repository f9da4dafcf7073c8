"""A reader's account in a real browser (Chromium), with the real CSP: sign up, verify the
address from the email, sign in, comment, a moderator approves, and "My comments" says so;
every allauth page in the site's design, in both languages, without a console error."""

import re

import pytest
from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from allauth.account.utils import user_pk_to_url_str
from django.core import mail
from playwright.sync_api import expect

from comments.models import Comment
from readers import services as reader_services
from readers import unsubscribe
from tests.factories import PASSWORD, ExplainerFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LINK_RE = re.compile(r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+/)")


@pytest.fixture(autouse=True)
def _mail(settings):
    # The live server runs in this process, so the locmem outbox is the one we read.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.COMMENTS_MIN_SECONDS_TO_SUBMIT = 0


def test_sign_up_verify_sign_in_comment_and_see_it_published(page, browser, live_server):
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
    page.goto("/accounts/comments/")
    assert page.locator(f"#my-comment-{comment.pk}").get_attribute("data-status") == "pending"

    # The moderator, in their own browser, approves it from the queue.
    context = browser.new_context(base_url=live_server.url, locale="en-US")
    try:
        desk = context.new_page()
        desk.goto("/admin/login/?next=/moderation/")
        desk.fill("#id_username", moderator.username)
        desk.fill("#id_password", PASSWORD)
        desk.click("input[type=submit]")
        desk.wait_for_url("**/moderation/")
        item = desk.locator(f"#mod-comment-{comment.pk}")
        with desk.expect_navigation():
            item.get_by_role("button", name="Approve", exact=True).click()
        expect(desk.get_by_text(f"Comment #{comment.pk} approved")).to_be_visible()
    finally:
        context.close()

    page.goto("/accounts/comments/")
    item = page.locator(f"#my-comment-{comment.pk}")
    assert item.get_attribute("data-status") == "approved"
    assert "Published" in item.inner_text()
    page.goto(explainer.get_absolute_url())
    assert "Kaede" in page.locator(f"#comment-{comment.pk}").inner_text()
    assert page.console_errors == []


def _reader(username, *, verified=True):
    user = UserFactory(username=username, email=f"{username}@example.net")
    address = EmailAddress.objects.create(
        user=user, email=user.email, verified=verified, primary=True
    )
    reader_services.reader_profile_update(user=user, display_name=username.title())
    return user, address


def _visit_every_account_page(browser, live_server, locale, paths):
    """Each account page in one language: {path: its heading}. Every page must be in the site's
    frame (header, main, footer), in that language, and raise no console error (CSP included)."""
    context = browser.new_context(
        base_url=live_server.url, locale=locale, viewport={"width": 1100, "height": 900}
    )
    errors = []
    headings = {}
    language = locale.split("-")[0]
    try:
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        page.on("pageerror", lambda exc: errors.append(str(exc)))

        def check(name):
            page.wait_for_load_state()
            assert page.locator("html").get_attribute("lang") == language, name
            expect(page.locator("header.site-header")).to_be_visible()
            expect(page.locator("footer.site-footer")).to_be_visible()
            headings[name] = page.locator("main h1").inner_text().strip()
            assert headings[name], name
            assert errors == [], (name, errors)

        for name, path in paths["signed_out"]:
            page.goto(path)
            check(name)
        # Too many password-reset requests: the rate-limit page (HTTP 429).
        for _attempt in range(2):
            page.goto("/accounts/password/reset/")
            page.fill("input[name=email]", "nobody@example.net")
            with page.expect_navigation() as navigation:
                page.locator("main button[type=submit]").click()
        assert navigation.value.status == 429
        # Chromium reports the 429 status itself as a console error; nothing else may appear.
        errors[:] = [error for error in errors if "status of 429" not in error]
        check("rate_limited")

        page.goto("/accounts/login/")
        page.fill("input[name=login]", paths["email"])
        page.fill("input[name=password]", PASSWORD)
        page.locator("main button[type=submit]").click()
        page.wait_for_url(lambda url: "/accounts/login/" not in url)
        for name, path in paths["signed_in"]:
            page.goto(path)
            check(name)
    finally:
        context.close()
    return headings


def test_every_account_page_is_in_the_site_design_in_both_languages(browser, live_server, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "reset_password": "1/m/ip"}
    reader, _ = _reader("hana")
    unverified, address = _reader("yuki", verified=False)
    forgetful, _ = _reader("ren")
    token = default_token_generator.make_token(forgetful)
    paths = {
        "email": reader.email,
        "signed_out": [
            ("login", "/accounts/login/"),
            ("signup", "/accounts/signup/"),
            ("verification_sent", "/accounts/confirm-email/"),
            ("confirm_email", f"/accounts/confirm-email/{EmailConfirmationHMAC(address).key}/"),
            ("confirm_email_expired", "/accounts/confirm-email/not-a-key/"),
            ("password_reset", "/accounts/password/reset/"),
            ("password_reset_done", "/accounts/password/reset/done/"),
            (
                "password_reset_from_key",
                f"/accounts/password/reset/key/{user_pk_to_url_str(forgetful)}-{token}/",
            ),
            ("password_reset_bad_key", "/accounts/password/reset/key/1-not-a-key/"),
            ("password_reset_from_key_done", "/accounts/password/reset/key/done/"),
            ("inactive", "/accounts/inactive/"),
            (
                "unsubscribe",
                "/accounts/unsubscribe/"
                + unsubscribe.unsubscribe_token(user=reader, kind="replies")
                + "/",
            ),
        ],
        "signed_in": [
            ("email", "/accounts/email/"),
            ("password_change", "/accounts/password/change/"),
            ("reauthenticate", "/accounts/reauthenticate/"),
            ("reauthenticate_by_code", "/accounts/reauthenticate/code/"),
            ("logout", "/accounts/logout/"),
            ("profile", "/accounts/profile/"),
            ("my_comments", "/accounts/comments/"),
            ("delete", "/accounts/delete/"),
        ],
    }
    english = _visit_every_account_page(browser, live_server, "en-US", paths)
    japanese = _visit_every_account_page(browser, live_server, "ja-JP", paths)
    assert english.keys() == japanese.keys()
    untranslated = [name for name in english if english[name] == japanese[name]]
    assert untranslated == []
    assert EmailAddress.objects.get(pk=address.pk).verified is False  # looking confirms nothing


def test_account_pages_have_no_accessibility_violations(page, live_server):
    from axe_playwright_python.sync_playwright import Axe

    from tests.comments.test_comments_browser import sign_in_as

    reader = UserFactory(username="hana", email="hana@example.net")
    reader_services.reader_profile_update(user=reader, display_name="Hana")
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
