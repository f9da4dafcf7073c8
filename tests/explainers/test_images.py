"""Editors' images (core/images.py): upload checks, renditions made on write, and the
markup pages give them (srcset, sizes, width/height, lazy loading, og:image)."""

import io
import re
import struct
import zlib

import lxml.html
import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from PIL import Image

from core import images
from explainers.demo import content
from explainers.drafts import explainer_draft_start, explainer_publish_changes
from explainers.models import DetailSection, Explainer
from explainers.revisions import snapshot
from tests.explainers.test_admin import change_url, form_data
from tests.factories import DetailSectionFactory, ExplainerFactory, TopicFactory

pytestmark = pytest.mark.django_db

GPS_IFD, MAKE = 0x8825, 0x010F
CLASS = "contains(concat(' ', normalize-space(@class), ' '), ' %s ')"  # an XPath class test


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SITE_URL = "https://kaisetsu.example.jp"


def image_bytes(size=(2000, 1000), fmt="JPEG", exif=None, color="#3a7bd5") -> bytes:
    mode = "RGBA" if fmt == "PNG" else "RGB"
    image = Image.new(mode, size, color)
    buffer = io.BytesIO()
    options = {"exif": exif.tobytes()} if exif is not None else {}
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def upload(name="photo.jpg", data=None, content_type="image/jpeg"):
    return SimpleUploadedFile(name, data if data is not None else image_bytes(), content_type)


def with_lead_image(**kwargs):
    """A published explainer with a 2000×1000 JPEG lead image (refreshed by the factory)."""
    explainer = ExplainerFactory(
        published=True,
        lead_image=upload(),
        lead_image_alt="Commuters on a platform",
        lead_image_caption="Morning rush",
        lead_image_credit="Photo desk",
        **kwargs,
    )
    explainer.refresh_from_db()
    return explainer


def opened(name):
    with default_storage.open(name) as handle, Image.open(handle) as image:
        image.load()
        return image.format, image.size, image.getexif()


def gps_exif():
    exif = Image.Exif()
    exif[MAKE] = "KaisetsuCam"
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (35.0, 41.0, 22.0), 3: "E", 4: (139.0, 41.0, 30.0)})
    return exif


def png_header_only(width, height) -> bytes:
    """A PNG that claims `width`×`height` pixels in its header (a decompression bomb's shape):
    nothing past the header needs to be decoded to refuse it."""

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + chunk(b"IEND", b"")
    )


# Renditions -------------------------------------------------------------------------------


def test_renditions_are_made_in_widths_in_the_original_format_and_webp():
    made = with_lead_image().lead_image_renditions
    assert made["src"].startswith("lead/")
    assert (made["width"], made["height"], made["format"]) == (2000, 1000, "jpeg")
    assert [(entry["width"], entry["height"]) for entry in made["widths"]] == [
        (480, 240),
        (800, 400),
        (1200, 600),
        (1600, 800),
    ]
    for entry in made["widths"]:
        assert opened(entry["jpeg"])[:2] == ("JPEG", (entry["width"], entry["height"]))
        assert opened(entry["webp"])[:2] == ("WEBP", (entry["width"], entry["height"]))


def test_the_og_rendition_is_a_1200_by_630_crop():
    made = with_lead_image().lead_image_renditions
    assert (made["og"]["width"], made["og"]["height"]) == (1200, 630)
    assert opened(made["og"]["name"])[:2] == ("JPEG", (1200, 630))


def test_a_small_image_is_never_enlarged_and_keeps_png():
    explainer = ExplainerFactory(
        lead_image=upload("chart.png", image_bytes((600, 300), "PNG"), "image/png"),
        lead_image_alt="A chart",
    )
    explainer.refresh_from_db()
    made = explainer.lead_image_renditions
    assert made["format"] == "png"
    assert [(entry["width"], entry["height"]) for entry in made["widths"]] == [
        (480, 240),
        (600, 300),
    ]
    assert opened(made["widths"][1]["png"])[:2] == ("PNG", (600, 300))
    assert opened(made["widths"][1]["webp"])[:2] == ("WEBP", (600, 300))


def test_a_section_figure_gets_renditions_too():
    explainer = ExplainerFactory(published=True)
    DetailSectionFactory(
        explainer=explainer, figure_image=upload("fig.jpg"), figure_alt="A figure", position=1
    )
    made = DetailSection.objects.get(explainer=explainer).figure_renditions
    assert [entry["width"] for entry in made["widths"]] == [480, 800, 1200, 1600]
    assert opened(made["og"]["name"])[1] == (1200, 630)


def test_renditions_are_made_once_per_file():
    explainer = with_lead_image()
    first = explainer.lead_image_renditions
    stamp = default_storage.get_modified_time(first["widths"][0]["jpeg"])
    explainer.refresh_derived()
    explainer.refresh_from_db()
    assert explainer.lead_image_renditions == first
    assert default_storage.get_modified_time(first["widths"][0]["jpeg"]) == stamp


