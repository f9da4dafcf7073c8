"""A reader's correction requests in their data download, and what their deletion leaves.

Registered with `readers.privacy` in `DeskConfig.ready()`. A request stays after its author
deletes their account (editors may have acted on it), without the account, the address it
would be answered at, or the address hash.
"""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from readers.privacy import iso

from .models import CorrectionRequest


def requests_personal_data(user) -> dict:
    """The reader's own correction requests, whatever their status."""
    requests = CorrectionRequest.objects.filter(user=user).select_related("explainer")
    return {
        "correction_requests": [
            {
                "id": request.pk,
                "explainer": request.explainer.title,
                "text": request.text,
                "source_url": request.source_url,
                "email": request.email,
                "status": request.status,
                "decline_reason": request.decline_reason,
                "created_at": iso(request.created_at),
                "decided_at": iso(request.decided_at),
            }
            for request in requests.order_by("created_at", "pk")
        ]
    }


def requests_retention_purge(now) -> dict:
    """The retention rule for requests (registered with `readers.privacy`): after
    COMMENTS_IP_RETENTION_DAYS the address hash goes (it only served flood control), and so
    does the email, once it can no longer be needed: the request was decided that long ago,
    or it is that old and its address was never confirmed (nothing is sent to it) or it was
    caught as spam (no editor decides those). A
    confirmed address on a request still open stays until its outcome has been told."""
    cutoff = now - timedelta(days=settings.COMMENTS_IP_RETENTION_DAYS)
    with transaction.atomic():
        old = CorrectionRequest.objects.filter(created_at__lt=cutoff)
        addresses = old.exclude(ip_hash="").update(ip_hash="")
        emails = (
            CorrectionRequest.objects.exclude(email="")
            .filter(
                Q(decided_at__lt=cutoff)
                | Q(created_at__lt=cutoff) & (Q(email_confirmed_at__isnull=True) | Q(is_spam=True))
            )
            .update(email="", email_confirmed_at=None)
        )
    return {"request_addresses": addresses, "request_emails": emails}


def requests_author_erase(user) -> int:
    """Before the account goes: its requests lose the account, the email and the address
    hash. Returns how many were anonymised."""
    with transaction.atomic():
        return CorrectionRequest.objects.filter(user=user).update(
            user=None, email="", email_confirmed_at=None, ip_hash=""
        )
