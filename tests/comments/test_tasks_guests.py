"""Guests asking to hear about replies: double opt-in, one-click stop, and the retention rule."""

from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from comments import moderation, notifications, privacy
from comments.models import Comment, GuestReplySubscription, Notification
from tests.comments.helpers import guest_data
from tests.factories import CommentFactory, UserFactory

pytestmark = pytest.mark.django_db

SITE = "https://kaisetsu.example"


@pytest.fixture(autouse=True)
def _mail(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SITE_URL = SITE


@pytest.fixture
def guest_comment(explainer, django_capture_on_commit_callbacks):
    """A guest posts through the form with the box ticked."""
    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post(
            reverse("comments:post", args=[explainer.slug]),
            guest_data(explainer, notify_replies="on"),
        )
    assert response.status_code == 302
    comment = Comment.objects.get(guest_email="hana@example.net")
    moderation.comment_approve(comment=comment, actor=None)
    return comment


def publish_reply(comment, capture, name="Botan"):
    reply = CommentFactory(
        explainer=comment.explainer, parent=comment, guest_name=name, status="pending"
    )
    with capture(execute=True):
        moderation.comment_approve(comment=reply, actor=None)
    return reply


def link_in(message) -> str:
    [line] = [word for word in message.body.split() if word.startswith(SITE)]
    return line.removeprefix(SITE)


def test_ticking_the_box_sends_only_a_confirmation_link(guest_comment):
    [message] = mail.outbox
    assert message.to == ["hana@example.net"]
    assert "/comments/replies/confirm/" in link_in(message)
    assert GuestReplySubscription.objects.get().confirmed_at is None


def test_nothing_is_sent_to_an_unconfirmed_address(
    guest_comment, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    publish_reply(guest_comment, django_capture_on_commit_callbacks)
    assert mail.outbox == []
    assert not Notification.objects.filter(kind="guest_reply").exists()


def test_without_the_box_nothing_is_stored_or_sent(explainer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        Client().post(reverse("comments:post", args=[explainer.slug]), guest_data(explainer))
    assert mail.outbox == []
    assert not GuestReplySubscription.objects.exists()


def test_confirmed_guest_hears_of_replies_and_stops_with_one_click(
    guest_comment, django_capture_on_commit_callbacks
):
    confirm = link_in(mail.outbox[0])
    assert Client().get(confirm).status_code == 200  # asks first: a link scanner confirms nothing
    assert GuestReplySubscription.objects.get().confirmed_at is None
    assert Client(enforce_csrf_checks=True).post(confirm).status_code == 200
    assert GuestReplySubscription.objects.get().confirmed_at is not None
    mail.outbox.clear()

    publish_reply(guest_comment, django_capture_on_commit_callbacks)
    [message] = mail.outbox
    assert message.to == ["hana@example.net"]
    assert "Botan" in message.body
    stop = message.extra_headers["List-Unsubscribe"].strip("<>").removeprefix(SITE)
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    response = Client(enforce_csrf_checks=True).post(
        stop, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    assert not GuestReplySubscription.objects.exists()  # the address is gone with it
    mail.outbox.clear()
    publish_reply(guest_comment, django_capture_on_commit_callbacks, name="Chie")
    assert mail.outbox == []


def test_a_tampered_guest_link_is_refused(guest_comment):
    confirm = link_in(mail.outbox[0])
    assert Client().post(confirm[:-4] + "xx/").status_code == 400
    assert GuestReplySubscription.objects.get().confirmed_at is None


def test_a_confirmation_link_cannot_stop_and_a_stop_link_cannot_confirm(guest_comment):
    token = link_in(mail.outbox[0]).rstrip("/").rsplit("/", 1)[1]
    response = Client().post(reverse("comments:guest_stop", args=[token]))
    assert response.status_code == 400
    assert GuestReplySubscription.objects.exists()


def test_retention_deletes_guest_subscriptions_and_addresses(guest_comment, settings):
    settings.COMMENTS_IP_RETENTION_DAYS = 90
    recent = CommentFactory(guest_email="recent@example.net")
    Comment.objects.filter(pk=guest_comment.pk).update(
        created_at=timezone.now() - timedelta(days=91)
    )
    assert privacy.guest_emails_purge() == (1, 1)
    assert not GuestReplySubscription.objects.exists()
    assert not Notification.objects.filter(guest_subscription__isnull=False).exists()
    guest_comment.refresh_from_db()
    recent.refresh_from_db()
    assert guest_comment.guest_email == ""
    assert recent.guest_email == "recent@example.net"


def test_signed_in_readers_choose_on_their_account_page_not_the_form(explainer, client):
    client.force_login(UserFactory())
    response = client.get(reverse("comments:post", args=[explainer.slug]))
    assert b'name="notify_replies"' not in response.content
    assert notifications.guest_replies_subscribe(comment=CommentFactory(guest_email="")) is None
