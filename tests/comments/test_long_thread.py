"""A thread of 500 approved comments: every page costs the same queries, every comment is on
exactly one page, and the count the page prints is the database's."""

import lxml.html
import pytest

from comments.models import Comment
from tests.factories import CommentFactory, ExplainerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def long_thread(settings):
    settings.COMMENTS_PER_PAGE = 50
    explainer = ExplainerFactory(published=True)
    tops = CommentFactory.create_batch(400, explainer=explainer)
    for top in tops[::4]:  # 100 replies, one on every fourth thread
        CommentFactory(explainer=explainer, parent=top)
    CommentFactory.create_batch(7, explainer=explainer, status="pending")  # never counted
    return explainer


@pytest.mark.parametrize("sort", ["oldest", "newest"])
def test_500_comments_paginate_with_constant_queries_and_each_shows_once(
    client, count_queries, long_thread, sort
):
    explainer = long_thread
    url = explainer.get_absolute_url()
    visible = Comment.objects.visible().filter(explainer=explainer)
    assert visible.count() == 500
    seen = []
    costs = set()
    for number in range(1, 9):
        address = f"{url}?csort={sort}&cpage={number}"
        costs.add(count_queries(client, address))
        doc = lxml.html.fromstring(client.get(address).content)
        seen += [
            int(a.get("id").removeprefix("comment-"))
            for a in doc.xpath('//article[starts-with(@id, "comment-")]')
        ]
        count = doc.xpath('string(//p[@class="comment-count"])').strip()
        assert count == f"{visible.count()} comments"
    assert len(costs) == 1  # page 1 costs what page 8 does
    assert sorted(seen) == sorted(visible.values_list("pk", flat=True))  # each exactly once
    doc = lxml.html.fromstring(client.get(f"{url}?csort={sort}&cpage=8").content)
    assert not doc.xpath('//nav[contains(@class, "comment-pager")]//a[@rel="next"]')