def test_rebuild_search_index_makes_renditions_of_images_stored_before_them():
    explainer = ExplainerFactory(published=True)
    DetailSectionFactory(explainer=explainer, figure_image=upload("old.jpg"), figure_alt="Old")
    DetailSection.objects.update(figure_renditions={})  # as migration 0010 leaves them
    call_command("rebuild_search_index", stdout=io.StringIO(), stderr=io.StringIO())
    made = DetailSection.objects.get(explainer=explainer).figure_renditions
    assert [entry["width"] for entry in made["widths"]] == [480, 800, 1200, 1600]


def test_a_missing_file_falls_back_to_the_original_unsized(client):
    explainer = ExplainerFactory(
        published=True, lead_image="lead/2026/11/gone.jpg", lead_image_alt="Gone"
    )
    explainer.refresh_from_db()
    assert explainer.lead_image_renditions == {"src": "lead/2026/11/gone.jpg"}
    doc = lxml.html.fromstring(client.get(explainer.get_absolute_url()).content)
    (img,) = doc.xpath(f"//figure[{CLASS % 'explainer-lead-image'}]//img")
    assert img.get("src") == "/media/lead/2026/11/gone.jpg"
    assert img.get("srcset") is None and img.get("width") is None


# Pages ------------------------------------------------------------------------------------


def srcset_of(made, key):
    return ", ".join(f"/media/{entry[key]} {entry['width']}w" for entry in made["widths"])


def test_the_explainer_page_shows_the_lead_image_with_srcset_and_dimensions(client):
    explainer = with_lead_image()
    made = explainer.lead_image_renditions
    doc = lxml.html.fromstring(client.get(explainer.get_absolute_url()).content)
    (figure,) = doc.xpath(f"//figure[{CLASS % 'explainer-lead-image'}]")
    # libxml2 does not know <source> is void: find each by itself, the image in <picture>.
    (source,) = figure.xpath(".//source")
    assert source.get("type") == "image/webp"
    assert source.get("srcset") == srcset_of(made, "webp")
    (img,) = figure.xpath(".//img")
    assert img.xpath("ancestor::picture")
    assert img.get("srcset") == srcset_of(made, "jpeg")
    assert img.get("sizes") == source.get("sizes") == "(min-width: 44em) 40em, 100vw"
    assert (img.get("width"), img.get("height")) == ("1600", "800")
    assert img.get("alt") == "Commuters on a platform"
    assert img.get("loading") is None  # above the fold: not lazy
    assert "Morning rush" in figure.text_content() and "Photo desk" in figure.text_content()


def test_section_figures_are_sized_and_lazy(client):
    explainer = ExplainerFactory(published=True)
    DetailSectionFactory(
        explainer=explainer, figure_image=upload("fig.jpg"), figure_alt="A figure", position=1
    )
    made = DetailSection.objects.get(explainer=explainer).figure_renditions
    doc = lxml.html.fromstring(client.get(explainer.get_absolute_url()).content)
    (img,) = doc.xpath(f"//figure[{CLASS % 'explainer-figure'}]//img")
    assert img.get("srcset") == srcset_of(made, "jpeg")
    assert img.get("sizes")
    assert (img.get("width"), img.get("height")) == ("1600", "800")
    assert img.get("loading") == "lazy"


def card_images(response):
    doc = lxml.html.fromstring(response.content)
    return doc.xpath(
        f"//article[{CLASS % 'explainer-card'}]//div[{CLASS % 'explainer-card-image'}]//img"
    )


@pytest.mark.parametrize("where", ["home", "topic"])
def test_cards_show_the_lead_image_first_eager_then_lazy(client, where):
    topic = TopicFactory()
    older, newer = with_lead_image(), with_lead_image()
    for explainer in (older, newer):
        explainer.topics.add(topic)
    url = (
        reverse("explainers:home")
        if where == "home"
        else reverse("explainers:topic", kwargs={"slug": topic.slug})
    )
    first, second = card_images(client.get(url))
    assert first.get("srcset") == srcset_of(newer.lead_image_renditions, "jpeg")
    assert second.get("srcset") == srcset_of(older.lead_image_renditions, "jpeg")
    for img in (first, second):
        assert (img.get("width"), img.get("height")) == ("1600", "800")
        assert img.get("sizes") == "(min-width: 40em) 10rem, 30vw"
        assert img.xpath("ancestor::picture")
    assert first.get("loading") is None
    assert second.get("loading") == "lazy"


