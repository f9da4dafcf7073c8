"""Editorial workflow emails (explainers/notifications.py): submitted → the Editors; changes
requested and published → the author; in each recipient's language, through the durable
tasks, with a one-click unsubscribe."""

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from explainers import notifications
from explainers.drafts import (
    explainer_draft_start,
    explainer_publish_changes,
    explainer_request_changes,
)
from explainers.models import WorkflowEmailOptOut
from explainers.services import explainer_publish, explainer_submit_for_review
from tests.factories import ExplainerFactory, ReaderProfileFactory

pytestmark = pytest.mark.django_db


def sent_to(mailoutbox):
    return [(message.to[0], message.subject) for message in mailoutbox]


def test_submitting_tells_the_editors_not_the_submitter(
    editor, contributor, mailoutbox, django_capture_on_commit_callbacks
):
    explainer = ExplainerFactory(title="Rates explained", byline=contributor)
    with django_capture_on_commit_callbacks(execute=True):
        explainer_submit_for_review(explainer=explainer, actor=contributor)
    assert sent_to(mailoutbox) == [
        (editor.email, "Submitted for review: “Rates explained”"),
    ]
    (message,) = mailoutbox
    assert reverse("admin:explainers_explainer_change", args=[explainer.pk]) in message.body
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "/workflow-emails/unsubscribe/" in message.extra_headers["List-Unsubscribe"]


def test_each_email_is_in_its_recipients_language(
    editor, contributor, mailoutbox, django_capture_on_commit_callbacks
):
    ReaderProfileFactory(user=editor, language="ja")
    explainer = ExplainerFactory(title="金利の行方")
    with django_capture_on_commit_callbacks(execute=True):
        explainer_submit_for_review(explainer=explainer, actor=contributor)
    (message,) = mailoutbox
    assert message.subject == "レビュー依頼：「金利の行方」"
    assert "レビューに提出しました" in message.body


def test_changes_requested_tells_the_author_with_the_note(
    editor, contributor, mailoutbox, django_capture_on_commit_callbacks
):
    live = ExplainerFactory(published=True, title="Live one", key_points=3, sources=1)
    draft = explainer_draft_start(explainer=live, actor=contributor)
    explainer_submit_for_review(explainer=draft, actor=contributor)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        explainer_request_changes(explainer=draft, actor=editor, note="Shorten the title.")
    (message,) = mailoutbox
    assert message.to == [contributor.email]
    assert message.subject == "Changes requested: “Live one”"
    assert "Shorten the title." in message.body


def test_publishing_tells_the_author(
    editor, contributor, mailoutbox, django_capture_on_commit_callbacks
):
    live = ExplainerFactory(published=True, title="Live one", key_points=3, sources=1)
    draft = explainer_draft_start(explainer=live, actor=contributor)
    explainer_submit_for_review(explainer=draft, actor=contributor)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        explainer_publish_changes(draft=draft, actor=editor)
    assert sent_to(mailoutbox) == [(contributor.email, "Published: “Live one”")]
    assert live.canonical_path() in mailoutbox[0].body


def test_publishing_a_new_explainer_tells_its_byline(
    editor, contributor, mailoutbox, django_capture_on_commit_callbacks
):
    explainer = ExplainerFactory(byline=contributor, key_points=3, sources=1)
    with django_capture_on_commit_callbacks(execute=True):
        explainer_publish(explainer=explainer, actor=editor)
    assert [message.to for message in mailoutbox] == [[contributor.email]]


def test_a_rolled_back_decision_owes_no_email(
    editor, contributor, mailoutbox, django_capture_on_commit_callbacks
):
    rolled_back, kept = ExplainerFactory(title="Rolled back"), ExplainerFactory(title="Kept")
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            explainer_submit_for_review(explainer=rolled_back, actor=contributor)
            raise RuntimeError
        explainer_submit_for_review(explainer=kept, actor=contributor)
    assert sent_to(mailoutbox) == [(editor.email, "Submitted for review: “Kept”")]


def test_unsubscribe_asks_then_stops_the_emails(
    editor, contributor, mailoutbox, django_capture_on_commit_callbacks
):
    url = notifications.unsubscribe_url(editor).removeprefix("http://testserver")
    url = url[url.index("/admin/") :]
    anonymous = Client()
    assert anonymous.get(url).status_code == 200
    assert not WorkflowEmailOptOut.objects.filter(user=editor).exists()
    assert anonymous.post(url).status_code == 200
    assert WorkflowEmailOptOut.objects.filter(user=editor).exists()
    with django_capture_on_commit_callbacks(execute=True):
        explainer_submit_for_review(explainer=ExplainerFactory(), actor=contributor)
    assert mailoutbox == []


@pytest.mark.parametrize("token", ["nonsense", "a" * 300])
def test_a_bad_unsubscribe_link_is_a_400(client, token):
    url = reverse("admin:explainers_workflow_unsubscribe", args=[token])
    assert client.get(url).status_code == 400
    assert client.post(url).status_code == 400
