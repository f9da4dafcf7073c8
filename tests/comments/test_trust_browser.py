"""Trust and featured comments in a real browser (Chromium, the real CSP): a signed-in reader
earns trust with three approved comments and their next one is published at once; a featured
comment is shown first and the sort links work without JavaScript."""

import pytest
from django.urls import reverse
from django.utils import translation

from comments import moderation
from comments.models import Comment
from tests.comments.test_comments_browser import sign_in_as
from tests.factories import CommentFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXTS = [
    "最初のコメントです。背景の説明が分かりやすかったです。",
    "二つ目のコメントです。数字の出どころも知りたいです。",
    "三つ目のコメントです。続報があればまた読みます。",
    "四つ目のコメントです。信頼されたので、すぐに載るはずです。",
]


def post_comment(page, explainer, text):
    page.goto(explainer.get_absolute_url())
    page.get_by_role("link", name="Write a comment").click()
    form = page.locator("#comment-slot-new form.comment-form")
    form.wait_for()
    form.get_by_label("Comment").fill(text)
    form.get_by_role("button", name="Send comment").click()


def test_a_reader_earns_trust_with_three_approvals_and_is_then_published_at_once(
    page, browser, live_server, explainer, moderator, settings
):
    settings.COMMENTS_MIN_SECONDS_TO_SUBMIT = 0
    settings.COMMENTS_FLOOD_LIMIT_PER_MINUTE = 100
    settings.COMMENTS_TRUSTED_AFTER_APPROVED = 3
    reader = UserFactory(username="haruka")
    sign_in_as(page, live_server, reader)
    desk = browser.new_context(base_url=live_server.url, locale="en-US")
    try:
        mod_page = desk.new_page()
        sign_in_as(mod_page, live_server, moderator)
        for text in TEXTS[:3]:
            post_comment(page, explainer, text)
            page.wait_for_url("**posted=pending**")
            assert text not in page.locator("#comments").inner_text()
            # The moderator approves it from the queue, as they would.
            mod_page.goto("/moderation/")
            card = mod_page.locator("article", has_text=text)
            card.get_by_role("button", name="Approve").click()
            mod_page.wait_for_load_state()
            assert "approved" in mod_page.locator(".alert-success").inner_text()
        assert Comment.objects.filter(user=reader, status="approved").count() == 3
        post_comment(page, explainer, TEXTS[3])
        page.wait_for_url("**posted=approved**")
        assert "Your comment is published" in page.locator(".comment-status").inner_text()
        assert TEXTS[3] in page.locator("#comments").inner_text()
        assert page.console_errors == []
    finally:
        desk.close()


def test_a_featured_comment_is_shown_first_and_the_sort_links_work_without_javascript(
    browser, live_server, explainer, moderator
):
    first = CommentFactory(
        explainer=explainer, body="最初に届いたコメントです。とても参考になりました。"
    )
    picked = CommentFactory(
        explainer=explainer, body="編集部が選んだコメントです。論点がよく整理されています。"
    )
    moderation.comment_feature(comment=picked, actor=moderator)
    context = browser.new_context(
        base_url=live_server.url, locale="ja-JP", java_script_enabled=False
    )
    try:
        page = context.new_page()
        errors = []
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        with translation.override("ja"):  # the page in Japanese, whatever its content language
            page.goto(reverse("explainers:detail", args=[explainer.slug]))
        threads = page.locator("ol.comment-list > li article")
        assert threads.nth(0).get_attribute("id") == f"comment-{picked.pk}"
        assert threads.nth(1).get_attribute("id") == f"comment-{first.pk}"
        assert "注目" in threads.nth(0).inner_text()  # the featured badge
        sort = page.get_by_role("navigation", name="コメントの表示")
        sort.get_by_role("link", name="古い順").click()
        page.wait_for_url("**csort=oldest**")
        assert threads.nth(0).get_attribute("id") == f"comment-{first.pk}"
        page.get_by_role("navigation", name="コメントの表示").get_by_role(
            "link", name="注目コメントのみ"
        ).click()
        page.wait_for_url("**cview=featured**")
        assert page.locator("ol.comment-list > li article").count() == 1
        assert page.locator("ol.comment-list > li article").get_attribute("id") == (
            f"comment-{picked.pk}"
        )
        assert errors == []
    finally:
        context.close()
