"""What the moderators' tool shows and does: queue, tabs, decisions, bulk, threads, log."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from comments import counters, moderation, privacy, reports, submission, trust
from comments.models import Comment, ModerationAction
from comments.moderation_views import COMMENTS_PER_PAGE
from readers.models import ReaderProfile
from tests.factories import ExplainerFactory, UserFactory

pytestmark = pytest.mark.django_db


Status = Comment.Status
Action = ModerationAction.Action


def make_comment(*, explainer=None, status=Status.PENDING, user=None, age=None, **kwargs):
    """A comment in any status; `age` (a timedelta) backdates it."""
    if user is None:
        kwargs.setdefault("guest_name", "A guest")
    comment = Comment.objects.create(
        explainer=explainer or ExplainerFactory(published=True),
        user=user,
        status=status,
        body=kwargs.pop("body", "A comment with enough words."),
        **kwargs,
    )
    # Stored as the services store one: a published comment is counted on its explainer.
    counters.comment_visibility_changed(
        comment, was_visible=False, is_visible=counters.is_visible(status)
    )
    if age is not None:
        Comment.objects.filter(pk=comment.pk).update(created_at=timezone.now() - age)
        comment.refresh_from_db()
    return comment


def listed_pks(response):
    return [comment.pk for comment in response.context["comments"]]


def message_texts(response):
    return [str(m) for m in response.context["messages"]]


# --- The queue ------------------------------------------------------------------------------


def test_queue_lists_pending_comments_oldest_first(mod_client, explainer):
    newer = make_comment(explainer=explainer, age=datetime.timedelta(minutes=5))
    older = make_comment(explainer=explainer, age=datetime.timedelta(hours=3))
    make_comment(explainer=explainer, status=Status.APPROVED)
    response = mod_client.get(reverse("moderation:queue"))
    assert listed_pks(response) == [older.pk, newer.pk]


def test_queue_shows_hold_reasons_as_readable_labels(mod_client, explainer):
    make_comment(explainer=explainer, hold_reasons=["link", "hold_word:rumour"])
    html = mod_client.get(reverse("moderation:queue")).content.decode()
    assert "Contains a link" in html
    assert "Matches the hold word “rumour”" in html
    assert "hold_word:rumour" not in html


def test_queue_links_each_comment_to_its_explainer(mod_client, explainer):
    make_comment(explainer=explainer)
    html = mod_client.get(reverse("moderation:queue")).content.decode()
    assert f'href="{explainer.get_absolute_url()}"' in html
    assert reverse("moderation:thread", kwargs={"pk": explainer.pk}) in html
    assert explainer.title in html


def test_queue_shows_an_excerpt_of_the_comment_a_reply_answers(mod_client, explainer):
    parent = make_comment(
        explainer=explainer,
        status=Status.APPROVED,
        guest_name="Aiko",
        body="The first comment in this thread, quite long. " * 10,
    )
    make_comment(explainer=explainer, parent=parent, body="I disagree with that view.")
    html = mod_client.get(reverse("moderation:queue")).content.decode()
    assert f"In reply to #{parent.pk} by Aiko:" in html
    assert "The first comment in this thread" in html
    assert parent.body.strip() not in html  # an excerpt, not the whole text


def test_queue_shows_a_signed_in_authors_history(mod_client, explainer, reader):
    for status in [Status.APPROVED, Status.APPROVED, Status.REJECTED, Status.SPAM]:
        make_comment(explainer=explainer, user=reader, status=status)
    make_comment(explainer=explainer, status=Status.APPROVED)  # someone else's
    held = make_comment(explainer=explainer, user=reader)
    response = mod_client.get(reverse("moderation:queue"))
    [comment] = response.context["comments"]
    assert comment.pk == held.pk
    history = {status: count for _label, status, count in comment.author_history}
    assert history == {"approved": 2, "rejected": 1, "spam": 1, "removed": 0}


def guest(email, **kwargs):
    """A guest's comment as comment_submit stores it: their email and the key made from it."""
    return make_comment(guest_email=email, guest_key=privacy.guest_key(email), **kwargs)


def test_a_guests_record_matches_by_their_email_key_never_by_address(mod_client, explainer):
    # Another guest behind the same address (an office, a carrier's NAT), with and without
    # an email: not this guest.
    guest("other@example.com", explainer=explainer, status=Status.APPROVED, ip_hash="h1")
    make_comment(explainer=explainer, status=Status.REJECTED, ip_hash="h1")
    # This guest, from another address, typing their email differently.
    guest(" G@Example.com", explainer=explainer, status=Status.SPAM, ip_hash="h2")
    guest("g@example.com", explainer=explainer, ip_hash="h1")
    response = mod_client.get(reverse("moderation:queue"))
    [comment] = response.context["comments"]
    history = {status: count for _label, status, count in comment.author_history}
    assert history == {"approved": 0, "rejected": 0, "spam": 1, "removed": 0}


