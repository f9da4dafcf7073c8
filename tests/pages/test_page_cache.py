"""The shared page cache (core/page_cache.py, explainers/cache.py): anonymous reader pages are
served from the cache with 0 queries and the same bytes, never for signed-in readers or
previews, and every change readers see is on the very next request.

On SQLite the cache is local memory; CI runs these again with Redis (REDIS_URL), the cache
every worker shares in production.
"""

import datetime
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from comments.moderation import comment_approve, comment_remove, comment_restore
from explainers.services import (
    correction_add,
    explainer_comment_mode_set,
    explainer_publish,
    explainer_unpublish,
    source_article_save,
    topic_save,
)
from tests.explainers.test_admin import change_url, form_data
from tests.factories import (
    CommentFactory,
    ExplainerFactory,
    TopicFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def get(client, url, **headers):
    """GET `url`; the response and how many queries it ran."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, headers=headers)
    return response, len(queries)


def live(**kwargs):
    kwargs.setdefault("key_points", 3)
    kwargs.setdefault("sources", 1)
    return ExplainerFactory(published=True, **kwargs)


@pytest.fixture
def explainer():
    explainer = live(title="Why rice prices rose")
    topic = TopicFactory(name="Food")
    explainer.topics.add(topic)
    CommentFactory(explainer=explainer, body="An approved comment, shown to every reader.")
    return explainer


def sitemap_section_of(explainer):
    """The sitemap section that lists `explainer`: sections are blocks of primary keys."""
    from pages.sitemaps import SECTION_SIZE

    number = -(-explainer.pk // SECTION_SIZE)
    return reverse("sitemap_section", kwargs={"section": "explainers"}) + f"?p={number}"


def reader_pages(explainer):
    """Every kind of shared page, showing `explainer`."""
    topic = explainer.topics.get()
    source = explainer.source_links.get().source
    return [
        reverse("explainers:home"),
        explainer.get_absolute_url(),
        topic.get_absolute_url(),
        source.get_absolute_url(),
        reverse("explainers:feed_rss"),
        reverse("explainers:feed_atom"),
        reverse("explainers:feed_corrections"),
        reverse("explainers:topic_feed_rss", kwargs={"slug": topic.slug}),
        reverse("sitemap"),
        reverse("sitemap_section", kwargs={"section": "explainers"}),
        reverse("sitemap_section", kwargs={"section": "topics"}),
        reverse("sitemap_section", kwargs={"section": "sources"}),
    ]


def test_second_anonymous_get_of_every_reader_page_runs_no_query_and_sends_the_same_bytes(
    client, explainer
):
    for url in reader_pages(explainer):
        first, rendered = get(client, url)
        assert first.status_code == 200, url
        assert rendered > 0, url
        second, queries = get(client, url)
        assert second.status_code == 200, url
        assert queries == 0, url
        assert second.content == first.content, url
        control = second["Cache-Control"]
        assert "public" in control and "s-maxage=" in control, url
        assert "stale-while-revalidate=" in control and "stale-if-error=" in control, url
        assert second["ETag"] == first["ETag"] and second.has_header("Last-Modified"), url
        assert not second.cookies and not first.cookies, url
        vary = second.get("Vary", "")
        assert "Cookie" not in vary and "Accept-Language" not in vary, url
        # A hit carries the headers every page gets, as the render did.
        for header in (
            "Content-Security-Policy",
            "X-Frame-Options",
            "X-Content-Type-Options",
            "Cross-Origin-Resource-Policy",
            "Permissions-Policy",
            "Referrer-Policy",
            "Content-Language",
        ):
            assert second[header] == first[header], (url, header)


def test_conditional_get_answers_304_from_the_cache(client, explainer):
    url = explainer.get_absolute_url()
    first, _ = get(client, url)
    response, queries = get(client, url, if_none_match=first["ETag"])
    assert response.status_code == 304
    assert queries == 0
    assert response["ETag"] == first["ETag"]
    assert "s-maxage=" in response["Cache-Control"]
    response, _ = get(client, url, if_modified_since=first["Last-Modified"])
    assert response.status_code == 304
    response, _ = get(client, url, if_none_match='"something-else"')
    assert response.status_code == 200


def test_a_first_render_already_answers_a_matching_conditional_get(client, explainer):
    url = explainer.get_absolute_url()
    etag = get(client, url)[0]["ETag"]
    client.get(url)
    from django.core.cache import cache

    cache.clear()  # a new render of the same bytes has the same ETag
    response, queries = get(client, url, if_none_match=etag)
    assert response.status_code == 304 and queries > 0


def test_the_page_has_no_nonce_so_its_bytes_and_policy_are_the_same_for_everyone(client, explainer):
    response = client.get(explainer.get_absolute_url())
    html = response.content.decode()
    assert '<script type="application/ld+json">' in html
    assert "nonce" not in html
    assert "nonce-" not in response["Content-Security-Policy"]


def test_signed_in_readers_are_never_served_from_the_cache_nor_stored_in_it(client, explainer):
    url = explainer.get_absolute_url()
    anonymous, _ = get(client, url)
    client.force_login(UserFactory())
    signed_in, queries = get(client, url)
    assert queries > 0
    assert "private" in signed_in["Cache-Control"]
    assert "public" not in signed_in["Cache-Control"]
    # What they were served was not stored for anyone.
    explainer_comment_mode_set(explainer=explainer, actor=None, mode="closed")
    client.get(url)
    client.logout()
    response, queries = get(client, url)
    assert queries > 0
    assert "closed comments" in response.content.decode()


def test_a_staff_preview_is_never_stored(client, editor):
    draft = ExplainerFactory(key_points=3, sources=1, title="Not yet out")
    client.force_login(editor)
    preview = client.get(draft.get_absolute_url())
    assert preview.status_code == 200
    assert "no-cache" in preview["Cache-Control"] or "private" in preview["Cache-Control"]
    client.logout()
    assert client.get(draft.get_absolute_url()).status_code == 404


def test_query_parameters_the_page_does_not_read_never_reach_it(client, explainer):
    url = explainer.get_absolute_url()
    first, _ = get(client, url)
    response, queries = get(client, f"{url}?utm_source=newsletter&x=%3Cb%3E")
    assert queries == 0
    assert response.content == first.content
    home = reverse("explainers:home")
    clean, _ = get(client, home)
    poisoned, _ = get(client, f"{home}?evil=1&page=1")
    assert "evil" not in poisoned.content.decode()
    assert get(client, home)[0].content == clean.content


def test_the_notice_after_posting_is_a_private_render(client, explainer):
    url = explainer.get_absolute_url()
    client.get(url)
    response, queries = get(client, f"{url}?posted=pending")
    assert queries > 0
    assert "awaiting moderation" in response.content.decode()
    assert "private" in response["Cache-Control"]
    assert "awaiting moderation" not in client.get(url).content.decode()


def test_a_comment_page_is_its_own_cached_page(client, explainer, settings):
    settings.COMMENTS_PER_PAGE = 1
    CommentFactory(explainer=explainer, body="A second approved comment on its own page.")
    url = explainer.get_absolute_url()
    first_page = client.get(url).content
    second_page, _ = get(client, f"{url}?cpage=2")
    assert second_page.content != first_page
    assert get(client, f"{url}?cpage=2")[1] == 0


# Invalidation: every change readers see is on the very next request ---------------------------


def cache_all(client, explainer):
    for url in reader_pages(explainer):
        client.get(url)
        assert get(client, url)[1] == 0, url


def shows(client, url, text):
    return text in client.get(url).content.decode()


def test_publishing_reaches_home_topic_source_feeds_and_sitemaps(client, explainer):
    cache_all(client, explainer)
    topic = explainer.topics.get()
    source = explainer.source_links.get().source
    new = ExplainerFactory(key_points=3, title="Fresh explainer on rice")
    new.topics.add(topic)
    new.source_links.create(source=source, position=2)
    for url in reader_pages(explainer):
        assert not shows(client, url, new.title) or "sitemap" in url, url
    explainer_publish(explainer=new, actor=None)
    for url in (
        reverse("explainers:home"),
        topic.get_absolute_url(),
        source.get_absolute_url(),
        reverse("explainers:feed_rss"),
        reverse("explainers:topic_feed_rss", kwargs={"slug": topic.slug}),
    ):
        assert shows(client, url, new.title), url
    assert shows(client, sitemap_section_of(new), new.slug)
    # Its siblings list it as related.
    assert shows(client, explainer.get_absolute_url(), new.title)


def test_unpublishing_takes_it_off_every_page_at_once(client, explainer):
    cache_all(client, explainer)
    explainer_unpublish(explainer=explainer, actor=None)
    assert client.get(explainer.get_absolute_url()).status_code == 404
    assert not shows(client, reverse("explainers:home"), explainer.title)
    assert not shows(client, reverse("explainers:feed_rss"), explainer.title)
    assert shows(client, sitemap_section_of(live()), "<url>")  # the section itself is served
    assert not shows(client, sitemap_section_of(explainer), explainer.slug)


def edit_in_working_draft(staff, explainer, **changes):
    """Start the live explainer's working draft in the admin and save `changes` to it."""
    start = reverse("admin:explainers_explainer_working_draft", args=[explainer.pk])
    assert staff.post(start).status_code == 302
    draft = explainer.working_draft
    data = form_data(staff.get(change_url(draft)))
    data.update(changes)
    return draft, data


def test_an_admin_edit_of_a_live_explainer_or_its_parts_is_on_the_next_request_once_published(
    client, explainer, editor
):
    cache_all(client, explainer)
    staff = type(client)()
    staff.force_login(editor)
    draft, data = edit_in_working_draft(
        staff,
        explainer,
        **{"title": "Why rice prices rose so fast"},
        **{"key_points-0-text": "A key point rewritten by the editor."},
    )
    response = staff.post(change_url(draft), data)
    assert response.status_code == 302, response.context["errors"]
    # Saved in the working draft: readers see the live explainer as it was.
    assert not shows(client, explainer.get_absolute_url(), "rose so fast")
    # The form as it is now (the one posted above is stale once saved: it would be refused).
    data = form_data(staff.get(change_url(draft)))
    response = staff.post(change_url(draft), {**data, "_publish_changes": "Publish changes"})
    assert response.status_code == 302
    page = client.get(explainer.get_absolute_url()).content.decode()
    assert "Why rice prices rose so fast" in page
    assert "A key point rewritten by the editor." in page
    assert shows(client, reverse("explainers:home"), "Why rice prices rose so fast")
    assert shows(client, explainer.topics.get().get_absolute_url(), "rose so fast")
    assert shows(client, reverse("explainers:feed_atom"), "rose so fast")


def test_an_admin_edit_that_moves_it_to_another_topic_changes_both_topic_pages(
    client, explainer, editor
):
    old_topic = explainer.topics.get()
    new_topic = TopicFactory(name="Farming")
    client.get(old_topic.get_absolute_url())
    client.get(new_topic.get_absolute_url())
    staff = type(client)()
    staff.force_login(editor)
    draft, data = edit_in_working_draft(staff, explainer, topics=[str(new_topic.pk)])
    data["_publish_changes"] = "Publish changes"
    assert staff.post(change_url(draft), data).status_code == 302
    assert not shows(client, old_topic.get_absolute_url(), explainer.title)
    assert shows(client, new_topic.get_absolute_url(), explainer.title)


def test_a_correction_is_on_the_next_request(client, explainer):
    cache_all(client, explainer)
    correction_add(
        explainer=explainer, kind="correction", note="The yield was 5%.", significant=True
    )
    assert shows(client, explainer.get_absolute_url(), "The yield was 5%.")
    assert shows(client, reverse("explainers:feed_corrections"), "The yield was 5%.")


@pytest.mark.parametrize("action", ["approve", "remove", "restore"])
def test_a_comment_decision_changes_the_page_and_the_counts_on_lists(
    client, explainer, moderator, action
):
    if action == "approve":
        comment = CommentFactory(explainer=explainer, status="pending", body="Held, then shown.")
    else:
        comment = CommentFactory(explainer=explainer, body="Shown, then taken down.")
    if action == "restore":
        comment_remove(comment=comment, actor=moderator, reason="off_topic")
    url = explainer.get_absolute_url()
    cache_all(client, explainer)
    before = client.get(url).content.decode()
    home_before = client.get(reverse("explainers:home")).content
    {
        "approve": lambda: comment_approve(comment=comment, actor=moderator),
        "remove": lambda: comment_remove(comment=comment, actor=moderator, reason="off_topic"),
        "restore": lambda: comment_restore(comment=comment, actor=moderator),
    }[action]()
    after = client.get(url).content.decode()
    visible = action == "approve"
    assert (comment.body in after) is visible
    if action != "restore":  # restoring puts it back in the queue: still not shown
        assert after != before
        assert client.get(reverse("explainers:home")).content != home_before


def test_a_comment_decision_leaves_other_explainers_pages_cached(client, explainer, moderator):
    sibling = live(title="A sibling explainer")
    sibling.topics.add(explainer.topics.get())
    comment = CommentFactory(explainer=sibling, status="pending")
    client.get(explainer.get_absolute_url())
    comment_approve(comment=comment, actor=moderator)
    assert get(client, explainer.get_absolute_url())[1] == 0


def test_opening_or_closing_comments_is_on_the_next_request(client, explainer):
    url = explainer.get_absolute_url()
    client.get(url)
    explainer_comment_mode_set(explainer=explainer, actor=None, mode="closed")
    assert shows(client, url, "closed comments")


def test_a_topic_rename_reaches_its_page_and_its_explainers_pages(client, explainer):
    cache_all(client, explainer)
    topic = explainer.topics.get()
    topic.name = "Food and farming"
    topic_save(topic=topic)
    assert shows(client, explainer.get_absolute_url(), "Food and farming")
    assert shows(client, topic.get_absolute_url(), "Food and farming")
    assert shows(client, reverse("explainers:home"), "Food and farming")


def test_a_source_rename_reaches_its_page_and_the_explainers_citing_it(client, explainer):
    cache_all(client, explainer)
    source = explainer.source_links.get().source
    source.title = "Rice harvest report, revised"
    source_article_save(source=source)
    assert shows(client, explainer.get_absolute_url(), "Rice harvest report, revised")
    assert shows(client, source.get_absolute_url(), "Rice harvest report, revised")


def test_a_cached_list_never_outlives_the_next_scheduled_publication(client, explainer):
    soon = timezone.now() + datetime.timedelta(hours=1)
    scheduled = ExplainerFactory(key_points=3, sources=1, title="Out in an hour")
    explainer_publish(explainer=scheduled, actor=None, publish_at=soon)
    home = reverse("explainers:home")
    assert not shows(client, home, "Out in an hour")
    response, queries = get(client, home)
    assert queries == 0
    max_age = int(response["Cache-Control"].split("max-age=")[1].split(",")[0])
    assert max_age <= 3600
    later = soon + datetime.timedelta(seconds=1)
    with mock.patch("django.utils.timezone.now", return_value=later):
        assert shows(client, home, "Out in an hour")
        assert shows(client, reverse("explainers:feed_rss"), "Out in an hour")


def test_an_explainer_page_expires_when_its_comments_close_by_themselves(
    client, explainer, settings
):
    url = explainer.get_absolute_url()
    assert not shows(client, url, "days after publication")
    close_at = explainer.first_published + datetime.timedelta(
        days=settings.COMMENTS_CLOSE_AFTER_DAYS, seconds=1
    )
    with mock.patch("django.utils.timezone.now", return_value=close_at):
        assert shows(client, url, "days after publication")


def test_a_version_evicted_from_the_cache_makes_a_miss_not_a_stale_page(client, explainer):
    from django.core.cache import cache

    from core.page_cache import _tag_key

    url = explainer.get_absolute_url()
    client.get(url)
    cache.delete(_tag_key(f"explainer:{explainer.slug}"))
    assert get(client, url)[1] > 0


# Addresses: the language is in the URL ------------------------------------------------------


def test_old_addresses_redirect_to_the_readers_language(client, explainer):
    old = f"/explainers/{explainer.slug}/"
    response = client.get(old, headers={"accept-language": "ja"})
    assert response.status_code == 302
    assert response["Location"] == f"/ja/explainers/{explainer.slug}/"
    assert "Accept-Language" in response["Vary"]
    assert client.get("/", headers={"accept-language": "en"})["Location"] == "/en/"
    assert client.get("/feeds/rss/")["Location"].endswith("/feeds/rss/")


def test_one_canonical_address_per_explainer_with_hreflang_alternates(client, settings):
    japanese = live(language="ja", title="円安の理由")
    canonical = f"{settings.SITE_URL}/ja/explainers/{japanese.slug}/"
    for language in ("en", "ja"):
        with translation.override(language):
            url = japanese.get_absolute_url()
        html = client.get(url).content.decode()
        assert f'<link rel="canonical" href="{canonical}">' in html
        for code in ("en", "ja"):
            alternate = f"{settings.SITE_URL}/{code}/explainers/{japanese.slug}/"
            assert f'<link rel="alternate" hreflang="{code}" href="{alternate}">' in html
        assert '<html lang="ja">' in html  # the explainer's own language
        assert f'<header class="site-header border-bottom" lang="{language}">' in html


def test_the_same_page_in_each_language_is_cached_apart(client, explainer):
    with translation.override("ja"):
        ja_url = explainer.get_absolute_url()
    with translation.override("en"):
        en_url = explainer.get_absolute_url()
    en = client.get(en_url).content.decode()
    ja = client.get(ja_url).content.decode()
    assert "Key points" in en and "Key points" not in ja
    assert get(client, ja_url)[1] == 0


def test_switching_language_goes_to_the_page_in_that_language(client, explainer):
    url = explainer.get_absolute_url()
    response = client.get(
        reverse("explainers:set_language", kwargs={"code": "ja"}) + f"?next={url}"
    )
    assert response.status_code == 302
    assert response["Location"] == f"/ja/explainers/{explainer.slug}/"
    assert response.cookies["django_language"].value == "ja"


# Sitemaps ---------------------------------------------------------------------------------


def test_sitemap_index_lists_sections_of_bounded_size(client, monkeypatch):
    from pages import sitemaps

    explainers = [live() for _ in range(5)]
    monkeypatch.setattr(sitemaps.ExplainerSitemap, "limit", 2)
    index = client.get(reverse("sitemap")).content.decode()
    section = reverse("sitemap_section", kwargs={"section": "explainers"})
    highest = max(e.pk for e in explainers)
    pages = -(-highest // 2)
    assert index.count(f"{section}?p=") == pages - 1
    seen = []
    for number in range(1, pages + 1):
        body = client.get(f"{section}?p={number}").content.decode()
        urls = [e for e in explainers if f"/explainers/{e.slug}/" in body]
        assert len(urls) <= 2
        seen += urls
    assert sorted(e.pk for e in seen) == sorted(e.pk for e in explainers)
    assert client.get(f"{section}?p={pages + 1}").status_code == 404
    assert client.get(f"{section}?p=x").status_code == 404


def test_robots_names_the_sitemap_index(client, settings):
    body = client.get("/robots.txt").content.decode()
    assert f"Sitemap: {settings.SITE_URL}/sitemap.xml" in body


def test_sitemap_addresses_are_canonical(client):
    japanese = live(language="ja")
    body = client.get(sitemap_section_of(japanese)).content
    assert f"/ja/explainers/{japanese.slug}/".encode() in body
    assert f"/en/explainers/{japanese.slug}/".encode() not in body


def test_a_commenters_new_name_is_on_the_pages_they_commented_on(client, explainer):
    from readers.services import reader_profile_update

    reader = UserFactory()
    reader_profile_update(user=reader, display_name="Old name")
    CommentFactory(explainer=explainer, user=reader, guest_name="", guest_email="")
    url = explainer.get_absolute_url()
    assert shows(client, url, "Old name")
    reader_profile_update(user=reader, display_name="New name")
    assert shows(client, url, "New name")


def test_an_editors_new_name_is_on_their_bylines(client, editor):
    from readers.services import author_profile_save
    from tests.factories import AuthorProfileFactory

    profile = AuthorProfileFactory(user=editor, name="Hanako Editor")
    explainer = live(byline=editor)
    url = explainer.get_absolute_url()
    assert shows(client, url, "Hanako Editor")
    profile.name = "Hanako Sato"
    author_profile_save(by=editor, profile=profile)
    assert shows(client, url, "Hanako Sato")


def test_a_deleted_account_leaves_the_pages_it_commented_on(client, explainer):
    from readers.privacy import reader_account_delete
    from readers.services import reader_profile_update

    reader = UserFactory()
    reader_profile_update(user=reader, display_name="Soon gone")
    CommentFactory(explainer=explainer, user=reader, guest_name="", guest_email="")
    url = explainer.get_absolute_url()
    assert shows(client, url, "Soon gone")
    reader_account_delete(user=reader)
    assert not shows(client, url, "Soon gone")


# Counts that grow with the archive are kept, exactly -------------------------------------------


def render_queries(client, url):
    """The SQL of a render (a session cookie: the page itself is not served from the cache)."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, headers={"cookie": "sessionid=not-signed-in"})
    assert response.status_code == 200
    return [q["sql"].upper() for q in queries], response.content.decode()


def counts(sql):
    return [q for q in sql if "COUNT(" in q]


def test_home_counts_published_explainers_once_per_change(client, explainer):
    home = reverse("explainers:home")
    first, _ = render_queries(client, home)
    again, _ = render_queries(client, home)
    assert counts(first) and not counts(again)  # the count of every explainer is kept
    for _ in range(10):
        live()
    new = ExplainerFactory(key_points=3, sources=1)
    explainer_publish(explainer=new, actor=None)
    sql, html = render_queries(client, home)
    assert counts(sql)
    assert "Page 1 of 2" in html  # 12 published: the count moved with the publication


def test_a_topic_count_moves_when_an_explainer_joins_or_goes_live(client, explainer):
    topic = explainer.topics.get()
    url = topic.get_absolute_url()
    first, html = render_queries(client, url)
    assert "1 explainer" in html and counts(first)
    again, _ = render_queries(client, url)
    assert not counts(again)
    new = ExplainerFactory(key_points=3, sources=1)
    new.topics.add(topic)
    soon = timezone.now() + datetime.timedelta(minutes=5)
    explainer_publish(explainer=new, actor=None, publish_at=soon)
    assert "1 explainer" in render_queries(client, url)[1]
    with mock.patch("django.utils.timezone.now", return_value=soon + datetime.timedelta(1)):
        assert "2 explainers" in render_queries(client, url)[1]
