import base64
import datetime
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Prefetch
from django.urls import reverse
from django.utils import timezone, translation
from lxml import etree, html

from explainers.models import DetailSection, Explainer, ExplainerSource
from explainers.services import correction_add, explainer_publish, explainer_unpublish
from pages import seo
from tests.factories import (
    DetailSectionFactory,
    ExplainerFactory,
    ExplainerSourceFactory,
    SourceArticleFactory,
    TopicFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

SITEMAP_NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
BREAKOUT = "</script><script>alert(1)</script>"
# A 1×1 transparent PNG.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
)


@pytest.fixture(autouse=True)
def _site_url(settings, tmp_path):
    settings.SITE_URL = "https://kaisetsu.example.jp"
    settings.MEDIA_ROOT = tmp_path


def published(days_ago=1, **kwargs):
    when = timezone.now() - datetime.timedelta(days=days_ago)
    return ExplainerFactory(
        status=Explainer.Status.PUBLISHED, publish_at=when, first_published_at=when, **kwargs
    )


def scheduled(**kwargs):
    when = timezone.now() + datetime.timedelta(days=1)
    return ExplainerFactory(status=Explainer.Status.PUBLISHED, publish_at=when, **kwargs)


def sitemap_entries(client):
    """{location: lastmod or None} from every section /sitemap.xml (the index) lists."""
    response = client.get(reverse("sitemap"))
    assert response.status_code == 200
    entries = {}
    for section in etree.fromstring(response.content).findall("s:sitemap", SITEMAP_NS):
        location = section.findtext("s:loc", namespaces=SITEMAP_NS)
        assert location.startswith("https://kaisetsu.example.jp/sitemap-"), location
        part = client.get(location.removeprefix("https://kaisetsu.example.jp"))
        assert part.status_code == 200
        for url in etree.fromstring(part.content).findall("s:url", SITEMAP_NS):
            loc = url.findtext("s:loc", namespaces=SITEMAP_NS)
            entries[loc] = url.findtext("s:lastmod", namespaces=SITEMAP_NS)
    return entries


def absolute(obj):
    """The address in the reader's language (English in these tests), as feeds link to."""
    return f"https://kaisetsu.example.jp{obj.get_absolute_url()}"


def canonical(obj):
    """The one canonical address: under the explainer's or source's own language."""
    return f"https://kaisetsu.example.jp{obj.canonical_path()}"


def in_each_language(obj):
    paths = set()
    for code in ("en", "ja"):
        with translation.override(code):
            paths.add(f"https://kaisetsu.example.jp{obj.get_absolute_url()}")
    return paths


