"""Reader pages for comments: the thread on the explainer page, posting, replying, reporting."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from comments.models import Comment, CommentReport
from tests.comments.helpers import TEXT, guest_data, token
from tests.factories import (
    CommentFactory,
    ExplainerFactory,
    ReaderProfileFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def post_url(explainer):
    return reverse("comments:post", args=[explainer.slug])


def content(response):
    return response.content.decode()


# --- the thread on the explainer page ---------------------------------------------------


def test_explainer_page_shows_approved_comments_only(client, explainer):
    CommentFactory(explainer=explainer, body="Approved words here, all fine.")
    CommentFactory(explainer=explainer, body="Pending words here, not yet.", status="pending")
    CommentFactory(explainer=explainer, body="Spammy words here, never.", status="spam")
    page = content(client.get(explainer.get_absolute_url()))
    assert "Approved words here" in page
    assert "Pending words here" not in page
    assert "Spammy words here" not in page


def test_explainer_page_shows_the_number_of_approved_comments(client, explainer):
    CommentFactory.create_batch(2, explainer=explainer)
    CommentFactory(explainer=explainer, status="pending")
    assert "2 comments" in content(client.get(explainer.get_absolute_url()))


def test_replies_are_shown_under_their_thread_oldest_first(client, explainer):
    top = CommentFactory(explainer=explainer, body="The top comment says this.")
    first = CommentFactory(explainer=explainer, parent=top, body="The first reply says this.")
    CommentFactory(
        explainer=explainer,
        parent=top,
        in_reply_to=first,
        body="The second reply answers the first.",
    )
    page = content(client.get(explainer.get_absolute_url()))
    assert (
        page.index("The top comment")
        < page.index("The first reply")
        < page.index("The second reply")
    )
    assert f"In reply to {first.guest_name}" in page


def test_top_level_comments_are_paginated_with_their_replies(client, explainer, settings):
    settings.COMMENTS_PER_PAGE = 2
    base = timezone.now()
    threads = []
    for n in range(3):
        threads.append(CommentFactory(explainer=explainer, body=f"Thread number {n} here."))
        Comment.objects.filter(pk=threads[-1].pk).update(
            created_at=base + datetime.timedelta(minutes=n)
        )
    CommentFactory(explainer=explainer, parent=threads[2], body="Reply on the last page.")
    first = content(client.get(explainer.get_absolute_url()))
    second = content(client.get(explainer.get_absolute_url() + "?cpage=2"))
    assert "Thread number 0" in first and "Thread number 2" not in first
    assert "Thread number 2" in second and "Reply on the last page." in second
    assert "?csort=oldest&amp;cpage=2#comments" in first


def test_nonsense_comment_page_number_shows_a_page(client, explainer):
    CommentFactory(explainer=explainer, body="Still shown on a bad page number.")
    response = client.get(explainer.get_absolute_url() + "?cpage=abc")
    assert response.status_code == 200
    assert "Still shown" in content(response)


def test_editor_comment_shows_the_editor_badge(client, explainer, editor):
    CommentFactory(explainer=explainer, user=editor, guest_name="", badge="editor")
    page = content(client.get(explainer.get_absolute_url()))
    assert (
        '<span class="badge text-bg-primary comment-badge comment-badge-editor">Editor</span>'
        in page
    )


def test_moderator_comment_shows_the_moderator_badge_in_japanese(client, moderator):
    explainer = ExplainerFactory(published=True, language="ja")
    CommentFactory(explainer=explainer, user=moderator, guest_name="", badge="moderator")
    with translation.override("ja"):
        url = explainer.get_absolute_url()
    assert url.startswith("/ja/")
    page = content(client.get(url))
    assert 'comment-badge-moderator">モデレーター</span>' in page
    # No "Editor" (編集部) badge. (A staff member without a public name is named 編集部, the
    # newsroom, as the author: that is their name, not a badge.)
    assert "comment-badge-editor" not in page
    assert ">編集部</span>" not in page


def test_each_comment_body_carries_its_own_language(client):
    explainer = ExplainerFactory(published=True, language="ja")
    CommentFactory(explainer=explainer, body="とても分かりやすい解説でした。")
    CommentFactory(explainer=explainer, body="A clear explainer, thank you.")
    page = content(client.get(explainer.get_absolute_url()))
    assert '<div class="comment-body" lang="ja"><p>とても分かりやすい解説でした。</p></div>' in page
    assert '<div class="comment-body" lang="en"><p>A clear explainer, thank you.</p></div>' in page


def test_featured_comment_shows_the_featured_badge(client, explainer):
    CommentFactory(explainer=explainer, is_featured=True, featured_at=timezone.now())
    CommentFactory(explainer=explainer)
    page = content(client.get(explainer.get_absolute_url()))
    assert (
        page.count('<span class="badge text-bg-warning comment-featured-badge">Featured</span>')
        == 1
    )


def test_explainer_page_links_to_the_comment_form_and_reply_forms(client, explainer):
    comment = CommentFactory(explainer=explainer)
    page = content(client.get(explainer.get_absolute_url()))
    assert post_url(explainer) in page
    assert reverse("comments:reply", args=[explainer.slug, comment.pk]) in page
    assert reverse("comments:report", args=[comment.pk]) in page


def test_explainer_page_says_a_posted_comment_awaits_moderation(client, explainer):
    page = content(client.get(explainer.get_absolute_url() + "?posted=pending"))
    assert "awaiting moderation" in page


def test_explainer_page_says_a_posted_comment_is_published(client, explainer):
    page = content(client.get(explainer.get_absolute_url() + "?posted=approved"))
    assert "Your comment is published" in page


def test_closed_explainer_page_says_why_and_offers_no_form(client, explainer):
    explainer.comment_mode = "closed"
    explainer.save()
    comment = CommentFactory(explainer=explainer)
    page = content(client.get(explainer.get_absolute_url()))
    assert "closed comments" in page
    assert post_url(explainer) not in page
    assert reverse("comments:reply", args=[explainer.slug, comment.pk]) not in page


# --- the form page ----------------------------------------------------------------------


def test_form_page_shows_the_form_never_cached(client, explainer):
    response = client.get(post_url(explainer))
    assert response.status_code == 200
    assert "csrfmiddlewaretoken" in content(response)
    assert 'name="issued"' in content(response)
    assert "no-store" in response["Cache-Control"]


def test_signed_in_reader_is_not_asked_for_name_and_email(client, explainer, reader):
    client.force_login(reader)
    page = content(client.get(post_url(explainer)))
    assert 'name="email"' not in page
    # The form names the reader as others will see them: never by their login name.
    assert "commenting as Reader." in page
    assert "commenting as reader" not in page


def test_signed_in_reader_is_told_the_name_others_will_see(client, explainer, reader):
    ReaderProfileFactory(user=reader, display_name="Hana")
    client.force_login(reader)
    assert "commenting as Hana." in content(client.get(post_url(explainer)))


def test_form_page_of_an_unpublished_explainer_is_not_found(client):
    assert client.get(post_url(ExplainerFactory())).status_code == 404


def test_reply_form_shows_the_comment_being_answered(client, explainer):
    comment = CommentFactory(explainer=explainer, body="The words being answered here.")
    response = client.get(reverse("comments:reply", args=[explainer.slug, comment.pk]))
    assert response.status_code == 200
    assert "The words being answered" in content(response)


def test_reply_form_for_a_hidden_comment_is_not_found(client, explainer):
    comment = CommentFactory(explainer=explainer, status="pending")
    response = client.get(reverse("comments:reply", args=[explainer.slug, comment.pk]))
    assert response.status_code == 404


# --- posting ----------------------------------------------------------------------------


def test_guest_post_is_stored_pending_and_redirects_to_the_awaiting_message(client, explainer):
    response = client.post(post_url(explainer), guest_data(explainer))
    assert response.status_code == 302
    assert response["Location"] == f"{explainer.get_absolute_url()}?posted=pending#comments"
    comment = Comment.objects.get()
    assert (comment.status, comment.guest_name, comment.guest_email) == (
        "pending",
        "Hana",
        "hana@example.net",
    )
    assert comment.ip_hash


def test_staff_post_is_published_and_redirects_to_the_comment(client, explainer, editor):
    client.force_login(editor)
    data = guest_data(explainer)
    response = client.post(post_url(explainer), data)
    comment = Comment.objects.get()
    assert comment.status == "approved"
    assert response["Location"] == (
        f"{explainer.get_absolute_url()}?posted=approved&csort=oldest#comment-{comment.pk}"
    )


def test_published_comment_on_a_later_page_redirects_to_that_page(
    client, explainer, editor, settings
):
    settings.COMMENTS_PER_PAGE = 1
    CommentFactory(explainer=explainer)
    client.force_login(editor)
    response = client.post(post_url(explainer), guest_data(explainer))
    assert "cpage=2" in response["Location"]


def test_reply_post_is_stored_in_the_thread(client, explainer):
    top = CommentFactory(explainer=explainer)
    url = reverse("comments:reply", args=[explainer.slug, top.pk])
    assert client.post(url, guest_data(explainer)).status_code == 302
    assert Comment.objects.get(status="pending").parent == top


def test_failed_post_keeps_the_text_and_says_what_is_wrong(client, explainer):
    response = client.post(
        post_url(explainer), guest_data(explainer, email="not-an-email", body="My kept words")
    )
    assert response.status_code == 400
    page = content(response)
    assert "My kept words" in page
    assert "Enter a valid email address." in page
    assert not Comment.objects.exists()


def test_too_short_post_is_refused_with_a_message(client, explainer):
    response = client.post(post_url(explainer), guest_data(explainer, body="ok"))
    assert response.status_code == 400
    assert "too short" in content(response)


def test_expired_form_is_refused_and_keeps_the_text(client, explainer, settings):
    settings.COMMENTS_FORM_LIFETIME_SECONDS = 3600
    data = guest_data(explainer, issued=token(explainer, age_seconds=3601), body=TEXT + " kept")
    response = client.post(post_url(explainer), data)
    assert response.status_code == 400
    page = content(response)
    assert "expired" in page
    assert TEXT + " kept" in page
    assert data["issued"] not in page  # a fresh token, so sending again works
    assert not Comment.objects.exists()


def test_tampered_form_token_is_refused(client, explainer):
    data = guest_data(explainer)
    data["issued"] = data["issued"][:-2] + "xx"
    response = client.post(post_url(explainer), data)
    assert response.status_code == 400
    assert "could not be checked" in content(response)
    assert not Comment.objects.exists()


def test_form_token_for_another_explainer_is_refused(client, explainer):
    other = ExplainerFactory(published=True)
    response = client.post(post_url(explainer), guest_data(explainer, issued=token(other)))
    assert response.status_code == 400
    assert not Comment.objects.exists()


def test_filled_honeypot_is_stored_as_spam_and_told_nothing(client, explainer):
    response = client.post(post_url(explainer), guest_data(explainer, website="http://x.test/"))
    assert response["Location"].endswith("?posted=pending#comments")
    assert Comment.objects.get().status == "spam"


def test_form_sent_too_fast_is_stored_as_spam(client, explainer, settings):
    settings.COMMENTS_MIN_SECONDS_TO_SUBMIT = 3
    client.post(post_url(explainer), guest_data(explainer, issued=token(explainer)))
    comment = Comment.objects.get()
    assert comment.status == "spam"
    assert "too_fast" in comment.hold_reasons


def test_flood_gets_429_with_a_clear_message(client, explainer, settings):
    settings.COMMENTS_FLOOD_LIMIT_PER_MINUTE = 2
    for n in range(2):
        client.post(post_url(explainer), guest_data(explainer, body=f"{TEXT} {n}"))
    response = client.post(post_url(explainer), guest_data(explainer, body=f"{TEXT} flood"))
    assert response.status_code == 429
    assert "posting too fast" in content(response)
    assert f"{TEXT} flood" in content(response)
    assert Comment.objects.count() == 2


def test_editor_closed_explainer_refuses_a_forced_post(client, explainer):
    explainer.comment_mode = "closed"
    explainer.save()
    response = client.post(post_url(explainer), guest_data(explainer))
    assert response.status_code == 403
    assert "closed comments" in content(response)
    assert not Comment.objects.exists()


def test_auto_closed_explainer_refuses_a_forced_post(client, settings):
    settings.COMMENTS_CLOSE_AFTER_DAYS = 30
    old = ExplainerFactory(published=True, publish_at=timezone.now() - datetime.timedelta(days=40))
    response = client.post(post_url(old), guest_data(old))
    assert response.status_code == 403
    assert "30 days after publication" in content(response)
    assert not Comment.objects.exists()


def test_closed_explainer_form_page_says_why(client, explainer):
    explainer.comment_mode = "closed"
    explainer.save()
    response = client.get(post_url(explainer))
    assert response.status_code == 403
    assert "closed comments" in content(response)


def test_get_and_post_only(client, explainer):
    assert client.put(post_url(explainer)).status_code == 405


# --- reports ----------------------------------------------------------------------------


def report_url(comment):
    return reverse("comments:report", args=[comment.pk])


def test_report_page_shows_a_form(client):
    comment = CommentFactory(body="Words someone may dislike.")
    response = client.get(report_url(comment))
    assert response.status_code == 200
    assert "Words someone may dislike." in content(response)
    assert "csrfmiddlewaretoken" in content(response)


def test_report_is_recorded_and_thanks_the_reader(client, reader):
    comment = CommentFactory()
    client.force_login(reader)
    response = client.post(report_url(comment), {"reason": "abusive"})
    assert response["Location"] == f"{comment.explainer.get_absolute_url()}?reported=1#comments"
    assert CommentReport.objects.get().reporter == reader
    follow = client.get(response["Location"])
    assert "Thank you for your report" in content(follow)


def test_second_report_by_the_same_reader_is_refused_with_a_message(client, reader):
    comment = CommentFactory()
    client.force_login(reader)
    client.post(report_url(comment), {"reason": "abusive"})
    response = client.post(report_url(comment), {"reason": "spam"})
    assert response.status_code == 400
    assert "already reported" in content(response)
    assert CommentReport.objects.count() == 1


def test_report_without_a_reason_is_refused(client):
    response = client.post(report_url(CommentFactory()), {})
    assert response.status_code == 400
    assert not CommentReport.objects.exists()


def test_guest_reports_from_three_addresses_hide_the_comment(client, settings):
    settings.COMMENTS_REPORT_THRESHOLD = 3
    comment = CommentFactory(body="Soon to be hidden by reports.")
    for n in range(3):
        client.post(report_url(comment), {"reason": "abusive"}, REMOTE_ADDR=f"192.0.2.{n}")
    comment.refresh_from_db()
    assert (comment.status, comment.is_reported) == ("pending", True)
    assert "Soon to be hidden" not in content(client.get(comment.explainer.get_absolute_url()))


def test_report_page_of_a_hidden_comment_says_so(client):
    response = client.get(report_url(CommentFactory(status="pending")))
    assert response.status_code == 404
    assert "no longer shown" in content(response)


def test_report_page_of_a_comment_on_an_unpublished_explainer_is_not_found(client):
    comment = CommentFactory(explainer=ExplainerFactory())
    assert client.get(report_url(comment)).status_code == 404


def test_signed_in_readers_report_separately(client):
    comment = CommentFactory()
    for user in UserFactory.create_batch(2):
        client.force_login(user)
        assert client.post(report_url(comment), {"reason": "other"}).status_code == 302
    assert CommentReport.objects.count() == 2