def test_a_guest_without_email_has_no_record_of_other_comments(mod_client, explainer):
    make_comment(explainer=explainer, status=Status.APPROVED, ip_hash="h1")
    make_comment(explainer=explainer, status=Status.APPROVED)
    make_comment(explainer=explainer, ip_hash="h1")
    response = mod_client.get(reverse("moderation:queue"))
    [comment] = response.context["comments"]
    assert [count for _label, _status, count in comment.author_history] == [0, 0, 0, 0]


def test_an_authors_history_leaves_out_the_comment_itself(mod_client, explainer, reader):
    make_comment(explainer=explainer, user=reader, status=Status.APPROVED)
    make_comment(explainer=explainer, user=reader, status=Status.APPROVED)
    response = mod_client.get(reverse("moderation:tab", kwargs={"tab": "approved"}))
    for comment in response.context["comments"]:
        history = {status: count for _label, status, count in comment.author_history}
        assert history["approved"] == 1


def test_queue_shows_the_age_of_each_comment_and_of_the_oldest(mod_client, explainer):
    make_comment(explainer=explainer, age=datetime.timedelta(hours=5))
    make_comment(explainer=explainer, age=datetime.timedelta(minutes=10))
    html = mod_client.get(reverse("moderation:queue")).content.decode()
    assert "The oldest pending comment has waited 5\xa0hours." in html
    assert "10\xa0minutes ago" in html


def test_queue_says_when_nothing_is_waiting(mod_client, explainer):
    make_comment(explainer=explainer, status=Status.APPROVED)
    html = mod_client.get(reverse("moderation:queue")).content.decode()
    assert "No comment is waiting for a decision." in html


def test_queue_shows_pending_counts_per_explainer(mod_client, explainer):
    other = ExplainerFactory(published=True, title="Another story")
    for _ in range(3):
        make_comment(explainer=explainer)
    make_comment(explainer=other)
    make_comment(explainer=other, status=Status.APPROVED)
    response = mod_client.get(reverse("moderation:queue"))
    counts = {row["explainer__title"]: row["n"] for row in response.context["pending_by_explainer"]}
    assert counts == {explainer.title: 3, "Another story": 1}
    assert f'data-pending-count="{explainer.pk}">3<' in response.content.decode()


def test_queue_filters_by_explainer(mod_client, explainer):
    mine = make_comment(explainer=explainer)
    make_comment(explainer=ExplainerFactory(published=True))
    response = mod_client.get(reverse("moderation:queue"), {"explainer": explainer.pk})
    assert listed_pks(response) == [mine.pk]


@pytest.mark.parametrize("value", ["abc", "999999"])
def test_a_bad_explainer_filter_is_a_400_with_a_message(mod_client, explainer, value):
    make_comment(explainer=explainer)
    response = mod_client.get(reverse("moderation:queue"), {"explainer": value})
    assert response.status_code == 400
    assert "No explainer with comments has that number." in response.content.decode()
    assert listed_pks(response) == []


def test_queue_is_paginated(mod_client, explainer):
    for _ in range(30):
        make_comment(explainer=explainer)
    first = mod_client.get(reverse("moderation:queue"))
    second = mod_client.get(reverse("moderation:queue"), {"page": 2})
    assert len(listed_pks(first)) == 25
    assert len(listed_pks(second)) == 5
    assert not set(listed_pks(first)) & set(listed_pks(second))


def test_a_page_number_out_of_range_shows_the_last_page(mod_client, explainer):
    make_comment(explainer=explainer)
    response = mod_client.get(reverse("moderation:queue"), {"page": "zzz"})
    assert response.status_code == 200
    assert len(listed_pks(response)) == 1


def test_comment_text_cannot_run_script_in_the_queue(mod_client, explainer):
    make_comment(explainer=explainer, body='<script>alert("x")</script> please read this')
    html = mod_client.get(reverse("moderation:queue")).content.decode()
    assert '<script>alert("x")</script>' not in html
    assert "&lt;script&gt;" in html


def test_queue_offers_keyboard_shortcuts_from_a_static_script(mod_client, explainer):
    make_comment(explainer=explainer)
    html = mod_client.get(reverse("moderation:queue")).content.decode()
    assert 'src="/static/js/moderation.js"' in html
    assert 'id="moderation-shortcuts"' in html
    assert "data-moderation-item" in html
    assert 'data-shortcut="approve"' in html


