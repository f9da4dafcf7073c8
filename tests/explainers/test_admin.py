"""The editors' admin: pages, actions, ordering, slugs, byline, preview and corrections."""

import datetime

import lxml.html
import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from explainers.models import Correction, Explainer, Topic
from explainers.services import explainer_history_message
from tests.factories import (
    CorrectionFactory,
    DetailSectionFactory,
    ExplainerFactory,
    ExplainerSourceFactory,
    KeyPointFactory,
    SourceArticleFactory,
    TopicFactory,
)

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:explainers_explainer_changelist")
ADD = reverse("admin:explainers_explainer_add")


def change_url(explainer):
    return reverse("admin:explainers_explainer_change", args=[explainer.pk])


def form_data(response, form_id="explainer_form"):
    """What the browser would submit from the rendered admin form, as a dict for client.post.

    Round-tripping the real form keeps the tests honest about field names, management forms
    and inline prefixes; the empty "__prefix__" template rows are not submitted by a browser.
    """
    assert response.status_code == 200
    # Decoded with the response's charset: the admin's pages declare it only in their header,
    # and lxml would read the bytes as Latin-1 (a Japanese round trip came back garbled).
    page = response.content.decode(response.charset)
    form = lxml.html.fromstring(page).get_element_by_id(form_id)
    data = {}
    for name, value in form.form_values():
        if "__prefix__" in name:
            continue
        data.setdefault(name, []).append(value)
    return {name: values if len(values) > 1 else values[0] for name, values in data.items()}


def messages_of(response):
    return [(message.level_tag, str(message)) for message in get_messages(response.wsgi_request)]


def history_of(explainer) -> list[str]:
    """The explainer's history entries as the History page words them, oldest first."""
    entries = LogEntry.objects.filter(object_id=str(explainer.pk)).order_by("pk")
    return [explainer_history_message(entry) for entry in entries]


def run_action(client, action, *explainers):
    return client.post(
        CHANGELIST,
        {"action": action, "_selected_action": [e.pk for e in explainers], "index": 0},
        follow=True,
    )


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def contributor_client(client, contributor):
    client.force_login(contributor)
    return client


# Every page loads ------------------------------------------------------------------------------


def _full_explainer():
    explainer = ExplainerFactory(key_points=4, sections=2, sources=2)
    explainer.topics.add(TopicFactory(), TopicFactory())
    CorrectionFactory(explainer=explainer)
    return explainer


# page: (its address, made when the test runs; most queries it may take). The bounds are the
# measured counts plus a little headroom: a query per row or per inline row would exceed them.
ADMIN_PAGES = {
    "explainer changelist": (lambda: CHANGELIST, 10),
    "explainer add": (lambda: ADD, 7),
    "explainer change": (lambda: change_url(_full_explainer()), 16),
    "explainer history": (
        lambda: reverse("admin:explainers_explainer_history", args=[_full_explainer().pk]),
        8,
    ),
    "topic changelist": (lambda: reverse("admin:explainers_topic_changelist"), 9),
    "topic add": (lambda: reverse("admin:explainers_topic_add"), 7),
    "topic change": (
        lambda: reverse("admin:explainers_topic_change", args=[TopicFactory().pk]),
        7,
    ),
    "source changelist": (lambda: reverse("admin:explainers_sourcearticle_changelist"), 11),
    "source add": (lambda: reverse("admin:explainers_sourcearticle_add"), 7),
    "source change": (
        lambda: reverse(
            "admin:explainers_sourcearticle_change",
            args=[ExplainerSourceFactory(explainer=_full_explainer(), position=9).source.pk],
        ),
        8,
    ),
    "correction changelist": (lambda: reverse("admin:explainers_correction_changelist"), 11),
    "correction add": (lambda: reverse("admin:explainers_correction_add"), 6),
    "correction change": (
        lambda: reverse("admin:explainers_correction_change", args=[CorrectionFactory().pk]),
        9,
    ),
}


@pytest.mark.parametrize("page_name", ADMIN_PAGES)
def test_every_admin_page_loads_for_an_editor_in_bounded_queries(
    editor_client, django_assert_max_num_queries, page_name
):
    ExplainerFactory.create_batch(3, key_points=3, sources=1)
    make_url, max_queries = ADMIN_PAGES[page_name]
    url = make_url()
    with django_assert_max_num_queries(max_queries):
        response = editor_client.get(url)
    assert response.status_code == 200


def test_explainer_changelist_queries_do_not_grow_with_explainers(editor_client, count_queries):
    ExplainerFactory.create_batch(5, key_points=3, sources=1)
    small = count_queries(editor_client, CHANGELIST)
    ExplainerFactory.create_batch(25, key_points=3, sources=1)
    large = count_queries(editor_client, CHANGELIST)
    assert count_queries.response.context["cl"].result_count == 30
    assert large == small


