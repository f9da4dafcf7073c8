"""Two guests behind one address are two people to the moderators, in a real browser."""

import pytest
from playwright.sync_api import expect

from comments.models import Comment

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def post_as_guest(page, explainer, *, name, email, body):
    """A guest's comment through the comment form, as a reader sends it."""
    page.goto(f"/comments/{explainer.slug}/post/")
    page.get_by_label("Name").fill(name)
    page.get_by_role("textbox", name="Email").fill(email)
    page.get_by_label("Comment").fill(body)
    with page.expect_navigation():
        page.get_by_role("button", name="Send comment").click()
    assert "posted=pending" in page.url


def test_two_guests_on_one_address_have_separate_histories(
    page, login, explainer, moderator, settings
):
    settings.COMMENTS_MIN_SECONDS_TO_SUBMIT = 0
    settings.COMMENTS_FLOOD_LIMIT_PER_MINUTE = 100
    aoi = ["Aoi's first remark about the explainer.", "Aoi again, with a second remark."]
    ren = "Ren writes from the same office network."
    for body in aoi:
        post_as_guest(page, explainer, name="Aoi", email="aoi@example.net", body=body)
    post_as_guest(page, explainer, name="Ren", email="ren@example.net", body=ren)
    comments = {c.body: c for c in Comment.objects.all()}
    assert len(comments) == 3
    # The live server saw one address for both guests.
    assert len({c.ip_hash for c in comments.values()}) == 1
    assert page.console_errors == []

    # A moderator, in the same browser (the guests' address), opens each guest's history.
    login(moderator, next_url="/moderation/")
    expect(page.locator("[data-moderation-item]")).to_have_count(3)

    # Ren's history: Ren's comment alone, nothing of Aoi's.
    card = page.locator(f"#mod-comment-{comments[ren].pk}")
    with page.expect_navigation():
        card.get_by_role("link", name="Author's history").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Ren")
    expect(page.locator(".moderation-body")).to_have_text([ren])

    # Aoi's history: both of Aoi's comments, newest first, none of Ren's.
    page.goto("/moderation/")
    card = page.locator(f"#mod-comment-{comments[aoi[0]].pk}")
    with page.expect_navigation():
        card.get_by_role("link", name="Author's history").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Aoi")
    expect(page.locator(".moderation-body")).to_have_text(list(reversed(aoi)))
    assert ren not in page.content()
    assert "aoi@example.net" not in page.content()
    assert page.console_errors == []
