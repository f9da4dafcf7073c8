import datetime
import re

import lxml.html
import pytest
from django.db import DatabaseError
from django.template import loader
from django.urls import reverse
from django.utils import timezone

from explainers.models import Explainer
from explainers.services import correction_add
from pages import views
from tests.factories import (
    CorrectionFactory,
    DetailSectionFactory,
    ExplainerFactory,
    ExplainerSourceFactory,
    KeyPointFactory,
    SourceArticleFactory,
    TopicFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

HOUR = datetime.timedelta(hours=1)


def published(**kwargs):
    return ExplainerFactory(published=True, **kwargs)


def html_of(response):
    return response.content.decode()


def main_of(response):
    """The page's <main>: what a reader reads, without the head's metadata."""
    html = html_of(response)
    return html[html.index("<main") : html.index("</main>")]


# Home -----------------------------------------------------------------------------------------


def test_home_lists_published_explainers_newest_first(client):
    older = published(title="Older story", publish_at=timezone.now() - 3 * HOUR)
    newer = published(title="Newer story", publish_at=timezone.now() - HOUR)
    html = main_of(client.get(reverse("explainers:home")))
    assert html.index(newer.title) < html.index(older.title)


def test_home_hides_drafts_and_scheduled_explainers(client):
    ExplainerFactory(title="Draft story")
    ExplainerFactory(
        title="Scheduled story",
        status=Explainer.Status.PUBLISHED,
        publish_at=timezone.now() + HOUR,
    )
    html = html_of(client.get(reverse("explainers:home")))
    assert "Draft story" not in html
    assert "Scheduled story" not in html


def test_home_entry_shows_excerpt_topics_date_and_comment_count(client):
    topic = TopicFactory(name="Energy")
    explainer = published(introduction="Why grid prices matter. " * 20)
    explainer.topics.add(topic)
    html = html_of(client.get(reverse("explainers:home")))
    assert "Why grid prices matter." in html
    assert "Why grid prices matter. " * 20 not in html  # an excerpt, not the whole text
    assert f'href="{topic.get_absolute_url()}"' in html
    assert f'datetime="{timezone.localtime(explainer.first_published_at).isoformat()}"' in html
    assert re.search(r"\b0 comments\b", html)


def test_home_excerpt_joins_japanese_paragraphs_without_a_space(client):
    published(language="ja", introduction="物価が上がっています。\n\n本稿では理由を整理します。")
    html = main_of(client.get(reverse("explainers:home")))
    assert "物価が上がっています。本稿では理由を整理します。" in html


def test_home_is_paginated(client):
    for _ in range(views.PAGE_SIZE + 2):
        published()
    first = client.get(reverse("explainers:home"))
    second = client.get(reverse("explainers:home"), {"page": 2})
    assert len(first.context["explainers"]) == views.PAGE_SIZE
    assert len(second.context["explainers"]) == 2
    assert 'rel="next" href="?page=2"' in html_of(first)


@pytest.mark.parametrize("page", ["999", "abc"])
@pytest.mark.parametrize("name", ["home", "topic", "source", "search"])
def test_bad_page_number_is_404_not_500(client, name, page):
    topic = TopicFactory(slug="energy")
    explainer = published(title="Grid", sources=1)
    explainer.topics.add(topic)
    urls = {
        "home": reverse("explainers:home"),
        "topic": topic.get_absolute_url(),
        "source": explainer.sources.get().get_absolute_url(),
        "search": reverse("explainers:search") + "?q=grid",
    }
    separator = "&" if "?" in urls[name] else "?"
    response = client.get(f"{urls[name]}{separator}page={page}")
    assert response.status_code == 404


# Explainer page: visibility --------------------------------------------------------------------


def test_published_explainer_page_shows_its_content(client):
    explainer = published(title="How the tax works", summary="Remember the deadline.")
    for position, text in enumerate(["First point", "Second point", "Third point"], start=1):
        KeyPointFactory(explainer=explainer, text=text, position=position)
    response = client.get(explainer.get_absolute_url())
    html = html_of(response)
    assert response.status_code == 200
    assert "<h1" in html and "How the tax works" in html
    assert re.search(
        r"<ol><li>First point</li><li>Second point</li><li>Third point</li></ol>", html
    )
    assert "Remember the deadline." in html


def test_draft_is_404_for_anonymous_and_signed_in_readers(client, reader):
    draft = ExplainerFactory()
    assert client.get(draft.get_absolute_url()).status_code == 404
    client.force_login(reader)
    assert client.get(draft.get_absolute_url()).status_code == 404


def test_scheduled_explainer_is_404_until_its_publish_time(client):
    scheduled = ExplainerFactory(
        status=Explainer.Status.PUBLISHED, publish_at=timezone.now() + HOUR
    )
    assert client.get(scheduled.get_absolute_url()).status_code == 404
    Explainer.objects.filter(pk=scheduled.pk).update(publish_at=timezone.now() - HOUR)
    assert client.get(scheduled.get_absolute_url()).status_code == 200


def test_staff_preview_of_draft_has_banner_and_is_never_cached(client, editor):
    draft = ExplainerFactory(title="Unfinished piece")
    client.force_login(editor)
    response = client.get(draft.get_absolute_url())
    assert response.status_code == 200
    assert "preview-banner" in html_of(response)
    assert "Unfinished piece" in html_of(response)
    cache_control = response["Cache-Control"]
    assert "no-cache" in cache_control and "no-store" in cache_control


def test_staff_preview_of_scheduled_explainer_has_banner(client, editor):
    scheduled = ExplainerFactory(
        status=Explainer.Status.PUBLISHED, publish_at=timezone.now() + HOUR
    )
    client.force_login(editor)
    response = client.get(scheduled.get_absolute_url())
    assert response.status_code == 200
    assert "preview-banner" in html_of(response)


def test_staff_see_published_explainer_without_banner_or_no_store(client, editor):
    explainer = published()
    client.force_login(editor)
    response = client.get(explainer.get_absolute_url())
    assert "preview-banner" not in html_of(response)
    assert "no-store" not in response.get("Cache-Control", "")


# Explainer page: parts ------------------------------------------------------------------------


def test_primary_source_box_shows_source_and_opens_it_safely(client):
    source = SourceArticleFactory(
        title="Budget passes upper house",
        publisher="Daily Example",
        published_on=datetime.date(2026, 3, 4),
        url="https://daily.example.com/budget",
    )
    explainer = published()
    ExplainerSourceFactory(explainer=explainer, source=source, position=1)
    html = html_of(client.get(explainer.get_absolute_url()))
    box = re.search(r'<section class="source-box".*?</section>', html, re.S).group(0)
    assert "What this explains" in box
    assert "Daily Example" in box
    assert 'datetime="2026-03-04"' in box
    assert re.search(
        r'<a [^>]*href="https://daily.example.com/budget" rel="noopener noreferrer"[^>]*>'
        r"Budget passes upper house</a>",
        box,
    )


def test_first_source_by_position_is_primary_and_others_follow(client):
    explainer = published()
    ExplainerSourceFactory(explainer=explainer, source__title="Follow-up report", position=2)
    ExplainerSourceFactory(explainer=explainer, source__title="Original report", position=1)
    response = client.get(explainer.get_absolute_url())
    assert response.context["primary_source"].title == "Original report"
    assert [s.title for s in response.context["further_sources"]] == ["Follow-up report"]
    html = main_of(response)
    assert html.index("Original report") < html.index("Further sources")
    assert html.index("Further sources") < html.index("Follow-up report")


def test_table_of_contents_links_to_each_section_anchor(client):
    explainer = published(sections=3)
    html = html_of(client.get(explainer.get_absolute_url()))
    toc = re.search(r'<nav class="toc".*?</nav>', html, re.S).group(0)
    links = re.findall(r'href="#([^"]+)"', toc)
    section_ids = re.findall(r'<section class="explainer-section" id="([^"]+)"', html)
    assert links == section_ids
    assert links == [s.anchor for s in explainer.sections.order_by("position")]


def test_section_figure_has_alt_text_caption_and_credit(client):
    explainer = published()
    DetailSectionFactory(
        explainer=explainer,
        figure_image="figures/2026/11/turnout.png",
        figure_alt="Bar chart of turnout by age group",
        figure_caption="Turnout by age, 2026",
        figure_credit="Election commission",
    )
    html = html_of(client.get(explainer.get_absolute_url()))
    figure = re.search(r"<figure.*?</figure>", html, re.S).group(0)
    assert re.search(r'<img src="/media/figures/2026/11/turnout.png" alt="Bar chart', figure)
    assert re.search(
        r"<figcaption>.*Turnout by age, 2026.*Election commission.*</figcaption>", figure, re.S
    )


def test_updated_time_shown_only_after_a_significant_correction(client):
    explainer = published()
    correction_add(explainer=explainer, kind="correction", note="Typo.", significant=False)
    assert 'id="explainer-updated"' not in html_of(client.get(explainer.get_absolute_url()))
    correction_add(explainer=explainer, kind="update", note="New figures.", significant=True)
    assert 'id="explainer-updated"' in html_of(client.get(explainer.get_absolute_url()))


def test_corrections_log_lists_kind_time_and_note_with_anchors(client):
    explainer = published()
    correction = CorrectionFactory(
        explainer=explainer, kind="clarification", note="The vote was on Tuesday."
    )
    html = html_of(client.get(explainer.get_absolute_url()))
    entry = re.search(rf'<li id="correction-{correction.pk}">.*?</li>', html, re.S).group(0)
    assert "Clarification" in entry
    assert "The vote was on Tuesday." in entry
    assert f'datetime="{timezone.localtime(correction.created_at).isoformat()}"' in entry


def test_reading_time_is_shown(client):
    explainer = published()
    Explainer.objects.filter(pk=explainer.pk).update(reading_minutes=7)
    assert "7 min read" in html_of(client.get(explainer.get_absolute_url()))


def test_page_language_follows_the_content_language(client):
    explainer = published(language="ja", title="円安の影響")
    html = html_of(client.get(explainer.get_absolute_url()))
    assert re.search(r'<html lang="ja">', html)
    assert '<article class="explainer" lang="ja"' in html
    assert re.search(r'<header class="site-header[^"]*" lang="en">', html)  # UI stays English


def test_title_and_key_point_markup_is_escaped(client):
    explainer = published(title="<script>alert(1)</script> headline")
    KeyPointFactory(explainer=explainer, text="<script>alert(2)</script>", position=1)
    html = html_of(client.get(explainer.get_absolute_url()))
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; headline" in html
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in html


def test_section_body_cannot_run_script(client):
    explainer = published()
    DetailSectionFactory(
        explainer=explainer, body="Hi <script>alert(3)</script> [x](javascript:alert(4))"
    )
    html = html_of(client.get(explainer.get_absolute_url()))
    assert "<script>alert(3)" not in html
    assert 'href="javascript:' not in html


def test_byline_names_the_editor_by_their_author_profile(client):
    from tests.factories import AuthorProfileFactory

    byline = UserFactory(username="hanako", first_name="Hanako", last_name="Sato")
    profile = AuthorProfileFactory(user=byline, name="Hanako Sato")
    explainer = published(byline=byline)
    doc = lxml.html.fromstring(html_of(client.get(explainer.get_absolute_url())))
    (byline_element,) = doc.xpath('//span[@class="byline"]')
    assert byline_element.text_content() == "By Hanako Sato"
    (link,) = byline_element.xpath(".//a")
    assert link.get("href") == profile.get_absolute_url()


def test_a_byline_without_an_author_profile_is_the_newsroom(client):
    # A full name on the account is not a public profile: nobody chose to be named.
    byline = UserFactory(username="hanako", first_name="Hanako", last_name="Sato", is_staff=True)
    explainer = published(byline=byline)
    html = html_of(client.get(explainer.get_absolute_url()))
    assert "By The newsroom" in html
    assert "Hanako" not in html and "hanako" not in html


def test_comments_area_is_a_labelled_section(client):
    explainer = published()
    html = html_of(client.get(explainer.get_absolute_url()))
    assert '<section class="comments-area" id="comments" aria-labelledby="comments-heading"' in html
    assert 'id="comments-heading"' in html


# Related explainers --------------------------------------------------------------------------


def test_related_explainers_are_ranked_by_shared_topics_and_sources(client):
    energy, climate, tax = TopicFactory(), TopicFactory(), TopicFactory()
    source = SourceArticleFactory()
    explainer = published(title="Main")
    explainer.topics.add(energy, climate)
    ExplainerSourceFactory(explainer=explainer, source=source, position=1)
    one_topic = published(title="Shares one topic")
    one_topic.topics.add(energy)
    topic_and_source = published(title="Shares a topic and the source")
    topic_and_source.topics.add(climate)
    ExplainerSourceFactory(explainer=topic_and_source, source=source, position=1)
    two_topics_and_source = published(title="Shares everything")
    two_topics_and_source.topics.add(energy, climate)
    ExplainerSourceFactory(explainer=two_topics_and_source, source=source, position=1)
    unrelated = published(title="Unrelated")
    unrelated.topics.add(tax)
    draft = ExplainerFactory(title="Related draft")
    draft.topics.add(energy)

    related = client.get(explainer.get_absolute_url()).context["related_explainers"]

    assert related == [two_topics_and_source, topic_and_source, one_topic]
    assert [r.shared for r in related] == [3, 2, 1]


def test_related_explainers_are_a_handful(client):
    topic = TopicFactory()
    explainer = published()
    explainer.topics.add(topic)
    for _ in range(views.RELATED_LIMIT + 3):
        published().topics.add(topic)
    related = client.get(explainer.get_absolute_url()).context["related_explainers"]
    assert len(related) == views.RELATED_LIMIT
    assert explainer not in related


# Topic and source pages -----------------------------------------------------------------------


def test_topic_page_lists_its_published_explainers(client):
    topic = TopicFactory(name="Elections", description="How votes become seats.")
    inside = published(title="Inside the topic")
    inside.topics.add(topic)
    ExplainerFactory(title="Draft in topic").topics.add(topic)
    published(title="Other topic")
    response = client.get(topic.get_absolute_url())
    html = html_of(response)
    assert response.status_code == 200
    assert "Elections" in html and "How votes become seats." in html
    assert "Inside the topic" in html
    assert "Draft in topic" not in html
    assert "Other topic" not in html


def test_unknown_topic_is_404(client):
    assert client.get(reverse("explainers:topic", kwargs={"slug": "nothing"})).status_code == 404


def test_source_page_shows_the_article_and_explainers_that_explain_it(client):
    source = SourceArticleFactory(
        title="Rates held steady",
        publisher="Example Wire",
        author="J. Doe",
        language="ja",
        url="https://wire.example.com/rates",
    )
    explainer = published(title="What the rate decision means")
    ExplainerSourceFactory(explainer=explainer, source=source, position=1)
    published(title="Not about rates", sources=1)
    response = client.get(source.get_absolute_url())
    html = html_of(response)
    assert response.status_code == 200
    for fact in ["Rates held steady", "Example Wire", "J. Doe", "Japanese"]:
        assert fact in html
    assert 'href="https://wire.example.com/rates" rel="noopener noreferrer"' in html
    assert "What the rate decision means" in html
    assert "Not about rates" not in html


def test_source_cited_only_by_a_draft_is_404_for_readers_but_not_staff(client, editor):
    draft = ExplainerFactory(sources=1)
    source = draft.sources.get()
    assert client.get(source.get_absolute_url()).status_code == 404
    client.force_login(editor)
    assert client.get(source.get_absolute_url()).status_code == 200


def test_source_id_beyond_the_database_integer_range_is_404_not_500(client):
    assert client.get("/en/sources/99999999999999999999999/").status_code == 404


# Error pages ----------------------------------------------------------------------------------


def test_unknown_address_gets_the_friendly_404_page(client, settings):
    settings.DEBUG = False
    response = client.get("/en/explainers/no-such-thing/")
    assert response.status_code == 404
    assert "404.html" in [t.name for t in response.templates]
    assert "find that page" in html_of(response)
    assert 'action="/en/search/"' in html_of(response)
    # An old address (no language) of nothing: redirected, then the same friendly page.
    response = client.get("/explainers/no-such-thing/", follow=True)
    assert response.status_code == 404
    assert "find that page" in html_of(response)
    assert client.get("/no-such-page/").status_code == 404


def test_server_error_gets_the_friendly_500_page(client, settings, monkeypatch):
    settings.DEBUG = False

    def broken(self):
        raise DatabaseError("the database is down")

    monkeypatch.setattr(views.ExplainerListView, "get_queryset", broken)
    client.raise_request_exception = False
    response = client.get(reverse("explainers:home"))
    assert response.status_code == 500
    assert "Something went wrong" in html_of(response)


def test_500_page_renders_without_request_or_database(django_assert_num_queries):
    with django_assert_num_queries(0):
        html = loader.get_template("500.html").render()
    assert "Something went wrong" in html
    assert f'href="{reverse("explainers:home")}"' in html