def _explainer_with_parts(parts):
    explainer = ExplainerFactory(key_points=parts, sections=parts, sources=parts)
    explainer.topics.add(*TopicFactory.create_batch(parts))
    CorrectionFactory.create_batch(parts, explainer=explainer)
    return explainer


def test_explainer_change_page_queries_do_not_grow_with_its_parts(editor_client, count_queries):
    small, large = _explainer_with_parts(1), _explainer_with_parts(6)
    editor_client.get(change_url(ExplainerFactory()))  # warm per-process caches (content types)
    assert count_queries(editor_client, change_url(large)) == count_queries(
        editor_client, change_url(small)
    )


def test_change_page_shows_each_cited_source_in_its_autocomplete(editor_client):
    explainer = _explainer_with_parts(3)
    response = editor_client.get(change_url(explainer))
    assert response.status_code == 200
    doc = lxml.html.fromstring(response.content)
    for i, link in enumerate(explainer.source_links.select_related("source")):
        (option,) = doc.xpath(f'//select[@name="source_links-{i}-source"]/option[@selected]')
        assert (option.get("value"), option.text) == (str(link.source_id), str(link.source))


def test_explainer_changelist_shows_key_point_count(editor_client):
    ExplainerFactory(title="Counted", key_points=4)
    response = editor_client.get(CHANGELIST)
    (row,) = response.context["cl"].result_list
    assert row.key_point_count == 4
    assert '<td class="field-key_point_count">4</td>' in response.content.decode()


def test_explainer_changelist_filters_by_topic_without_multiplying_counts(editor_client):
    topic, other = TopicFactory(), TopicFactory()
    explainer = ExplainerFactory(key_points=3)
    explainer.topics.add(topic, other)
    ExplainerFactory(key_points=2)
    response = editor_client.get(CHANGELIST, {"topics__id__exact": topic.pk})
    assert [(e.pk, e.key_point_count) for e in response.context["cl"].result_list] == [
        (explainer.pk, 3)
    ]


def test_explainer_changelist_search_finds_japanese_title(editor_client):
    wanted = ExplainerFactory(title="半導体の輸出規制を読み解く")
    ExplainerFactory(title="Unrelated budget story")
    response = editor_client.get(CHANGELIST, {"q": "輸出規制"})
    assert list(response.context["cl"].result_list) == [wanted]


# Actions -------------------------------------------------------------------------------------


def test_publish_action_publishes_explainer_with_source_and_key_points(editor_client):
    explainer = ExplainerFactory(key_points=3, sources=1)
    response = run_action(editor_client, "publish", explainer)
    explainer.refresh_from_db()
    assert explainer.status == Explainer.Status.PUBLISHED
    assert explainer.is_published
    assert ("success", "1 explainer published.") in messages_of(response)


def test_publish_action_refuses_explainer_without_sources_or_key_points(editor_client):
    explainer = ExplainerFactory(title="Bare draft")
    response = run_action(editor_client, "publish", explainer)
    explainer.refresh_from_db()
    assert response.status_code == 200
    assert explainer.status == Explainer.Status.DRAFT
    errors = [text for level, text in messages_of(response) if level == "error"]
    assert errors == [
        "“Bare draft”: Cite at least one source article before publishing. "
        "Add at least one key point before publishing."
    ]


@pytest.mark.parametrize("key_points", [1, 8])
def test_publish_action_warns_outside_three_to_seven_key_points(editor_client, key_points):
    explainer = ExplainerFactory(title="Odd", key_points=key_points, sources=1)
    response = run_action(editor_client, "publish", explainer)
    explainer.refresh_from_db()
    assert explainer.status == Explainer.Status.PUBLISHED
    warnings = [text for level, text in messages_of(response) if level == "warning"]
    assert warnings == [
        f"“Odd”: This explainer has {key_points} key points; house style is 3 to 7."
    ]


def test_publish_action_does_not_warn_within_house_style(editor_client):
    explainer = ExplainerFactory(key_points=7, sources=1)
    response = run_action(editor_client, "publish", explainer)
    assert [level for level, _ in messages_of(response)] == ["success"]


def test_publish_action_schedules_at_a_future_publish_time(editor_client):
    later = timezone.now() + datetime.timedelta(days=2)
    explainer = ExplainerFactory(key_points=3, sources=1, publish_at=later)
    response = run_action(editor_client, "publish", explainer)
    explainer.refresh_from_db()
    assert explainer.status == Explainer.Status.PUBLISHED
    assert explainer.publish_at == later
    assert not Explainer.objects.published().filter(pk=explainer.pk).exists()
    assert any("is scheduled to appear at" in text for _, text in messages_of(response))


