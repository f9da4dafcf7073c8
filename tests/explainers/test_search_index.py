"""The full-text index behind search (explainers.search), on SQLite (FTS5) and PostgreSQL.

Run on both: `pytest tests/explainers` and again with DATABASE_URL=postgres://... .
Where the two databases differ (bm25 against ts_rank_cd), tests ask only what both promise:
who matches, title above text, newer first among equals.
"""

import datetime
import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from explainers import search as search_index
from explainers.models import Explainer
from explainers.services import source_article_save
from pages import views
from tests.factories import (
    ExplainerFactory,
    ExplainerSourceFactory,
    KeyPointFactory,
    SourceArticleFactory,
    TopicFactory,
)

pytestmark = pytest.mark.django_db

HOUR = datetime.timedelta(hours=1)


def published(**kwargs):
    return ExplainerFactory(published=True, **kwargs)


def search(client, query, **params):
    return client.get(reverse("explainers:search"), {"q": query, **params})


def found(response):
    assert response.status_code == 200
    return list(response.context["explainers"])


def citing(publisher, **kwargs):
    explainer = published(**kwargs)
    source = SourceArticleFactory(title="A news report", publisher=publisher)
    ExplainerSourceFactory(explainer=explainer, source=source, position=1)
    return explainer


# What matches -------------------------------------------------------------------------------


def test_a_phrase_across_a_one_character_japanese_run_is_found():
    # The を between 」 and 1 is a run of one character: PostgreSQL once stored it without a
    # position, and no phrase across it matched there (SQLite did).
    explainer = published(introduction="水を抜く「中干し」を1週間ほど長くすると、メタンが減る。")
    explainer.refresh_derived()
    assert explainer in Explainer.objects.search('"「中干し」を1週間ほど長く"')
    assert explainer not in Explainer.objects.search('"「中干し」が1週間"')


def test_ai_never_matches_inside_paid_or_trains(client):
    ai = published(title="How AI is regulated")
    published(title="Paid leave explained", introduction="The scheme trains staff and is paid.")
    assert found(search(client, "ＡＩ")) == [ai]
    assert found(search(client, "ai")) == [ai]


def test_ai_is_found_beside_japanese_text(client):
    # Japanese is written without spaces: the Latin word ends where the Japanese begins.
    explainer = published(language="ja", title="生成AIの規制", introduction="ＡＩチップの需要。")
    assert found(search(client, "AI")) == [explainer]


def test_reuters_finds_every_explainer_citing_reuters(client):
    first = citing("Reuters", title="Oil output cut", publish_at=timezone.now() - 2 * HOUR)
    second = citing("Reuters", language="ja", title="日本株が最高値")
    citing("Associated Press", title="Growth slows")
    assert set(found(search(client, "Reuters"))) == {first, second}


def test_a_renamed_publisher_is_found_by_its_new_name(client):
    explainer = citing("Old Wire")
    source = explainer.sources.get()
    source.publisher = "New Wire Service"
    source_article_save(source=source)
    assert found(search(client, "service")) == [explainer]
    assert found(search(client, "old")) == []


def test_topic_names_are_indexed(client):
    explainer = published(title="Budget talks")
    explainer.topics.add(TopicFactory(name="Public finance"))
    explainer.refresh_derived()
    assert found(search(client, "finance")) == [explainer]


def test_key_points_are_indexed(client):
    explainer = published(title="Housing")
    KeyPointFactory(explainer=explainer, text="Planning rules slow construction.")
    assert found(search(client, "planning")) == [explainer]


def test_japanese_word_is_found_inside_a_compound(client):
    compound = published(language="ja", title="動画の収益化", introduction="広告で稼ぎます。")
    plain = published(language="ja", title="銀行の収益が減少", introduction="低金利です。")
    assert set(found(search(client, "収益"))) == {compound, plain}
    assert found(search(client, "収益化")) == [compound]


def test_one_japanese_character_is_found_at_the_end_of_a_word(client):
    explainer = published(language="ja", title="日本株が上昇", introduction="買いが続きます。")
    assert found(search(client, "株")) == [explainer]


def test_japanese_characters_must_be_adjacent_to_match_a_word(client):
    published(language="ja", title="半分の導入に体制を", introduction="半と導と体。")
    assert found(search(client, "半導体")) == []


def test_a_quoted_phrase_matches_only_as_a_phrase(client):
    phrase = published(title="Climate change and crops")
    apart = published(title="A change of climate policy")
    assert set(found(search(client, "climate change"))) == {phrase, apart}
    assert found(search(client, '"climate change"')) == [phrase]
    assert found(search(client, "“climate change”")) == [phrase]


