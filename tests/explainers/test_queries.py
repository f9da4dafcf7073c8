"""Query budgets: a page's query count must not grow with the data it shows.

Each test measures the same page for small and large data with the shared `count_queries`
fixture and compares the counts, after a warm-up request so one-off caches (sites, content
types) do not count against either side.
"""

import pytest
from django.urls import reverse

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


def explainer_with(*, key_points, sections, sources, topics, corrections, related):
    """A published explainer with the given number of each part, and related explainers."""
    explainer = ExplainerFactory(
        published=True,
        byline=UserFactory(),
        key_points=key_points,
        sources=sources,
    )
    for position in range(1, sections + 1):
        DetailSectionFactory(
            explainer=explainer,
            position=position,
            figure_image=f"figures/chart-{position}.png",
            figure_alt="A chart",
            figure_caption="Caption",
            figure_credit="Credit",
        )
    topic_list = TopicFactory.create_batch(topics)
    explainer.topics.add(*topic_list)
    CorrectionFactory.create_batch(corrections, explainer=explainer)
    for _ in range(related):
        other = ExplainerFactory(published=True, sources=1)
        other.topics.add(*topic_list)
    return explainer


def published_explainers(count, **extra):
    """`count` published explainers, each with two topics (so prefetching is exercised)."""
    topics = TopicFactory.create_batch(2)
    explainers = ExplainerFactory.create_batch(count, published=True, **extra)
    for explainer in explainers:
        explainer.topics.add(*topics)
    return explainers


def test_explainer_page_query_count_does_not_grow_with_its_parts(client, count_queries):
    small = explainer_with(key_points=3, sections=2, sources=1, topics=1, corrections=1, related=1)
    large = explainer_with(key_points=7, sections=10, sources=5, topics=4, corrections=4, related=7)
    client.get(small.get_absolute_url())  # warm-up
    assert count_queries(client, small.get_absolute_url()) == count_queries(
        client, large.get_absolute_url()
    )


def test_home_query_count_is_the_same_for_5_and_50_explainers(client, count_queries):
    published_explainers(5)
    client.get(reverse("explainers:home"))
    small = count_queries(client, reverse("explainers:home"))
    published_explainers(45)
    assert count_queries(client, reverse("explainers:home")) == small


def test_topic_page_query_count_is_the_same_for_5_and_50_explainers(client, count_queries):
    topic = TopicFactory()
    for explainer in published_explainers(5):
        explainer.topics.add(topic)
    client.get(topic.get_absolute_url())
    small = count_queries(client, topic.get_absolute_url())
    for explainer in published_explainers(45):
        explainer.topics.add(topic)
    assert count_queries(client, topic.get_absolute_url()) == small


def test_search_query_count_is_the_same_for_5_and_50_results(client, count_queries):
    url = reverse("explainers:search") + "?q=budget"
    published_explainers(5, title="Budget explained")
    client.get(url)
    small = count_queries(client, url)
    published_explainers(45, title="Budget explained")
    assert count_queries(client, url) == small


def test_source_page_query_count_is_the_same_for_5_and_50_explainers(client, count_queries):
    source = SourceArticleFactory()
    for explainer in published_explainers(5):
        ExplainerSourceFactory(explainer=explainer, source=source, position=1)
    client.get(source.get_absolute_url())
    small = count_queries(client, source.get_absolute_url())
    for explainer in published_explainers(45):
        ExplainerSourceFactory(explainer=explainer, source=source, position=1)
    assert count_queries(client, source.get_absolute_url()) == small


def test_related_reading_is_bounded_to_the_newest_explainers_of_each_topic_and_source():
    from explainers.models import Explainer

    topic, source = TopicFactory(), SourceArticleFactory()
    explainer = ExplainerFactory(published=True)
    explainer.topics.add(topic)
    ExplainerSourceFactory(explainer=explainer, source=source, position=1)
    by_topic = ExplainerFactory.create_batch(4, published=True)
    for other in by_topic:
        other.topics.add(topic)
    by_source = ExplainerFactory.create_batch(3, published=True)
    for other in by_source:
        ExplainerSourceFactory(explainer=other, source=source, position=1)

    related = Explainer.objects.published().related_to(explainer, per_link=2)

    # Only the two newest of each link are candidates; older ones are never considered.
    assert set(related) == {*by_topic[-2:], *by_source[-2:]}
    assert set(Explainer.objects.published().related_to(explainer)) == {*by_topic, *by_source}