def test_publish_action_leaves_already_published_explainer_alone(editor_client):
    explainer = ExplainerFactory(published=True, key_points=3, sources=1)
    published_at = explainer.publish_at
    response = run_action(editor_client, "publish", explainer)
    explainer.refresh_from_db()
    assert explainer.publish_at == published_at
    assert ("info", f"“{explainer.title}” is already published.") in messages_of(response)


def test_contributor_is_not_offered_publish_or_unpublish(contributor_client):
    ExplainerFactory()
    response = contributor_client.get(CHANGELIST)
    actions = {name for name, _ in response.context["action_form"].fields["action"].choices}
    assert "submit_for_review" in actions
    assert not actions & {"publish", "unpublish"}


def test_editor_is_offered_publish_and_unpublish(editor_client):
    ExplainerFactory()
    response = editor_client.get(CHANGELIST)
    actions = {name for name, _ in response.context["action_form"].fields["action"].choices}
    assert {"submit_for_review", "publish", "unpublish"} <= actions


def test_contributor_cannot_publish_by_posting_the_action(contributor_client):
    explainer = ExplainerFactory(key_points=3, sources=1)
    run_action(contributor_client, "publish", explainer)
    explainer.refresh_from_db()
    assert explainer.status == Explainer.Status.DRAFT


def test_contributor_can_submit_for_review(contributor_client):
    explainer = ExplainerFactory()
    response = run_action(contributor_client, "submit_for_review", explainer)
    explainer.refresh_from_db()
    assert explainer.status == Explainer.Status.REVIEW
    assert ("success", "1 explainer submitted for review.") in messages_of(response)


def test_submit_for_review_refuses_published_explainer_with_message(editor_client):
    explainer = ExplainerFactory(published=True, title="Live")
    response = run_action(editor_client, "submit_for_review", explainer)
    explainer.refresh_from_db()
    assert explainer.status == Explainer.Status.PUBLISHED
    assert (
        "error",
        "“Live”: Only a draft can be submitted for review (this one is Published).",
    ) in messages_of(response)


def test_unpublish_action_takes_explainer_off_the_site(editor_client):
    explainer = ExplainerFactory(published=True, key_points=3, sources=1)
    response = run_action(editor_client, "unpublish", explainer)
    explainer.refresh_from_db()
    assert explainer.status == Explainer.Status.DRAFT
    assert not Explainer.objects.published().filter(pk=explainer.pk).exists()
    assert ("success", "1 explainer unpublished.") in messages_of(response)


def test_publish_action_shows_in_explainer_history(editor_client):
    explainer = ExplainerFactory(key_points=3, sources=1)
    run_action(editor_client, "publish", explainer)
    response = editor_client.get(reverse("admin:explainers_explainer_history", args=[explainer.pk]))
    assert response.status_code == 200
    assert "Published now." in response.content.decode()


# The change form -----------------------------------------------------------------------------


def test_swapping_key_points_in_change_form_stores_new_order(editor_client):
    """In Japanese: the round trip through the rendered form keeps every character."""
    explainer = ExplainerFactory(key_points=0, language="ja", title="日銀の利上げ、家計への影響")
    first = KeyPointFactory(explainer=explainer, position=1, text="政策金利は0.5%に")
    second = KeyPointFactory(explainer=explainer, position=2, text="住宅ローンの変動金利が上がる")
    data = form_data(editor_client.get(change_url(explainer)))
    rows = {data[f"key_points-{i}-id"]: i for i in range(2)}
    data[f"key_points-{rows[str(first.pk)]}-position"] = "2"
    data[f"key_points-{rows[str(second.pk)]}-position"] = "1"
    response = editor_client.post(change_url(explainer), data)
    assert response.status_code == 302, response.context["errors"]
    assert list(explainer.key_points.order_by("position").values_list("text", flat=True)) == [
        "住宅ローンの変動金利が上がる",
        "政策金利は0.5%に",
    ]
    explainer.refresh_from_db()
    assert explainer.title == "日銀の利上げ、家計への影響"


def test_swapping_sections_and_sources_in_change_form_stores_new_order(editor_client):
    explainer = ExplainerFactory(sections=2, sources=2)
    sections = list(explainer.sections.order_by("position"))
    links = list(explainer.source_links.order_by("position"))
    data = form_data(editor_client.get(change_url(explainer)))
    data["sections-0-position"], data["sections-1-position"] = "2", "1"
    data["source_links-0-position"], data["source_links-1-position"] = "2", "1"
    response = editor_client.post(change_url(explainer), data)
    assert response.status_code == 302, response.context["errors"]
    assert list(explainer.sections.order_by("position")) == sections[::-1]
    assert list(explainer.source_links.order_by("position")) == links[::-1]


