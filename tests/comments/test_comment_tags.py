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
        badge="editor",
        body="Line one\n\nhttps://example.org/ & more <script>",
    )
    moderators_pick = CommentFactory(
        explainer=explainer,
        parent=top,
        in_reply_to=answer,
        user=UserFactory(is_staff=True),
        guest_name="",
        badge="moderator",
        is_featured=True,
        body="モデレーターより：ご意見ありがとうございます。",
    )
    featured = CommentFactory(explainer=explainer, is_featured=True, body="注目の意見です。")
    return explainer, [
        top,
        reply,
        answer,
        CommentFactory(explainer=explainer),
        moderators_pick,
        featured,
    ]


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
    # Each kind is its own rendering: the badge of the role, featured or not, the text's lang.
    badge = {"en": ("Editor", "Moderator", "Featured"), "ja": ("編集部", "モデレーター", "注目")}
    editor_label, moderator_label, featured_label = badge[language]
    assert f'comment-badge-editor">{editor_label}</span>' in printed[2]
    assert f'comment-badge-moderator">{moderator_label}</span>' in printed[4]
    assert [f'comment-featured-badge">{featured_label}</span>' in html for html in printed] == [
        False,
        False,
        False,
        False,
        True,
        True,
    ]
    assert [html.count('class="comment-body" lang="ja"') for html in printed] == [0, 0, 0, 0, 1, 1]
    assert [html.count('class="comment-body" lang="en"') for html in printed] == [1, 1, 1, 1, 0, 0]