def page(client, explainer):
    response = client.get(explainer.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode(), html.fromstring(response.content)


def meta(doc, key):
    values = doc.xpath(f'//meta[@property="{key}" or @name="{key}"]/@content')
    assert len(values) == 1, f"expected one {key} meta tag, found {values}"
    return values[0]


def json_ld(doc):
    [script] = doc.xpath('//script[@type="application/ld+json"]')
    return json.loads(script.text)


# sitemap.xml


def test_sitemap_lists_published_explainers_and_their_topics_and_sources(client):
    topic = TopicFactory()
    source = SourceArticleFactory()
    explainer = published()
    explainer.topics.add(topic)
    ExplainerSourceFactory(explainer=explainer, source=source)
    assert set(sitemap_entries(client)) == {
        canonical(explainer),
        *in_each_language(topic),
        canonical(source),
    }


def test_sitemap_excludes_drafts_and_scheduled_and_their_topics_and_sources(client):
    for explainer in (ExplainerFactory(), scheduled()):
        explainer.topics.add(TopicFactory())
        ExplainerSourceFactory(explainer=explainer)
    assert sitemap_entries(client) == {}


def test_sitemap_lastmod_is_last_significant_update(client):
    explainer = published(days_ago=10)
    at = timezone.now() - datetime.timedelta(days=2)
    correction_add(explainer=explainer, kind="update", note="New data.", significant=True, at=at)
    lastmod = sitemap_entries(client)[canonical(explainer)]
    assert lastmod == timezone.localdate(at).isoformat()


def test_sitemap_lastmod_ignores_silent_fix(client):
    explainer = published(days_ago=10)
    correction_add(explainer=explainer, kind="correction", note="Typo.", significant=False)
    lastmod = sitemap_entries(client)[canonical(explainer)]
    assert lastmod == timezone.localdate(explainer.first_published_at).isoformat()


def test_sitemap_topic_lastmod_is_its_latest_published_explainer(client):
    topic = TopicFactory()
    published(days_ago=5).topics.add(topic)
    newest = published(days_ago=3)
    newest.topics.add(topic)
    scheduled().topics.add(topic)
    lastmod = sitemap_entries(client)[absolute(topic)]
    with translation.override("ja"):
        assert sitemap_entries(client)[absolute(topic)] == lastmod
    assert lastmod == timezone.localdate(newest.first_published_at).isoformat()


# robots.txt


def test_robots_txt_is_plain_text_pointing_at_absolute_sitemap(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert lines[0] == "User-agent: *"
    assert "Sitemap: https://kaisetsu.example.jp/sitemap.xml" in lines


@pytest.mark.parametrize("path", ["/admin/", "/moderation/", "/accounts/"])
def test_robots_txt_disallows_private_areas(client, path):
    assert f"Disallow: {path}" in client.get("/robots.txt").content.decode().splitlines()


# Explainer page metadata


def test_canonical_link_is_absolute_on_site_url(client):
    explainer = published()
    _, doc = page(client, explainer)
    assert doc.xpath('//link[@rel="canonical"]/@href') == [absolute(explainer)]


def test_meta_description_is_introduction_trimmed(client):
    explainer = published(introduction="日本語の導入文です。" * 40)
    _, doc = page(client, explainer)
    description = meta(doc, "description")
    assert description.startswith("日本語の導入文です。")
    assert len(description) <= 160
    assert description.endswith("…")


@pytest.mark.parametrize(
    ("introduction", "description"),
    [
        (
            "投票率が下がりました。\n\n本稿では理由を見ます。",
            "投票率が下がりました。本稿では理由を見ます。",
        ),
        ("Turnout fell.\r\n\r\nHere is why.", "Turnout fell. Here is why."),
        ("「Example Times」が報じた\n計画", "「Example Times」が報じた計画"),
    ],
)
def test_meta_description_joins_paragraphs_as_the_language_writes(
    client, introduction, description
):
    """Japanese runs on without a space between paragraphs; English gets one."""
    _, doc = page(client, published(introduction=introduction))
    assert meta(doc, "description") == description


@pytest.mark.parametrize(("language", "og_locale"), [("ja", "ja_JP"), ("en", "en_US")])
def test_opengraph_and_twitter_tags(client, language, og_locale):
    explainer = published(title="Rates explained", language=language, introduction="Why.")
    _, doc = page(client, explainer)
    assert meta(doc, "og:type") == "article"
    assert meta(doc, "og:title") == "Rates explained"
    assert meta(doc, "og:description") == "Why."
    assert meta(doc, "og:url") == canonical(explainer)
    assert meta(doc, "og:locale") == og_locale
    assert meta(doc, "og:site_name") == "Kaisetsu"
    published_at = datetime.datetime.fromisoformat(meta(doc, "article:published_time"))
    assert published_at == explainer.first_published_at
    assert meta(doc, "twitter:card") == "summary"
    assert meta(doc, "twitter:title") == "Rates explained"
    assert not doc.xpath('//meta[@property="og:image"]')


def test_og_image_is_first_section_figure(client):
    explainer = published()
    DetailSectionFactory(explainer=explainer, position=1)
    section = DetailSectionFactory(
        explainer=explainer,
        position=2,
        figure_image=SimpleUploadedFile("chart.png", PNG, content_type="image/png"),
        figure_alt="A chart of rates",
    )
    _, doc = page(client, explainer)
    # Its 1200×630 crop (core.images), made when the explainer was refreshed.
    og = DetailSection.objects.get(pk=section.pk).figure_renditions["og"]["name"]
    assert og.startswith("renditions/")
    image = f"https://kaisetsu.example.jp/media/{og}"
    assert meta(doc, "og:image") == image
    assert meta(doc, "og:image:width") == "1200"
    assert meta(doc, "og:image:height") == "630"
    assert meta(doc, "twitter:image") == image
    assert meta(doc, "twitter:card") == "summary_large_image"
    assert json_ld(doc)["image"] == [image]


def test_modified_time_is_significant_update(client):
    explainer = published(days_ago=4)
    correction = correction_add(
        explainer=explainer, kind="update", note="New figures.", significant=True
    )
    _, doc = page(client, explainer)
    modified = datetime.datetime.fromisoformat(meta(doc, "article:modified_time"))
    assert modified == correction.created_at
    assert datetime.datetime.fromisoformat(json_ld(doc)["dateModified"]) == correction.created_at


def test_json_ld_is_news_article_citing_sources_in_order(client):
    explainer = published(title="解説の見出し", language="ja")
    first = SourceArticleFactory(title="Primary", publisher="Nikkan", url="https://a.example/1")
    second = SourceArticleFactory(title="Secondary", publisher="Asa", url="https://b.example/2")
    # Created in the opposite order to their positions: the order must come from `position`.
    ExplainerSourceFactory(explainer=explainer, source=second, position=2)
    ExplainerSourceFactory(explainer=explainer, source=first, position=1)
    _, doc = page(client, explainer)
    data = json_ld(doc)
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "NewsArticle"
    assert data["headline"] == "解説の見出し"
    assert data["inLanguage"] == "ja"
    assert data["mainEntityOfPage"]["@id"] == canonical(explainer)
    assert canonical(explainer).startswith("https://kaisetsu.example.jp/ja/explainers/")
    assert data["publisher"] == {
        "@type": "Organization",
        "name": "Kaisetsu",
        "url": "https://kaisetsu.example.jp/",
    }
    assert [(s["name"], s["url"], s["publisher"]["name"]) for s in data["isBasedOn"]] == [
        ("Primary", "https://a.example/1", "Nikkan"),
        ("Secondary", "https://b.example/2", "Asa"),
    ]
    assert data["isBasedOn"][0]["datePublished"] == first.published_on.isoformat()
    assert datetime.datetime.fromisoformat(data["datePublished"]) == explainer.first_published_at


def test_json_ld_lists_corrections(client):
    explainer = published(days_ago=3)
    older = correction_add(
        explainer=explainer,
        kind="correction",
        note="The vote was on Tuesday.",
        significant=True,
        at=timezone.now() - datetime.timedelta(days=1),
    )
    newer = correction_add(explainer=explainer, kind="update", note="Typo.", significant=False)
    data = json_ld(page(client, explainer)[1])
    assert [(c["@type"], c["text"]) for c in data["correction"]] == [
        ("CorrectionComment", "The vote was on Tuesday."),
        ("CorrectionComment", "Typo."),
    ]
    assert datetime.datetime.fromisoformat(data["correction"][0]["datePublished"]) == (
        older.created_at
    )
    assert data["correction"][1]["url"] == f"{canonical(explainer)}#correction-{newer.pk}"


def test_json_ld_author_is_byline_person_without_email(client):
    from pages.seo import absolute_url, author_path
    from tests.factories import AuthorProfileFactory

    editor = UserFactory(username="taro", email="taro@newsroom.example")
    profile = AuthorProfileFactory(user=editor, name="Taro Yamada")
    explainer = published(byline=editor)
    body, doc = page(client, explainer)
    assert json_ld(doc)["author"] == {
        "@type": "Person",
        "name": "Taro Yamada",
        "url": absolute_url(author_path(profile, explainer.language)),
    }
    assert "taro@newsroom.example" not in body


def test_json_ld_cannot_be_broken_out_of_by_editor_text(client):
    explainer = published(title=f"Title {BREAKOUT}", introduction=f"Intro {BREAKOUT}")
    ExplainerSourceFactory(
        explainer=explainer, source=SourceArticleFactory(title=f"Source {BREAKOUT}")
    )
    correction_add(explainer=explainer, kind="correction", note=BREAKOUT, significant=True)
    body, doc = page(client, explainer)
    assert "<script>alert(1)" not in body
    start = body.index('<script type="application/ld+json"')
    content_start = body.index(">", start) + 1
    content = body[content_start : body.index("</script>", content_start)]
    data = json.loads(content)
    assert data["headline"] == f"Title {BREAKOUT}"
    assert data["isBasedOn"][0]["name"] == f"Source {BREAKOUT}"
    assert data["correction"][0]["text"] == BREAKOUT
    assert len(doc.xpath('//script[@type="application/ld+json"]')) == 1


def test_json_ld_is_a_data_block_without_a_nonce(client):
    """A data block runs nothing, so CSP does not apply to it: no nonce, and the page is the
    same bytes for every reader (the shared page cache)."""
    response = client.get(published().get_absolute_url())
    [script] = html.fromstring(response.content).xpath('//script[@type="application/ld+json"]')
    assert script.get("nonce") is None
    assert "nonce-" not in response["Content-Security-Policy"]


def test_json_ld_escapes_markup_characters():
    text = seo.json_ld({"t": "</script><!-- & -->"})
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == {"t": "</script><!-- & -->"}


def test_seo_metadata_uses_prefetched_parts_without_queries(django_assert_num_queries):
    explainer = published(sections=2)
    explainer.topics.add(TopicFactory())
    ExplainerSourceFactory(explainer=explainer)
    correction_add(explainer=explainer, kind="update", note="More.", significant=True)
    explainer = (
        Explainer.objects.select_related("byline")
        .prefetch_related(
            "topics",
            "corrections",
            Prefetch("sections", queryset=DetailSection.objects.order_by("position")),
            Prefetch(
                "source_links",
                queryset=ExplainerSource.objects.select_related("source").order_by("position"),
            ),
        )
        .get(pk=explainer.pk)
    )
    with django_assert_num_queries(0):
        seo.explainer_meta(explainer)


def test_staff_preview_of_a_draft_is_not_indexed(client, editor):
    draft = ExplainerFactory(key_points=3)
    client.force_login(editor)
    _, doc = page(client, draft)
    assert meta(doc, "robots") == "noindex, nofollow"


def test_published_explainer_is_indexable(client):
    _, doc = page(client, published())
    assert doc.xpath('//meta[@name="robots"]') == []


# One "last updated" rule: sitemap, feeds and JSON-LD agree.


def feed_dates(client, explainer):
    """(Atom <updated>, RSS <pubDate>) of the explainer's entry in the latest feeds."""
    atom = etree.fromstring(client.get(reverse("explainers:feed_atom")).content)
    ns = "{http://www.w3.org/2005/Atom}"
    [entry] = [
        e for e in atom.iter(f"{ns}entry") if e.find(f"{ns}link").get("href") == absolute(explainer)
    ]
    updated = datetime.datetime.fromisoformat(entry.findtext(f"{ns}updated"))
    rss = etree.fromstring(client.get(reverse("explainers:feed_rss")).content)
    [item] = [i for i in rss.iter("item") if i.findtext("link") == absolute(explainer)]
    pubdate = datetime.datetime.strptime(item.findtext("pubDate"), "%a, %d %b %Y %H:%M:%S %z")
    return updated, pubdate


def assert_one_last_updated(client, explainer, expected):
    atom_updated, _ = feed_dates(client, explainer)
    assert atom_updated == expected
    assert sitemap_entries(client)[canonical(explainer)] == timezone.localdate(expected).isoformat()
    _, doc = page(client, explainer)
    assert datetime.datetime.fromisoformat(json_ld(doc)["dateModified"]) == expected
    assert datetime.datetime.fromisoformat(meta(doc, "article:modified_time")) == expected
    explainer.refresh_from_db()
    assert explainer.last_updated == expected


def republished(editor, days_ago=3):
    explainer = ExplainerFactory(key_points=3, sources=1)
    first = (timezone.now() - datetime.timedelta(days=days_ago)).replace(microsecond=0)
    explainer_publish(explainer=explainer, actor=editor, publish_at=first)
    explainer_unpublish(explainer=explainer, actor=editor)
    explainer_publish(explainer=explainer, actor=editor)
    return explainer, first


def test_a_republished_explainer_has_one_last_updated_date_everywhere(client, editor):
    explainer, first = republished(editor)
    assert_one_last_updated(client, explainer, first)
    _, pubdate = feed_dates(client, explainer)
    assert pubdate == first  # RSS pubDate, like datePublished, is the first publication
    _, doc = page(client, explainer)
    assert datetime.datetime.fromisoformat(json_ld(doc)["datePublished"]) == first


def test_a_significant_correction_is_the_last_updated_date_everywhere(client, editor):
    explainer, _first = republished(editor)
    at = (timezone.now() - datetime.timedelta(hours=1)).replace(microsecond=0)
    correction_add(explainer=explainer, kind="update", note="New figures.", significant=True, at=at)
    assert_one_last_updated(client, explainer, at)


def test_feed_order_follows_the_last_updated_date(client, editor):
    old, _first = republished(editor, days_ago=5)
    newer = published(days_ago=2)
    atom = etree.fromstring(client.get(reverse("explainers:feed_atom")).content)
    ns = "{http://www.w3.org/2005/Atom}"
    links = [e.find(f"{ns}link").get("href") for e in atom.iter(f"{ns}entry")]
    # Republishing is not an update: the explainer first published five days ago stays below.
    assert links == [absolute(newer), absolute(old)]


# Author names: readers.public_name(), never a login.


def test_an_editor_without_a_public_name_is_never_shown_by_login(client):
    editor = UserFactory(username="editor", is_staff=True, first_name="", last_name="")
    explainer = published(byline=editor, key_points=1)
    body, doc = page(client, explainer)
    assert "By editor" not in body
    assert doc.xpath('//*[@class="byline"]/text()') == ["By The newsroom"]
    assert json_ld(doc)["author"]["name"] != "editor"
    assert meta(doc, "article:author") != "editor"
    for name in ("explainers:feed_rss", "explainers:feed_atom"):
        feed = client.get(reverse(name)).content.decode()
        assert ">editor<" not in feed
        assert "editor@" not in feed
