"""The reader pages' query budgets (issue 9), whatever the archive and the thread hold.

An uncached render (the shared page cache is emptied before each counted GET, see
`count_queries`) of the explainer page runs at most 6 queries for an anonymous reader and 8
signed in; home, a topic and a source at most 4. Each is measured with 10 and with 10,000
published explainers (the archive bulk-created, all sharing the measured explainer's topic and
source, so related reading and the lists have the most to choose from) and with 0 and 500
comments on the explainer.
"""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from comments.models import Comment
from core.sanitize import plain_text_to_html
from explainers.models import Explainer, ExplainerSource
from tests.factories import (
    CorrectionFactory,
    DetailSectionFactory,
    ExplainerFactory,
    ExplainerSourceFactory,
    SourceArticleFactory,
    TopicFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

EXPLAINER_ANONYMOUS, EXPLAINER_SIGNED_IN, LIST_PAGE = 6, 8, 4


def archive(count, *, topic, source):
    """`count` published explainers filed under `topic` and citing `source`, in bulk."""
    now = timezone.now()
    explainers = Explainer.objects.bulk_create(
        Explainer(
            title=f"Archived explainer {n}",
            slug=f"archived-{n}",
            language="en",
            introduction="Why it mattered.",
            summary="What to remember.",
            status=Explainer.Status.PUBLISHED,
            publish_at=now - datetime.timedelta(days=2, minutes=n),
            first_published_at=now - datetime.timedelta(days=2, minutes=n),
        )
        for n in range(count)
    )
    Explainer.topics.through.objects.bulk_create(
        Explainer.topics.through(explainer_id=e.pk, topic_id=topic.pk) for e in explainers
    )
    ExplainerSource.objects.bulk_create(
        ExplainerSource(explainer_id=e.pk, source_id=source.pk, position=1) for e in explainers
    )


def thread(explainer, count):
    """`count` approved comments on `explainer`: a fifth of them replies. In bulk, so the
    counters are set as `comments.counters` would have kept them."""
    body = "A thoughtful comment about the explainer."
    tops = Comment.objects.bulk_create(
        Comment(
            explainer=explainer,
            guest_name=f"Reader {n}",
            body=body,
            body_html=plain_text_to_html(body),
            status=Comment.Status.APPROVED,
        )
        for n in range(count - count // 5)
    )
    Comment.objects.bulk_create(
        Comment(
            explainer=explainer,
            parent=tops[n],
            guest_name=f"Replier {n}",
            body=body,
            body_html=plain_text_to_html(body),
            status=Comment.Status.APPROVED,
        )
        for n in range(count // 5)
    )
    Explainer.objects.filter(pk=explainer.pk).update(
        comment_count=count, comment_thread_count=len(tops)
    )


@pytest.mark.parametrize(
    ("explainers", "comments"),
    [(10, 0), (10, 500), (10_000, 0), (10_000, 500)],
    ids=["10-explainers-0-comments", "10-500", "10000-0", "10000-500"],
)
def test_reader_pages_stay_within_their_query_budgets(client, count_queries, explainers, comments):
    """One world per case (building 10,000 explainers is the slow part), every page in it."""
    topic, source = TopicFactory(), SourceArticleFactory()
    explainer = ExplainerFactory(published=True, byline=UserFactory(), key_points=4)
    explainer.topics.add(topic, *TopicFactory.create_batch(2))
    ExplainerSourceFactory(explainer=explainer, source=source, position=1)
    ExplainerSourceFactory(explainer=explainer, position=2)
    for position in (1, 2, 3):
        DetailSectionFactory(explainer=explainer, position=position, refresh=False)
    CorrectionFactory(explainer=explainer)
    archive(explainers - 1, topic=topic, source=source)
    thread(explainer, comments)

    assert count_queries(client, explainer.get_absolute_url()) <= EXPLAINER_ANONYMOUS
    html = count_queries.response.content.decode()
    assert f"{comments} comment" in html
    assert "Archived explainer" in html  # related reading was found
    for url in (reverse("explainers:home"), topic.get_absolute_url(), source.get_absolute_url()):
        assert count_queries(client, url) <= LIST_PAGE, url
        assert "Archived explainer" in count_queries.response.content.decode(), url

    client.force_login(UserFactory())
    assert count_queries(client, explainer.get_absolute_url()) <= EXPLAINER_SIGNED_IN
