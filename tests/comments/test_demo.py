"""The demo comments: every state, both languages, idempotent."""

import pytest

from comments.demo import load_demo_comments
from comments.models import Comment, ModerationAction
from tests.factories import ExplainerFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(moderator):
    explainers = [
        ExplainerFactory(published=True, language="ja"),
        ExplainerFactory(published=True, language="en"),
    ]
    users = [moderator, UserFactory(username="demo-reader")]
    load_demo_comments(explainers, users)
    return explainers, users


def test_demo_has_comments_in_every_state_in_both_languages(demo):
    explainers, _ = demo
    for explainer in explainers:
        statuses = set(explainer.comments.values_list("status", flat=True))
        assert statuses == {"approved", "pending", "rejected", "spam", "removed"}
        assert explainer.comments.filter(is_reported=True, status="pending").exists()
        assert explainer.comments.filter(parent__isnull=False, in_reply_to__isnull=False).exists()
        # The newsroom's comment is badged by its author's role: here, the moderator's.
        assert explainer.comments.filter(badge="moderator", status="approved").exists()
    assert Comment.objects.filter(explainer=explainers[0], body__contains="ニュース").exists()


def test_demo_decisions_are_in_the_moderation_log(demo):
    actions = set(ModerationAction.objects.values_list("action", flat=True))
    assert {"reject", "remove", "reported"} <= actions


def test_demo_is_idempotent(demo):
    explainers, users = demo
    before = (Comment.objects.count(), ModerationAction.objects.count())
    assert load_demo_comments(explainers, users) == 0
    assert (Comment.objects.count(), ModerationAction.objects.count()) == before


def test_loading_the_demo_sends_no_email_but_leaves_the_reader_opted_in(
    mailoutbox, moderator, django_capture_on_commit_callbacks
):
    reader = UserFactory(username="demo-reader")
    explainers = [ExplainerFactory(published=True, language="ja")]
    with django_capture_on_commit_callbacks(execute=True):
        load_demo_comments(explainers, [moderator, reader])
    assert mailoutbox == []
    reader.reader_profile.refresh_from_db()
    assert reader.reader_profile.notify_decisions and reader.reader_profile.notify_replies


def test_demo_threads_are_counted_on_their_explainers(demo):
    explainers, users = demo
    load_demo_comments(explainers, users)  # a second run counts nothing twice
    for explainer in explainers:
        explainer.refresh_from_db()
        visible = Comment.objects.visible().filter(explainer=explainer)
        assert explainer.comment_count == visible.count() > 0
        assert explainer.comment_thread_count == visible.filter(parent__isnull=True).count()
