"""The comments admin: every page loads, and its actions call the same services."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from comments.models import Comment, ModerationAction
from tests.factories import (
    CommentFactory,
    CommentReportFactory,
    ModerationActionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

MODELS = ["comment", "moderationaction", "commentreport", "wordlistentry"]


@pytest.fixture
def superuser():
    return UserFactory(username="boss", is_staff=True, is_superuser=True)


def test_every_comments_admin_page_loads(client, superuser):
    comment = CommentFactory()
    objects = {
        "comment": comment,
        "moderationaction": ModerationActionFactory(comment=comment),
        "commentreport": CommentReportFactory(comment=comment),
        "wordlistentry": None,
    }
    client.force_login(superuser)
    for model in MODELS:
        assert client.get(reverse(f"admin:comments_{model}_changelist")).status_code == 200
        obj = objects[model]
        if obj is not None:
            url = reverse(f"admin:comments_{model}_change", args=[obj.pk])
            assert client.get(url).status_code == 200
    assert client.get(reverse("admin:comments_wordlistentry_add")).status_code == 200


def test_moderation_log_cannot_be_added_changed_or_deleted_in_admin(client, superuser):
    entry = ModerationActionFactory()
    client.force_login(superuser)
    assert client.get(reverse("admin:comments_moderationaction_add")).status_code == 403
    delete = reverse("admin:comments_moderationaction_delete", args=[entry.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    change = reverse("admin:comments_moderationaction_change", args=[entry.pk])
    client.post(change, {"note": "rewritten"})
    entry.refresh_from_db()
    assert entry.note == ""


def test_comments_cannot_be_deleted_in_admin(client, superuser):
    comment = CommentFactory()
    client.force_login(superuser)
    delete = reverse("admin:comments_comment_delete", args=[comment.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert Comment.objects.filter(pk=comment.pk).exists()


def changelist_action(client, action, comments, **extra):
    data = {"action": action, ACTION_CHECKBOX_NAME: [c.pk for c in comments], **extra}
    return client.post(reverse("admin:comments_comment_changelist"), data)


def test_admin_approve_action_uses_the_service_and_logs(client, moderator):
    comments = CommentFactory.create_batch(2, status="pending")
    client.force_login(moderator)
    response = changelist_action(client, "approve", comments)
    assert response.status_code == 302
    assert Comment.objects.filter(status="approved").count() == 2
    assert set(ModerationAction.objects.values_list("actor", "action")) == {
        (moderator.pk, "approve")
    }


@pytest.mark.parametrize(
    ("action", "start", "end"),
    [("mark_spam", "pending", "spam"), ("restore", "spam", "pending")],
)  # fmt: skip
def test_admin_actions_change_status(client, moderator, action, start, end):
    comment = CommentFactory(status=start)
    client.force_login(moderator)
    changelist_action(client, action, [comment])
    comment.refresh_from_db()
    assert comment.status == end
    assert ModerationAction.objects.get(comment=comment).actor == moderator


def test_admin_reject_asks_for_a_reason_first(client, moderator):
    comment = CommentFactory(status="pending")
    client.force_login(moderator)
    response = changelist_action(client, "reject", [comment])
    assert response.status_code == 200
    assert 'name="reason"' in response.content.decode()
    assert Comment.objects.get(pk=comment.pk).status == "pending"


def test_admin_reject_with_a_reason_rejects_and_logs_it(client, moderator):
    comment = CommentFactory(status="pending")
    client.force_login(moderator)
    response = changelist_action(
        client, "reject", [comment], apply="1", reason="off_topic", note="Not about this."
    )
    assert response.status_code == 302
    comment.refresh_from_db()
    assert (comment.status, comment.rejection_reason) == ("rejected", "off_topic")
    entry = ModerationAction.objects.get(comment=comment)
    assert (entry.reason, entry.note) == ("off_topic", "Not about this.")


def test_admin_reject_for_another_reason_needs_a_note(client, moderator):
    comment = CommentFactory(status="pending")
    client.force_login(moderator)
    response = changelist_action(client, "reject", [comment], apply="1", reason="other")
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    assert Comment.objects.get(pk=comment.pk).status == "pending"
    assert not ModerationAction.objects.exists()


def test_admin_remove_asks_for_a_reason_first(client, moderator):
    comment = CommentFactory(status="approved")
    client.force_login(moderator)
    response = changelist_action(client, "remove", [comment])
    assert response.status_code == 200
    assert 'name="reason"' in response.content.decode()
    assert Comment.objects.get(pk=comment.pk).status == "approved"


def test_admin_remove_for_another_reason_needs_a_note(client, moderator):
    comment = CommentFactory(status="approved")
    client.force_login(moderator)
    response = changelist_action(client, "remove", [comment], apply="1", reason="other")
    assert response.status_code == 200
    assert Comment.objects.get(pk=comment.pk).status == "approved"
    assert not ModerationAction.objects.exists()


def test_admin_remove_with_a_reason_removes_and_logs_it(client, moderator):
    comment = CommentFactory(status="approved")
    client.force_login(moderator)
    response = changelist_action(
        client, "remove", [comment], apply="1", reason="personal_info", note="A phone number"
    )
    assert response.status_code == 302
    comment.refresh_from_db()
    assert (comment.status, comment.rejection_reason) == ("removed", "personal_info")
    entry = ModerationAction.objects.get(comment=comment)
    assert (entry.actor, entry.reason, entry.note) == (moderator, "personal_info", "A phone number")


def test_admin_remove_skips_a_held_comment(client, moderator):
    comment = CommentFactory(status="pending")
    client.force_login(moderator)
    changelist_action(client, "remove", [comment], apply="1", reason="abusive")
    assert Comment.objects.get(pk=comment.pk).status == "pending"


def test_admin_skips_comments_an_action_does_not_apply_to(client, moderator):
    pending, approved = CommentFactory(status="pending"), CommentFactory(status="approved")
    client.force_login(moderator)
    response = changelist_action(client, "approve", [pending, approved])
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("skipped" in m for m in messages)
    assert ModerationAction.objects.count() == 1


def test_editor_sees_comments_but_has_no_moderation_actions(client, editor):
    CommentFactory(status="pending")
    client.force_login(editor)
    response = client.get(reverse("admin:comments_comment_changelist"))
    assert response.status_code == 200
    assert 'value="approve"' not in response.content.decode()


def test_moderator_can_edit_the_word_list(client, moderator):
    client.force_login(moderator)
    response = client.post(
        reverse("admin:comments_wordlistentry_add"), {"word": "詐欺", "kind": "hold"}
    )
    assert response.status_code == 302


def test_explainer_changelist_actions_close_and_open_comments(client, editor):
    from explainers.models import Explainer
    from tests.factories import ExplainerFactory

    explainers = ExplainerFactory.create_batch(2, published=True)
    client.force_login(editor)
    url = reverse("admin:explainers_explainer_changelist")
    ids = [e.pk for e in explainers]
    client.post(url, {"action": "close_comments", ACTION_CHECKBOX_NAME: ids})
    assert not Explainer.objects.filter(pk__in=ids, comment_mode="open").exists()
    client.post(url, {"action": "open_comments", ACTION_CHECKBOX_NAME: ids[:1]})
    assert (
        list(Explainer.objects.filter(comment_mode="open").values_list("pk", flat=True)) == ids[:1]
    )