def test_reordering_while_deleting_and_adding_key_points(editor_client):
    explainer = ExplainerFactory(key_points=0)
    for position, words in enumerate(["One", "Two", "Three"], start=1):
        KeyPointFactory(explainer=explainer, position=position, text=words)
    data = form_data(editor_client.get(change_url(explainer)))
    # Move "One" to where "Three" is, delete "Three", move "Two" up, and add a new point.
    data["key_points-0-position"], data["key_points-1-position"] = "3", "1"
    data["key_points-2-DELETE"] = "on"
    data.update({"key_points-TOTAL_FORMS": "4", "key_points-3-text": "Four"})
    data["key_points-3-explainer"] = str(explainer.pk)
    response = editor_client.post(change_url(explainer), data)
    assert response.status_code == 302, response.context["errors"]
    assert list(explainer.key_points.order_by("position").values_list("text", flat=True)) == [
        "Two",
        "One",
        "Four",
    ]


def test_two_key_points_submitted_at_one_position_are_refused(editor_client):
    explainer = ExplainerFactory(key_points=2)
    data = form_data(editor_client.get(change_url(explainer)))
    data["key_points-0-position"] = data["key_points-1-position"] = "1"
    response = editor_client.post(change_url(explainer), data)
    assert response.status_code == 200
    assert "Please correct the duplicate data for position" in response.content.decode()
    assert sorted(explainer.key_points.values_list("position", flat=True)) == [1, 2]


def test_status_cannot_be_set_through_the_form(editor_client):
    explainer = ExplainerFactory(key_points=0)
    data = form_data(editor_client.get(change_url(explainer)))
    data["status"] = Explainer.Status.PUBLISHED
    response = editor_client.post(change_url(explainer), data)
    assert response.status_code == 302
    explainer.refresh_from_db()
    assert explainer.status == Explainer.Status.DRAFT


def test_contributor_cannot_move_publish_time(contributor_client):
    explainer = ExplainerFactory(published=True, key_points=3, sources=1)
    published_at = explainer.publish_at
    data = form_data(contributor_client.get(change_url(explainer)))
    assert "publish_at_0" not in data
    data.update({"publish_at_0": "2099-01-01", "publish_at_1": "09:00:00"})
    contributor_client.post(change_url(explainer), data)
    explainer.refresh_from_db()
    assert explainer.publish_at == published_at


def test_save_and_publish_button_publishes_through_the_service(editor_client):
    explainer = ExplainerFactory(key_points=3, sources=1)
    data = form_data(editor_client.get(change_url(explainer)))
    response = editor_client.post(change_url(explainer), {**data, "_publish": "Save and publish"})
    assert response.status_code == 302
    assert response.url == change_url(explainer)
    explainer.refresh_from_db()
    assert explainer.is_published
    assert history_of(explainer)[-1] == "Published now."


def test_save_and_publish_button_without_key_points_saves_but_explains(editor_client):
    explainer = ExplainerFactory(sources=1, title="Half done")
    data = form_data(editor_client.get(change_url(explainer)))
    data["summary"] = "A better summary."
    response = editor_client.post(
        change_url(explainer), {**data, "_publish": "Save and publish"}, follow=True
    )
    explainer.refresh_from_db()
    assert explainer.summary == "A better summary."
    assert explainer.status == Explainer.Status.DRAFT
    assert (
        "error",
        "“Half done”: Add at least one key point before publishing.",
    ) in messages_of(response)


def test_contributor_is_offered_submit_but_not_publish_button(contributor_client):
    explainer = ExplainerFactory()
    page = contributor_client.get(change_url(explainer)).content.decode()
    assert 'name="_submit_for_review"' in page
    assert 'name="_publish"' not in page


def test_contributor_posting_publish_button_is_refused_with_message(contributor_client):
    explainer = ExplainerFactory(key_points=3, sources=1, title="Eager")
    data = form_data(contributor_client.get(change_url(explainer)))
    response = contributor_client.post(
        change_url(explainer), {**data, "_publish": "Save and publish"}, follow=True
    )
    explainer.refresh_from_db()
    assert explainer.status == Explainer.Status.DRAFT
    assert (
        "error",
        "“Eager”: You may submit explainers for review but not publish them.",
    ) in messages_of(response)


def test_save_and_submit_button_moves_draft_to_review(contributor_client):
    explainer = ExplainerFactory()
    data = form_data(contributor_client.get(change_url(explainer)))
    contributor_client.post(change_url(explainer), {**data, "_submit_for_review": "Submit"})
    explainer.refresh_from_db()
    assert explainer.status == Explainer.Status.REVIEW


# Adding --------------------------------------------------------------------------------------


def _add_data(client, **fields):
    data = form_data(client.get(ADD))
    data.update(
        {
            "title": "An explainer",
            "slug": "",
            "language": "en",
            "introduction": "Why it matters.",
            "summary": "What to remember.",
            **fields,
        }
    )
    return data


