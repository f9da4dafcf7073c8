"""A reader's correction requests in their data download, and what their deletion leaves.

Registered with `readers.privacy` in `DeskConfig.ready()`. A request stays after its author
deletes their account (editors may have acted on it), without the account, the address it
would be answered at, or the address hash.
"""

from django.db import transaction

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


def requests_author_erase(user) -> int:
    """Before the account goes: its requests lose the account, the email and the address
    hash. Returns how many were anonymised."""
    with transaction.atomic():
        return CorrectionRequest.objects.filter(user=user).update(
            user=None, email="", email_confirmed_at=None, ip_hash=""
        )
