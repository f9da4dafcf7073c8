"""Featured comments (a moderator's picks) and the reader's choice of order and view."""

import datetime

import lxml.html
import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from comments import moderation
from comments.models import Comment, ModerationAction
from comments.moderation import TransitionNotAllowed
from explainers.models import Explainer
from tests.factories import CommentFactory, ExplainerFactory

pytestmark = pytest.mark.django_db

A = ModerationAction.Action


def featured_count(explainer):
    return Explainer.objects.values_list("comment_featured_count", flat=True).get(pk=explainer.pk)


def three_threads(explainer):
    """Three top-level comments a minute apart, oldest first."""
    start = timezone.now() - datetime.timedelta(hours=1)
    comments = []
    for number, word in enumerate(["first", "second", "third"]):
        comment = CommentFactory(explainer=explainer, body=f"The {word} thread starts here.")
        Comment.objects.filter(pk=comment.pk).update(
            created_at=start + datetime.timedelta(minutes=number)
        )
        comments.append(comment)
    return comments


def thread_order(client, explainer, query=""):
    """The ids of the top-level comments on the page, in the order shown."""
    response = client.get(explainer.get_absolute_url() + query)
    assert response.status_code == 200
    doc = lxml.html.fromstring(response.content)
    return [
        int(article.get("id").removeprefix("comment-"))
        for article in doc.xpath('//ol[contains(@class, "comment-list")]/li/article')
    ]


# --- the service -------------------------------------------------------------------------


def test_featuring_an_approved_comment_is_logged_and_counted(explainer, moderator):
    comment = CommentFactory(explainer=explainer)
    moderation.comment_feature(comment=comment, actor=moderator)
    comment.refresh_from_db()
    assert comment.is_featured and comment.featured_at is not None
    assert featured_count(explainer) == 1
    entry = ModerationAction.objects.get(comment=comment, action=A.FEATURE)
    assert entry.actor == moderator
    moderation.comment_feature(comment=comment, actor=moderator, featured=False)
    comment.refresh_from_db()
    assert not comment.is_featured and comment.featured_at is None
    assert featured_count(explainer) == 0
    assert ModerationAction.objects.filter(comment=comment, action=A.UNFEATURE).count() == 1


def test_featuring_twice_counts_and_logs_once(explainer, moderator):
    comment = CommentFactory(explainer=explainer)
    moderation.comment_feature(comment=comment, actor=moderator)
    moderation.comment_feature(comment=comment, actor=moderator)
    assert featured_count(explainer) == 1
    assert ModerationAction.objects.filter(comment=comment, action=A.FEATURE).count() == 1


@pytest.mark.parametrize("status", ["pending", "rejected", "spam", "removed"])
def test_only_a_published_comment_can_be_featured(explainer, moderator, status):
    comment = CommentFactory(explainer=explainer, status=status)
    with pytest.raises(TransitionNotAllowed):
        moderation.comment_feature(comment=comment, actor=moderator)
    comment.refresh_from_db()
    assert not comment.is_featured
    assert featured_count(explainer) == 0


def test_a_featured_comment_taken_down_is_no_longer_featured(explainer, moderator):
    comment = CommentFactory(explainer=explainer)
    moderation.comment_feature(comment=comment, actor=moderator)
    moderation.comment_remove(comment=comment, actor=moderator)
    comment.refresh_from_db()
    assert not comment.is_featured
    assert featured_count(explainer) == 0
    moderation.comment_restore(comment=comment, actor=moderator)
    moderation.comment_approve(comment=comment, actor=moderator)
    comment.refresh_from_db()
    assert not comment.is_featured  # featuring it again is a moderator's fresh decision
    assert featured_count(explainer) == 0


def test_a_reader_may_not_feature(explainer, reader):
    comment = CommentFactory(explainer=explainer)
    with pytest.raises(PermissionDenied):
        moderation.comment_feature(comment=comment, actor=reader)
    assert featured_count(explainer) == 0


# --- the moderation tool -------------------------------------------------------------------


def test_moderator_features_and_unfeatures_from_the_tool(mod_client, explainer):
    comment = CommentFactory(explainer=explainer)
    response = mod_client.post(reverse("moderation:feature", args=[comment.pk]))
    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.is_featured
    mod_client.post(reverse("moderation:unfeature", args=[comment.pk]))
    comment.refresh_from_db()
    assert not comment.is_featured


