"""The tool's pages cost the same number of queries with 5 comments as with 100."""

import pytest
from django.urls import reverse

from comments import moderation
from comments.models import Comment
from tests.factories import ExplainerFactory, ReaderProfileFactory, UserFactory

pytestmark = pytest.mark.django_db


Status = Comment.Status


def make_comments(count, *, explainers, status=Status.PENDING, moderator=None):
    """A mix of signed-in and guest authors, replies, hold reasons, past decisions and logs."""
    comments = []
    for n in range(count):
        explainer = explainers[n % len(explainers)]
        user = UserFactory() if n % 2 else None
        if user is not None and n % 4 == 1:
            ReaderProfileFactory(user=user, display_name=f"Reader {n}")
        parent = None
        if n % 3 == 0:
            parent = Comment.objects.create(
                explainer=explainer,
                user=user,
                guest_name="" if user else f"Guest {n}",
                status=Status.APPROVED,
                body="An earlier comment this one answers.",
            )
        comment = Comment.objects.create(
            explainer=explainer,
            user=user,
            guest_name="" if user else f"Guest {n}",
            guest_email="" if user else f"guest{n}@example.com",
            ip_hash=f"hash{n}",
            parent=parent,
            status=Status.PENDING,
            body=f"Comment number {n} with enough words.",
            hold_reasons=["premoderation", "link", "hold_word:rumour"],
        )
        if status != Status.PENDING:
            action = {
                Status.APPROVED: moderation.comment_approve,
                Status.SPAM: moderation.comment_mark_spam,
            }[status]
            action(comment=comment, actor=moderator)
        comments.append(comment)
    return comments


def compare(count_queries, client, url, build, small=5, large=100):
    build(small)
    few = count_queries(client, url)
    context = count_queries.response.context
    assert len(context.get("comments") or context.get("entries")) == small
    build(large - small)
    many = count_queries(client, url)
    context = count_queries.response.context
    shown = context.get("comments") or context.get("entries")
    assert len(shown) > small  # the page really shows more rows
    return few, many


def test_queue_query_count_does_not_grow_with_pending_comments(mod_client, count_queries):
    explainers = [ExplainerFactory(published=True) for _ in range(3)]
    few, many = compare(
        count_queries,
        mod_client,
        reverse("moderation:queue"),
        lambda n: make_comments(n, explainers=explainers),
    )
    assert few == many


def test_spam_tab_query_count_does_not_grow(mod_client, moderator, count_queries):
    explainers = [ExplainerFactory(published=True) for _ in range(2)]
    url = reverse("moderation:tab", kwargs={"tab": "spam"})
    few, many = compare(
        count_queries,
        mod_client,
        url,
        lambda n: make_comments(n, explainers=explainers, status=Status.SPAM, moderator=moderator),
    )
    assert few == many


def test_log_query_count_does_not_grow_with_entries(mod_client, moderator, count_queries):
    explainers = [ExplainerFactory(published=True)]
    few, many = compare(
        count_queries,
        mod_client,
        reverse("moderation:log"),
        # One entry per comment: they are stored directly (no "held" entry), then approved.
        lambda n: make_comments(
            n, explainers=explainers, status=Status.APPROVED, moderator=moderator
        ),
    )
    assert few == many


def test_thread_query_count_does_not_grow_with_comments(mod_client, count_queries):
    explainer = ExplainerFactory(published=True)
    url = reverse("moderation:thread", kwargs={"pk": explainer.pk})
    make_comments(5, explainers=[explainer])
    few = count_queries(mod_client, url)
    make_comments(95, explainers=[explainer])
    many = count_queries(mod_client, url)
    assert few == many


def test_commenter_history_query_count_does_not_grow(mod_client, reader, count_queries):
    explainers = [ExplainerFactory(published=True) for _ in range(3)]
    url = reverse("moderation:commenter", kwargs={"pk": reader.pk})

    def build(n):
        for i in range(n):
            Comment.objects.create(
                explainer=explainers[i % 3], user=reader, body="Mine, with words."
            )

    few, many = compare(count_queries, mod_client, url, build)
    assert few == many
    # Measured with the reader's suspensions on the page (one query of the 15).
    assert many <= 15
