"""Editors work correction requests in the admin, through the desk's services."""

import pytest
from django.core import mail
from django.urls import reverse

from desk.models import CorrectionComment, CorrectionRequest, RequestNotification
from tests.factories import CommentFactory, CorrectionFactory, CorrectionRequestFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


def change_url(request):
    return reverse("admin:desk_correctionrequest_change", args=[request.pk])


def form_data(**overrides):
    values = {
        "decision": "",
        "decline_reason": "",
        "duplicate_of": "",
        "correction": "",
        "new_correction_kind": "correction",
        "new_correction_note": "",
        "new_correction_significant": "on",
    }
    values.update(overrides)
    return values


def test_editors_see_requests_but_cannot_add_or_delete_them(editor_client):
    request = CorrectionRequestFactory(text="The date in section two is wrong.")
    page = editor_client.get(reverse("admin:desk_correctionrequest_changelist"))
    assert page.status_code == 200 and "The date in section two" in page.content.decode()
    assert editor_client.get(change_url(request)).status_code == 200
    assert editor_client.get(reverse("admin:desk_correctionrequest_add")).status_code == 403
    delete = reverse("admin:desk_correctionrequest_delete", args=[request.pk])
    assert editor_client.get(delete).status_code == 403


def test_publishing_a_correction_from_the_request_accepts_and_cites_it(
    editor_client, django_capture_on_commit_callbacks
):
    request = CorrectionRequestFactory(email="aki@example.net")
    CorrectionRequest.objects.filter(pk=request.pk).update(email_confirmed_at="2026-01-01T00:00Z")
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(
            change_url(request),
            form_data(decision="accepted", new_correction_note="The vote was on 12 March."),
        )
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == "accepted" and request.decided_by is not None
    assert request.correction.note == "The vote was on 12 March."
    assert request.correction.explainer == request.explainer
    outcome = RequestNotification.objects.get(kind="outcome")
    assert (outcome.outcome, outcome.status) == ("accepted", "sent")
    assert len(mail.outbox) == 1 and "採用" in mail.outbox[0].body


def test_declining_without_a_reason_is_a_form_error(editor_client):
    request = CorrectionRequestFactory()
    response = editor_client.post(change_url(request), form_data(decision="declined"))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["decline_reason"]
    request.refresh_from_db()
    assert request.status == "open"


def test_citing_a_correction_already_in_the_log(editor_client):
    request = CorrectionRequestFactory()
    correction = CorrectionFactory(explainer=request.explainer)
    response = editor_client.post(change_url(request), form_data(correction=str(correction.pk)))
    assert response.status_code == 302
    request.refresh_from_db()
    assert (request.correction, request.status) == (correction, "accepted")


def test_a_correction_of_another_explainer_is_not_offered(editor_client):
    request = CorrectionRequestFactory()
    elsewhere = CorrectionFactory()
    response = editor_client.post(change_url(request), form_data(correction=str(elsewhere.pk)))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["correction"]


def test_a_bad_value_is_a_form_error_not_a_500(editor_client):
    request = CorrectionRequestFactory()
    response = editor_client.post(
        change_url(request), form_data(decision="nonsense", duplicate_of="99999999999999999999")
    )
    assert response.status_code == 200


def test_citing_a_public_comment(editor_client):
    comment = CommentFactory()
    correction = CorrectionFactory(explainer=comment.explainer)
    response = editor_client.post(
        reverse("admin:desk_correctioncomment_add"),
        {"correction": str(correction.pk), "comment": str(comment.pk)},
    )
    assert response.status_code == 302
    assert CorrectionComment.objects.get().comment == comment


def test_contributors_may_read_requests_but_not_decide(client, contributor):
    request = CorrectionRequestFactory()
    client.force_login(contributor)
    assert client.get(change_url(request)).status_code == 200
    client.post(change_url(request), form_data(decision="accepted"))
    request.refresh_from_db()
    assert request.status == "open"
