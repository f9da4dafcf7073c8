"""Trust: enough approved comments and no recent rejection publish a reader at once; guests
never; moderators grant or revoke it by hand, and the log says so."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from comments import moderation, submission, trust
from comments.models import Comment, ModerationAction
from readers import services as reader_services
from readers.models import ReaderProfile
from tests.factories import CommentFactory, UserFactory, WordListEntryFactory

pytestmark = pytest.mark.django_db

TEXT = "A calm and reasonable remark about the explainer."


@pytest.fixture(autouse=True)
def _rules(settings):
    settings.COMMENTS_TRUSTED_AFTER_APPROVED = 3
    settings.COMMENTS_TRUST_REJECTION_WINDOW_DAYS = 30
    settings.COMMENTS_FLOOD_LIMIT_PER_MINUTE = 0


def mine(user, explainer, n, status="approved"):
    return [
        CommentFactory(explainer=explainer, user=user, guest_name="", guest_email="", status=status)
        for _ in range(n)
    ]


def submit(explainer, user, body=TEXT):
    return submission.comment_submit(explainer=explainer, body=body, user=user)


def test_reader_with_enough_approved_comments_is_published_at_once(explainer, reader):
    mine(reader, explainer, 3)
    assert submit(explainer, reader).status == "approved"


def test_reader_with_fewer_approved_comments_waits(explainer, reader):
    mine(reader, explainer, 2)
    assert submit(explainer, reader).status == "pending"


def test_a_rejection_resets_trust(explainer, reader, moderator):
    mine(reader, explainer, 3)
    [held] = mine(reader, explainer, 1, status="pending")
    moderation.comment_reject(comment=held, actor=moderator, reason="off_topic")
    assert not trust.is_trusted(reader)
    assert submit(explainer, reader).status == "pending"


def test_a_rejection_outside_the_window_no_longer_counts(explainer, reader, moderator):
    mine(reader, explainer, 3)
    [held] = mine(reader, explainer, 1, status="pending")
    moderation.comment_reject(comment=held, actor=moderator, reason="off_topic")
    Comment.objects.filter(pk=held.pk).update(moderated_at=timezone.now() - timedelta(days=31))
    assert trust.is_trusted(reader)


def test_trusted_reader_matching_a_hold_word_is_still_held(explainer, reader):
    WordListEntryFactory(word="guaranteed returns", kind="hold")
    mine(reader, explainer, 3)
    comment = submit(explainer, reader, body="This promises guaranteed returns to everyone.")
    assert comment.status == "pending"
    assert "hold_word:guaranteed returns" in comment.hold_reasons


def test_guest_is_never_trusted_however_many_approved(explainer):
    for _ in range(5):
        CommentFactory(explainer=explainer, guest_name="Ren", guest_email="ren@example.net")
    comment = submission.comment_submit(
        explainer=explainer, body=TEXT, guest_name="Ren", guest_email="ren@example.net"
    )
    assert comment.status == "pending"


def test_granted_trust_publishes_a_new_reader_at_once(explainer, reader, moderator):
    trust.reader_trust_set(user=reader, actor=moderator, trust="granted")
    assert submit(explainer, reader).status == "approved"


def test_revoked_trust_holds_a_reader_with_many_approved(explainer, reader, moderator):
    mine(reader, explainer, 5)
    trust.reader_trust_set(user=reader, actor=moderator, trust="revoked")
    assert submit(explainer, reader).status == "pending"


def test_back_to_the_rule_after_a_revocation(explainer, reader, moderator):
    mine(reader, explainer, 5)
    trust.reader_trust_set(user=reader, actor=moderator, trust="revoked")
    trust.reader_trust_set(user=reader, actor=moderator, trust="auto")
    assert trust.is_trusted(reader)


def test_grant_and_revoke_are_logged_with_who_and_whom(reader, moderator):
    trust.reader_trust_set(user=reader, actor=moderator, trust="granted", note="Long-time reader")
    trust.reader_trust_set(user=reader, actor=moderator, trust="revoked")
    entries = list(
        ModerationAction.objects.filter(subject_user=reader)
        .order_by("pk")
        .values_list("action", "actor", "comment", "note")
    )
    assert entries[0] == ("grant_trust", moderator.pk, None, "Long-time reader")
    assert entries[1][:3] == ("revoke_trust", moderator.pk, None)


def test_only_moderators_change_trust(reader):
    other = UserFactory(username="someone")
    with pytest.raises(PermissionDenied):
        trust.reader_trust_set(user=reader, actor=other, trust="granted")
    assert not ModerationAction.objects.exists()


def test_setting_the_same_trust_again_is_refused(reader, moderator):
    trust.reader_trust_set(user=reader, actor=moderator, trust="granted")
    with pytest.raises(ValidationError):
        trust.reader_trust_set(user=reader, actor=moderator, trust="granted")
    assert ModerationAction.objects.count() == 1


def test_unknown_trust_value_is_refused(reader, moderator):
    with pytest.raises(ValidationError):
        trust.reader_trust_set(user=reader, actor=moderator, trust="forever")


def test_moderation_log_lists_a_trust_decision(client, reader, moderator):
    reader_services.reader_profile_update(user=reader, display_name="Hana")
    trust.reader_trust_set(user=reader, actor=moderator, trust="revoked")
    client.force_login(moderator)
    response = client.get(reverse("moderation:log"))
    assert response.status_code == 200
    assert "Trust revoked" in response.content.decode()


def test_admin_action_grants_trust_and_logs_it(client, reader):
    superuser = UserFactory(username="root", is_staff=True, is_superuser=True)
    profile = reader_services.reader_profile_get(user=reader)
    client.force_login(superuser)
    response = client.post(
        reverse("admin:readers_readerprofile_changelist"),
        {"action": "grant_trust", "_selected_action": [profile.pk]},
    )
    assert response.status_code == 302
    assert ReaderProfile.objects.get(pk=profile.pk).trust == "granted"
    assert ModerationAction.objects.get(subject_user=reader).actor == superuser


def test_admin_change_form_changes_trust_through_the_log(client, reader):
    superuser = UserFactory(username="root", is_staff=True, is_superuser=True)
    profile = reader_services.reader_profile_update(user=reader, display_name="Hana")
    client.force_login(superuser)
    response = client.post(
        reverse("admin:readers_readerprofile_change", args=[profile.pk]),
        {"display_name": "Hana", "language": "", "trust": "revoked"},
    )
    assert response.status_code == 302
    assert ReaderProfile.objects.get(pk=profile.pk).trust == "revoked"
    assert ModerationAction.objects.get(subject_user=reader).action == "revoke_trust"


def test_admin_trust_is_read_only_without_the_moderate_permission(client, reader):
    editor_user = UserFactory(username="ed", is_staff=True)
    editor_user.groups.add(Group.objects.get(name="Editors"))
    from django.contrib.auth.models import Permission

    editor_user.user_permissions.add(
        Permission.objects.get(codename="change_readerprofile"),
        Permission.objects.get(codename="view_readerprofile"),
    )
    profile = reader_services.reader_profile_update(user=reader, display_name="Hana")
    client.force_login(editor_user)
    client.post(
        reverse("admin:readers_readerprofile_change", args=[profile.pk]),
        {"display_name": "Hana", "language": "", "trust": "granted"},
    )
    assert ReaderProfile.objects.get(pk=profile.pk).trust == "auto"
    assert not ModerationAction.objects.exists()


def test_a_comment_the_pipeline_marked_as_spam_resets_trust(explainer, reader):
    mine(reader, explainer, 3)
    # The pipeline's own decision: no moderator, so no moderated_at.
    mine(reader, explainer, 1, status="spam")
    assert not trust.is_trusted(reader)
    assert submit(explainer, reader).status == "pending"


def test_a_removed_comment_resets_trust(explainer, reader, moderator):
    mine(reader, explainer, 4)
    [published] = mine(reader, explainer, 1)
    moderation.comment_remove(comment=published, actor=moderator, reason="abusive")
    assert not trust.is_trusted(reader)


def test_spam_and_removals_outside_the_window_no_longer_count(explainer, reader, moderator):
    mine(reader, explainer, 3)
    [spam] = mine(reader, explainer, 1, status="spam")
    [removed] = mine(reader, explainer, 1)
    moderation.comment_remove(comment=removed, actor=moderator, reason="abusive")
    long_ago = timezone.now() - timedelta(days=31)
    Comment.objects.filter(pk=spam.pk).update(created_at=long_ago)
    Comment.objects.filter(pk=removed.pk).update(moderated_at=long_ago)
    assert trust.is_trusted(reader)