def test_featuring_a_held_comment_from_the_tool_says_why_not(mod_client, explainer):
    comment = CommentFactory(explainer=explainer, status="pending")
    response = mod_client.post(reverse("moderation:feature", args=[comment.pk]), follow=True)
    assert "Only a published comment can be featured." in response.content.decode()
    comment.refresh_from_db()
    assert not comment.is_featured


def test_feature_urls_take_posts_from_moderators_only(client, reader, explainer):
    comment = CommentFactory(explainer=explainer)
    url = reverse("moderation:feature", args=[comment.pk])
    client.force_login(reader)
    assert client.post(url).status_code == 403
    comment.refresh_from_db()
    assert not comment.is_featured


def test_feature_url_refuses_get(mod_client, explainer):
    comment = CommentFactory(explainer=explainer)
    assert mod_client.get(reverse("moderation:feature", args=[comment.pk])).status_code == 405


# --- sorting and the featured view on the explainer page ----------------------------------


def test_without_featured_comments_the_thread_is_oldest_first(client, explainer):
    first, second, third = three_threads(explainer)
    assert thread_order(client, explainer) == [first.pk, second.pk, third.pk]
    assert thread_order(client, explainer, "?csort=newest") == [third.pk, second.pk, first.pk]


def test_featured_threads_come_first_by_default_and_each_order_is_a_link(
    client, explainer, moderator
):
    first, second, third = three_threads(explainer)
    moderation.comment_feature(comment=third, actor=moderator)
    assert thread_order(client, explainer) == [third.pk, first.pk, second.pk]
    assert thread_order(client, explainer, "?csort=featured") == [third.pk, first.pk, second.pk]
    assert thread_order(client, explainer, "?csort=oldest") == [first.pk, second.pk, third.pk]
    assert thread_order(client, explainer, "?csort=newest") == [third.pk, second.pk, first.pk]
    assert thread_order(client, explainer, "?csort=nonsense") == [third.pk, first.pk, second.pk]
    doc = lxml.html.fromstring(client.get(explainer.get_absolute_url()).content)
    links = doc.xpath('//nav[contains(@class, "comment-sort")]//a')
    assert [link.get("href") for link in links] == [
        "?cview=featured#comments",
        "?csort=featured#comments",
        "?csort=oldest#comments",
        "?csort=newest#comments",
    ]
    current = doc.xpath('//nav[contains(@class, "comment-sort")]//a[@aria-current]')
    assert [link.get("href") for link in current] == ["?csort=featured#comments"]


def test_the_featured_view_lists_the_picks_alone_replies_included(client, explainer, moderator):
    first, second, _third = three_threads(explainer)
    reply = CommentFactory(explainer=explainer, parent=first, body="A reply worth featuring.")
    moderation.comment_feature(comment=second, actor=moderator)
    moderation.comment_feature(comment=reply, actor=moderator)
    order = thread_order(client, explainer, "?cview=featured")
    assert order == [reply.pk, second.pk]  # newest pick first
    page = client.get(explainer.get_absolute_url() + "?cview=featured").content.decode()
    assert "The first thread starts here." not in page
    assert "2 featured" in page
    doc = lxml.html.fromstring(page)
    (context,) = doc.xpath(f'//article[@id="comment-{reply.pk}"]//p[@class="comment-in-reply-to"]')
    assert context.text_content().strip() == f"In reply to {first.author_name}"


def test_the_featured_view_of_a_thread_without_picks_says_so(client, explainer):
    three_threads(explainer)
    response = client.get(explainer.get_absolute_url() + "?cview=featured")
    assert response.status_code == 200
    assert "No comments are featured." in response.content.decode()


def test_the_page_shows_how_many_comments_are_featured(client, explainer, moderator):
    comments = three_threads(explainer)
    assert "featured" not in content_of(client, explainer, '//p[@class="comment-count"]')
    for comment in comments[:2]:
        moderation.comment_feature(comment=comment, actor=moderator)
    assert "2 featured" in content_of(client, explainer, '//p[@class="comment-count"]')


