"""`manage.py load_demo`: real-looking demo content, safe to run twice, secrets only in debug."""

import datetime
import io
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from allauth.account.models import EmailAddress
from django.apps import apps
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db.models import Count
from django.utils import timezone
from PIL import Image

from explainers.demo import content
from explainers.models import Correction, Explainer, SourceArticle
from explainers.services import explainer_history_message

pytestmark = pytest.mark.django_db

DEMO_PASSWORDS = [spec["password"] for spec in content.USERS]


@pytest.fixture(autouse=True)
def _isolated_media_and_fast_hashing(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def load_demo() -> str:
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def row_counts() -> dict[str, int]:
    """How many rows every installed model has (comments and allauth included)."""
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


def snapshot() -> dict:
    """The demo's key fields, without the times that are relative to the moment of loading."""
    User = get_user_model()
    explainers = [
        {
            "slug": e.slug,
            "title": e.title,
            "status": e.status,
            "language": e.language,
            "byline": e.byline.username,
            "topics": sorted(e.topics.values_list("slug", flat=True)),
            "sources": list(e.source_links.values_list("position", "source__url")),
            "key_points": list(e.key_points.values_list("position", "text")),
            "sections": list(
                e.sections.values_list("position", "heading", "body_html", "figure_image")
            ),
            "search_text": e.search_text,
            "reading_minutes": e.reading_minutes,
            "scheduled": e.publish_at is not None and e.publish_at > timezone.now(),
        }
        for e in Explainer.objects.order_by("slug")
    ]
    return {
        "explainers": explainers,
        "users": list(
            User.objects.order_by("username").values_list("username", "email", "is_staff")
        ),
        "groups": sorted(User.groups.through.objects.values_list("user__username", "group__name")),
        "emails": list(
            EmailAddress.objects.order_by("email").values_list("email", "verified", "primary")
        ),
        "corrections": list(Correction.objects.values_list("explainer__slug", "kind", "note")),
        "history": list(
            LogEntry.objects.order_by("pk").values_list("object_repr", "change_message")
        ),
        "sources": list(SourceArticle.objects.order_by("url").values_list("url", "title")),
    }


def test_loading_twice_gives_the_same_rows():
    load_demo()
    counts, data = row_counts(), snapshot()
    load_demo()
    assert row_counts() == counts
    assert snapshot() == data


def test_loading_creates_demo_content():
    load_demo()
    counts = row_counts()
    assert counts["explainers.Topic"] >= 4
    assert counts["explainers.SourceArticle"] >= 3
    assert counts["explainers.Explainer"] >= 5


def test_at_least_three_explainers_are_published_in_both_languages():
    load_demo()
    published = Explainer.objects.published()
    assert published.count() >= 3
    assert published.filter(language="ja").exists()
    assert published.filter(language="en").exists()


def test_there_is_a_draft():
    load_demo()
    assert Explainer.objects.filter(status=Explainer.Status.DRAFT).exists()


def test_there_is_a_scheduled_explainer_not_yet_visible():
    load_demo()
    scheduled = Explainer.objects.filter(
        status=Explainer.Status.PUBLISHED, publish_at__gt=timezone.now()
    )
    assert scheduled.count() == 1
    assert not Explainer.objects.published().filter(pk=scheduled.get().pk).exists()


def test_the_scheduled_time_is_moved_forward_on_every_run():
    load_demo()
    scheduled = Explainer.objects.get(slug="overnight-train-trial")
    history_before = LogEntry.objects.count()
    Explainer.objects.filter(pk=scheduled.pk).update(
        publish_at=timezone.now() - datetime.timedelta(days=1)
    )
    load_demo()
    scheduled.refresh_from_db()
    assert scheduled.publish_at > timezone.now() + datetime.timedelta(days=2)
    assert not scheduled.is_published
    assert LogEntry.objects.count() == history_before


def test_a_correction_is_added_once_and_marks_the_update():
    load_demo()
    load_demo()
    correction = Correction.objects.get()
    assert correction.significant
    assert correction.explainer.significant_update_at == correction.created_at
    assert correction.explainer.is_published


def test_the_japanese_explainer_has_the_full_shape():
    load_demo()
    explainer = (
        Explainer.objects.published().filter(language="ja").get(slug=content.EXPLAINERS[0]["slug"])
    )
    assert explainer.introduction and explainer.summary
    assert explainer.key_points.count() >= 4
    assert explainer.sections.count() >= 3
    assert explainer.source_links.exists()
    primary = explainer.source_links.select_related("source").first().source
    assert primary.title and primary.url and primary.published_on


def test_the_figure_has_alt_text_caption_credit_and_a_real_png():
    load_demo()
    section = (
        Explainer.objects.get(slug=content.EXPLAINERS[0]["slug"])
        .sections.exclude(figure_image="")
        .get()
    )
    assert section.figure_alt.strip()
    assert section.figure_caption.strip()
    assert section.figure_credit.strip()
    assert default_storage.exists(section.figure_image.name)
    with default_storage.open(section.figure_image.name) as handle, Image.open(handle) as image:
        assert image.format == "PNG"
        assert image.width > 100 and image.height > 100


def test_the_figure_file_is_written_once(settings):
    load_demo()
    media = Path(settings.MEDIA_ROOT)
    first = {path: path.stat().st_mtime_ns for path in media.rglob("*") if path.is_file()}
    load_demo()
    assert len(list((media / "figures").rglob("*.png"))) == 1
    # Nor are the lead image and the renditions made again.
    assert {path: path.stat().st_mtime_ns for path in media.rglob("*") if path.is_file()} == first


def test_section_html_and_the_search_index_are_derived():
    load_demo()
    for explainer in Explainer.objects.all():
        assert explainer.reading_minutes >= 1
        first_point = explainer.key_points.first().text
        assert explainer in Explainer.objects.search(f'"{first_point}"')
        assert all(section.body_html for section in explainer.sections.all())


def test_some_sources_back_more_than_one_explainer():
    load_demo()
    shared = SourceArticle.objects.annotate(n=Count("explainer_links")).filter(n__gte=2)
    assert shared.exists()


def test_demo_addresses_are_fictional():
    load_demo()
    for url in SourceArticle.objects.values_list("url", flat=True):
        host = urlsplit(url).hostname
        assert host.endswith(("example.com", "example.jp")), url


def test_published_explainers_went_through_the_publish_service():
    load_demo()
    for explainer in Explainer.objects.filter(status=Explainer.Status.PUBLISHED):
        messages = [
            explainer_history_message(entry)
            for entry in LogEntry.objects.filter(object_id=str(explainer.pk))
        ]
        assert any(message.startswith("Published") for message in messages)
        assert explainer.byline.username == "editor"


def test_demo_accounts_have_their_roles():
    load_demo()
    User = get_user_model()
    editor = User.objects.get(username="editor")
    contributor = User.objects.get(username="contributor")
    moderator = User.objects.get(username="moderator")
    reader = User.objects.get(username="reader")
    assert editor.is_staff and editor.groups.filter(name="Editors").exists()
    assert editor.has_perm("explainers.publish_explainer")
    assert contributor.is_staff and contributor.groups.filter(name="Contributors").exists()
    assert not contributor.has_perm("explainers.publish_explainer")
    assert moderator.is_staff and moderator.groups.filter(name="Moderators").exists()
    assert not reader.is_staff and not reader.groups.exists()


def test_demo_accounts_have_verified_primary_email_addresses():
    load_demo()
    for spec in content.USERS:
        address = EmailAddress.objects.get(user__username=spec["username"])
        assert (address.email, address.verified, address.primary) == (spec["email"], True, True)


def test_logins_and_passwords_are_printed_in_debug(settings):
    settings.DEBUG = True
    output = load_demo()
    assert "/admin/" in output
    for spec in content.USERS:
        assert spec["username"] in output
        assert spec["password"] in output
        user = get_user_model().objects.get(username=spec["username"])
        assert user.check_password(spec["password"])  # the printed login really works


def test_passwords_are_hidden_without_debug(settings):
    settings.DEBUG = False
    output = load_demo()
    assert "/admin/" in output
    assert "changepassword" in output
    for password in DEMO_PASSWORDS:
        assert password not in output
    for user in get_user_model().objects.filter(username__in=["editor", "reader"]):
        assert not user.has_usable_password()


def test_debug_run_after_a_production_run_makes_the_printed_logins_work(settings):
    settings.DEBUG = False
    load_demo()
    settings.DEBUG = True
    load_demo()
    editor = get_user_model().objects.get(username="editor")
    assert editor.check_password("kaisetsu-editor")
