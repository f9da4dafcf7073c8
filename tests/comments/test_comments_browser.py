"""What a reader does with comments, in a real browser (Chromium), with the real CSP."""

import pytest
from django.conf import settings as django_settings
from django.test import Client

from comments.models import Comment
from tests.factories import CommentFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in_as(page, live_server, user):
    """Give the browser a signed-in session for `user` (readers sign in on the site)."""
    client = Client()
    client.force_login(user)
    session = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    page.context.clear_cookies()
    page.context.add_cookies(
        [{"name": django_settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
    )


def test_reader_posts_a_comment_inline_and_sees_it_awaits_moderation(page, explainer, settings):
    settings.COMMENTS_MIN_SECONDS_TO_SUBMIT = 0
    page.goto(explainer.get_absolute_url())
    assert page.locator("input[name=csrfmiddlewaretoken]").count() == 0
    page.get_by_role("link", name="Write a comment").click()
    form = page.locator("#comment-slot-new form.comment-form")
    form.wait_for()
    assert page.url.endswith(explainer.get_absolute_url())  # inline: still on the explainer
    form.get_by_label("Name").fill("Midori")
    form.get_by_role("textbox", name="Email").fill("midori@example.net")
    form.get_by_label("Comment").fill("この解説で背景がよく分かりました。ありがとうございます。")
    form.get_by_role("button", name="Send comment").click()
    page.wait_for_url("**posted=pending**")
    status = page.locator(".comment-status")
    assert "awaiting moderation" in status.inner_text()
    comment = Comment.objects.get()
    assert (comment.status, comment.guest_name) == ("pending", "Midori")
    assert "この解説で" not in page.locator("#comments").inner_text()
    assert page.console_errors == []


def test_reader_replies_from_the_form_page_without_javascript(
    browser, live_server, explainer, settings
):
    settings.COMMENTS_MIN_SECONDS_TO_SUBMIT = 0
    top = CommentFactory(explainer=explainer, body="A first comment to answer.")
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto(explainer.get_absolute_url())
    page.locator(f"#comment-{top.pk}").get_by_role("link", name="Reply").click()
    page.get_by_label("Name").fill("Ren")
    page.get_by_role("textbox", name="Email").fill("ren@example.net")
    page.locator("textarea[name=body]").fill("I had the same question, thank you.")
    page.get_by_role("button", name="Send reply").click()
    assert "awaiting moderation" in page.locator(".comment-status").inner_text()
    assert Comment.objects.get(status="pending").parent == top
    assert errors == []
    context.close()


def test_three_readers_report_a_comment_and_it_leaves_the_page(
    page, live_server, explainer, settings
):
    settings.COMMENTS_REPORT_THRESHOLD = 3
    comment = CommentFactory(explainer=explainer, body="An unkind remark that readers report.")
    for user in UserFactory.create_batch(3):
        sign_in_as(page, live_server, user)
        page.goto(explainer.get_absolute_url())
        page.locator(f"#comment-{comment.pk}").get_by_role("link", name="Report").click()
        page.get_by_label("Abusive or hateful").check()
        page.get_by_role("button", name="Send report").click()
        page.wait_for_url("**reported=1**")
        assert "Thank you for your report" in page.locator(".comment-status").inner_text()
    assert page.locator(f"#comment-{comment.pk}").count() == 0
    assert "An unkind remark" not in page.content()
    comment.refresh_from_db()
    assert (comment.status, comment.is_reported) == ("pending", True)
    assert page.console_errors == []


def test_comment_pages_have_no_accessibility_violations(page, explainer):
    from axe_playwright_python.sync_playwright import Axe

    # Not the `editor` fixture: transactional tests flush the groups the migrations made.
    editor = UserFactory(is_staff=True)

    top = CommentFactory(explainer=explainer)
    CommentFactory(explainer=explainer, parent=top)
    CommentFactory(explainer=explainer, user=editor, guest_name="", badge="editor")
    axe = Axe()
    for url in [
        explainer.get_absolute_url(),
        f"/comments/{explainer.slug}/post/",
        f"/comments/{top.pk}/report/",
    ]:
        page.goto(url)
        if url == explainer.get_absolute_url():
            page.get_by_role("link", name="Write a comment").click()
            page.locator("#comment-slot-new form").wait_for()
        results = axe.run(page, context={"include": [["main"]]})
        assert results.violations_count == 0, results.generate_report()
    assert page.console_errors == []


def test_opening_a_reply_form_closes_the_other_inline_form(page, explainer):
    top = CommentFactory(explainer=explainer)
    page.goto(explainer.get_absolute_url())
    page.get_by_role("link", name="Write a comment").click()
    page.locator("#comment-slot-new form").wait_for()
    page.locator(f"#comment-{top.pk}").get_by_role("link", name="Reply").click()
    page.locator(f"#reply-slot-{top.pk} form").wait_for()
    assert page.locator("form.comment-form").count() == 1
    assert page.locator("#id_body").count() == 1
    assert page.console_errors == []