# --- Tabs ---------------------------------------------------------------------------------


@pytest.mark.parametrize("tab", ["approved", "rejected", "spam", "removed"])
def test_each_tab_lists_only_comments_in_its_status(mod_client, explainer, tab):
    wanted = [make_comment(explainer=explainer, status=tab) for _ in range(2)]
    for status in Status.values:
        if status != tab:
            make_comment(explainer=explainer, status=status)
    response = mod_client.get(reverse("moderation:tab", kwargs={"tab": tab}))
    assert sorted(listed_pks(response)) == sorted(c.pk for c in wanted)


def test_reported_tab_lists_comments_readers_reported(mod_client, explainer, settings):
    settings.COMMENTS_REPORT_THRESHOLD = 2
    sent_back = make_comment(explainer=explainer, status=Status.APPROVED)
    once = make_comment(explainer=explainer, status=Status.APPROVED)
    make_comment(explainer=explainer, status=Status.APPROVED)  # nobody reported it
    reports.comment_report(comment=sent_back, reason="abusive", ip_address="192.0.2.1")
    reports.comment_report(comment=sent_back, reason="abusive", ip_address="192.0.2.2")
    reports.comment_report(comment=once, reason="spam", ip_address="192.0.2.3")
    response = mod_client.get(reverse("moderation:tab", kwargs={"tab": "reported"}))
    assert sorted(listed_pks(response)) == sorted([sent_back.pk, once.pk])
    html = response.content.decode()
    assert "Reported by readers" in html
    assert "2 reports" in html


def test_a_moderators_approval_answers_the_reports(mod_client, explainer, moderator):
    reported = make_comment(explainer=explainer, status=Status.APPROVED)
    reports.comment_report(comment=reported, reason="spam", ip_address="192.0.2.3")
    moderation.comment_remove(comment=reported, actor=moderator)
    moderation.comment_restore(comment=reported, actor=moderator)
    moderation.comment_approve(comment=reported, actor=moderator)
    response = mod_client.get(reverse("moderation:tab", kwargs={"tab": "reported"}))
    assert listed_pks(response) == []


def test_tabs_show_counts_and_keep_the_explainer_filter(mod_client, explainer):
    make_comment(explainer=explainer, status=Status.SPAM)
    response = mod_client.get(
        reverse("moderation:tab", kwargs={"tab": "spam"}), {"explainer": explainer.pk}
    )
    assert {name: count for name, _label, count in response.context["tabs"]}["spam"] == 1
    html = response.content.decode()
    assert f'href="{reverse("moderation:queue")}?explainer={explainer.pk}"' in html


def test_an_unknown_tab_is_404(mod_client):
    assert mod_client.get("/moderation/everything/").status_code == 404


# --- One decision at a time -----------------------------------------------------------------


def post_action(client, action, comment, **data):
    return client.post(reverse(f"moderation:{action}", kwargs={"pk": comment.pk}), data)


def test_approving_publishes_the_comment_and_logs_who_did_it(mod_client, explainer, moderator):
    comment = make_comment(explainer=explainer)
    response = post_action(mod_client, "approve", comment)
    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.status == Status.APPROVED
    entry = ModerationAction.objects.get(comment=comment)
    assert (entry.actor, entry.action, entry.old_status, entry.new_status) == (
        moderator,
        Action.APPROVE,
        Status.PENDING,
        Status.APPROVED,
    )
    assert comment in Comment.objects.visible()


def test_rejecting_records_the_reason_and_note(mod_client, explainer):
    comment = make_comment(explainer=explainer)
    post_action(mod_client, "reject", comment, reason="abusive", note="Insults another reader")
    comment.refresh_from_db()
    assert comment.status == Status.REJECTED
    assert comment.rejection_reason == "abusive"
    entry = ModerationAction.objects.get(comment=comment)
    assert (entry.action, entry.reason, entry.note) == (
        Action.REJECT,
        "abusive",
        "Insults another reader",
    )


def test_rejecting_without_a_reason_is_a_400_with_a_clear_message(mod_client, explainer):
    comment = make_comment(explainer=explainer)
    response = post_action(mod_client, "reject", comment, note="no reason given")
    assert response.status_code == 400
    assert "Choose a reason for rejecting the comment." in response.content.decode()
    comment.refresh_from_db()
    assert comment.status == Status.PENDING
    assert not ModerationAction.objects.exists()


def test_the_reason_form_can_be_fixed_and_sent_again(mod_client, explainer):
    comment = make_comment(explainer=explainer)
    response = post_action(mod_client, "reject", comment, next="/moderation/spam/")
    html = response.content.decode()
    assert f'action="{reverse("moderation:reject", kwargs={"pk": comment.pk})}"' in html
    assert 'name="next" value="/moderation/spam/"' in html