def test_og_image_is_the_lead_images_crop(client):
    explainer = with_lead_image()
    DetailSectionFactory(
        explainer=explainer, figure_image=upload("fig.jpg"), figure_alt="A figure", position=1
    )
    og = explainer.lead_image_renditions["og"]["name"]
    doc = lxml.html.fromstring(client.get(explainer.get_absolute_url()).content)

    def meta(key):
        return doc.xpath(f'//meta[@property="{key}" or @name="{key}"]/@content')

    assert meta("og:image") == [f"https://kaisetsu.example.jp/media/{og}"]
    assert meta("og:image:width") == ["1200"] and meta("og:image:height") == ["630"]
    assert meta("og:image:alt") == ["Commuters on a platform"]
    assert meta("twitter:image") == meta("og:image")
    assert '"image":["https://kaisetsu.example.jp/media/renditions/lead/' in doc.xpath(
        '//script[@type="application/ld+json"]/text()'
    )[0].replace(" ", "")


def test_cards_with_images_cost_no_query_per_card(client, count_queries):
    topic = TopicFactory()
    explainer = ExplainerFactory(published=True)
    explainer.topics.add(topic)
    url = reverse("explainers:topic", kwargs={"slug": topic.slug})
    without = count_queries(client, url)
    for _n in range(4):
        with_lead_image().topics.add(topic)
    assert count_queries(client, url) == without
    assert len(card_images(count_queries.response)) == 4


# Upload checks ----------------------------------------------------------------------------


def test_a_text_file_named_png_is_refused():
    with pytest.raises(ValidationError) as refused:
        images.check_image(upload("notes.png", b"just some text, not a picture", "image/png"))
    assert refused.value.code == "not_an_image"


def test_too_many_pixels_is_refused(settings):
    settings.KAISETSU_IMAGE_MAX_PIXELS = 100_000
    with pytest.raises(ValidationError) as refused:
        images.check_image(upload(data=image_bytes((400, 300))))
    assert refused.value.code == "image_too_many_pixels"
    images.check_image(upload(data=image_bytes((300, 300))))  # within the limit: accepted


def test_a_decompression_bomb_is_refused_from_its_header():
    with pytest.raises(ValidationError) as refused:
        images.check_image(upload("bomb.png", png_header_only(60_000, 60_000), "image/png"))
    assert refused.value.code == "image_too_many_pixels"


def test_a_file_over_the_size_limit_is_refused(settings):
    settings.KAISETSU_IMAGE_MAX_BYTES = 1000
    with pytest.raises(ValidationError) as refused:
        images.check_image(upload())
    assert refused.value.code == "image_too_large"


def test_gps_location_is_removed_from_the_original_and_renditions_carry_no_exif():
    data = image_bytes(exif=gps_exif())
    assert GPS_IFD in Image.open(io.BytesIO(data)).getexif()  # the upload has a location
    explainer = ExplainerFactory(lead_image=upload(data=data), lead_image_alt="A street")
    explainer.refresh_from_db()
    fmt, size, exif = opened(explainer.lead_image.name)
    assert (fmt, size) == ("JPEG", (2000, 1000))
    assert GPS_IFD not in exif
    assert exif[MAKE] == "KaisetsuCam"  # the rest of EXIF is kept
    for entry in explainer.lead_image_renditions["widths"]:
        assert not opened(entry["jpeg"])[2]


def test_alt_text_is_required_with_a_lead_image():
    explainer = ExplainerFactory.build(lead_image="lead/2026/11/x.jpg", lead_image_alt="  ")
    with pytest.raises(ValidationError) as refused:
        explainer.full_clean(exclude=["slug"])
    assert "lead_image_alt" in refused.value.message_dict


def test_the_model_validator_checks_a_new_upload():
    explainer = ExplainerFactory.build(
        lead_image=upload("notes.png", b"not an image", "image/png"), lead_image_alt="Notes"
    )
    with pytest.raises(ValidationError) as refused:
        explainer.full_clean(exclude=["slug"])
    assert "lead_image" in refused.value.message_dict


# The admin --------------------------------------------------------------------------------


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


def post_lead_image(editor_client, explainer, file, alt="A photo"):
    data = form_data(editor_client.get(change_url(explainer)))
    data.update(lead_image=file, lead_image_alt=alt)
    return editor_client.post(change_url(explainer), data)


def errors_of(response) -> str:
    doc = lxml.html.fromstring(response.content.decode())
    return " ".join(node.text_content() for node in doc.xpath(f"//*[{CLASS % 'errorlist'}]"))


def test_the_admin_makes_renditions_of_an_uploaded_lead_image(editor_client):
    explainer = ExplainerFactory(key_points=1)
    response = post_lead_image(editor_client, explainer, upload())
    assert response.status_code == 302, response.context["errors"]
    explainer.refresh_from_db()
    assert explainer.lead_image_alt == "A photo"
    assert [entry["width"] for entry in explainer.lead_image_renditions["widths"]] == [
        480,
        800,
        1200,
        1600,
    ]


