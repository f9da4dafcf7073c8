import datetime
import html

import pytest
from django.urls import reverse
from django.utils import timezone
from lxml import etree
from lxml import html as lxml_html

from explainers.models import Explainer
from explainers.services import correction_add
from tests.factories import (
    CommentFactory,
    CorrectionFactory,
    ExplainerFactory,
    KeyPointFactory,
    TopicFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
FEEDS = [
    "feed_rss",
    "feed_atom",
    "topic_feed_rss",
    "topic_feed_atom",
    "feed_corrections",
    "feed_corrections_atom",
]


def published(days_ago=1, **kwargs):
    when = timezone.now() - datetime.timedelta(days=days_ago)
    return ExplainerFactory(
        status=Explainer.Status.PUBLISHED, publish_at=when, first_published_at=when, **kwargs
    )


def scheduled(**kwargs):
    when = timezone.now() + datetime.timedelta(days=1)
    return ExplainerFactory(status=Explainer.Status.PUBLISHED, publish_at=when, **kwargs)


def feed_url(name, topic=None):
    if name.startswith("topic_"):
        return reverse(f"explainers:{name}", kwargs={"slug": topic.slug})
    return reverse(f"explainers:{name}")


def entries(response):
    """(title, description HTML, link, element) for each item of an RSS or Atom feed."""
    assert response.status_code == 200
    root = etree.fromstring(response.content)
    if root.tag == "rss":
        return [
            (i.findtext("title"), i.findtext("description"), i.findtext("link"), i)
            for i in root.iter("item")
        ]
    assert root.tag == f"{ATOM}feed"
    return [
        (
            e.findtext(f"{ATOM}title"),
            e.findtext(f"{ATOM}summary"),
            e.find(f"{ATOM}link").get("href"),
            e,
        )
        for e in root.iter(f"{ATOM}entry")
    ]


def titles(response):
    return [title for title, *_ in entries(response)]


@pytest.fixture
def topic():
    return TopicFactory(name="Energy", slug="energy")


@pytest.mark.parametrize("name", FEEDS)
def test_feed_is_well_formed_xml(client, topic, name):
    explainer = published(key_points=2)
    explainer.topics.add(topic)
    CorrectionFactory(explainer=explainer)
    response = client.get(feed_url(name, topic))
    assert response.status_code == 200
    root = etree.fromstring(response.content)
    assert root.tag in {"rss", f"{ATOM}feed"}
    assert len(entries(response)) == 1


@pytest.mark.parametrize("name", ["feed_rss", "feed_atom", "topic_feed_rss", "topic_feed_atom"])
def test_feed_lists_only_published_explainers(client, topic, name):
    visible = published(title="Visible explainer")
    draft = ExplainerFactory(title="Draft explainer")
    in_review = ExplainerFactory(title="Review explainer", status=Explainer.Status.REVIEW)
    future = scheduled(title="Scheduled explainer")
    for explainer in (visible, draft, in_review, future):
        explainer.topics.add(topic)
    assert titles(client.get(feed_url(name, topic))) == ["Visible explainer"]


@pytest.mark.parametrize("name", ["topic_feed_rss", "topic_feed_atom"])
def test_topic_feed_lists_only_that_topics_explainers(client, topic, name):
    published(title="On topic").topics.add(topic)
    published(title="Elsewhere").topics.add(TopicFactory())
    assert titles(client.get(feed_url(name, topic))) == ["On topic"]


@pytest.mark.parametrize("name", ["topic_feed_rss", "topic_feed_atom"])
def test_topic_feed_for_unknown_topic_is_404(client, name):
    url = reverse(f"explainers:{name}", kwargs={"slug": "no-such-topic"})
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("name", ["feed_rss", "feed_atom", "topic_feed_rss", "topic_feed_atom"])
def test_feed_item_carries_summary_and_key_points_as_escaped_ordered_list(client, topic, name):
    explainer = published(summary="Prices rise & fall <sometimes>.")
    explainer.topics.add(topic)
    KeyPointFactory(explainer=explainer, position=2, text="Second: <b>bold</b> claim")
    KeyPointFactory(explainer=explainer, position=1, text="First point")
    [(_, description, _, _)] = entries(client.get(feed_url(name, topic)))
    assert description == (
        "<p>Prices rise &amp; fall &lt;sometimes&gt;.</p>"
        "<ol><li>First point</li><li>Second: &lt;b&gt;bold&lt;/b&gt; claim</li></ol>"
    )


def test_feed_item_summary_keeps_its_paragraphs(client):
    published(summary="First paragraph.\n\nSecond <paragraph>.")
    [(_, description, _, _)] = entries(client.get(feed_url("feed_atom")))
    assert description.startswith("<p>First paragraph.</p>\n\n<p>Second &lt;paragraph&gt;.</p><ol>")


def test_significant_correction_moves_explainer_to_top_of_feed(client):
    older = published(days_ago=3, title="Older")
    published(days_ago=1, title="Newer")
    assert titles(client.get(feed_url("feed_rss"))) == ["Newer", "Older"]
    correction_add(explainer=older, kind="correction", note="Fixed a date.", significant=True)
    assert titles(client.get(feed_url("feed_rss"))) == ["Older", "Newer"]


def test_silent_correction_does_not_reorder_feed(client):
    older = published(days_ago=3, title="Older")
    published(days_ago=1, title="Newer")
    correction_add(explainer=older, kind="correction", note="Typo.", significant=False)
    assert titles(client.get(feed_url("feed_atom"))) == ["Newer", "Older"]


def test_atom_entry_published_is_publish_time_and_updated_is_significant_update(client):
    explainer = published(days_ago=3)
    correction = correction_add(
        explainer=explainer, kind="update", note="New figures.", significant=True
    )
    [(_, _, _, entry)] = entries(client.get(feed_url("feed_atom")))
    published_at = datetime.datetime.fromisoformat(entry.findtext(f"{ATOM}published"))
    updated_at = datetime.datetime.fromisoformat(entry.findtext(f"{ATOM}updated"))
    assert published_at == explainer.publish_at
    assert updated_at == correction.created_at


def test_rss_item_pubdate_is_publish_time(client):
    explainer = published(days_ago=2)
    [(_, _, _, item)] = entries(client.get(feed_url("feed_rss")))
    pubdate = datetime.datetime.strptime(item.findtext("pubDate"), "%a, %d %b %Y %H:%M:%S %z")
    assert pubdate == explainer.publish_at.replace(microsecond=0)


def test_feed_links_are_absolute_on_site_url(client, settings):
    settings.SITE_URL = "https://kaisetsu.example.jp"
    explainer = published()
    [(_, _, link, _)] = entries(client.get(feed_url("feed_rss")))
    assert link == f"https://kaisetsu.example.jp{explainer.get_absolute_url()}"


def test_feed_shows_byline_full_name_and_no_email(client):
    from tests.factories import AuthorProfileFactory

    editor = UserFactory(username="hanako", email="hanako@newsroom.example")
    AuthorProfileFactory(user=editor, name="Hanako Sato")
    published(byline=editor)
    for name in ("feed_rss", "feed_atom"):
        body = client.get(feed_url(name)).content.decode()
        assert "Hanako Sato" in body
        assert "hanako@newsroom.example" not in body


@pytest.mark.parametrize("name", ["feed_corrections", "feed_corrections_atom"])
def test_corrections_feed_lists_published_explainers_corrections_newest_first(
    client, settings, name
):
    explainer = published(days_ago=5, title="Public")
    first = correction_add(
        explainer=explainer,
        kind="correction",
        note="Wrong year.",
        significant=True,
        at=timezone.now() - datetime.timedelta(days=2),
    )
    second = correction_add(
        explainer=explainer, kind="clarification", note="Clearer wording.", significant=False
    )
    CorrectionFactory(explainer=ExplainerFactory(title="Draft"), note="Draft fix.")
    CorrectionFactory(explainer=scheduled(title="Scheduled"), note="Scheduled fix.")
    items = entries(client.get(feed_url(name)))
    assert [html.unescape(description) for _, description, _, _ in items] == [
        "<p>Clearer wording.</p>",
        "<p>Wrong year.</p>",
    ]
    assert [link for _, _, link, _ in items] == [
        f"{settings.SITE_URL}{explainer.get_absolute_url()}#correction-{second.pk}",
        f"{settings.SITE_URL}{explainer.get_absolute_url()}#correction-{first.pk}",
    ]


def test_feed_query_count_does_not_grow_with_items(client, topic, count_queries):
    def queries(name):
        return count_queries(client, feed_url(name, topic))

    for _ in range(2):
        published(key_points=3, byline=UserFactory()).topics.add(topic, TopicFactory())
    queries("feed_rss")  # the Sites framework caches the current site on first use
    small = {name: queries(name) for name in FEEDS}
    for _ in range(6):
        explainer = published(key_points=3, byline=UserFactory())
        explainer.topics.add(topic, TopicFactory())
        CorrectionFactory(explainer=explainer)
    large = {name: queries(name) for name in FEEDS}
    assert large == small


def test_every_page_advertises_the_latest_feeds(client):
    doc = lxml_html.fromstring(client.get(reverse("explainers:home")).content)
    alternates = {
        link.get("type"): link.get("href")
        for link in doc.xpath('//link[@rel="alternate"][@type]')  # not the hreflang ones
    }
    assert alternates == {
        "application/rss+xml": feed_url("feed_rss"),
        "application/atom+xml": feed_url("feed_atom"),
    }
    footer_links = doc.xpath("//footer//a/@href")
    for name in ("feed_rss", "feed_atom", "feed_corrections", "feed_corrections_atom"):
        assert feed_url(name) in footer_links


def test_topic_page_advertises_its_own_feeds(client, topic):
    published().topics.add(topic)
    doc = lxml_html.fromstring(client.get(topic.get_absolute_url()).content)
    alternates = doc.xpath('//link[@rel="alternate"]/@href')
    assert feed_url("topic_feed_rss", topic) in alternates
    assert feed_url("topic_feed_atom", topic) in alternates
    for name in ("topic_feed_rss", "topic_feed_atom"):
        assert client.get(feed_url(name, topic)).status_code == 200


def test_feeds_never_carry_commenters_details(client, topic):
    explainer = published(key_points=2)
    explainer.topics.add(topic)
    CorrectionFactory(explainer=explainer)
    CommentFactory(explainer=explainer, guest_name="Guest Writer", guest_email="guest@mail.example")
    for name in FEEDS:
        body = client.get(feed_url(name, topic)).content.decode()
        assert "guest@mail.example" not in body
        assert "Guest Writer" not in body


# Stored text the feed writer would refuse (rows from before the models cleaned it).


@pytest.mark.parametrize("name", FEEDS)
def test_feed_survives_control_characters_in_stored_text(client, topic, name):
    explainer = published(key_points=1)
    explainer.topics.add(topic)
    correction = CorrectionFactory(explainer=explainer)
    # .update() skips save(): what a row stored before the rule looks like. (No NUL: no
    # PostgreSQL row can hold one, so none can be stored to survive.)
    Explainer.objects.filter(pk=explainer.pk).update(
        title="Tax\x01 reform", summary="Sum\x0bmary\x1f"
    )
    explainer.key_points.update(text="Key\x0b point")
    type(topic).objects.filter(pk=topic.pk).update(name="Ene\x01rgy")
    type(correction).objects.filter(pk=correction.pk).update(note="No\x02te")
    response = client.get(feed_url(name, topic))
    assert response.status_code == 200
    [(title, description, _link, _element)] = entries(response)
    assert "Tax reform" in title
    assert "\x01" not in response.content.decode()
    if not name.startswith("feed_corrections"):
        assert "Key point" in description
    else:
        assert "Note" in description


def _rfc3339(value):
    """A date-time as RFC 3339 writes it (Atom's dates): parsed, with its offset."""
    assert value, "missing date"
    moment = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    assert moment.tzinfo is not None, value
    return moment


def _absolute(href, site_url):
    assert href and href.startswith(site_url), href


def validate_atom(root, site_url):
    """The elements RFC 4287 requires of a feed and of each entry, and the links we promise."""
    assert root.tag == f"{ATOM}feed"
    for name in ("id", "title", "updated"):
        assert len(root.findall(f"{ATOM}{name}")) == 1, name
    assert root.findtext(f"{ATOM}id").strip()
    assert root.findtext(f"{ATOM}title").strip()
    _rfc3339(root.findtext(f"{ATOM}updated"))
    links = {link.get("rel", "alternate"): link.get("href") for link in root.findall(f"{ATOM}link")}
    _absolute(links.get("self"), site_url)
    _absolute(links.get("alternate"), site_url)
    feed_author = root.find(f"{ATOM}author")
    entries = root.findall(f"{ATOM}entry")
    assert entries
    for entry in entries:
        for name in ("id", "title", "updated"):
            assert len(entry.findall(f"{ATOM}{name}")) == 1, (name, etree.tostring(entry))
            assert (entry.findtext(f"{ATOM}{name}") or "").strip(), name
        _rfc3339(entry.findtext(f"{ATOM}updated"))
        if entry.find(f"{ATOM}published") is not None:
            _rfc3339(entry.findtext(f"{ATOM}published"))
        alternate = [
            link
            for link in entry.findall(f"{ATOM}link")
            if link.get("rel", "alternate") == "alternate"
        ]
        assert len(alternate) == 1
        _absolute(alternate[0].get("href"), site_url)
        # An author for every entry: its own or the feed's.
        author = entry.find(f"{ATOM}author")
        author = author if author is not None else feed_author
        assert author is not None and (author.findtext(f"{ATOM}name") or "").strip()
    ids = [entry.findtext(f"{ATOM}id") for entry in entries]
    assert len(set(ids)) == len(ids)


def validate_rss(root, site_url):
    """RSS 2.0: a channel with title, link and description; items with a title, a link and
    dates RFC 822 can read."""
    from email.utils import parsedate_to_datetime

    assert root.tag == "rss" and root.get("version") == "2.0"
    channel = root.find("channel")
    for name in ("title", "link", "description"):
        assert (channel.findtext(name) or "").strip(), name
    _absolute(channel.findtext("link"), site_url)
    if channel.find("lastBuildDate") is not None:
        parsedate_to_datetime(channel.findtext("lastBuildDate"))
    items = channel.findall("item")
    assert items
    for item in items:
        assert (item.findtext("title") or "").strip()
        _absolute(item.findtext("link"), site_url)
        assert parsedate_to_datetime(item.findtext("pubDate")).tzinfo is not None


@pytest.mark.parametrize("name", FEEDS)
def test_every_feed_is_valid_rss_or_atom(client, topic, name, settings):
    """Validated with a real XML parser, with the entries that once broke Atom: a correction
    (no <updated>) and an explainer without a byline (no author)."""
    explainer = published(title="Bylined", byline=UserFactory(first_name="Aiko"))
    unsigned = published(days_ago=2, title="Unsigned")
    explainer.topics.add(topic)
    unsigned.topics.add(topic)
    correction_add(explainer=explainer, kind="correction", note="Fixed.", significant=True)
    correction_add(explainer=unsigned, kind="update", note="Silent.", significant=False)
    response = client.get(feed_url(name, topic))
    assert response.status_code == 200
    root = etree.fromstring(response.content, etree.XMLParser(resolve_entities=False))
    if root.tag == "rss":
        validate_rss(root, settings.SITE_URL)
    else:
        validate_atom(root, settings.SITE_URL)
