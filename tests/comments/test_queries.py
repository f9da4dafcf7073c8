"""The explainer page costs the same queries whatever the number of comments."""

import pytest

from tests.factories import CommentFactory, ExplainerFactory

pytestmark = pytest.mark.django_db


def add_threads(explainer, threads, replies_each):
    for _ in range(threads):
        top = CommentFactory(explainer=explainer)
        CommentFactory.create_batch(replies_each, explainer=explainer, parent=top)


def test_explainer_page_query_count_is_the_same_with_0_and_200_comments(client, count_queries):
    empty = ExplainerFactory(published=True, key_points=3, sources=1)
    busy = ExplainerFactory(published=True, key_points=3, sources=1)
    add_threads(busy, threads=50, replies_each=3)  # 200 approved comments
    CommentFactory.create_batch(5, explainer=busy, status="pending")
    count_queries(client, empty.get_absolute_url())  # warm caches (sites, content types)
    assert count_queries(client, empty.get_absolute_url()) == count_queries(
        client, busy.get_absolute_url()
    )


def test_thread_page_is_one_query(django_assert_num_queries):
    from comments.threads import thread_page
    from explainers.models import Explainer

    explainer = Explainer.objects.get(pk=ExplainerFactory(published=True).pk)
    add_threads(explainer, threads=5, replies_each=2)
    explainer.refresh_from_db()  # the counters, as the page loads them
    with django_assert_num_queries(1):
        page = thread_page(explainer=explainer, page_number=1)
        assert page.total == 15
        assert len(page.threads) == 5
        for thread in page.threads:
            assert len(thread.replies) == 2
            for reply in thread.replies:
                assert reply.author_name
                assert reply.in_reply_to_id is None or reply.in_reply_to.author_name


def test_later_comment_page_costs_the_same(client, settings, count_queries):
    settings.COMMENTS_PER_PAGE = 10
    explainer = ExplainerFactory(published=True)
    add_threads(explainer, threads=25, replies_each=1)
    url = explainer.get_absolute_url()
    count_queries(client, url)
    assert count_queries(client, url) == count_queries(client, url + "?cpage=3")


def test_comment_counts_on_lists_are_read_with_the_explainers(django_assert_num_queries):
    from explainers.models import Explainer

    for explainer in ExplainerFactory.create_batch(5, published=True):
        CommentFactory.create_batch(2, explainer=explainer)
    with django_assert_num_queries(1):
        counts = [e.comment_count for e in Explainer.objects.published()]
    assert counts == [2] * 5