def test_japanese_title_gets_a_unique_ascii_slug(editor_client):
    title = "日銀が利上げを決めた理由"
    for _ in range(2):
        response = editor_client.post(ADD, _add_data(editor_client, title=title, language="ja"))
        assert response.status_code == 302
    slugs = list(Explainer.objects.filter(title=title).values_list("slug", flat=True))
    assert len(set(slugs)) == 2
    for slug in slugs:
        assert slug.isascii()
        assert slug.startswith("ni")  # 日銀 → "nichigin", romanised
        assert Explainer._meta.get_field("slug").run_validators(slug) is None


@pytest.mark.parametrize(
    ("title", "prefilled", "romanised"),
    [("2026年の予算案", "2026", "2026-nen"), ("AI規制の行方", "ai", "ai-kisei")],
)
def test_japanese_title_replaces_the_prefill_leftover_with_a_romanised_slug(
    editor_client, title, prefilled, romanised
):
    # The admin's pre-fill script drops Japanese characters: "2026" is all it keeps.
    response = editor_client.post(ADD, _add_data(editor_client, title=title, slug=prefilled))
    assert response.status_code == 302
    assert Explainer.objects.get(title=title).slug.startswith(romanised)


def test_a_slug_the_editor_typed_for_a_japanese_title_is_kept(editor_client):
    title = "2026年の予算案"
    response = editor_client.post(ADD, _add_data(editor_client, title=title, slug="budget-2026"))
    assert response.status_code == 302
    assert Explainer.objects.get(title=title).slug == "budget-2026"


def test_topic_with_mixed_japanese_name_replaces_the_prefill_leftover(editor_client):
    response = editor_client.post(
        reverse("admin:explainers_topic_add"), {"name": "AI倫理", "slug": "ai", "description": ""}
    )
    assert response.status_code == 302
    assert Topic.objects.get(name="AI倫理").slug == "ai-rinri"


def test_byline_is_the_editor_who_added_it(editor_client, editor):
    editor_client.post(ADD, _add_data(editor_client, title="Mine"))
    assert Explainer.objects.get(title="Mine").byline == editor


def test_adding_with_key_points_stores_them_in_order_and_refreshes_search(editor_client):
    data = _add_data(editor_client, title="Ordered")
    data.update({"key_points-0-text": "Alpha", "key_points-1-text": "Bravo"})
    data.update({"key_points-2-text": "Charlie"})
    response = editor_client.post(ADD, data)
    assert response.status_code == 302
    explainer = Explainer.objects.get(title="Ordered")
    assert list(explainer.key_points.values_list("text", "position")) == [
        ("Alpha", 1),
        ("Bravo", 2),
        ("Charlie", 3),
    ]
    assert explainer in Explainer.objects.search("charlie")


def test_save_and_publish_on_add_publishes_with_the_new_parts(editor_client):
    source = SourceArticleFactory()
    data = _add_data(editor_client, title="Straight out")
    data.update({f"key_points-{i}-text": f"Point {i}" for i in range(3)})
    data["source_links-0-source"] = str(source.pk)
    response = editor_client.post(ADD, {**data, "_publish": "Save and publish"}, follow=True)
    explainer = Explainer.objects.get(title="Straight out")
    assert explainer.is_published
    assert [level for level, _ in messages_of(response)] == ["success"]


def test_source_autocomplete_finds_source_articles(editor_client):
    SourceArticleFactory(title="Central bank raises rates")
    SourceArticleFactory(title="Football results")
    response = editor_client.get(
        reverse("admin:autocomplete"),
        {
            "term": "central",
            "app_label": "explainers",
            "model_name": "explainersource",
            "field_name": "source",
        },
    )
    assert response.status_code == 200
    assert [r["text"] for r in response.json()["results"]] == [
        "Central bank raises rates (Example News)"
    ]


def test_topic_with_japanese_name_gets_a_slug(editor_client):
    response = editor_client.post(
        reverse("admin:explainers_topic_add"), {"name": "経済", "slug": "", "description": ""}
    )
    assert response.status_code == 302
    assert Topic.objects.get(name="経済").slug == "keizai"


def test_source_article_page_lists_explainers_citing_it(editor_client):
    link = ExplainerSourceFactory(explainer=ExplainerFactory(title="Citing one"))
    response = editor_client.get(
        reverse("admin:explainers_sourcearticle_change", args=[link.source.pk])
    )
    assert f'href="{change_url(link.explainer)}">Citing one</a>' in response.content.decode()


# View on site / preview ------------------------------------------------------------------------


def test_change_form_links_to_the_reader_page_for_a_draft(editor_client):
    explainer = ExplainerFactory()
    response = editor_client.get(change_url(explainer))
    assert f'href="{explainer.get_absolute_url()}"' in response.content.decode()