@pytest.mark.parametrize(
    ("file", "message"),
    [
        (
            SimpleUploadedFile("notes.png", b"plain text", "image/png"),
            "This file is not an image we can use",
        ),
        (
            SimpleUploadedFile("big.png", png_header_only(10_000, 10_000), "image/png"),
            "The image is 10000 × 10000 pixels, more than the 40 million we take.",
        ),
    ],
)
def test_a_bad_upload_is_a_form_error_in_the_admin(editor_client, file, message):
    explainer = ExplainerFactory(key_points=1)
    response = post_lead_image(editor_client, explainer, file)
    assert response.status_code == 200
    assert message in errors_of(response)
    explainer.refresh_from_db()
    assert not explainer.lead_image


def test_a_bad_figure_upload_is_a_form_error_in_the_admin(editor_client):
    explainer = ExplainerFactory(key_points=1, sections=1)
    data = form_data(editor_client.get(change_url(explainer)))
    data["sections-0-figure_image"] = SimpleUploadedFile("x.png", b"text", "image/png")
    data["sections-0-figure_alt"] = "A figure"
    response = editor_client.post(change_url(explainer), data)
    assert response.status_code == 200
    assert "This file is not an image we can use" in errors_of(response)


def test_the_admin_asks_for_alt_text_with_a_lead_image(editor_client):
    explainer = ExplainerFactory(key_points=1)
    response = post_lead_image(editor_client, explainer, upload(), alt="")
    assert response.status_code == 200
    assert "Describe the image for readers who cannot see it." in errors_of(response)
    assert not Explainer.objects.get(pk=explainer.pk).lead_image


# Working drafts and revisions --------------------------------------------------------------


def test_the_lead_image_and_renditions_survive_a_working_draft_both_ways(editor):
    live = with_lead_image(key_points=3, sources=1)
    DetailSectionFactory(explainer=live, figure_image=upload("f.jpg"), figure_alt="F", position=1)
    live_figure = DetailSection.objects.get(explainer=live).figure_renditions
    draft = explainer_draft_start(explainer=live, actor=editor)
    draft.refresh_from_db()
    assert draft.lead_image.name == live.lead_image.name
    assert draft.lead_image_alt == live.lead_image_alt
    assert draft.lead_image_caption == "Morning rush" and draft.lead_image_credit == "Photo desk"
    assert draft.lead_image_renditions == live.lead_image_renditions
    assert draft.sections.get().figure_renditions == live_figure

    # A new lead image in the draft: renditions made on the draft's save, copied on publish.
    draft.lead_image = upload("new.png", image_bytes((900, 500), "PNG"), "image/png")
    draft.lead_image_alt = "A new picture"
    draft.save()
    draft.refresh_derived()
    draft.refresh_from_db()
    explainer_publish_changes(draft=draft, actor=editor)
    live.refresh_from_db()
    assert live.lead_image.name == draft.lead_image.name
    assert live.lead_image_alt == "A new picture"
    assert live.lead_image_renditions == draft.lead_image_renditions
    assert live.lead_image_renditions["src"] == live.lead_image.name
    assert [e["width"] for e in live.lead_image_renditions["widths"]] == [480, 800, 900]
    assert live.sections.get().figure_renditions == live_figure


def test_a_revision_snapshot_keeps_the_lead_image_by_name():
    explainer = with_lead_image()
    data = snapshot(explainer)
    assert data["lead_image"] == explainer.lead_image.name
    assert data["lead_image_alt"] == "Commuters on a platform"
    assert re.fullmatch(r"lead/\d{4}/\d{2}/photo\w*\.jpg", data["lead_image"])


# The demo -----------------------------------------------------------------------------------


def test_the_demo_seed_explainer_has_a_lead_image_with_renditions(settings, client):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("load_demo", stdout=io.StringIO())
    seed = Explainer.objects.get(slug=content.EXPLAINERS[0]["slug"])
    assert seed.lead_image.name == content.WIND_LEAD_IMAGE["name"]
    assert seed.lead_image_alt == content.WIND_LEAD_IMAGE["alt"]
    made = seed.lead_image_renditions
    assert (made["width"], made["height"], made["format"]) == (1600, 900, "png")
    assert opened(made["og"]["name"])[1] == (1200, 630)
    figure = seed.sections.exclude(figure_image="").get().figure_renditions
    assert [entry["width"] for entry in figure["widths"]] == [480, 640]
    doc = lxml.html.fromstring(client.get(seed.get_absolute_url()).content.decode())
    (img,) = doc.xpath(f"//figure[{CLASS % 'explainer-lead-image'}]//img")
    assert img.get("alt") == content.WIND_LEAD_IMAGE["alt"]
    assert (img.get("width"), img.get("height")) == ("1600", "900")
