"""Comment models: derived HTML, constraints, the role permissions."""

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.db.models import ProtectedError
from django.utils import timezone

from comments.models import (
    AppendOnlyError,
    Comment,
    CommentReport,
    ModerationAction,
    WordListEntry,
)
from tests.factories import (
    CommentFactory,
    CommentReportFactory,
    ModerationActionFactory,
    UserFactory,
    WordListEntryFactory,
)

pytestmark = pytest.mark.django_db


def codenames(group):
    return set(Group.objects.get(name=group).permissions.values_list("codename", flat=True))


def test_moderators_may_moderate_view_and_change_comments():
    assert {"moderate_comment", "view_comment", "change_comment"} <= codenames("Moderators")


def test_editors_may_view_but_not_moderate_comments():
    assert "view_comment" in codenames("Editors")
    assert "moderate_comment" not in codenames("Editors")


def test_body_html_is_derived_on_save():
    comment = CommentFactory(body="Hello <there>\nfriend")
    assert comment.body_html == "<p>Hello &lt;there&gt;<br>friend</p>"
    comment.body = "Changed text here"
    comment.save(update_fields=["body"])
    assert Comment.objects.get(pk=comment.pk).body_html == "<p>Changed text here</p>"


def test_absolute_url_points_at_the_comment_on_the_explainer():
    comment = CommentFactory()
    assert (
        comment.get_absolute_url() == f"{comment.explainer.get_absolute_url()}#comment-{comment.pk}"
    )


def test_author_name_is_the_account_name_for_signed_in_readers():
    user = UserFactory(username="kenji", first_name="Kenji", last_name="Sato")
    assert CommentFactory(user=user, guest_name="").author_name == "Kenji Sato"


def test_str_names_the_author():
    assert str(CommentFactory(guest_name="Aiko", body="Short and sweet text")).startswith("Aiko")


def test_status_is_checked_by_the_database():
    comment = CommentFactory()
    with pytest.raises(IntegrityError):
        Comment.objects.filter(pk=comment.pk).update(status="published")


def test_reply_to_a_reply_is_refused_by_validation():
    top = CommentFactory()
    reply = CommentFactory(explainer=top.explainer, parent=top)
    nested = Comment(explainer=top.explainer, parent=reply, guest_name="A", body="Some words")
    with pytest.raises(ValidationError):
        nested.full_clean()


def test_guest_comment_needs_a_name():
    comment = CommentFactory.build(guest_name="")
    comment.explainer.save()
    with pytest.raises(ValidationError):
        comment.full_clean()


def test_one_report_per_user_is_enforced_by_the_database():
    report = CommentReportFactory()
    with pytest.raises(IntegrityError):
        CommentReport.objects.create(
            comment=report.comment, reporter=report.reporter, reason="spam"
        )


def test_word_list_entry_is_unique_per_kind():
    WordListEntryFactory(word="spam", kind="block")
    WordListEntryFactory(word="spam", kind="hold")
    with pytest.raises(IntegrityError):
        WordListEntryFactory(word="spam", kind="block")


def test_word_list_entry_is_trimmed_on_clean():
    entry = WordListEntry(word="  refund ", kind="hold")
    entry.full_clean()
    assert entry.word == "refund"


def test_control_and_bidi_characters_never_reach_the_database_whatever_the_door():
    comment = CommentFactory(guest_name="\u202eHana\x00", body="ok\x00 text\x1b")
    comment.refresh_from_db()
    assert comment.guest_name == "Hana"
    assert comment.body == "ok text"


# --- The moderation log is append-only ------------------------------------------------------


def test_deleting_an_explainer_with_comments_is_refused():
    comment = CommentFactory()
    with pytest.raises(ProtectedError):
        comment.explainer.delete()
    assert Comment.objects.filter(pk=comment.pk).exists()


def test_deleting_a_logged_comment_is_refused():
    entry = ModerationActionFactory()
    with pytest.raises(ProtectedError):
        entry.comment.delete()
    assert ModerationAction.objects.filter(pk=entry.pk).exists()


def test_moderation_log_cannot_be_updated_in_bulk():
    entry = ModerationActionFactory()
    with pytest.raises(AppendOnlyError):
        ModerationAction.objects.all().update(note="rewritten")
    with pytest.raises(AppendOnlyError):
        ModerationAction.objects.bulk_update([entry], ["note"])
    entry.refresh_from_db()
    assert entry.note == ""


def test_moderation_log_cannot_be_deleted_in_bulk_or_one_by_one():
    entry = ModerationActionFactory()
    with pytest.raises(AppendOnlyError):
        ModerationAction.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    assert ModerationAction.objects.filter(pk=entry.pk).exists()


def test_deleting_a_moderator_keeps_their_log_entries():
    entry = ModerationActionFactory()
    entry.actor.delete()
    entry.refresh_from_db()
    assert entry.actor is None


def test_unanswered_reports_are_those_since_the_last_decision():
    comment = CommentFactory()
    before = CommentReportFactory(comment=comment)
    Comment.objects.filter(pk=comment.pk).update(moderated_at=timezone.now())
    after = CommentReportFactory(comment=comment)
    assert list(CommentReport.objects.unanswered()) == [after]
    assert before not in comment.reports.unanswered()