def test_a_phrase_does_not_run_from_the_title_into_the_text(client):
    published(title="Talks on climate", introduction="Change is slow.")
    assert found(search(client, '"climate change"')) == []


def test_every_term_must_match_across_fields(client):
    both = published(title="Coal mines", introduction="Wind farms replace them.")
    published(title="Coal mines close")
    assert found(search(client, "coal wind")) == [both]


# Ranking ------------------------------------------------------------------------------------


def test_title_hits_rank_above_key_points_and_key_points_above_the_introduction(client):
    now = timezone.now()
    in_intro = published(title="Harbour", introduction="Steel is late.", publish_at=now - HOUR)
    in_point = published(title="Port", publish_at=now - 2 * HOUR)
    KeyPointFactory(explainer=in_point, text="Steel prices rose.")
    in_title = published(title="Steel explained", publish_at=now - 3 * HOUR)
    assert found(search(client, "steel")) == [in_title, in_point, in_intro]


def test_newer_explainers_come_first_among_equal_matches(client):
    now = timezone.now()
    older = published(title="Tariffs explained", publish_at=now - 3 * HOUR)
    newer = published(title="Tariffs explained", publish_at=now - HOUR)
    assert found(search(client, "tariffs")) == [newer, older]


# Results page -------------------------------------------------------------------------------


def test_snippet_marks_the_match_and_escapes_the_text(client):
    published(
        title="Harvests",
        introduction="Farmers <b>say</b> the wheat harvest fell by a fifth this year.",
    )
    html = search(client, "WHEAT").content.decode()
    assert "<mark>wheat</mark> harvest" in html
    assert "&lt;b&gt;say&lt;/b&gt;" in html
    assert "<b>say</b>" not in html


def test_snippet_marks_a_half_width_match_in_the_text_as_written(client):
    published(language="ja", title="電気代", introduction="ｴﾈﾙｷﾞｰ価格が上がります。")
    html = search(client, "エネルギー").content.decode()
    assert "<mark>ｴﾈﾙｷﾞｰ</mark>価格" in html


def test_snippet_of_a_long_text_is_cut_around_the_match(client):
    published(title="Long read", introduction="Filler words here. " * 40 + "The crux is tariffs.")
    html = search(client, "tariffs").content.decode()
    assert "…" in html
    assert "The crux is <mark>tariffs</mark>." in html


def test_title_match_is_marked_and_the_language_is_shown(client):
    published(title="Steel tariffs explained", language="en")
    html = search(client, "steel").content.decode()
    assert "<mark>Steel</mark> tariffs explained" in html
    assert 'class="search-language">English<' in html


def test_results_filter_by_language(client):
    english = published(title="Yen weakens", language="en")
    japanese = published(title="Yen と円安", language="ja")
    assert found(search(client, "yen", language="en")) == [english]
    assert found(search(client, "yen", language="ja")) == [japanese]


def test_results_filter_by_topic(client):
    energy = TopicFactory(name="Energy", slug="energy")
    inside = published(title="Coal plants")
    inside.topics.add(energy)
    published(title="Coal mines")
    assert found(search(client, "coal", topic="energy")) == [inside]


@pytest.mark.parametrize("params", [{"language": "fr"}, {"topic": "no-such-topic"}])
def test_an_unknown_filter_gets_400_not_a_search(client, params):
    response = search(client, "coal", **params)
    assert response.status_code == 400
    assert "That filter does not exist" in response.content.decode()


@pytest.mark.parametrize("page", ["0", "-1", "abc", "101", "9" * 30])
def test_an_impossible_page_is_404(client, page):
    published(title="Budget")
    assert search(client, "budget", page=page).status_code == 404


def test_a_page_after_the_last_is_404(client):
    published(title="Budget")
    assert search(client, "budget", page=2).status_code == 404


def test_pages_show_next_and_previous_without_counting_every_match(
    client, django_assert_max_num_queries
):
    for n in range(views.PAGE_SIZE + 2):
        published(title=f"Budget story {n}")
    with django_assert_max_num_queries(4) as captured:
        first = search(client, "budget")
    # The comment counts are a subquery per row shown; what must not run is a count of matches.
    assert not any("__count" in query["sql"] for query in captured.captured_queries)
    html = first.content.decode()
    assert f"Results 1–{views.PAGE_SIZE} for “budget”" in html
    assert 'rel="next" href="?q=budget&amp;page=2"' in html
    assert 'rel="prev"' not in html
    last = search(client, "budget", page=2).content.decode()
    assert f"{views.PAGE_SIZE + 2} results for “budget”" in last
    assert 'rel="prev" href="?q=budget&amp;page=1"' in last


