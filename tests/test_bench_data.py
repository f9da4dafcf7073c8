"""`manage.py bench_data` (pages/management/commands/bench_data.py): a tiny set, checked."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count

from comments.models import Comment
from core.sanitize import markdown_to_html, plain_text_to_html
from explainers import search
from explainers.models import Explainer, ExplainerSource, SourceArticle, Topic
from pages.management.commands.bench_data import EN_SUBJECTS, JA_SUBJECTS, zipf_allocation

pytestmark = pytest.mark.django_db

EXPLAINERS, COMMENTS = 20, 200


def bench_data(**options):
    options = {
        "explainers": EXPLAINERS,
        "comments": COMMENTS,
        "topics": 5,
        "sources": 10,
        **options,
    }
    call_command("bench_data", stdout=io.StringIO(), stderr=io.StringIO(), **options)


@pytest.fixture
def generated():
    bench_data()


def sample():
    """A published explainer with comments (the busiest one has the most parts to check)."""
    return (
        Explainer.objects.published()
        .annotate(n=Count("comments"))
        .filter(n__gt=0)
        .order_by("-n")
        .first()
    )


def test_it_makes_the_sizes_asked_for(generated):
    assert Explainer.objects.count() == EXPLAINERS
    assert Comment.objects.count() == COMMENTS
    assert Topic.objects.count() == 5
    assert SourceArticle.objects.count() == 10


def test_derived_fields_are_what_refresh_derived_computes(generated):
    explainer = sample()
    stored = (explainer.search_text, explainer.reading_minutes)
    explainer.refresh_derived(save=False)
    assert stored == (explainer.search_text, explainer.reading_minutes)
    assert explainer in Explainer.objects.search(f'"{explainer.title}"')  # indexed, too


def test_parts_are_complete_and_rendered_on_the_models_path(generated):
    explainer = sample()
    assert 3 <= explainer.key_points.count() <= 5
    sections = list(explainer.sections.all())
    assert 2 <= len(sections) <= 3
    assert all(s.body_html == markdown_to_html(s.body) for s in sections)
    positions = list(explainer.source_links.values_list("position", flat=True))
    assert positions == list(range(1, len(positions) + 1))
    assert explainer.topics.exists()
    for comment in Comment.objects.filter(explainer=explainer)[:20]:
        assert comment.body_html == plain_text_to_html(comment.body)


def index_row(explainer):
    """The explainer's row in the search index, as the database holds it."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                f"SELECT a, b, c FROM {search.FTS_TABLE} WHERE rowid = %s",  # noqa: S608
                [explainer.pk],
            )
        else:
            table = Explainer._meta.db_table
            cursor.execute(
                f"SELECT search_vector::text FROM {table} WHERE id = %s",  # noqa: S608
                [explainer.pk],
            )
        return cursor.fetchone()


def test_search_index_rows_are_what_refresh_derived_writes(generated):
    explainer = sample()
    generated_row = index_row(explainer)
    assert generated_row is not None and any(generated_row)
    explainer.refresh_derived()
    assert index_row(explainer) == generated_row


def test_search_finds_a_generated_word(generated):
    explainer = sample()
    word = next(w for w in (*JA_SUBJECTS, *EN_SUBJECTS) if w.lower() in explainer.title.lower())
    assert explainer in Explainer.objects.published().search(word)


def test_the_busiest_explainer_holds_a_quarter_of_the_comments(generated):
    counts = list(
        Comment.objects.values("explainer").annotate(n=Count("pk")).values_list("n", flat=True)
    )
    assert max(counts) >= COMMENTS / 4
    assert len(counts) > 2  # the rest is spread out


def test_comments_are_mostly_approved_with_one_level_replies(generated):
    by_status = dict(Comment.objects.values_list("status").annotate(n=Count("pk")))
    assert by_status["approved"] > COMMENTS / 2
    assert set(by_status) - {"approved"}  # some pending, rejected, spam or removed
    replies = Comment.objects.filter(parent__isnull=False).select_related("parent")
    assert replies.exists()
    for reply in replies:
        assert reply.parent.parent_id is None
        assert reply.parent.explainer_id == reply.explainer_id
        assert reply.parent.status == Comment.Status.APPROVED
        assert reply.created_at >= reply.parent.created_at


def test_comment_counters_are_filled(generated):
    for explainer in Explainer.objects.all():
        visible = Comment.objects.visible().filter(explainer=explainer)
        assert explainer.comment_count == visible.count()
        assert explainer.comment_thread_count == visible.filter(parent__isnull=True).count()


def test_slugs_are_unique_and_sources_cited_once_each(generated):
    assert Explainer.objects.values("slug").distinct().count() == EXPLAINERS
    pairs = ExplainerSource.objects.values("explainer", "source").distinct().count()
    assert pairs == ExplainerSource.objects.count()


def test_it_refuses_a_database_with_explainers(generated):
    with pytest.raises(CommandError, match="already has explainers"):
        bench_data()


def test_flush_replaces_and_force_adds(generated):
    bench_data(flush=True)
    assert Explainer.objects.count() == EXPLAINERS
    assert Comment.objects.count() == COMMENTS
    bench_data(force=True, explainers=5, comments=10)
    assert Explainer.objects.count() == EXPLAINERS + 5
    assert Comment.objects.count() == COMMENTS + 10


def test_zipf_allocation_adds_up_and_respects_the_cap():
    shares = zipf_allocation(150, 19, cap=50)
    assert sum(shares) == 150
    assert max(shares) <= 50
    assert shares == sorted(shares, reverse=True)
    assert zipf_allocation(100, 2, cap=40) == [40, 40]  # nowhere to put the rest
