import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from explainers.models import Explainer
from pages import views
from tests.factories import ExplainerFactory

pytestmark = pytest.mark.django_db

HOUR = datetime.timedelta(hours=1)


def published(**kwargs):
    return ExplainerFactory(published=True, **kwargs)


def search(client, query, **params):
    return client.get(reverse("explainers:search"), {"q": query, **params})


def found(response):
    assert response.status_code == 200
    return list(response.context["explainers"])


def test_japanese_word_is_found_inside_an_unspaced_sentence(client):
    explainer = published(
        language="ja",
        title="電力料金の見通し",
        introduction="来年の冬に向けて液化天然ガスの調達費用が上がると見込まれています。",
    )
    published(language="ja", title="選挙制度の解説", introduction="投票率が下がっています。")
    assert found(search(client, "天然ガス")) == [explainer]


def test_half_width_katakana_query_finds_full_width_text(client):
    explainer = published(language="ja", title="エネルギー政策の転換")
    assert found(search(client, "ｴﾈﾙｷﾞｰ")) == [explainer]


def test_full_width_katakana_query_finds_half_width_text(client):
    explainer = published(language="ja", title="新しいｴﾈﾙｷﾞｰ計画")
    assert found(search(client, "エネルギー")) == [explainer]


def test_full_width_latin_query_finds_ascii_text_and_back(client):
    ascii_text = published(title="What the ABC ruling means")
    full_width_text = published(title="ＸＹＺ社の決算")
    assert found(search(client, "ＡＢＣ")) == [ascii_text]
    assert found(search(client, "xyz")) == [full_width_text]


def test_english_search_ignores_case(client):
    explainer = published(title="Inflation in the Eurozone")
    assert found(search(client, "EUROZONE")) == [explainer]
    assert found(search(client, "eurozone")) == [explainer]


def test_title_hits_come_before_hits_elsewhere(client):
    in_text = published(
        title="Harbour works delayed",
        introduction="Tariffs on steel raised costs.",
        publish_at=timezone.now() - HOUR,  # newer, so only the title rank can put it second
    )
    in_title = published(title="Steel tariffs explained", publish_at=timezone.now() - 5 * HOUR)
    assert found(search(client, "tariffs")) == [in_title, in_text]


def test_drafts_and_scheduled_explainers_are_never_found(client):
    ExplainerFactory(title="Secret draft about tariffs")
    ExplainerFactory(
        title="Scheduled piece about tariffs",
        status=Explainer.Status.PUBLISHED,
        publish_at=timezone.now() + HOUR,
    )
    visible = published(title="Public piece about tariffs")
    response = search(client, "tariffs")
    assert found(response) == [visible]
    assert "Secret draft" not in response.content.decode()


def test_empty_query_shows_a_friendly_prompt(client):
    published(title="Anything")
    response = client.get(reverse("explainers:search"))
    assert found(response) == []
    assert "Type a word or phrase" in response.content.decode()


def test_blank_query_is_treated_as_empty(client):
    published(title="Anything")
    response = search(client, " \u3000 ")
    assert found(response) == []
    assert "Type a word or phrase" in response.content.decode()


def test_overlong_query_gets_400_with_a_clear_message(client):
    response = search(client, "x" * (views.SEARCH_MAX_LENGTH + 1))
    assert response.status_code == 400
    assert "too long" in response.content.decode()
    assert f"at most {views.SEARCH_MAX_LENGTH} characters" in response.content.decode()


def test_query_of_the_maximum_length_is_searched(client):
    explainer = published(title="y" * views.SEARCH_MAX_LENGTH)
    assert found(search(client, "y" * views.SEARCH_MAX_LENGTH)) == [explainer]


def test_every_term_must_match(client):
    both = published(title="Coal and wind in the north")
    published(title="Coal mines close")
    published(title="Wind farms open")
    assert found(search(client, "coal wind")) == [both]


def test_result_count_is_shown(client):
    for n in range(3):
        published(title=f"Budget story {n}")
    html = search(client, "budget").content.decode()
    assert "3 results for “budget”" in html


def test_results_are_paginated_and_links_keep_the_query(client):
    for n in range(views.PAGE_SIZE + 2):
        published(title=f"Budget story {n}")
    first = search(client, "budget")
    second = search(client, "budget", page=2)
    assert len(found(first)) == views.PAGE_SIZE
    assert len(found(second)) == 2
    assert 'href="?q=budget&amp;page=2"' in first.content.decode()
    assert 'href="?q=budget&amp;page=1"' in second.content.decode()


def test_japanese_query_is_kept_in_pagination_links(client):
    for n in range(views.PAGE_SIZE + 1):
        published(language="ja", title=f"予算案の解説その{n}")
    html = search(client, "予算").content.decode()
    assert 'href="?q=%E4%BA%88%E7%AE%97&amp;page=2"' in html


def test_query_is_escaped_on_the_page(client):
    html = search(client, "<script>alert(1)</script>").content.decode()
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_control_characters_in_a_query_are_ignored_not_an_error(client):
    # PostgreSQL refuses NUL in any text value; a crafted query must still be a search.
    explainer = published(title="Harbour expansion")
    assert found(search(client, "harb\x00our\x1b")) == [explainer]


@pytest.mark.parametrize("query", ["\x00", "\x01\x02\x7f", "\x00 \x1b"])
def test_query_of_only_control_characters_is_treated_as_empty(client, query):
    published(title="Anything")
    response = search(client, query)
    assert found(response) == []
    assert "Type a word or phrase" in response.content.decode()


def test_search_of_nothing_searchable_finds_nothing():
    published(title="Anything")
    assert list(Explainer.objects.published().search("\x00\x01")) == []


def test_search_boxes_allow_exactly_what_the_search_accepts(client):
    page = client.get(reverse("explainers:home")).content.decode()
    assert f'maxlength="{views.SEARCH_MAX_LENGTH}"' in page
