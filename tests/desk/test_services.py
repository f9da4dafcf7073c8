"""The desk's services: receiving, deciding and linking correction requests."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from comments.flood import FloodLimitExceeded
from core import page_cache
from desk import services
from desk.models import CorrectionComment, CorrectionRequest, RequestNotification
from explainers import cache as reader_pages
from explainers.models import CommentMode
from tests.factories import (
    CommentFactory,
    CorrectionFactory,
    CorrectionRequestFactory,
    ExplainerFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def run_jobs(django_capture_on_commit_callbacks, monkeypatch):
    """The test tasks backend enqueues after the commit, which a test's transaction never
    reaches: each service call here runs its jobs as a worker would, once it returns."""
    for name in (
        "correction_request_submit",
        "correction_request_decide",
        "correction_request_email_confirm",
    ):
        original = getattr(services, name)

        def run(*args, _original=original, **kwargs):
            with django_capture_on_commit_callbacks(execute=True):
                return _original(*args, **kwargs)

        monkeypatch.setattr(services, name, run)


def submit(explainer, **kwargs):
    kwargs.setdefault("text", "第2節の日付が違います。正しくは3月です。")
    kwargs.setdefault("ip_address", "203.0.113.9")
    return services.correction_request_submit(explainer=explainer, **kwargs)


def test_submit_stores_an_open_request_with_an_address_hash_never_the_address(explainer):
    request = submit(explainer, source_url="https://example.org/vote", language="ja")
    stored = CorrectionRequest.objects.get()
    assert stored == request
    assert (stored.status, stored.is_spam, stored.language) == ("open", False, "ja")
    assert stored.ip_hash and "203.0.113.9" not in stored.ip_hash
    assert list(CorrectionRequest.objects.open()) == [stored]


def test_submit_is_stored_when_the_explainer_is_closed_to_comments():
    explainer = ExplainerFactory(published=True, comment_mode=CommentMode.CLOSED)
    submit(explainer)
    assert CorrectionRequest.objects.filter(explainer=explainer).count() == 1


def test_filled_honeypot_is_stored_as_spam_outside_the_open_list_and_owes_no_email(explainer):
    request = submit(explainer, honeypot="http://spam.example", email="bot@example.net")
    assert request.is_spam and "honeypot" in request.hold_reasons
    assert not CorrectionRequest.objects.open().exists()
    assert not RequestNotification.objects.exists()


def test_form_sent_back_too_fast_is_spam(explainer, settings):
    from django.utils import timezone

    settings.COMMENTS_MIN_SECONDS_TO_SUBMIT = 5
    request = submit(explainer, issued_at=timezone.now())
    assert request.is_spam and "too_fast" in request.hold_reasons


def test_a_link_in_the_text_holds_a_guests_request(explainer):
    request = submit(explainer, text="See https://example.org/real-figures for the numbers.")
    assert request.hold_reasons == ["link"] and not request.is_spam


def test_flood_limit_refuses_the_fourth_request_a_minute(explainer, settings):
    settings.COMMENTS_FLOOD_LIMIT_PER_MINUTE = 3
    for _ in range(3):
        submit(explainer)
    with pytest.raises(FloodLimitExceeded):
        submit(explainer)
    assert CorrectionRequest.objects.count() == 3


def test_an_email_owes_one_confirmation_in_the_requests_language(explainer):
    request = submit(explainer, email="Aki@Example.net", language="ja")
    notification = RequestNotification.objects.get()
    assert (notification.kind, notification.status) == ("confirm", "sent")
    (message,) = mail.outbox
    assert message.to == ["Aki@Example.net"]
    assert "/ja/corrections/confirm/" in message.body
    assert "確認" in message.subject
    assert request.email_confirmed_at is None


def test_confirming_the_address_then_deciding_tells_the_reader_the_outcome(explainer, editor):
    request = submit(explainer, email="aki@example.net", language="en")
    assert services.correction_request_email_confirm(request_id=request.pk, email="AKI@example.net")
    mail.outbox.clear()
    services.correction_request_decide(
        request=request,
        actor=editor,
        status="declined",
        decline_reason="The date is right: see the minutes.",
    )
    notification = RequestNotification.objects.get(kind="outcome")
    assert (notification.outcome, notification.status) == ("declined", "sent")
    (message,) = mail.outbox
    assert "The date is right: see the minutes." in message.body
    assert "did not change the explainer" in message.body


def test_an_unconfirmed_address_hears_nothing_of_the_outcome(explainer, editor):
    request = submit(explainer, email="aki@example.net")
    mail.outbox.clear()
    services.correction_request_decide(request=request, actor=editor, status="accepted")
    assert not RequestNotification.objects.filter(kind="outcome").exists()
    assert mail.outbox == []


def test_confirming_after_the_decision_sends_the_outcome_then(explainer, editor):
    request = submit(explainer, email="aki@example.net")
    services.correction_request_decide(request=request, actor=editor, status="accepted")
    mail.outbox.clear()
    services.correction_request_email_confirm(request_id=request.pk, email="aki@example.net")
    assert RequestNotification.objects.get(kind="outcome").outcome == "accepted"
    assert len(mail.outbox) == 1


def test_confirming_with_another_address_confirms_nothing(explainer):
    request = submit(explainer, email="aki@example.net")
    assert not services.correction_request_email_confirm(
        request_id=request.pk, email="mallory@example.net"
    )
    request.refresh_from_db()
    assert request.email_confirmed_at is None


def test_declining_needs_a_reason(editor):
    request = CorrectionRequestFactory()
    with pytest.raises(ValidationError):
        services.correction_request_decide(request=request, actor=editor, status="declined")
    request.refresh_from_db()
    assert request.status == "open"


def test_duplicate_names_the_original_on_the_same_explainer(editor):
    original = CorrectionRequestFactory()
    again = CorrectionRequestFactory(explainer=original.explainer)
    services.correction_request_decide(
        request=again, actor=editor, status="duplicate", duplicate_of=original
    )
    again.refresh_from_db()
    assert (again.status, again.duplicate_of, again.decided_by) == ("duplicate", original, editor)
    elsewhere = CorrectionRequestFactory()
    with pytest.raises(ValidationError):
        services.correction_request_decide(
            request=elsewhere, actor=editor, status="duplicate", duplicate_of=original
        )


def test_a_request_is_decided_once(editor):
    request = CorrectionRequestFactory()
    services.correction_request_decide(request=request, actor=editor, status="accepted")
    with pytest.raises(ValidationError):
        services.correction_request_decide(
            request=request, actor=editor, status="declined", decline_reason="No."
        )


def test_only_editors_decide(reader):
    request = CorrectionRequestFactory()
    with pytest.raises(PermissionDenied):
        services.correction_request_decide(request=request, actor=reader, status="accepted")


def test_linking_a_correction_accepts_the_request_and_bumps_the_explainer_page(editor):
    request = CorrectionRequestFactory()
    correction = CorrectionFactory(explainer=request.explainer)
    tag = reader_pages.explainer_tag(request.explainer.slug)
    before = page_cache.current_versions([tag])
    services.correction_request_link(request=request, correction=correction, actor=editor)
    request.refresh_from_db()
    assert (request.correction, request.status) == (correction, "accepted")
    assert page_cache.current_versions([tag]) != before


def test_a_correction_on_another_explainer_cannot_be_linked(editor):
    request = CorrectionRequestFactory()
    with pytest.raises(ValidationError):
        services.correction_request_link(
            request=request, correction=CorrectionFactory(), actor=editor
        )


def test_only_a_published_comment_on_the_same_explainer_is_cited(editor, explainer):
    correction = CorrectionFactory(explainer=explainer)
    comment = CommentFactory(explainer=explainer)
    link = services.correction_comment_link(correction=correction, comment=comment, actor=editor)
    assert CorrectionComment.objects.get() == link
    with pytest.raises(ValidationError):
        services.correction_comment_link(
            correction=correction,
            comment=CommentFactory(explainer=explainer, status="pending"),
            actor=editor,
        )
    with pytest.raises(ValidationError):
        services.correction_comment_link(
            correction=correction, comment=CommentFactory(), actor=editor
        )


def test_signed_in_reader_is_the_requests_user(explainer):
    user = UserFactory()
    request = submit(explainer, user=user)
    assert request.user == user


def test_a_readers_requests_are_in_their_data_and_lose_them_with_the_account(explainer):
    from readers.privacy import reader_account_delete, reader_data_export

    user = UserFactory()
    request = submit(explainer, user=user, email="own@example.net")
    exported = reader_data_export(user=user)["correction_requests"]
    assert [(r["id"], r["email"]) for r in exported] == [(request.pk, "own@example.net")]
    reader_account_delete(user=user)
    request.refresh_from_db()
    assert (request.user, request.email, request.ip_hash) == (None, "", "")
    assert request.text  # editors may have acted on it: it stays
