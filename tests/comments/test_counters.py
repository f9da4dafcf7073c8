"""The explainers' comment counters stay exact through every door that changes what readers see.

Each test compares `Explainer.comment_count` / `comment_thread_count` with a real count of
`Comment.objects.visible()` after the change.
"""

import importlib

import pytest
from django.apps import apps
from django.db import transaction

from comments import moderation, reports, submission
from comments.models import Comment
from explainers.models import Explainer
from readers import privacy as reader_privacy
from tests.factories import CommentFactory, ExplainerFactory, UserFactory

pytestmark = pytest.mark.django_db

TEXT = "A calm and reasonable remark about the explainer."


def counters(explainer) -> tuple[int, int]:
    explainer.refresh_from_db(fields=["comment_count", "comment_thread_count"])
    return explainer.comment_count, explainer.comment_thread_count


def counted(explainer) -> tuple[int, int]:
    visible = Comment.objects.visible().filter(explainer=explainer)
    return visible.count(), visible.filter(parent__isnull=True).count()


def assert_exact(explainer, expected):
    assert counters(explainer) == counted(explainer) == expected


def test_approving_a_held_comment_counts_it(moderator):
    comment = CommentFactory(status="pending")
    assert_exact(comment.explainer, (0, 0))
    moderation.comment_approve(comment=comment, actor=moderator)
    assert_exact(comment.explainer, (1, 1))


def test_rejecting_a_held_comment_changes_nothing(moderator):
    comment = CommentFactory(status="pending")
    moderation.comment_reject(comment=comment, actor=moderator, reason="off_topic")
    assert_exact(comment.explainer, (0, 0))


@pytest.mark.parametrize("decide", ["remove", "spam"])
def test_taking_a_published_comment_down_uncounts_it(moderator, decide):
    comment = CommentFactory()
    assert_exact(comment.explainer, (1, 1))
    if decide == "remove":
        moderation.comment_remove(comment=comment, actor=moderator)
    else:
        moderation.comment_mark_spam(comment=comment, actor=moderator)
    assert_exact(comment.explainer, (0, 0))


def test_restore_then_approve_counts_it_once(moderator):
    comment = CommentFactory()
    moderation.comment_remove(comment=comment, actor=moderator)
    moderation.comment_restore(comment=comment, actor=moderator)
    assert_exact(comment.explainer, (0, 0))  # back in the queue: still hidden
    moderation.comment_approve(comment=comment, actor=moderator)
    assert_exact(comment.explainer, (1, 1))


def test_rescuing_spam_counts_it(moderator):
    comment = CommentFactory(status="spam")
    moderation.comment_approve(comment=comment, actor=moderator)
    assert_exact(comment.explainer, (1, 1))


def test_a_reply_counts_as_a_comment_not_a_thread(moderator):
    top = CommentFactory()
    reply = CommentFactory(explainer=top.explainer, parent=top, status="pending")
    moderation.comment_approve(comment=reply, actor=moderator)
    assert_exact(top.explainer, (2, 1))
    moderation.comment_remove(comment=reply, actor=moderator)
    assert_exact(top.explainer, (1, 1))


def test_bulk_decisions_count_each_comment_that_changed(moderator):
    explainer = ExplainerFactory(published=True)
    held = CommentFactory.create_batch(3, explainer=explainer, status="pending")
    published = CommentFactory(explainer=explainer)  # "approve" does not apply: skipped
    changed = moderation.comments_bulk_moderate(
        comments=[*held, published], action="approve", actor=moderator
    )
    assert changed == 3
    assert_exact(explainer, (4, 4))


def test_a_comment_stored_approved_is_counted(explainer, editor):
    submission.comment_submit(explainer=explainer, body=TEXT, user=editor)  # staff: approved
    assert_exact(explainer, (1, 1))


def test_an_auto_approved_reply_is_counted(explainer, editor):
    top = CommentFactory(explainer=explainer)
    submission.comment_submit(explainer=explainer, body=TEXT, user=editor, parent=top)
    assert_exact(explainer, (2, 1))


def test_a_held_submission_is_not_counted(explainer):
    submission.comment_submit(explainer=explainer, body=TEXT, guest_name="Hana")
    assert_exact(explainer, (0, 0))


def test_reader_reports_that_hide_a_comment_uncount_it(settings):
    settings.COMMENTS_REPORT_THRESHOLD = 2
    comment = CommentFactory()
    reports.comment_report(comment=comment, reason="abusive", user=UserFactory())
    assert_exact(comment.explainer, (1, 1))
    reports.comment_report(comment=comment, reason="abusive", user=UserFactory())
    assert_exact(comment.explainer, (0, 0))


def test_erasing_an_author_keeps_their_published_comments_counted(reader):
    explainer = ExplainerFactory(published=True)
    CommentFactory(explainer=explainer, user=reader, guest_name="")
    CommentFactory(explainer=explainer, user=reader, guest_name="", status="pending")
    reader_privacy.reader_account_delete(user=reader)
    assert_exact(explainer, (1, 1))  # shown as "Deleted user", still there


def test_a_rolled_back_decision_leaves_the_counters(moderator):
    comment = CommentFactory()
    with pytest.raises(RuntimeError), transaction.atomic():
        moderation.comment_remove(comment=comment, actor=moderator)
        raise RuntimeError
    assert_exact(comment.explainer, (1, 1))


def test_the_migration_fills_the_counters_from_the_comments():
    explainer = ExplainerFactory(published=True)
    top = CommentFactory(explainer=explainer)
    CommentFactory(explainer=explainer, parent=top)
    CommentFactory(explainer=explainer, status="pending")
    empty = ExplainerFactory(published=True)
    Explainer.objects.update(comment_count=7, comment_thread_count=7)
    migration = importlib.import_module("comments.migrations.0008_fill_comment_counters")
    migration.fill(apps, None)
    assert_exact(explainer, (2, 1))
    assert_exact(empty, (0, 0))
