"""The one path for correction requests: a reader sends one, an editor decides it, and a
published correction is linked to the requests and comments that prompted it.

The site's form, the admin and the tests call these functions. Each is one transaction; the
service that changes what readers see (a link shown as "prompted by a reader" in the public
corrections log) bumps the explainer page's cache version (`explainers.cache`), and every
email owed is written to the outbox with its job in the same transaction
(`desk.notifications`). A request itself is never public, so receiving or deciding one
invalidates nothing.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from comments import pipeline
from comments.flood import flood_check
from comments.models import Comment
from comments.privacy import ip_hash
from core.tasks import outbox_retry
from explainers import cache as reader_pages
from explainers.models import Correction, Explainer

from . import notifications, tasks
from .models import CorrectionComment, CorrectionRequest, RequestNotification

DECIDE_PERMISSION = "desk.change_correctionrequest"
LINK_PERMISSION = "desk.add_correctioncomment"
Status = CorrectionRequest.Status


def _may(actor, permission: str) -> None:
    if actor is None or not actor.has_perm(permission):
        raise PermissionDenied(_("You may not work correction requests."))


def correction_request_submit(
    *,
    explainer: Explainer,
    text: str,
    source_url: str = "",
    email: str = "",
    user=None,
    language: str = "ja",
    ip_address: str = "",
    honeypot: str = "",
    issued_at=None,
    now=None,
) -> CorrectionRequest:
    """Store a reader's correction request, whatever the explainer's comment mode.

    The comments' defences apply as they are: flood control (`FloodLimitExceeded`), and the
    pipeline's judgement of the text (`comments.pipeline.evaluate`): a filled honeypot, a form
    sent back too fast or a block-list word mark it as spam (stored, out of the open list,
    no email sent); a link or a hold-list word from an untrusted reader is recorded as a hold
    reason for the editor. A reader who left an email is sent one confirmation link; only a
    confirmed address hears of the outcome.
    """
    user = user if user is not None and user.is_authenticated else None
    flood_check(ip_address=ip_address, user=user)
    verdict = pipeline.evaluate(
        body=text, user=user, honeypot=honeypot, issued_at=issued_at, now=now
    )
    reasons = [code for code in verdict.reasons if code != pipeline.PREMODERATION]
    with transaction.atomic():
        request = CorrectionRequest(
            explainer=explainer,
            text=text,
            source_url=source_url,
            email=email,
            user=user,
            language=language,
            hold_reasons=reasons,
            is_spam=verdict.status == Comment.Status.SPAM,
            ip_hash=ip_hash(ip_address),
        )
        request.full_clean()
        request.save()
        if request.email and not request.is_spam:
            notifications.request_notification_create(
                request=request, kind=RequestNotification.Kind.CONFIRM
            )
    return request


def correction_request_email_confirm(*, request_id: int, email: str, now=None) -> bool:
    """The reader followed the link in the confirmation email: they will hear the outcome
    (at once, when the request was already decided)."""
    with transaction.atomic():
        request = CorrectionRequest.objects.select_for_update().filter(pk=request_id).first()
        if request is None or not request.email or request.email.lower() != email.lower():
            return False
        if request.email_confirmed_at is None:
            request.email_confirmed_at = now or timezone.now()
            request.save(update_fields=["email_confirmed_at"])
            if request.is_decided:
                _owe_outcome(request)
    return True


def _owe_outcome(request: CorrectionRequest) -> None:
    if request.email and request.email_confirmed_at is not None:
        notifications.request_notification_create(
            request=request, kind=RequestNotification.Kind.OUTCOME, outcome=request.status
        )


def correction_request_decide(
    *,
    request: CorrectionRequest,
    actor,
    status: str,
    decline_reason: str = "",
    duplicate_of: CorrectionRequest | None = None,
    now=None,
) -> CorrectionRequest:
    """An editor's decision: accepted, declined (with a reason the reader is told) or a
    duplicate of another request. Only an open request is decided, once; the requester with
    a confirmed email is told, in their language, by the durable task queue."""
    _may(actor, DECIDE_PERMISSION)
    if status not in (Status.ACCEPTED, Status.DECLINED, Status.DUPLICATE):
        raise ValidationError(_("Choose accepted, declined or duplicate."))
    with transaction.atomic():
        locked = CorrectionRequest.objects.select_for_update().get(pk=request.pk)
        if locked.status != Status.OPEN:
            raise ValidationError(_("This request has already been decided."))
        if duplicate_of is not None and duplicate_of.explainer_id != locked.explainer_id:
            raise ValidationError(
                {"duplicate_of": _("A duplicate repeats a request on the same explainer.")}
            )
        locked.status = status
        locked.decline_reason = decline_reason if status == Status.DECLINED else ""
        locked.duplicate_of = duplicate_of if status == Status.DUPLICATE else None
        locked.decided_by = actor
        locked.decided_at = now or timezone.now()
        locked.full_clean()
        locked.save()
        _owe_outcome(locked)
    request.refresh_from_db()
    return request


def correction_request_link(
    *, request: CorrectionRequest, correction: Correction | None, actor
) -> CorrectionRequest:
    """Say which published correction a request prompted (None: none). The explainer's page
    then shows the correction as "prompted by a reader". An open request that prompted a
    correction has been accepted."""
    _may(actor, DECIDE_PERMISSION)
    with transaction.atomic():
        locked = CorrectionRequest.objects.select_for_update().get(pk=request.pk)
        locked.correction = correction
        locked.full_clean()
        locked.save(update_fields=["correction"])
        if correction is not None and locked.status == Status.OPEN:
            correction_request_decide(request=locked, actor=actor, status=Status.ACCEPTED)
        reader_pages.explainer_page_changed(locked.explainer)
    request.refresh_from_db()
    return request


def correction_comment_link(
    *, correction: Correction, comment: Comment, actor
) -> CorrectionComment:
    """Say that a public comment prompted a correction: the corrections log links to it."""
    _may(actor, LINK_PERMISSION)
    if comment.status != Comment.Status.APPROVED:
        raise ValidationError({"comment": _("Only a published comment can be cited.")})
    with transaction.atomic():
        link = CorrectionComment(correction=correction, comment=comment)
        link.full_clean()
        link.save()
        reader_pages.explainer_page_changed(correction.explainer)
    return link


def correction_comment_unlink(*, link: CorrectionComment, actor) -> None:
    _may(actor, "desk.delete_correctioncomment")
    with transaction.atomic():
        explainer = link.correction.explainer
        link.delete()
        reader_pages.explainer_page_changed(explainer)


def request_notifications_retry(*, actor, notifications) -> int:
    """The admin's "send again" for failed requester emails, by whoever decides requests:
    back to pending with fresh attempts, and enqueued (`core.tasks.outbox_retry`)."""
    _may(actor, DECIDE_PERMISSION)
    pks = notifications.values_list("pk", flat=True)
    return outbox_retry(RequestNotification, tasks.send_request_notification, pks)
