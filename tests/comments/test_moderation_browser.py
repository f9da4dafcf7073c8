"""A moderator works the queue in a real browser, with the keyboard, under the strict CSP."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from comments import submission
from comments.models import Comment, ModerationAction
from tests.factories import ExplainerFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def submit_as(reader, explainer, body):
    """A reader's comment through the same service the comment form uses."""
    return submission.comment_submit(
        explainer=explainer,
        body=body,
        user=reader,
        ip_address="192.0.2.10",
        issued_at=timezone.now() - datetime.timedelta(minutes=2),
    )


def test_moderator_approves_with_the_keyboard_and_rejects_with_a_reason(
    page, login, browser, live_server, moderator, reader
):
    explainer = ExplainerFactory(published=True, key_points=3, sources=1)
    first = submit_as(reader, explainer, "Thanks, the key points made the change clear.")
    second = submit_as(reader, explainer, "This second remark goes somewhere else entirely.")
    assert [first.status, second.status] == [Comment.Status.PENDING] * 2

    login(moderator, next_url="/moderation/")
    assert page.url.endswith("/moderation/")
    expect(page.locator("#moderation-shortcuts")).to_be_visible()  # the script ran
    expect(page.locator("[data-moderation-item]")).to_have_count(2)

    # j focuses the oldest comment, a approves it.
    page.keyboard.press("j")
    expect(page.locator(f"#mod-comment-{first.pk}")).to_be_focused()
    with page.expect_navigation():
        page.keyboard.press("a")
    expect(page.get_by_text(f"Comment #{first.pk} approved")).to_be_visible()
    expect(page.locator("[data-moderation-item]")).to_have_count(1)

    # j then r opens the reason form of the next one with its reason select focused.
    page.keyboard.press("j")
    item = page.locator(f"#mod-comment-{second.pk}")
    expect(item).to_be_focused()
    page.keyboard.press("r")
    reason = item.locator("select[name=reason]")
    expect(reason).to_be_focused()
    reason.select_option("off_topic")
    item.locator("input[name=note]").fill("Not about this explainer")
    with page.expect_navigation():
        item.get_by_role("button", name="Reject", exact=True).click()
    expect(page.get_by_text(f"Comment #{second.pk} rejected.")).to_be_visible()
    expect(page.get_by_text("No comments here.")).to_be_visible()
    assert page.console_errors == []

    page.goto("/moderation/log/")
    expect(page.locator("[data-log-entry]")).to_have_count(4)  # two held, two decisions
    assert page.console_errors == []

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (Comment.Status.APPROVED, Comment.Status.REJECTED)
    rejection = ModerationAction.objects.get(comment=second, action="reject")
    assert (rejection.actor, rejection.reason, rejection.note) == (
        moderator,
        "off_topic",
        "Not about this explainer",
    )

    # An anonymous reader sees the approved comment and not the rejected one.
    context = browser.new_context(base_url=live_server.url, locale="en-US")
    try:
        anonymous = context.new_page()
        errors = []
        anonymous.on(
            "console", lambda msg: errors.append(msg.text) if msg.type == "error" else None
        )
        anonymous.goto(explainer.get_absolute_url())
        anonymous.reload()
        comments = anonymous.locator("#comments")
        expect(comments).to_contain_text("the key points made the change clear")
        expect(comments).not_to_contain_text("second remark")
        assert errors == []
    finally:
        context.close()


def test_every_decision_works_without_javascript(browser, live_server, moderator, reader):
    explainer = ExplainerFactory(published=True, key_points=3, sources=1)
    held = submit_as(reader, explainer, "A comment moderated with plain forms only.")
    context = browser.new_context(
        base_url=live_server.url, locale="en-US", java_script_enabled=False
    )
    try:
        page = context.new_page()
        page.goto("/admin/login/?next=/moderation/")
        page.fill("#id_username", moderator.username)
        page.fill("#id_password", "correct horse battery staple")
        page.click("input[type=submit]")
        page.wait_for_load_state()
        assert page.url.endswith("/moderation/")
        expect(page.locator("#moderation-shortcuts")).to_be_hidden()  # no script, no shortcuts
        item = page.locator(f"#mod-comment-{held.pk}")
        item.locator("summary").click()  # <details> opens without JavaScript
        item.locator("select[name=reason]").select_option("abusive")
        item.get_by_role("button", name="Reject", exact=True).click()
        expect(page.get_by_text(f"Comment #{held.pk} rejected.")).to_be_visible()

        page.goto("/moderation/rejected/")
        page.locator(f"#select-{held.pk}").check()
        page.select_option("#bulk-action", "restore")
        page.get_by_role("button", name="Apply").click()
        expect(page.get_by_text("Restore to the queue: 1 comment changed.")).to_be_visible()
    finally:
        context.close()
    held.refresh_from_db()
    assert held.status == Comment.Status.PENDING
