"""A number beyond any integer column names no row: queries answer it, never crash on it."""

import pytest

from comments.models import Comment
from explainers.models import Explainer
from tests.factories import CommentFactory, ExplainerFactory, TopicFactory

pytestmark = pytest.mark.django_db

HUGE = int("9" * 30)


@pytest.fixture
def comment():
    return CommentFactory(explainer=ExplainerFactory(published=True))


@pytest.mark.parametrize(
    "lookup",
    [
        {"explainer": HUGE},
        {"explainer": "9" * 30},
        {"explainer__in": [HUGE]},
        {"pk__in": [HUGE, -HUGE]},
        {"parent": HUGE},
        {"user": HUGE},
    ],
)
def test_a_number_out_of_range_matches_nothing(comment, lookup):
    assert list(Comment.objects.filter(**lookup)) == []


def test_in_range_values_beside_one_out_of_range_still_match(comment):
    assert list(Comment.objects.filter(pk__in=[HUGE, comment.pk])) == [comment]
    assert list(Comment.objects.filter(explainer__in=[comment.explainer_id, HUGE])) == [comment]


def test_excluding_a_number_out_of_range_keeps_every_row(comment):
    assert list(Comment.objects.exclude(pk__in=[HUGE])) == [comment]
    assert list(Comment.objects.exclude(explainer=HUGE)) == [comment]


def test_a_relation_through_a_join_table_matches_nothing():
    explainer = ExplainerFactory(published=True)
    explainer.topics.add(TopicFactory())
    assert list(Explainer.objects.filter(topics=HUGE)) == []
    assert list(Explainer.objects.filter(byline=HUGE)) == []


@pytest.mark.parametrize(
    "lookup",
    [
        {"status__exact": "\x00"},
        {"guest_name": "Ha\x00na"},
        {"guest_name__icontains": "\x00"},
        {"body__startswith": "\x00"},
        {"status__in": ["\x00"]},
    ],
)
def test_text_with_a_nul_matches_nothing(comment, lookup):
    """PostgreSQL cannot store NUL (it refuses the query); SQLite would match every row."""
    assert list(Comment.objects.filter(**lookup)) == []
    assert list(Comment.objects.exclude(**lookup)) == [comment]


def test_text_values_beside_one_with_a_nul_still_match(comment):
    assert list(Comment.objects.filter(status__in=["\x00", comment.status])) == [comment]
