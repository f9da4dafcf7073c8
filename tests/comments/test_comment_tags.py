"""{% thread_comment %} prints exactly what comments/includes/comment.html prints for a comment."""

import pytest
from django.template import Context, Template
from django.template.loader import render_to_string
from django.utils import translation

from tests.factories import CommentFactory, ExplainerFactory, ReaderProfileFactory, UserFactory

pytestmark = pytest.mark.django_db

TAG = Template("{% load comment_tags %}{% for c in comments %}{% thread_comment c %}|{% endfor %}")
DATES = Template("{{ d|date:'c' }}|{{ d|date:'DATETIME_FORMAT' }}")


def plainly(comment, context) -> str:
    """comment.html rendered the plain way, for this one comment."""
    comment.posted_iso, comment.posted_text = DATES.render(
        Context({"d": comment.created_at})
    ).split("|")
    return render_to_string("comments/includes/comment.html", {"comment": comment, **context})


@pytest.fixture
def comments():
    # The stand-in id's digits in the slug must not be taken for a comment's id.
    explainer = ExplainerFactory(published=True, slug="budget-987654321-explained")
    editor = UserFactory(is_staff=True, first_name="Hana", last_name="Editor")
    named = UserFactory()
    ReaderProfileFactory(user=named, display_name="Ken & <Co> \"quoted\" 'single'")
    top = CommentFactory(explainer=explainer, guest_name="A <b>bold</b> & guest")
    reply = CommentFactory(explainer=explainer, parent=top, user=named, guest_name="")
    answer = CommentFactory(
        explainer=explainer,
        parent=top,
        in_reply_to=reply,
        user=editor,
        guest_name="",
        is_staff_comment=True,
        body="Line one\n\nhttps://example.org/ & more <script>",
    )
    return explainer, [top, reply, answer, CommentFactory(explainer=explainer)]


@pytest.mark.parametrize("language", ["en", "ja"])
@pytest.mark.parametrize("closed", ["", "The editors have closed comments on this explainer."])
def test_each_comment_is_the_templates_own_rendering(comments, language, closed):
    explainer, items = comments
    context = {"explainer": explainer, "comments_closed": closed}
    with translation.override(language):
        printed = TAG.render(Context({"comments": items, **context})).split("|")[:-1]
        expected = [plainly(comment, context) for comment in items]
    assert printed == expected
    assert any("comment-staff" in html for html in printed)
    assert "In reply to" in printed[2] or "さんへの返信" in printed[2]