def test_staff_preview_of_draft_is_never_cached(editor_client):
    explainer = ExplainerFactory(key_points=3, sections=1, sources=1)
    response = editor_client.get(explainer.get_absolute_url())
    assert response.status_code == 200
    cache_control = response["Cache-Control"]
    for directive in ("no-cache", "no-store", "private"):
        assert directive in cache_control


def test_anonymous_reader_gets_404_for_a_draft(client):
    explainer = ExplainerFactory(key_points=3, sources=1)
    assert client.get(explainer.get_absolute_url()).status_code == 404


# Corrections -----------------------------------------------------------------------------------


def _post_correction(client, explainer, *, significant):
    data = form_data(client.get(change_url(explainer)))
    data.update(
        {
            "corrections-TOTAL_FORMS": "1",
            "corrections-0-kind": Correction.Kind.CORRECTION,
            "corrections-0-note": "The date was wrong.",
            "corrections-0-explainer": str(explainer.pk),
        }
    )
    if significant:
        data["corrections-0-significant"] = "on"
    else:
        data.pop("corrections-0-significant", None)
    response = client.post(change_url(explainer), data)
    assert response.status_code == 302, response.context["errors"]
    explainer.refresh_from_db()
    return explainer


def test_significant_correction_added_in_admin_moves_updated_time(editor_client):
    explainer = ExplainerFactory(published=True, key_points=3, sources=1)
    explainer = _post_correction(editor_client, explainer, significant=True)
    correction = explainer.corrections.get()
    assert correction.significant
    assert explainer.significant_update_at == correction.created_at
    assert "Added significant correction." in history_of(explainer)


def test_silent_correction_added_in_admin_leaves_updated_time(editor_client):
    explainer = ExplainerFactory(published=True, key_points=3, sources=1)
    explainer = _post_correction(editor_client, explainer, significant=False)
    assert not explainer.corrections.get().significant
    assert explainer.significant_update_at is None


def test_significant_correction_added_on_its_own_page_moves_updated_time(editor_client):
    explainer = ExplainerFactory(published=True)
    data = form_data(
        editor_client.get(reverse("admin:explainers_correction_add")), "correction_form"
    )
    data.update(
        {
            "explainer": str(explainer.pk),
            "kind": Correction.Kind.UPDATE,
            "note": "New figures were released.",
            "significant": "on",
        }
    )
    response = editor_client.post(reverse("admin:explainers_correction_add"), data)
    assert response.status_code == 302
    explainer.refresh_from_db()
    assert explainer.significant_update_at == explainer.corrections.get().created_at


def test_section_markdown_help_is_shown(editor_client):
    DetailSectionFactory()
    page = editor_client.get(ADD).content.decode()
    assert "Write each body in Markdown" in page


# A live explainer is read-only to contributors ----------------------------------------------


def test_contributor_sees_a_published_explainer_read_only(contributor_client):
    explainer = ExplainerFactory(published=True, key_points=3, sources=1)
    response = contributor_client.get(change_url(explainer))
    assert response.status_code == 200
    page = lxml.html.fromstring(response.content)
    assert not page.xpath("//input[@name='_save']")
    assert not page.xpath("//input[contains(@name, 'key_points-0-text')]")


def test_contributor_cannot_change_a_published_explainer_by_posting(editor, contributor):
    explainer = ExplainerFactory(published=True, title="Live title", key_points=3, sources=1)
    as_editor, as_contributor = Client(), Client()
    as_editor.force_login(editor)
    as_contributor.force_login(contributor)
    data = form_data(as_editor.get(change_url(explainer)))
    data["title"] = "Changed without review"
    assert as_contributor.post(change_url(explainer), data).status_code == 403
    explainer.refresh_from_db()
    assert explainer.title == "Live title"


def test_contributor_can_still_edit_a_draft(contributor_client):
    explainer = ExplainerFactory(title="Draft title", key_points=3, sources=1)
    data = form_data(contributor_client.get(change_url(explainer)))
    data["title"] = "Better draft title"
    response = contributor_client.post(change_url(explainer), data)
    assert response.status_code == 302
    explainer.refresh_from_db()
    assert explainer.title == "Better draft title"


def test_saving_a_published_explainers_form_never_changes_its_text(editor_client):
    # Its text changes in a working draft (tests/explainers/test_working_drafts.py).
    explainer = ExplainerFactory(published=True, title="Live title", key_points=3, sources=1)
    response = editor_client.get(change_url(explainer))
    assert not lxml.html.fromstring(response.content).xpath("//input[@name='title']")
    data = form_data(response)
    data.update({"title": "Live title, clearer", "key_points-0-text": "Changed at once"})
    assert editor_client.post(change_url(explainer), data).status_code == 302
    explainer.refresh_from_db()
    assert explainer.title == "Live title"
    assert "Changed at once" not in explainer.key_points.values_list("text", flat=True)


