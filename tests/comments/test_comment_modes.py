"""Comment modes per explainer: open (the site's pre-moderation with trust), every comment
held (a sensitive story: trust ignored), closed. Set through one service, logged; the
pipeline is the one place that reads the mode."""

import re

import pytest
from django.contrib.admin.models import LogEntry
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import translation

from comments import pipeline
from comments.models import Comment, ModerationAction
from comments.submission import CommentsClosed, comment_submit
from explainers.models import CommentMode, Explainer
from explainers.services import explainer_comment_mode_set, explainer_history_message
from readers.models import ReaderProfile
from tests.factories import ReaderProfileFactory, UserFactory

pytestmark = pytest.mark.django_db

TEXT = "この解説で背景がよく分かりました。ありがとうございます。"


@pytest.fixture
def trusted_reader():
    user = UserFactory(username="trusted")
    ReaderProfileFactory(user=user, trust=ReaderProfile.Trust.GRANTED)
    return user


def history(explainer, language="en"):
    with translation.override(language):
        return [
            explainer_history_message(entry)
            for entry in LogEntry.objects.filter(object_id=str(explainer.pk)).order_by("pk")
        ]


def test_a_trusted_reader_is_published_at_once_in_the_open_mode(explainer, trusted_reader):
    comment = comment_submit(explainer=explainer, body=TEXT, user=trusted_reader)
    assert comment.status == Comment.Status.APPROVED


def test_every_comment_is_held_in_the_held_mode_whatever_the_trust(
    explainer, trusted_reader, editor
):
    explainer_comment_mode_set(explainer=explainer, actor=editor, mode=CommentMode.HELD)
    explainer.refresh_from_db()
    comment = comment_submit(explainer=explainer, body=TEXT, user=trusted_reader)
    assert comment.status == Comment.Status.PENDING
    assert comment.hold_reasons == [pipeline.HELD_EXPLAINER]
    held = ModerationAction.objects.get(comment=comment, action=ModerationAction.Action.HELD)
    with translation.override("ja"):
        assert pipeline.log_note_text(held.action, held.note) == (
            "この解説のコメントはすべて承認待ちになります"
        )


def test_the_newsroom_is_still_published_at_once_in_the_held_mode(explainer, editor):
    explainer_comment_mode_set(explainer=explainer, actor=editor, mode=CommentMode.HELD)
    explainer.refresh_from_db()
    comment = comment_submit(explainer=explainer, body=TEXT, user=editor)
    assert comment.status == Comment.Status.APPROVED


def test_nothing_is_stored_in_the_closed_mode(explainer, trusted_reader, moderator):
    explainer_comment_mode_set(explainer=explainer, actor=moderator, mode=CommentMode.CLOSED)
    explainer.refresh_from_db()
    with pytest.raises(CommentsClosed):
        comment_submit(explainer=explainer, body=TEXT, user=trusted_reader)
    assert not Comment.objects.exists()


def test_each_change_of_mode_is_logged_in_both_languages(explainer, editor):
    for mode in (CommentMode.HELD, CommentMode.CLOSED, CommentMode.OPEN):
        explainer_comment_mode_set(explainer=explainer, actor=editor, mode=mode)
    explainer_comment_mode_set(explainer=explainer, actor=editor, mode=CommentMode.OPEN)
    assert history(explainer) == [
        "Set every new comment to be held for a moderator.",
        "Closed comments.",
        "Opened comments.",
    ]  # setting the mode it already has changes and logs nothing
    assert history(explainer, "ja")[0] == "新しいコメントをすべてモデレーターの承認待ちにしました。"


def test_only_comment_settings_holders_set_the_mode(explainer, reader, contributor):
    for actor in (reader, contributor):
        with pytest.raises(PermissionDenied):
            explainer_comment_mode_set(explainer=explainer, actor=actor, mode=CommentMode.HELD)
    explainer.refresh_from_db()
    assert explainer.comment_mode == CommentMode.OPEN


def test_an_unknown_mode_is_refused(explainer, editor):
    with pytest.raises(ValueError):
        explainer_comment_mode_set(explainer=explainer, actor=editor, mode="sometimes")


def test_the_moderation_tool_sets_the_mode(mod_client, explainer):
    thread = reverse("moderation:thread", kwargs={"pk": explainer.pk})
    response = mod_client.post(
        reverse("moderation:mode", kwargs={"pk": explainer.pk}), {"mode": "held", "next": thread}
    )
    assert response["Location"] == thread
    explainer.refresh_from_db()
    assert explainer.comment_mode == CommentMode.HELD
    page = mod_client.get(thread).content.decode()
    assert 'data-comments-state="held"' in page
    assert 'value="held" id="comment-mode-held" checked' in page


def test_the_tool_refuses_a_mode_that_does_not_exist_with_a_message(mod_client, explainer):
    response = mod_client.post(
        reverse("moderation:mode", kwargs={"pk": explainer.pk}), {"mode": "sometimes"}, follow=True
    )
    assert "Choose how the explainer takes comments." in response.content.decode()
    assert Explainer.objects.get(pk=explainer.pk).comment_mode == CommentMode.OPEN


# What the writer is told: the form's moderation notice follows the same rules as `evaluate`.


def form_notice(client, explainer, language="en"):
    with translation.override(language):
        url = reverse("comments:post", args=[explainer.slug])
    page = client.get(url).content.decode()
    (notice,) = re.findall(r'<p class="[^"]*comment-moderation-notice">([^<]*)</p>', page)
    return notice


def test_the_form_says_every_comment_waits_on_a_held_explainer(client, explainer, trusted_reader):
    explainer_comment_mode_set(explainer=explainer, actor=None, mode=CommentMode.HELD)
    client.force_login(trusted_reader)
    assert form_notice(client, explainer).startswith("Every comment on this explainer is read")
    assert form_notice(client, explainer, "ja").startswith("この解説へのコメントは、すべて")


def test_the_form_tells_an_untrusted_reader_their_comment_waits(client, explainer, reader):
    client.force_login(reader)
    assert form_notice(client, explainer).startswith("Comments are read by a moderator")


def test_the_form_tells_a_trusted_reader_their_comment_appears_at_once(
    client, explainer, trusted_reader
):
    client.force_login(trusted_reader)
    assert form_notice(client, explainer).startswith("Your comment appears as soon as you send")


def test_without_premoderation_a_guest_is_told_it_appears_at_once(client, explainer, settings):
    settings.COMMENTS_PREMODERATION = False
    assert form_notice(client, explainer).startswith("Your comment appears as soon as you send")


def test_the_explainer_page_says_so_before_anyone_writes(client, explainer):
    page = client.get(explainer.get_absolute_url()).content.decode()
    assert "comment-held-notice" not in page
    explainer_comment_mode_set(explainer=explainer, actor=None, mode=CommentMode.HELD)
    page = client.get(explainer.get_absolute_url()).content.decode()  # the cached copy is gone
    assert (
        '<p class="comment-held-notice">Every comment on this explainer is read by a moderator '
        "before it appears.</p>" in page
    )


def test_the_newsroom_is_told_its_comment_appears_at_once_even_when_held(client, explainer, editor):
    explainer_comment_mode_set(explainer=explainer, actor=None, mode=CommentMode.HELD)
    client.force_login(editor)
    assert form_notice(client, explainer).startswith("Your comment appears as soon as you send")
