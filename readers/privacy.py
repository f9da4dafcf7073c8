"""A reader's data, wherever it lives: take it with you, or delete the account.

Each app that keeps personal data answers for it here, without this app importing it (the
layers point down: `readers` knows nothing of explainers or comments). An app registers, in
its AppConfig.ready():

- an *exporter*: `(user) -> dict`, merged into the reader's JSON download under its name;
- an *eraser*: `(user) -> None`, run inside the deletion's transaction, before the account row
  goes, to anonymise what must stay (a published comment keeps its place in a thread);
- a *keeper*: `(user) -> str | None`, a reason in words why the account cannot be deleted
  here (a byline on an explainer), asked before anything is changed;
- a *purger*: `(now) -> dict`, the retention rule: forgets what is older than
  COMMENTS_IP_RETENTION_DAYS (address hashes, guests' email addresses) and says how many rows
  it changed. `personal_data_purge` runs them all (`manage.py purge_personal_data`, daily).

WordPress's personal-data exporters and erasers work the same way.
"""

from collections.abc import Callable
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .models import ReaderProfile


@dataclass(frozen=True)
class PersonalData:
    name: str
    exporter: Callable | None = None
    eraser: Callable | None = None
    keeper: Callable | None = None
    purger: Callable | None = None


_registry: dict[str, PersonalData] = {}


def register(name: str, *, exporter=None, eraser=None, keeper=None, purger=None) -> None:
    """Declare what an app holds about a person (see the module's docstring)."""
    _registry[name] = PersonalData(
        name=name, exporter=exporter, eraser=eraser, keeper=keeper, purger=purger
    )


def personal_data_purge(*, now=None) -> dict:
    """Every app's retention rule, in one transaction: {app: what its purger changed}."""
    now = now or timezone.now()
    with transaction.atomic():
        return {
            entry.name: entry.purger(now)
            for entry in _registry.values()
            if entry.purger is not None
        }


def iso(value):
    return value.isoformat() if value is not None else None


class AccountKept(Exception):
    """The account cannot be deleted by its owner; `reasons` says why, in words."""

    def __init__(self, reasons: list[str]):
        super().__init__(" ".join(reasons))
        self.reasons = reasons


def account_delete_blockers(*, user) -> list[str]:
    """Why this account cannot be deleted from the reader's page (empty when it can)."""
    reasons = []
    for entry in _registry.values():
        if entry.keeper is not None:
            reason = entry.keeper(user)
            if reason:
                reasons.append(str(reason))
    return reasons


def reader_data_export(*, user) -> dict:
    """Everything tied to the account, in a form `json.dumps` can write."""
    profile = ReaderProfile.objects.filter(user=user).first()
    data = {
        "exported_at": iso(timezone.now()),
        "site": settings.SITE_URL,
        "account": {
            "username": user.get_username(),
            "email": user.email,
            "date_joined": iso(user.date_joined),
            "last_login": iso(user.last_login),
            "email_addresses": [
                {"email": address.email, "verified": address.verified, "primary": address.primary}
                for address in EmailAddress.objects.filter(user=user).order_by("pk")
            ],
            "profile": {
                "display_name": profile.display_name if profile else "",
                "language": profile.language if profile else "",
                "notify_replies": profile.notify_replies if profile else False,
                "notify_decisions": profile.notify_decisions if profile else False,
                "trust": profile.trust if profile else ReaderProfile.Trust.AUTO,
            },
        },
    }
    for entry in _registry.values():
        if entry.exporter is not None:
            data.update(entry.exporter(user))
    return data


def reader_account_delete(*, user) -> None:
    """Delete the account, after every app has anonymised what it keeps.

    Refuses (AccountKept) before changing anything when an app keeps the account; the
    erasers and the deletion are one transaction, so a failure leaves the account whole.
    """
    reasons = account_delete_blockers(user=user)
    if reasons:
        raise AccountKept(reasons)
    with transaction.atomic():
        for entry in _registry.values():
            if entry.eraser is not None:
                entry.eraser(user)
        user.delete()