def test_contributor_cannot_add_a_correction_to_a_live_explainer(contributor_client):
    explainer = ExplainerFactory(published=True, key_points=3, sources=1)
    response = contributor_client.post(
        reverse("admin:explainers_correction_add"),
        {
            "explainer": explainer.pk,
            "kind": "correction",
            "note": "Changed without review.",
            "significant": "on",
            "created_at_0": "2026-11-28",
            "created_at_1": "10:00:00",
        },
    )
    assert response.status_code == 200
    assert "is published" in response.content.decode()
    assert not Correction.objects.filter(explainer=explainer).exists()


def test_contributor_can_add_a_correction_to_a_draft(contributor_client):
    explainer = ExplainerFactory(key_points=3, sources=1)
    response = contributor_client.post(
        reverse("admin:explainers_correction_add"),
        {
            "explainer": explainer.pk,
            "kind": "clarification",
            "note": "Clearer wording.",
            "created_at_0": "2026-11-28",
            "created_at_1": "10:00:00",
        },
    )
    assert response.status_code == 302
    assert Correction.objects.filter(explainer=explainer, kind="clarification").exists()


def test_contributor_sees_a_live_explainers_correction_read_only(contributor_client):
    correction = CorrectionFactory(explainer=ExplainerFactory(published=True))
    url = reverse("admin:explainers_correction_change", args=[correction.pk])
    page = lxml.html.fromstring(contributor_client.get(url).content)
    assert not page.xpath("//input[@name='_save']")


# Comment settings: the service's permission decides, in every door -------------------------


@pytest.fixture
def moderator_client(client, moderator):
    client.force_login(moderator)
    return client


def offered_actions(client) -> set[str]:
    response = client.get(CHANGELIST)
    return {name for name, _ in response.context["action_form"].fields["action"].choices}


def test_contributor_is_not_offered_closing_or_opening_comments(contributor_client):
    ExplainerFactory()
    assert not offered_actions(contributor_client) & {"close_comments", "open_comments"}


@pytest.mark.parametrize(
    ("action", "was_open"), [("close_comments", True), ("open_comments", False)]
)
def test_contributor_cannot_change_comments_on_a_live_explainer_by_posting_the_action(
    contributor_client, action, was_open
):
    explainer = ExplainerFactory(published=True, comment_mode="open" if was_open else "closed")
    response = run_action(contributor_client, action, explainer)
    explainer.refresh_from_db()
    assert explainer.comments_open is was_open
    assert not LogEntry.objects.filter(object_id=str(explainer.pk)).exists()
    assert [level for level, _ in messages_of(response)] == ["warning"]  # "No action selected."


def test_moderator_may_close_comments_from_the_changelist(moderator_client):
    explainer = ExplainerFactory(published=True)
    response = run_action(moderator_client, "close_comments", explainer)
    explainer.refresh_from_db()
    assert explainer.comments_open is False
    assert ("success", "Comments closed on 1 explainer.") in messages_of(response)


def test_contributor_cannot_change_comment_settings_through_the_form(contributor_client):
    explainer = ExplainerFactory(title="Draft", comment_mode="open")
    data = form_data(contributor_client.get(change_url(explainer)))
    # Read-only, so not in the form: posted without it, as an unticked box would be.
    assert "comment_mode" not in data
    response = contributor_client.post(change_url(explainer), data)
    assert response.status_code == 302
    explainer.refresh_from_db()
    assert explainer.comments_open is True


def test_editor_closes_comments_through_the_form(editor_client):
    explainer = ExplainerFactory(comment_mode="open")
    data = form_data(editor_client.get(change_url(explainer)))
    assert data["comment_mode"] == "open"
    data["comment_mode"] = "closed"
    assert editor_client.post(change_url(explainer), data).status_code == 302
    explainer.refresh_from_db()
    assert explainer.comments_open is False


# Archive, not delete ----------------------------------------------------------------------------


def delete_url(explainer):
    return reverse("admin:explainers_explainer_delete", args=[explainer.pk])


def test_archive_action_takes_a_published_explainer_off_the_site_and_keeps_it(editor_client):
    explainer = ExplainerFactory(published=True, key_points=3, sources=1)
    response = run_action(editor_client, "archive", explainer)
    explainer.refresh_from_db()
    assert explainer.status == Explainer.Status.ARCHIVED
    assert not Explainer.objects.published().filter(pk=explainer.pk).exists()
    assert ("success", "1 explainer archived.") in messages_of(response)
    assert history_of(explainer) == ["Archived."]