def test_an_unknown_reason_is_a_400(mod_client, explainer):
    comment = make_comment(explainer=explainer)
    response = post_action(mod_client, "reject", comment, reason="because")
    assert response.status_code == 400
    comment.refresh_from_db()
    assert comment.status == Status.PENDING


def test_rejecting_for_another_reason_needs_a_note(mod_client, explainer):
    comment = make_comment(explainer=explainer)
    response = post_action(mod_client, "reject", comment, reason="other")
    assert response.status_code == 400
    assert "Say in the note why" in response.content.decode()
    post_action(mod_client, "reject", comment, reason="other", note="Duplicate of #3")
    comment.refresh_from_db()
    assert comment.status == Status.REJECTED


def test_a_note_that_is_too_long_is_a_400(mod_client, explainer):
    comment = make_comment(explainer=explainer)
    response = post_action(mod_client, "approve", comment, note="x" * 1001)
    assert response.status_code == 400
    comment.refresh_from_db()
    assert comment.status == Status.PENDING


def test_marking_as_spam_hides_and_logs_it(mod_client, explainer):
    comment = make_comment(explainer=explainer)
    post_action(mod_client, "spam", comment)
    comment.refresh_from_db()
    assert comment.status == Status.SPAM
    assert ModerationAction.objects.get(comment=comment).action == Action.SPAM


def test_removing_takes_a_published_comment_down(mod_client, explainer):
    comment = make_comment(explainer=explainer, status=Status.APPROVED)
    post_action(mod_client, "remove", comment, reason="personal_info", note="Phone number")
    comment.refresh_from_db()
    assert comment.status == Status.REMOVED
    assert comment not in Comment.objects.visible()
    entry = ModerationAction.objects.get(comment=comment)
    assert (entry.action, entry.old_status, entry.reason) == (
        Action.REMOVE,
        Status.APPROVED,
        "personal_info",
    )


@pytest.mark.parametrize("status", [Status.REJECTED, Status.SPAM, Status.REMOVED])
def test_restoring_puts_a_comment_back_in_the_queue(mod_client, explainer, status):
    comment = make_comment(explainer=explainer, status=status)
    post_action(mod_client, "restore", comment)
    comment.refresh_from_db()
    assert comment.status == Status.PENDING
    entry = ModerationAction.objects.get(comment=comment)
    assert (entry.action, entry.old_status, entry.new_status) == (
        Action.RESTORE,
        status,
        Status.PENDING,
    )


def test_an_action_goes_back_to_the_tab_with_a_message(mod_client, explainer):
    comment = make_comment(explainer=explainer, status=Status.SPAM)
    response = post_action(mod_client, "restore", comment, next="/moderation/spam/?page=1")
    assert response["Location"] == "/moderation/spam/?page=1"
    followed = mod_client.get(response["Location"])
    assert f"Comment #{comment.pk} restored to the pending queue." in message_texts(followed)


def test_an_action_never_redirects_to_another_site(mod_client, explainer):
    comment = make_comment(explainer=explainer)
    response = post_action(mod_client, "approve", comment, next="https://evil.example/")
    assert response["Location"] == reverse("moderation:queue")


def test_a_decision_that_does_not_apply_says_so_and_changes_nothing(mod_client, explainer):
    comment = make_comment(explainer=explainer, status=Status.APPROVED)
    response = post_action(mod_client, "approve", comment)
    assert response.status_code == 302
    followed = mod_client.get(response["Location"])
    assert any("cannot be approved" in text for text in message_texts(followed))
    assert not ModerationAction.objects.exists()


def test_an_action_on_a_missing_comment_is_404(mod_client):
    response = mod_client.post(reverse("moderation:approve", kwargs={"pk": 424242}))
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("status", "offered"),
    [
        (Status.PENDING, ["approve", "reject", "spam"]),
        (Status.APPROVED, ["spam", "remove"]),
        (Status.REMOVED, ["restore"]),
    ],
)
def test_each_comment_offers_the_decisions_that_apply_to_it(mod_client, explainer, status, offered):
    comment = make_comment(explainer=explainer, status=status)
    response = mod_client.get(reverse("moderation:thread", kwargs={"pk": explainer.pk}))
    [shown] = response.context["threads"]
    assert shown.pk == comment.pk
    assert [t.action for t in shown.moderator_actions] == offered


