"""A prepared query returns exactly what its queryset would, without building it again."""

import datetime

import pytest
from django.db import connection
from django.db.models import F
from django.db.models.expressions import RawSQL
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from comments.models import Comment
from core.prepared import PreparedQuery
from explainers.models import Explainer, KeyPoint
from tests.factories import CommentFactory, ExplainerFactory, UserFactory

pytestmark = pytest.mark.django_db


def comments_of(*, explainer_id, since, limit):
    return (
        Comment.objects.filter(explainer_id=explainer_id, created_at__gte=since)
        .select_related("user", "explainer")
        .annotate(explainer_title=F("explainer__title"))
        .order_by("pk")[:limit]
    )


def test_model_rows_are_the_querysets_with_their_relations_and_annotations():
    prepared = PreparedQuery(comments_of)
    first, second = ExplainerFactory(published=True), ExplainerFactory(published=True)
    CommentFactory.create_batch(2, explainer=first, user=UserFactory(), guest_name="")
    CommentFactory(explainer=second)
    since = timezone.now() - datetime.timedelta(hours=1)
    for explainer in (first, second, first):  # compiled once, run with each explainer
        expected = list(comments_of(explainer_id=explainer.pk, since=since, limit=5))
        rows = prepared(explainer_id=explainer.pk, since=since, literals={"limit": 5})
        assert rows == expected
        assert [r.explainer_title for r in rows] == [e.explainer_title for e in expected]
        with CaptureQueriesContext(connection) as queries:
            assert [r.user for r in rows] == [e.user for e in expected]  # no query: joined
            assert [r.created_at for r in rows] == [e.created_at for e in expected]
        assert len(queries) == 0


def test_a_later_time_is_a_new_value_not_the_first_one():
    prepared = PreparedQuery(comments_of)
    comment = CommentFactory()
    before = timezone.now() - datetime.timedelta(hours=1)
    after = timezone.now() + datetime.timedelta(hours=1)
    found = prepared(explainer_id=comment.explainer_id, since=before, literals={"limit": 5})
    assert found == [comment]
    assert prepared(explainer_id=comment.explainer_id, since=after, literals={"limit": 5}) == []


def test_lists_of_ids_of_any_length_and_values_rows():
    prepared = PreparedQuery(
        lambda *, ids: (
            KeyPoint.objects.filter(explainer_id__in=ids)
            .order_by("pk")
            .values_list("explainer_id", "text")
        )
    )
    a = ExplainerFactory(key_points=2)
    b = ExplainerFactory(key_points=1)
    assert prepared(ids=[a.pk]) == list(
        KeyPoint.objects.filter(explainer=a).order_by("pk").values_list("explainer_id", "text")
    )
    assert len(prepared(ids=[a.pk, b.pk])) == 3
    assert prepared(ids=[b.pk, a.pk]) == prepared(ids=[a.pk, b.pk])


def test_a_value_folded_into_the_sql_is_refused():
    # Written into the SQL text, not passed as a parameter: it would run as its stand-in.
    prepared = PreparedQuery(
        lambda *, explainer_id, n: Explainer.objects.filter(pk=explainer_id).annotate(
            n=RawSQL(str(n), ())
        )
    )
    with pytest.raises(ValueError, match="do not reach the query"):
        prepared(explainer_id=1, n=3)


def test_other_kinds_of_value_are_refused():
    prepared = PreparedQuery(lambda *, title: Explainer.objects.filter(title=title))
    with pytest.raises(TypeError):
        prepared(title="Budget")