def test_filters_are_kept_in_page_links(client):
    for n in range(views.PAGE_SIZE + 1):
        published(title=f"Budget story {n}", language="en")
    html = search(client, "budget", language="en").content.decode()
    assert 'href="?q=budget&amp;language=en&amp;page=2"' in html


def test_the_page_costs_the_same_queries_for_one_result_or_ten(client, django_assert_num_queries):
    # Topics for the filter, the page's ids in rank order, those rows with comment counts,
    # their topics.
    published(title="Budget story")
    with django_assert_num_queries(4):
        search(client, "budget")
    for n in range(9):
        published(title=f"Budget story {n}").topics.add(TopicFactory())
    with django_assert_num_queries(4):
        search(client, "budget")


ABSURD = [
    '"',
    '""',
    '"unterminated',
    "'",
    "''",
    "a OR b",
    "NEAR(a b)",
    "a AND NOT b",
    "*",
    "a*",
    "-a",
    "^a",
    "title:a",
    "a:*",
    "!a",
    "a & b | c",
    "<->",
    "a <2> b",
    "(((",
    ")",
    "\\",
    "\\'",
    "{}[]",
    "ＡＩ”",
    '\u3000"\u3000',
    "%_%",
    "a" * views.SEARCH_MAX_LENGTH,
    " ".join(["ab"] * 66),
    "半" * views.SEARCH_MAX_LENGTH,
    "\U0001f600 emoji",
    "e\u0301",
]


@pytest.mark.parametrize("query", ABSURD)
def test_absurd_queries_are_searched_never_an_error(client, query):
    published(title="Anything at all")
    assert search(client, query).status_code == 200


def test_query_syntax_is_text_not_operators(client):
    both = published(title="Apples or pears")
    published(title="Apples only")
    assert found(search(client, "apples OR pears")) == [both]
    assert found(search(client, "pears*")) == [both]


# Keeping the index current ------------------------------------------------------------------


def test_refreshing_after_a_part_changes_updates_the_index(client):
    explainer = published(title="Harbour")
    point = KeyPointFactory(explainer=explainer, text="Original wording.")
    point.text = "Revised wording."
    point.save()
    explainer.refresh_derived()
    assert found(search(client, "revised")) == [explainer]
    assert found(search(client, "original")) == []


def test_a_deleted_explainer_leaves_nothing_in_the_index():
    draft = ExplainerFactory(title="Never published")
    draft.delete()
    assert list(Explainer.objects.search("published")) == []
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM {search_index.FTS_TABLE}")
            assert cursor.fetchone()[0] == 0


def wipe_index():
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("UPDATE explainers_explainer SET search_vector = ''")
        else:
            cursor.execute(f"DELETE FROM {search_index.FTS_TABLE}")


def test_rebuild_search_index_indexes_every_explainer_in_batches(client):
    explainers = [published(title=f"Budget story {n}") for n in range(5)]
    draft = ExplainerFactory(title="Budget draft")
    wipe_index()
    assert found(search(client, "budget")) == []
    out = io.StringIO()
    call_command("rebuild_search_index", batch_size=2, stdout=out)
    assert set(found(search(client, "budget"))) == set(explainers)
    assert draft in Explainer.objects.search("budget")
    assert "[" + "#" * 30 + "] 6/6" in out.getvalue()
    assert "Indexed 6 explainers." in out.getvalue()


# The admin ----------------------------------------------------------------------------------


def test_admin_search_uses_the_index_over_every_status(admin_client):
    draft = ExplainerFactory(title="AI draft")
    archived = ExplainerFactory(title="Old AI piece", status=Explainer.Status.ARCHIVED)
    ExplainerFactory(title="Paid leave")
    response = admin_client.get(reverse("admin:explainers_explainer_changelist"), {"q": "AI"})
    assert response.status_code == 200
    assert set(response.context["cl"].result_list) == {draft, archived}


def test_admin_search_finds_a_slug_and_survives_operators(admin_client):
    explainer = ExplainerFactory(title="Budget", slug="budget-2026")
    url = reverse("admin:explainers_explainer_changelist")
    assert list(admin_client.get(url, {"q": "budget-2026"}).context["cl"].result_list) == [
        explainer
    ]
    assert admin_client.get(url, {"q": '"(*'}).status_code == 200