@pytest.mark.parametrize("status", Status.values)
def test_the_tool_offers_exactly_the_decisions_the_service_allows(mod_client, explainer, status):
    comment = make_comment(explainer=explainer, status=status)
    response = mod_client.get(reverse("moderation:thread", kwargs={"pk": explainer.pk}))
    [shown] = response.context["threads"]
    allowed = [t.action for t in moderation.TRANSITIONS.values() if status in t.sources]
    assert shown.pk == comment.pk
    assert [t.action for t in shown.moderator_actions] == allowed


def test_removing_for_another_reason_needs_a_note(mod_client, explainer):
    comment = make_comment(explainer=explainer, status=Status.APPROVED)
    response = post_action(mod_client, "remove", comment, reason="other")
    assert response.status_code == 400
    comment.refresh_from_db()
    assert comment.status == Status.APPROVED


def test_bulk_for_another_reason_needs_a_note(mod_client, explainer):
    ticked = [make_comment(explainer=explainer) for _ in range(2)]
    response = mod_client.post(
        reverse("moderation:bulk"),
        {"comments": [c.pk for c in ticked], "action": "reject", "reason": "other"},
    )
    assert response.status_code == 400
    assert not ModerationAction.objects.exists()


def test_every_decision_from_the_tool_shows_in_the_log(mod_client, explainer):
    comment = make_comment(explainer=explainer, body="Seen in the log afterwards")
    post_action(mod_client, "approve", comment)
    post_action(mod_client, "remove", comment, reason="off_topic", note="drifted away")
    post_action(mod_client, "restore", comment)
    post_action(mod_client, "reject", comment, reason="abusive")
    post_action(mod_client, "spam", comment)
    response = mod_client.get(reverse("moderation:log"))
    actions = [entry.action for entry in response.context["entries"]]
    assert actions == ["spam", "reject", "restore", "remove", "approve"]
    html = response.content.decode()
    assert "Approved → Removed" in html
    assert "drifted away" in html
    assert "moderator" in html


def test_nothing_in_the_tool_deletes_a_comment(mod_client, explainer):
    comments = [make_comment(explainer=explainer) for _ in range(3)]
    post_action(mod_client, "reject", comments[0], reason="spam")
    post_action(mod_client, "spam", comments[1])
    post_action(mod_client, "approve", comments[2])
    post_action(mod_client, "remove", comments[2])
    mod_client.post(
        reverse("moderation:bulk"),
        {"comments": [c.pk for c in comments], "action": "restore"},
    )
    assert Comment.objects.count() == 3
    assert ModerationAction.objects.count() == 7


# --- Bulk -----------------------------------------------------------------------------------


def test_bulk_approve_changes_every_ticked_comment(mod_client, explainer):
    ticked = [make_comment(explainer=explainer) for _ in range(3)]
    untouched = make_comment(explainer=explainer)
    response = mod_client.post(
        reverse("moderation:bulk"),
        {"comments": [c.pk for c in ticked], "action": "approve", "note": "fine"},
    )
    assert response.status_code == 302
    assert set(Comment.objects.filter(status=Status.APPROVED)) == set(ticked)
    untouched.refresh_from_db()
    assert untouched.status == Status.PENDING
    assert ModerationAction.objects.filter(action=Action.APPROVE, note="fine").count() == 3
    assert "Approve: 3 comments changed." in message_texts(mod_client.get(response["Location"]))


def test_bulk_reject_records_the_reason_on_each(mod_client, explainer):
    ticked = [make_comment(explainer=explainer) for _ in range(2)]
    mod_client.post(
        reverse("moderation:bulk"),
        {"comments": [c.pk for c in ticked], "action": "reject", "reason": "off_topic"},
    )
    assert list(
        ModerationAction.objects.filter(action=Action.REJECT).values_list("reason", flat=True)
    ) == ["off_topic", "off_topic"]


