"""Author pages (issue 13 §3): a public page per byline with a profile, linked from the byline
and named in the explainer's JSON-LD; kept by each editor in the admin; never a login name."""

import datetime
import io
import json

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from lxml import html as lxml_html
from PIL import Image

from explainers.models import Explainer
from explainers.services import explainer_unpublish
from readers.models import AuthorProfile
from readers.services import author_profile_save
from tests.factories import AuthorProfileFactory, ExplainerFactory, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "hsato_login"
ADMIN_CHANGELIST = "/admin/readers/authorprofile/"
AUTHOR_PAGE_BUDGET = 4


def png(width=40, height=30) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "teal").save(buffer, "PNG")
    return SimpleUploadedFile("portrait.png", buffer.getvalue(), content_type="image/png")


@pytest.fixture
def author(editor):
    editor.username = LOGIN
    editor.save()
    return AuthorProfileFactory(
        user=editor, name="Hanako Sato", bio="Covers energy and the climate."
    )


def live(author, **kwargs):
    kwargs.setdefault("key_points", 1)
    return ExplainerFactory(published=True, byline=author.user, **kwargs)


def get(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    return response, len(queries)


def author_url(profile, page=None):
    url = reverse("explainers:author", kwargs={"slug": profile.slug})
    return f"{url}?page={page}" if page else url


def json_ld(response) -> dict:
    doc = lxml_html.fromstring(response.content)
    (script,) = doc.xpath('//script[@type="application/ld+json"]/text()')
    return json.loads(script)


# --- The page ------------------------------------------------------------------------------


def test_author_page_shows_name_bio_and_their_published_explainers_only(client, author):
    mine = live(author, title="Why power bills rose")
    live(author, title="A later one")
    ExplainerFactory(byline=author.user, title="My unpublished draft")
    ExplainerFactory(published=True, title="Someone else's piece")
    response = client.get(author_url(author))
    assert response.status_code == 200
    doc = lxml_html.fromstring(response.content)
    assert doc.xpath("//h1/text()") == ["Hanako Sato"]
    assert "Covers energy and the climate." in doc.xpath(
        'string(//*[@class="page-lede author-bio"])'
    )
    titles = doc.xpath('//*[@class="explainer-card-title"]/a/text()')
    assert titles == ["A later one", "Why power bills rose"]
    assert mine.get_absolute_url() in doc.xpath('//*[@class="explainer-card-title"]/a/@href')
    assert "2 explainers" in doc.xpath('string(//*[@class="result-count"])')


def test_author_page_has_description_canonical_and_hreflang(client, author):
    live(author)
    with translation.override("ja"):
        url = author_url(author)
    response = client.get(url)
    doc = lxml_html.fromstring(response.content)
    assert doc.xpath('//meta[@name="description"]/@content') == ["Covers energy and the climate."]
    assert doc.xpath('//link[@rel="canonical"]/@href') == [f"{settings.SITE_URL}{url}"]
    alternates = {link.get("hreflang"): link.get("href") for link in doc.xpath("//link[@hreflang]")}
    assert alternates == {
        "ja": f"{settings.SITE_URL}/ja/authors/{author.slug}/",
        "en": f"{settings.SITE_URL}/en/authors/{author.slug}/",
    }


def test_author_page_without_bio_has_a_translated_description(client, editor):
    profile = AuthorProfileFactory(user=editor, name="佐藤花子", bio="")
    with translation.override("ja"):
        response = client.get(author_url(profile))
    description = lxml_html.fromstring(response.content).xpath(
        '//meta[@name="description"]/@content'
    )
    assert description == ["佐藤花子による解説：ニュースがなぜ重要か、要点と情報源。"]


def test_portrait_has_renditions_with_their_dimensions(client, author, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    author.portrait = png(600, 450)
    author_profile_save(by=author.user, profile=author)
    doc = lxml_html.fromstring(client.get(author_url(author)).content)
    (img,) = doc.xpath('//img[@class="author-portrait"]')
    assert (img.get("width"), img.get("height")) == ("600", "450")
    assert "480w" in img.get("srcset") and "600w" in img.get("srcset")
    (webp,) = doc.xpath('//picture/source[@type="image/webp"]/@srcset')
    assert ".webp 480w" in webp
    assert img.get("alt") == ""  # the name is beside it


def test_portrait_without_renditions_is_the_original_with_its_dimensions(
    client, author, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    author.portrait = png(40, 30)
    author.save()  # not through the service: no renditions made
    response = client.get(author_url(author))
    (img,) = lxml_html.fromstring(response.content).xpath('//img[@class="author-portrait"]')
    assert img.get("src") == author.portrait.url
    assert (img.get("width"), img.get("height")) == ("40", "30")


def test_japanese_name_gets_a_romanised_unique_slug(editor, contributor):
    first = AuthorProfileFactory(user=editor, name="佐藤花子", slug="")
    second = AuthorProfileFactory(user=contributor, name="佐藤花子", slug="")
    assert first.slug.isascii() and first.slug
    assert second.slug == f"{first.slug}-2"


def test_author_page_is_paginated_without_counting_per_page(client, author):
    for n in range(12):
        live(author, title=f"Piece {n}")
    first = client.get(author_url(author))
    second = client.get(author_url(author, page=2))
    assert len(first.context["explainers"]) == 10
    assert len(second.context["explainers"]) == 2
    assert 'rel="next"' in first.content.decode()
    assert client.get(author_url(author, page=3)).status_code == 404
    # The count is read with the profile, and then remembered: no COUNT query of its own.
    with CaptureQueriesContext(connection) as queries:
        response = client.get(author_url(author, page=2))
    assert response.status_code == 200
    assert not [q for q in queries if "COUNT(" in q["sql"].upper()]


def test_a_person_without_an_author_profile_has_no_author_page(client, editor):
    assert (
        client.get(reverse("explainers:author", kwargs={"slug": editor.username})).status_code
        == 404
    )
    assert client.get(reverse("explainers:author", kwargs={"slug": "nobody"})).status_code == 404


@pytest.mark.parametrize("explainers", [1, 60])
def test_author_page_stays_within_its_query_budget(client, author, count_queries, explainers):
    now = timezone.now()
    Explainer.objects.bulk_create(
        Explainer(
            title=f"Bulk {n}",
            slug=f"bulk-{n}",
            language="en",
            introduction="Why it mattered.",
            summary="What to remember.",
            byline=author.user,
            status=Explainer.Status.PUBLISHED,
            publish_at=now - datetime.timedelta(days=1, minutes=n),
            first_published_at=now - datetime.timedelta(days=1, minutes=n),
        )
        for n in range(explainers)
    )
    assert count_queries(client, author_url(author)) <= AUTHOR_PAGE_BUDGET
    assert count_queries(client, author_url(author, page=2 if explainers > 10 else None)) <= (
        AUTHOR_PAGE_BUDGET
    )


# --- The byline and JSON-LD ----------------------------------------------------------------


def test_byline_links_to_the_author_page(client, author):
    explainer = live(author)
    doc = lxml_html.fromstring(client.get(explainer.get_absolute_url()).content)
    (link,) = doc.xpath('//*[@class="byline"]/a')
    assert link.text == "Hanako Sato"
    assert link.get("href") == author_url(author)
    assert link.get("rel") == "author"


def test_byline_in_japanese_links_to_the_japanese_author_page(client, author):
    explainer = live(author, language="ja")
    with translation.override("ja"):
        url, expected = explainer.get_absolute_url(), author_url(author)
    doc = lxml_html.fromstring(client.get(url).content)
    assert doc.xpath('string(//*[@class="byline"])') == "文：Hanako Sato"
    assert doc.xpath('//*[@class="byline"]/a/@href') == [expected]


def test_byline_without_an_author_profile_links_nowhere_and_is_the_newsroom(client, editor):
    explainer = ExplainerFactory(published=True, key_points=1, byline=editor)
    doc = lxml_html.fromstring(client.get(explainer.get_absolute_url()).content)
    assert doc.xpath('//*[@class="byline"]/text()') == ["By The newsroom"]
    assert doc.xpath('//*[@class="byline"]/a') == []
    assert json_ld(client.get(explainer.get_absolute_url()))["author"]["@type"] == "Organization"


def test_json_ld_author_is_a_person_with_the_author_page_url(client, author):
    explainer = live(author, language="ja")
    data = json_ld(client.get(explainer.get_absolute_url()))
    assert data["author"] == {
        "@type": "Person",
        "name": "Hanako Sato",
        "url": f"{settings.SITE_URL}/ja/authors/{author.slug}/",
    }


def test_the_explainer_page_reads_the_author_profile_with_the_byline(client, author, count_queries):
    with_profile = live(author)
    without = ExplainerFactory(published=True, key_points=1, byline=UserFactory(is_staff=True))
    assert count_queries(client, with_profile.get_absolute_url()) == count_queries(
        client, without.get_absolute_url()
    )


def test_a_login_name_never_appears_on_a_public_page(client, author):
    explainer = live(author, title="Why power bills rose")
    pages = [
        reverse("explainers:home"),
        explainer.get_absolute_url(),
        author_url(author),
        reverse("explainers:feed_rss"),
        reverse("explainers:feed_atom"),
        reverse("explainers:feed_corrections"),
        reverse("sitemap_section", kwargs={"section": "authors"}),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        assert LOGIN not in body, url
    assert "Hanako Sato" in client.get(reverse("explainers:feed_atom")).content.decode()


def test_sitemap_lists_author_pages_with_a_published_explainer(client, author, contributor):
    live(author)
    AuthorProfileFactory(user=contributor, name="No pieces yet")
    body = client.get(reverse("sitemap_section", kwargs={"section": "authors"})).content.decode()
    assert f"{settings.SITE_URL}/en/authors/{author.slug}/" in body
    assert f"{settings.SITE_URL}/ja/authors/{author.slug}/" in body
    assert "no-pieces-yet" not in body


# --- The shared page cache -----------------------------------------------------------------


def test_author_page_is_served_from_the_cache_with_no_queries(client, author):
    live(author)
    first, _ = get(client, author_url(author))
    second, queries = get(client, author_url(author))
    assert queries == 0
    assert second.content == first.content


def test_a_profile_change_reaches_the_author_page_and_the_bylines(client, author):
    explainer = live(author)
    get(client, author_url(author))
    get(client, explainer.get_absolute_url())
    author.name = "Hanako Sato-Tanaka"
    author.bio = "Now covers science."
    author_profile_save(by=author.user, profile=author)
    page, queries = get(client, author_url(author))
    assert queries > 0
    assert "Now covers science." in page.content.decode()
    assert "Hanako Sato-Tanaka" in client.get(explainer.get_absolute_url()).content.decode()


def test_a_new_address_retires_the_old_one(client, author):
    live(author)
    old = author_url(author)
    assert client.get(old).status_code == 200
    author.slug = "hanako"
    author_profile_save(by=author.user, profile=author)
    assert client.get(old).status_code == 404
    assert client.get(author_url(author)).status_code == 200


def test_unpublishing_an_explainer_takes_it_off_the_author_page(client, author, editor):
    explainer = live(author, title="Soon withdrawn")
    assert "Soon withdrawn" in client.get(author_url(author)).content.decode()
    explainer_unpublish(explainer=explainer, actor=editor)
    page = client.get(author_url(author)).content.decode()
    assert "Soon withdrawn" not in page
    assert "No published explainers by this author yet." in page


# --- The admin: each keeps their own -------------------------------------------------------


def test_an_editor_creates_their_own_profile_in_the_admin(client, editor):
    client.force_login(editor)
    response = client.post(
        f"{ADMIN_CHANGELIST}add/", {"name": "山田太郎", "slug": "", "bio": "経済担当。"}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    profile = AuthorProfile.objects.get()
    assert profile.user == editor
    assert profile.slug.isascii() and profile.slug


def test_an_editor_sees_and_edits_only_their_own_profile(client, editor, contributor):
    mine = AuthorProfileFactory(user=editor, name="Mine")
    theirs = AuthorProfileFactory(user=contributor, name="Theirs")
    client.force_login(editor)
    changelist = client.get(ADMIN_CHANGELIST).content.decode()
    assert "Mine" in changelist and "Theirs" not in changelist
    assert client.get(f"{ADMIN_CHANGELIST}{mine.pk}/change/").status_code == 200
    response = client.post(
        f"{ADMIN_CHANGELIST}{theirs.pk}/change/", {"name": "Hijacked", "slug": theirs.slug}
    )
    assert response.status_code in (302, 403, 404)
    theirs.refresh_from_db()
    assert theirs.name == "Theirs"
    # One profile each: the add page is closed to someone who has one.
    assert client.get(f"{ADMIN_CHANGELIST}add/").status_code == 403


def test_a_superuser_edits_anyones_profile(client, contributor):
    theirs = AuthorProfileFactory(user=contributor, name="Theirs")
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(root)
    response = client.post(
        f"{ADMIN_CHANGELIST}{theirs.pk}/change/",
        {"name": "Renamed by root", "slug": theirs.slug, "bio": ""},
    )
    assert response.status_code == 302
    theirs.refresh_from_db()
    assert theirs.name == "Renamed by root"


def test_the_service_refuses_someone_elses_profile(editor, contributor):
    theirs = AuthorProfileFactory(user=contributor, name="Theirs")
    theirs.name = "Hijacked"
    with pytest.raises(PermissionDenied):
        author_profile_save(by=editor, profile=theirs)


def test_a_reader_cannot_open_author_profiles_in_the_admin(client, reader):
    client.force_login(reader)
    assert client.get(ADMIN_CHANGELIST).status_code == 302  # to the admin's login


def test_a_file_that_is_not_an_image_is_a_form_error(client, editor, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(editor)
    fake = SimpleUploadedFile("portrait.png", b"not an image at all", content_type="image/png")
    response = client.post(
        f"{ADMIN_CHANGELIST}add/", {"name": "Hanako Sato", "slug": "", "portrait": fake}
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["portrait"]
    assert not AuthorProfile.objects.exists()


def test_a_portrait_gets_the_same_upload_limits_as_every_image(client, editor, settings, tmp_path):
    """A portrait past the pixel limit is refused with the image checks' own message (read
    from the header, before decoding), as a lead image or a figure would be."""
    settings.MEDIA_ROOT = tmp_path
    settings.KAISETSU_IMAGE_MAX_PIXELS = 100 * 100
    client.force_login(editor)
    response = client.post(
        f"{ADMIN_CHANGELIST}add/", {"name": "Hanako Sato", "slug": "", "portrait": png(200, 150)}
    )
    assert response.status_code == 200
    (error,) = response.context["adminform"].form.errors.as_data()["portrait"]
    assert error.code == "image_too_many_pixels"
    assert not AuthorProfile.objects.exists()


def test_the_portrait_field_checks_uploads_outside_the_admin_too(editor, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.KAISETSU_IMAGE_MAX_PIXELS = 100 * 100
    profile = AuthorProfile(user=editor, name="Hanako Sato", portrait=png(200, 150))
    with pytest.raises(ValidationError) as raised:
        author_profile_save(by=editor, profile=profile)
    assert raised.value.error_dict["portrait"][0].code == "image_too_many_pixels"
    assert not AuthorProfile.objects.exists()
