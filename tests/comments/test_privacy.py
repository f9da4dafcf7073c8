"""Privacy: addresses only as a keyed hash, purged after the retention period; a reader's data
export; account deletion that keeps threads readable; guest emails never public."""

import io
import json
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from comments import privacy
from comments.models import Comment, CommentReport, ModerationAction
from readers import privacy as reader_privacy
from tests.comments.helpers import guest_data
from tests.factories import (
    PASSWORD,
    CommentFactory,
    CorrectionFactory,
    ExplainerFactory,
    ExplainerSourceFactory,
    TopicFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module", autouse=True)
def compiled_catalogue():
    """The removed text is written in the explainer's language: compile as set-up does."""
    call_command("compile_catalogues", stdout=io.StringIO())
    with override_settings(LOCALE_PATHS=list(django_settings.LOCALE_PATHS)):
        yield


ADDRESS = "203.0.113.7"


def by(user, **kwargs):
    return CommentFactory(user=user, guest_name="", guest_email="", **kwargs)


def aged(comment, days):
    Comment.objects.filter(pk=comment.pk).update(created_at=timezone.now() - timedelta(days=days))


# --- Addresses ----------------------------------------------------------------------------


def test_posted_comment_keeps_only_a_keyed_hash_of_the_address(client, explainer, settings):
    settings.COMMENTS_MIN_SECONDS_TO_SUBMIT = 0
    client.post(
        reverse("comments:post", args=[explainer.slug]),
        guest_data(explainer),
        REMOTE_ADDR=ADDRESS,
    )
    comment = Comment.objects.get()
    assert comment.ip_hash == privacy.ip_hash(ADDRESS)
    assert ADDRESS not in json.dumps(list(Comment.objects.values()), default=str)


def test_purge_blanks_hashes_older_than_the_retention_period(explainer, settings):
    settings.COMMENTS_IP_RETENTION_DAYS = 90
    old = CommentFactory(explainer=explainer, ip_hash=privacy.ip_hash(ADDRESS))
    recent = CommentFactory(explainer=explainer, ip_hash=privacy.ip_hash(ADDRESS))
    aged(old, 91)
    aged(recent, 89)
    call_command("purge_comment_ips", stdout=io.StringIO())
    old.refresh_from_db()
    recent.refresh_from_db()
    assert old.ip_hash == ""
    assert recent.ip_hash == privacy.ip_hash(ADDRESS)


def test_purge_forgets_old_guest_report_addresses_without_colliding(explainer, settings):
    settings.COMMENTS_IP_RETENTION_DAYS = 90
    comment = CommentFactory(explainer=explainer)
    reports = [
        CommentReport.objects.create(
            comment=comment, reporter_ip_hash=privacy.ip_hash(f"198.51.100.{n}"), reason="spam"
        )
        for n in (1, 2)
    ]
    CommentReport.objects.filter(pk__in=[r.pk for r in reports]).update(
        created_at=timezone.now() - timedelta(days=100)
    )
    comments, purged = privacy.comment_ips_purge()
    hashes = set(CommentReport.objects.values_list("reporter_ip_hash", flat=True))
    assert purged == 2
    assert not hashes & {privacy.ip_hash("198.51.100.1"), privacy.ip_hash("198.51.100.2")}
    assert len(hashes) == 2


# --- Export -------------------------------------------------------------------------------


def test_export_is_a_json_attachment_of_the_readers_comments_only(client, explainer, reader):
    mine_published = by(reader, explainer=explainer, body="My published thoughts here.")
    mine_pending = by(
        reader, explainer=explainer, body="My pending thoughts here.", status="pending"
    )
    CommentFactory(explainer=explainer, body="Somebody else's words entirely.")
    client.force_login(reader)
    response = client.get(reverse("reader:export"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.content)
    assert data["account"]["email"] == reader.email
    assert {c["id"] for c in data["comments"]} == {mine_published.pk, mine_pending.pk}
    assert "Somebody else's" not in response.content.decode()


def test_export_needs_sign_in(client):
    response = client.get(reverse("reader:export"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


# --- Deletion -----------------------------------------------------------------------------


def test_delete_page_asks_for_confirmation(client, reader):
    client.force_login(reader)
    response = client.get(reverse("reader:delete"))
    assert response.status_code == 200
    assert b'name="password"' in response.content


def test_delete_with_a_wrong_password_deletes_nothing(client, reader):
    client.force_login(reader)
    response = client.post(reverse("reader:delete"), {"password": "nope", "confirm": "on"})
    assert response.status_code == 400
    assert type(reader).objects.filter(pk=reader.pk).exists()


def test_delete_without_the_tick_deletes_nothing(client, reader):
    client.force_login(reader)
    response = client.post(reverse("reader:delete"), {"password": PASSWORD})
    assert response.status_code == 400
    assert type(reader).objects.filter(pk=reader.pk).exists()


def test_deleting_the_account_keeps_the_thread_and_removes_the_text(client, explainer, reader):
    top = by(reader, explainer=explainer, body="My original words that must go.")
    reply = CommentFactory(explainer=explainer, parent=top, body="An answer from someone else.")
    held = by(reader, explainer=explainer, body="Held words that must go too.", status="pending")
    client.force_login(reader)
    response = client.post(reverse("reader:delete"), {"password": PASSWORD, "confirm": "on"})
    assert response.status_code == 302
    assert not type(reader).objects.filter(pk=reader.pk).exists()
    assert "_auth_user_id" not in client.session

    top.refresh_from_db()
    held.refresh_from_db()
    assert (top.status, held.status) == ("approved", "pending")
    for comment in (top, held):
        assert comment.user_id is None
        assert (comment.guest_name, comment.guest_email, comment.ip_hash) == ("", "", "")
        assert "must go" not in comment.body + comment.body_html
    page = client.get(explainer.get_absolute_url()).content.decode()
    assert "Deleted user" in page
    assert "An answer from someone else." in page
    assert "My original words" not in page
    assert Comment.objects.get(pk=reply.pk).parent_id == top.pk


def test_deleting_the_account_is_logged_for_each_comment(explainer, reader):
    comments = [by(reader, explainer=explainer) for _ in range(2)]
    reader_privacy.reader_account_delete(user=reader)
    logged = ModerationAction.objects.filter(action="account_deleted")
    assert sorted(logged.values_list("comment", flat=True)) == sorted(c.pk for c in comments)
    assert all(entry.old_status == entry.new_status == "approved" for entry in logged)


def test_deleted_text_is_in_the_explainers_language(reader):
    comment = by(reader, explainer=ExplainerFactory(published=True, language="ja"))
    reader_privacy.reader_account_delete(user=reader)
    comment.refresh_from_db()
    assert comment.body == privacy.deleted_comment_text("ja")
    assert comment.body != privacy.deleted_comment_text("en")


def test_two_deleted_reporters_of_one_comment_do_not_collide(explainer):
    comment = CommentFactory(explainer=explainer)
    first, second = UserFactory(username="one"), UserFactory(username="two")
    for user in (first, second):
        CommentReport.objects.create(comment=comment, reporter=user, reason="spam")
    reader_privacy.reader_account_delete(user=first)
    reader_privacy.reader_account_delete(user=second)
    assert CommentReport.objects.filter(comment=comment, reporter=None).count() == 2


def staff_with_a_byline(explainer):
    """A staff writer whose name is on an explainer, with a comment of their own."""
    writer = UserFactory(username="writer", is_staff=True)
    bylined = ExplainerFactory(published=True, byline=writer)
    comment = by(writer, explainer=explainer, body="Words the writer keeps for now.")
    return writer, bylined, comment


KEPT_MESSAGE = "ask an editor to move the byline before deleting the account"


def test_deleting_an_account_with_a_byline_is_refused_and_changes_nothing(client, explainer):
    writer, bylined, comment = staff_with_a_byline(explainer)
    client.force_login(writer)
    response = client.post(reverse("reader:delete"), {"password": PASSWORD, "confirm": "on"})
    assert response.status_code == 409
    assert KEPT_MESSAGE in response.content.decode()
    assert client.session["_auth_user_id"] == str(writer.pk)  # still signed in
    assert type(writer).objects.filter(pk=writer.pk).exists()
    bylined.refresh_from_db()
    assert bylined.byline_id == writer.pk
    comment.refresh_from_db()
    assert (comment.user_id, comment.body) == (writer.pk, "Words the writer keeps for now.")
    assert not ModerationAction.objects.filter(action="account_deleted").exists()


def test_delete_page_says_why_an_account_with_a_byline_cannot_be_deleted(client, explainer):
    writer, _bylined, _comment = staff_with_a_byline(explainer)
    client.force_login(writer)
    response = client.get(reverse("reader:delete"))
    assert response.status_code == 200
    page = response.content.decode()
    assert KEPT_MESSAGE in page
    assert 'name="password"' not in page  # no form to fill in that could not succeed


def test_the_service_refuses_an_account_with_a_byline(explainer):
    writer, _bylined, _comment = staff_with_a_byline(explainer)
    with pytest.raises(reader_privacy.AccountKept) as kept:
        reader_privacy.reader_account_delete(user=writer)
    assert KEPT_MESSAGE in " ".join(kept.value.reasons)
    assert type(writer).objects.filter(pk=writer.pk).exists()


# --- Guest emails -------------------------------------------------------------------------


def test_guest_email_never_appears_on_public_pages_or_feeds(client, explainer):
    topic = TopicFactory()
    explainer.topics.add(topic)
    CorrectionFactory(explainer=explainer)
    ExplainerSourceFactory(explainer=explainer)
    source = explainer.sources.first()
    comment = CommentFactory(
        explainer=explainer, guest_name="Ren", guest_email="ren.secret@example.net"
    )
    CommentFactory(explainer=explainer, parent=comment, guest_name="Sora", guest_email="s@x.jp")
    pages = [
        explainer.get_absolute_url(),  # the page source, JSON-LD and OpenGraph included
        reverse("explainers:home"),
        reverse("explainers:topic", args=[topic.slug]),
        reverse("explainers:source", args=[source.pk]),
        reverse("explainers:search") + "?q=Ren",
        reverse("comments:reply", args=[explainer.slug, comment.pk]),
        reverse("comments:report", args=[comment.pk]),
        reverse("explainers:feed_rss"),
        reverse("explainers:feed_atom"),
        reverse("explainers:feed_corrections"),
        reverse("explainers:topic_feed_rss", args=[topic.slug]),
        reverse("explainers:topic_feed_atom", args=[topic.slug]),
        reverse("sitemap"),
    ]
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        assert b"ren.secret" not in response.content, path
    # The pages that do show the guest's comment show their name, and only their name.
    for path in pages[:1] + pages[5:7]:
        assert b"Ren" in client.get(path).content, path


# --- Guests' identity -----------------------------------------------------------------------


def test_guest_key_is_the_same_for_one_email_however_it_is_typed():
    key = privacy.guest_key("hana@example.net")
    assert privacy.guest_key("  HANA@example.NET ") == key
    assert privacy.guest_key("ｈａｎａ＠ｅｘａｍｐｌｅ．ｎｅｔ") == key  # full-width, NFKC
    assert privacy.guest_key("ken@example.net") != key
    assert privacy.guest_key("") == privacy.guest_key("   ") == ""
    assert "hana" not in key


def test_retention_purges_a_guests_key_with_their_email(explainer, settings):
    settings.COMMENTS_IP_RETENTION_DAYS = 90
    old = CommentFactory(explainer=explainer, guest_email="old@example.net")
    recent = CommentFactory(explainer=explainer, guest_email="recent@example.net")
    assert old.guest_key == privacy.guest_key("old@example.net")
    aged(old, 91)
    assert privacy.guest_emails_purge() == (0, 1)
    old.refresh_from_db()
    recent.refresh_from_db()
    assert (old.guest_email, old.guest_key) == ("", "")
    assert recent.guest_key == privacy.guest_key("recent@example.net")


def test_retention_purges_a_key_left_without_its_email(explainer, settings):
    settings.COMMENTS_IP_RETENTION_DAYS = 90
    old = CommentFactory(explainer=explainer, guest_email="", guest_key="a" * 64)
    aged(old, 91)
    assert privacy.guest_emails_purge() == (0, 1)
    old.refresh_from_db()
    assert old.guest_key == ""


def test_deleting_the_account_leaves_text_in_the_explainers_language(reader):
    comment = by(reader, explainer=ExplainerFactory(published=True, language="ja"), body="Hi")
    assert comment.language == "en"
    reader_privacy.reader_account_delete(user=reader)
    comment.refresh_from_db()
    assert (comment.language, comment.guest_key) == ("ja", "")