def test_bulk_reject_without_a_reason_is_a_400_that_keeps_the_selection(mod_client, explainer):
    ticked = [make_comment(explainer=explainer) for _ in range(2)]
    response = mod_client.post(
        reverse("moderation:bulk"), {"comments": [c.pk for c in ticked], "action": "reject"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Choose a reason for rejecting the comment." in html
    for comment in ticked:
        assert f'value="{comment.pk}" id="decide-{comment.pk}" checked' in html
    assert not Comment.objects.exclude(status=Status.PENDING).exists()


def test_bulk_without_ticked_comments_is_a_400(mod_client, explainer):
    make_comment(explainer=explainer)
    response = mod_client.post(reverse("moderation:bulk"), {"action": "approve"})
    assert response.status_code == 400
    assert "Tick at least one comment." in response.content.decode()


@pytest.mark.parametrize("data", [{"action": ""}, {"action": "delete"}])
def test_bulk_without_a_known_action_is_a_400(mod_client, explainer, data):
    comment = make_comment(explainer=explainer)
    response = mod_client.post(reverse("moderation:bulk"), {"comments": [comment.pk], **data})
    assert response.status_code == 400
    comment.refresh_from_db()
    assert comment.status == Status.PENDING


def test_bulk_with_a_bad_comment_number_is_a_400(mod_client):
    response = mod_client.post(reverse("moderation:bulk"), {"comments": ["x"], "action": "spam"})
    assert response.status_code == 400


def test_bulk_skips_comments_the_action_does_not_apply_to_and_says_so(mod_client, explainer):
    pending = make_comment(explainer=explainer)
    approved = make_comment(explainer=explainer, status=Status.APPROVED)
    response = mod_client.post(
        reverse("moderation:bulk"), {"comments": [pending.pk, approved.pk], "action": "approve"}
    )
    texts = message_texts(mod_client.get(response["Location"]))
    assert "Approve: 1 comment changed." in texts
    assert any("1 ticked comment was left as it was" in text for text in texts)
    assert ModerationAction.objects.count() == 1


# --- Closing comments -----------------------------------------------------------------------


def test_moderator_closes_and_reopens_comments_on_an_explainer(mod_client, explainer):
    thread_url = reverse("moderation:thread", kwargs={"pk": explainer.pk})
    response = mod_client.post(
        reverse("moderation:mode", kwargs={"pk": explainer.pk}),
        {"mode": "closed", "next": thread_url},
    )
    assert response["Location"] == thread_url
    explainer.refresh_from_db()
    assert explainer.comments_open is False
    assert not submission.comments_are_open(explainer)
    assert 'data-comments-state="closed"' in mod_client.get(thread_url).content.decode()
    mod_client.post(reverse("moderation:mode", kwargs={"pk": explainer.pk}), {"mode": "open"})
    explainer.refresh_from_db()
    assert explainer.comments_open is True


def test_closing_a_missing_explainer_is_404(mod_client):
    url = reverse("moderation:mode", kwargs={"pk": 999999})
    assert mod_client.post(url, {"mode": "closed"}).status_code == 404


# --- Thread and history ----------------------------------------------------------------------


def test_thread_shows_every_comment_of_the_explainer_with_replies_in_place(mod_client, explainer):
    first = make_comment(explainer=explainer, status=Status.APPROVED)
    rejected = make_comment(explainer=explainer, status=Status.REJECTED)
    reply = make_comment(explainer=explainer, parent=first, status=Status.SPAM)
    make_comment(explainer=ExplainerFactory(published=True))  # another explainer
    response = mod_client.get(reverse("moderation:thread", kwargs={"pk": explainer.pk}))
    threads = response.context["threads"]
    assert [c.pk for c in threads] == [first.pk, rejected.pk]
    assert [c.pk for c in threads[0].thread_replies] == [reply.pk]
    html = response.content.decode()
    for comment in (first, rejected, reply):
        assert f'id="mod-comment-{comment.pk}"' in html
    assert html.index(f'id="mod-comment-{reply.pk}"') < html.index(
        f'id="mod-comment-{rejected.pk}"'
    )


def test_thread_of_a_missing_explainer_is_404(mod_client):
    assert mod_client.get(reverse("moderation:thread", kwargs={"pk": 999999})).status_code == 404


def test_commenter_history_lists_every_comment_by_the_user(mod_client, explainer, reader):
    theirs = [
        make_comment(explainer=explainer, user=reader, status=status)
        for status in (Status.APPROVED, Status.REJECTED, Status.PENDING)
    ]
    make_comment(explainer=explainer, user=UserFactory())
    response = mod_client.get(reverse("moderation:commenter", kwargs={"pk": reader.pk}))
    assert sorted(listed_pks(response)) == sorted(c.pk for c in theirs)
    assert "Comments by Reader" in response.content.decode()


def test_the_queue_links_a_signed_in_author_to_their_history(mod_client, explainer, reader):
    comment = make_comment(explainer=explainer, user=reader)
    html = mod_client.get(reverse("moderation:queue")).content.decode()
    author_url = reverse("moderation:author", kwargs={"pk": comment.pk})
    assert f'href="{author_url}"' in html
    response = mod_client.get(author_url)
    assert response["Location"] == reverse("moderation:commenter", kwargs={"pk": reader.pk})


def test_a_guests_history_lists_only_the_comments_of_their_email(mod_client, explainer):
    comment = guest("g@example.com", explainer=explainer, ip_hash="h1")
    same_email = guest("G@example.com", explainer=explainer, ip_hash="h9", status=Status.APPROVED)
    guest("other@example.com", explainer=explainer, ip_hash="h1", status=Status.APPROVED)
    make_comment(explainer=explainer, ip_hash="h1", status=Status.REJECTED)
    response = mod_client.get(reverse("moderation:author", kwargs={"pk": comment.pk}))
    assert sorted(listed_pks(response)) == sorted([comment.pk, same_email.pk])
    html = response.content.decode()
    assert "(same email address)" in html
    assert "same address" not in html
    assert "g@example.com" not in html
    assert comment.guest_key not in html


def test_a_guest_without_email_has_a_history_of_that_comment_only(mod_client, explainer):
    comment = make_comment(explainer=explainer, ip_hash="h1")
    make_comment(explainer=explainer, ip_hash="h1", status=Status.APPROVED)
    make_comment(explainer=explainer, status=Status.APPROVED)
    response = mod_client.get(reverse("moderation:author", kwargs={"pk": comment.pk}))
    assert listed_pks(response) == [comment.pk]
    assert "this comment only" in response.content.decode()


def test_commenter_history_of_a_missing_user_is_404(mod_client):
    assert mod_client.get(reverse("moderation:commenter", kwargs={"pk": 999999})).status_code == 404


# --- The log ------------------------------------------------------------------------------


def test_log_filters_by_explainer_and_by_moderator(mod_client, explainer, moderator):
    other_mod = UserFactory(username="other-mod", is_superuser=True)
    here = make_comment(explainer=explainer)
    there = make_comment(explainer=ExplainerFactory(published=True))
    moderation.comment_approve(comment=here, actor=moderator)
    moderation.comment_approve(comment=there, actor=other_mod)
    by_explainer = mod_client.get(reverse("moderation:log"), {"explainer": explainer.pk})
    assert [e.comment_id for e in by_explainer.context["entries"]] == [here.pk]
    by_actor = mod_client.get(reverse("moderation:log"), {"actor": other_mod.pk})
    assert [e.comment_id for e in by_actor.context["entries"]] == [there.pk]


def test_log_shows_what_the_system_did_too(mod_client, explainer):
    submission.comment_submit(
        explainer=explainer,
        body="A comment from a guest reader.",
        guest_name="Guest",
        ip_address="192.0.2.9",
        issued_at=timezone.now() - datetime.timedelta(minutes=1),
    )
    html = mod_client.get(reverse("moderation:log")).content.decode()
    assert "Held on arrival" in html
    assert "System" in html


@pytest.mark.parametrize("params", [{"actor": "nobody"}, {"explainer": "424242"}])
def test_a_bad_log_filter_is_a_400_with_a_message(mod_client, params):
    response = mod_client.get(reverse("moderation:log"), params)
    assert response.status_code == 400
    assert 'class="alert alert-danger"' in response.content.decode()


def test_log_is_paginated_newest_first(mod_client, explainer, moderator):
    for _ in range(51):
        comment = make_comment(explainer=explainer)
        moderation.comment_approve(comment=comment, actor=moderator)
    first = mod_client.get(reverse("moderation:log"))
    second = mod_client.get(reverse("moderation:log"), {"page": 2})
    assert len(first.context["entries"]) == 50
    assert len(second.context["entries"]) == 1
    newest = ModerationAction.objects.order_by("-created_at", "-pk").first()
    assert first.context["entries"][0].pk == newest.pk


def test_log_shows_trust_decisions_about_a_reader(mod_client, moderator, reader):
    trust.reader_trust_set(user=reader, actor=moderator, trust="revoked", note="Trolling")
    response = mod_client.get(reverse("moderation:log"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Trust revoked" in html
    assert reverse("moderation:commenter", kwargs={"pk": reader.pk}) in html


# --- Trust ----------------------------------------------------------------------------------


def test_history_page_shows_a_readers_trust(mod_client, explainer, reader, settings):
    settings.COMMENTS_TRUSTED_AFTER_APPROVED = 1
    make_comment(explainer=explainer, user=reader, status=Status.APPROVED)
    html = mod_client.get(reverse("moderation:commenter", kwargs={"pk": reader.pk})).content
    assert 'data-trust="auto"' in html.decode()
    assert "published at once" in html.decode()
    assert not ReaderProfile.objects.exists()  # looking writes nothing


def test_moderator_revokes_a_readers_trust_from_their_history(mod_client, moderator, reader):
    url = reverse("moderation:trust", kwargs={"pk": reader.pk})
    response = mod_client.post(url, {"trust": "revoked", "note": "Repeated personal attacks"})
    assert response["Location"] == reverse("moderation:commenter", kwargs={"pk": reader.pk})
    assert ReaderProfile.objects.get(user=reader).trust == "revoked"
    entry = ModerationAction.objects.get(subject_user=reader)
    assert (entry.action, entry.actor, entry.note) == (
        Action.REVOKE_TRUST,
        moderator,
        "Repeated personal attacks",
    )


def test_setting_the_same_trust_again_says_so(mod_client, moderator, reader):
    trust.reader_trust_set(user=reader, actor=moderator, trust="granted")
    url = reverse("moderation:trust", kwargs={"pk": reader.pk})
    response = mod_client.post(url, {"trust": "granted"})
    assert "already set that way" in " ".join(message_texts(mod_client.get(response["Location"])))
    assert ModerationAction.objects.filter(subject_user=reader).count() == 1


def test_an_unknown_trust_value_is_a_400(mod_client, reader):
    url = reverse("moderation:trust", kwargs={"pk": reader.pk})
    response = mod_client.post(url, {"trust": "forever"})
    assert response.status_code == 400
    assert 'class="alert alert-danger"' in response.content.decode()
    assert not ReaderProfile.objects.exists()


def test_queue_pages_keep_the_explainer_filter(mod_client, explainer):
    for _ in range(COMMENTS_PER_PAGE + 1):
        make_comment(explainer=explainer)
    response = mod_client.get(reverse("moderation:queue"), {"explainer": explainer.pk})
    assert f'href="?explainer={explainer.pk}&amp;page=2"' in response.content.decode()


# --- What a card shows of the comment: its language, its badges, featuring ------------------


def test_each_card_carries_the_language_of_its_text(mod_client, explainer):
    make_comment(explainer=explainer, body="An English comment in the queue.")
    make_comment(explainer=explainer, body="日本語のコメントです。")
    html = mod_client.get(reverse("moderation:queue")).content.decode()
    assert '<div class="moderation-body" lang="en"><p>An English comment in the queue.</p>' in html
    assert '<div class="moderation-body" lang="ja"><p>日本語のコメントです。</p>' in html


def test_cards_badge_the_authors_role_and_featured_comments(mod_client, explainer, moderator):
    make_comment(explainer=explainer, user=moderator, status=Status.APPROVED, badge="moderator")
    make_comment(explainer=explainer, status=Status.APPROVED, is_featured=True)
    html = mod_client.get(reverse("moderation:tab", kwargs={"tab": "approved"})).content.decode()
    assert 'moderation-badge-moderator">Moderator</span>' in html
    assert ">Editor</span>" not in html
    assert html.count('moderation-featured">Featured</span>') == 1


def test_an_approved_card_offers_feature_or_stop_featuring(mod_client, explainer):
    plain = make_comment(explainer=explainer, status=Status.APPROVED)
    picked = make_comment(
        explainer=explainer, status=Status.APPROVED, is_featured=True, featured_at=timezone.now()
    )
    held = make_comment(explainer=explainer)
    url = reverse("moderation:tab", kwargs={"tab": "approved"})
    html = mod_client.get(url).content.decode()
    feature = reverse("moderation:feature", kwargs={"pk": plain.pk})
    unfeature = reverse("moderation:unfeature", kwargs={"pk": picked.pk})
    assert f'action="{feature}"' in html
    assert f'action="{unfeature}"' in html
    assert reverse("moderation:unfeature", kwargs={"pk": plain.pk}) not in html
    assert reverse("moderation:feature", kwargs={"pk": picked.pk}) not in html
    assert f'<input type="hidden" name="next" value="{url}">' in html
    queue = mod_client.get(reverse("moderation:queue")).content.decode()
    assert reverse("moderation:feature", kwargs={"pk": held.pk}) not in queue

    response = mod_client.post(feature, {"next": url})
    assert response["Location"] == url
    plain.refresh_from_db()
    assert plain.is_featured
    assert "Stop featuring" in mod_client.get(url).content.decode()


def test_the_log_shows_the_systems_notes_by_their_labels(mod_client, explainer, settings):
    settings.COMMENTS_REPORT_THRESHOLD = 1
    comment = submission.comment_submit(
        explainer=explainer,
        body="See https://example.org/ please.",
        guest_name="Hana",
        guest_email="hana@example.net",
    )
    moderation.comment_approve(comment=comment, actor=UserFactory(is_superuser=True))
    reports.comment_report(comment=comment, reason="spam", user=UserFactory())
    html = mod_client.get(reverse("moderation:log")).content.decode()
    assert "<td>Contains a link, New comments wait for approval</td>" in html
    assert "<td>1 reader report</td>" in html
    assert "premoderation" not in html