def test_archive_action_leaves_an_archived_explainer_alone(editor_client):
    explainer = ExplainerFactory(status=Explainer.Status.ARCHIVED, title="Old")
    response = run_action(editor_client, "archive", explainer)
    assert messages_of(response) == [("info", "“Old” is already archived.")]


def test_contributor_is_not_offered_archive(contributor_client):
    ExplainerFactory()
    assert "archive" not in offered_actions(contributor_client)


def test_save_and_archive_button_archives_through_the_service(editor_client):
    explainer = ExplainerFactory(published=True, key_points=3, sources=1)
    data = form_data(editor_client.get(change_url(explainer)))
    response = editor_client.post(change_url(explainer), {**data, "_archive": "Save and archive"})
    assert response.status_code == 302
    explainer.refresh_from_db()
    assert explainer.status == Explainer.Status.ARCHIVED


def test_contributor_posting_archive_button_is_refused_with_message(contributor_client):
    explainer = ExplainerFactory(title="Mine")
    data = form_data(contributor_client.get(change_url(explainer)))
    assert 'name="_archive"' not in contributor_client.get(change_url(explainer)).content.decode()
    response = contributor_client.post(
        change_url(explainer), {**data, "_archive": "Save and archive"}, follow=True
    )
    explainer.refresh_from_db()
    assert explainer.status == Explainer.Status.DRAFT
    assert ("error", "“Mine”: You may not archive explainers.") in messages_of(response)


def test_there_is_no_bulk_delete_action(editor_client):
    ExplainerFactory()
    assert "delete_selected" not in offered_actions(editor_client)


@pytest.mark.parametrize(
    "explainer_kwargs",
    [
        {"published": True},
        # Unpublished again: it was on the site, so it may have comments.
        {"status": Explainer.Status.DRAFT, "first_published_at": timezone.now()},
        {"status": Explainer.Status.ARCHIVED, "first_published_at": timezone.now()},
        {"status": Explainer.Status.REVIEW},
    ],
    ids=["published", "unpublished", "archived", "in review"],
)
def test_editor_cannot_delete_an_explainer_that_is_not_a_fresh_draft(
    editor_client, explainer_kwargs
):
    explainer = ExplainerFactory(**explainer_kwargs)
    page = lxml.html.fromstring(editor_client.get(change_url(explainer)).content)
    assert not page.xpath("//a[contains(@class, 'deletelink')]")
    assert editor_client.get(delete_url(explainer)).status_code == 403
    assert editor_client.post(delete_url(explainer), {"post": "yes"}).status_code == 403
    assert Explainer.objects.filter(pk=explainer.pk).exists()


def test_editor_may_delete_a_draft_that_was_never_published(editor_client):
    explainer = ExplainerFactory(key_points=2)
    page = lxml.html.fromstring(editor_client.get(change_url(explainer)).content)
    assert page.xpath("//a[contains(@class, 'deletelink')]")
    response = editor_client.post(delete_url(explainer), {"post": "yes"})
    assert response.status_code == 302
    assert not Explainer.objects.filter(pk=explainer.pk).exists()


def test_renaming_a_source_in_the_admin_refreshes_the_search_of_explainers_citing_it(
    editor_client,
):
    explainer = ExplainerFactory(published=True, sources=1)
    source = explainer.sources.get()
    data = {
        "title": "全く新しい見出し",
        "url": source.url,
        "publisher": source.publisher,
        "published_on": source.published_on.isoformat(),
        "author": source.author,
        "language": source.language,
    }
    url = reverse("admin:explainers_sourcearticle_change", args=[source.pk])
    response = editor_client.post(url, data)
    assert response.status_code == 302
    explainer.refresh_from_db()
    assert explainer in Explainer.objects.search("全く新しい見出し")


def test_moving_the_publish_time_keeps_when_readers_first_saw_it(editor_client):
    # Scheduled, and its time has come: readers have seen it, though nothing was stored then.
    came = timezone.now() - datetime.timedelta(days=2)
    explainer = ExplainerFactory(
        published=True, key_points=3, sources=1, publish_at=came, first_published_at=None
    )
    data = form_data(editor_client.get(change_url(explainer)))
    data.update({"publish_at_0": "2099-01-01", "publish_at_1": "09:00:00"})
    response = editor_client.post(change_url(explainer), data)
    assert response.status_code == 302
    explainer.refresh_from_db()
    assert explainer.first_published_at == came
    assert explainer.first_published == came


def test_closing_comments_in_the_change_form_goes_through_the_service(editor_client):
    explainer = ExplainerFactory(published=True, key_points=3, sources=1)
    data = form_data(editor_client.get(change_url(explainer)))
    data["comment_mode"] = "closed"
    response = editor_client.post(change_url(explainer), data)
    assert response.status_code == 302
    explainer.refresh_from_db()
    assert explainer.comments_open is False
    assert any("Closed comments" in line for line in history_of(explainer))