def content_of(client, explainer, xpath):
    doc = lxml.html.fromstring(client.get(explainer.get_absolute_url()).content)
    return " ".join(node.text_content() for node in doc.xpath(xpath))


def test_pages_of_a_sorted_thread_keep_their_order_in_the_pager(client, settings):
    settings.COMMENTS_PER_PAGE = 2
    explainer = ExplainerFactory(published=True)
    three_threads(explainer)
    doc = lxml.html.fromstring(client.get(explainer.get_absolute_url() + "?csort=newest").content)
    (later,) = doc.xpath('//nav[contains(@class, "comment-pager")]//a[@rel="next"]')
    assert later.get("href") == "?csort=newest&cpage=2#comments"
    assert later.text_content() == "Earlier comments"  # newest first: the next page is older


def test_each_order_is_its_own_cached_page_and_featuring_refreshes_them(
    client, explainer, moderator, django_assert_num_queries
):
    first, _second, third = three_threads(explainer)
    for query in ("", "?csort=newest", "?cview=featured"):
        client.get(explainer.get_absolute_url() + query)  # stored
    with django_assert_num_queries(0):
        newest = thread_order(client, explainer, "?csort=newest")
        default = thread_order(client, explainer)
    assert newest == [third.pk, _second.pk, first.pk]
    assert default == [first.pk, _second.pk, third.pk]
    moderation.comment_feature(comment=third, actor=moderator)
    assert thread_order(client, explainer) == [third.pk, first.pk, _second.pk]
    assert thread_order(client, explainer, "?cview=featured") == [third.pk]


def test_sorted_and_featured_pages_cost_the_same_queries_at_5_and_60_comments(
    client, count_queries, moderator
):
    small, large = ExplainerFactory(published=True), ExplainerFactory(published=True)
    for explainer, count in ((small, 5), (large, 60)):
        for comment in CommentFactory.create_batch(count, explainer=explainer):
            if comment.pk % 3 == 0:
                moderation.comment_feature(comment=comment, actor=moderator)
    for query in ("?csort=featured", "?csort=oldest", "?csort=newest", "?cview=featured"):
        assert count_queries(client, small.get_absolute_url() + query) == count_queries(
            client, large.get_absolute_url() + query
        ), query


def test_made_up_sort_values_are_one_cached_page_not_one_each(
    client, explainer, django_assert_num_queries
):
    three_threads(explainer)
    client.get(explainer.get_absolute_url() + "?csort=made-up-1")  # stored as the default
    with django_assert_num_queries(0):
        for query in ("?csort=made-up-2", "?cview=other", "?cpage=x", "?csort=x&csort=oldest"):
            response = client.get(explainer.get_absolute_url() + query)
            assert response.status_code == 200
    assert client.get(explainer.get_absolute_url() + "?csort=newest").status_code == 200


def test_a_featured_comment_whose_author_deletes_their_account_is_unfeatured(explainer, moderator):
    from comments.privacy import comments_author_erase
    from tests.factories import UserFactory

    author = UserFactory()
    comment = CommentFactory(explainer=explainer, user=author, guest_name="", guest_email="")
    moderation.comment_feature(comment=comment, actor=moderator)
    comments_author_erase(author)
    comment.refresh_from_db()
    assert not comment.is_featured
    assert featured_count(explainer) == 0
    assert ModerationAction.objects.filter(comment=comment, action=A.UNFEATURE).exists()


def test_reports_that_send_a_pick_back_to_the_queue_unfeature_it_in_the_log(
    explainer, moderator, settings
):
    from comments.reports import comment_report

    settings.COMMENTS_REPORT_THRESHOLD = 2
    comment = CommentFactory(explainer=explainer)
    moderation.comment_feature(comment=comment, actor=moderator)
    for address in ("192.0.2.1", "192.0.2.2"):
        comment_report(comment=comment, reason="off_topic", ip_address=address)
    comment.refresh_from_db()
    assert comment.status == "pending" and not comment.is_featured
    assert featured_count(explainer) == 0
    entry = ModerationAction.objects.get(comment=comment, action=A.UNFEATURE)
    assert entry.actor is None  # the system's, not a moderator's
