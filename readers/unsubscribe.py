"""One-click unsubscribe links for the emails a reader opted in to (RFC 8058).

The signed token names the account and the kind of email; all it can do is switch that kind
off, which is why it may be used without a session or CSRF token.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.urls import reverse

# The salt predates this module; changing it would break the links in emails already sent.
UNSUBSCRIBE_SALT = "comments.unsubscribe"
# Which profile switch each kind of email obeys.
KINDS = {"replies": "notify_replies", "decisions": "notify_decisions", "digest": "notify_digest"}


def unsubscribe_token(*, user, kind: str) -> str:
    """A signed token naming the account and the kind of email; it does not expire, so a link
    in an old email still works (it can only ever turn emails off)."""
    return signing.dumps({"u": user.pk, "k": kind}, salt=UNSUBSCRIBE_SALT, compress=True)


def read_unsubscribe_token(token: str):
    """(user, kind) for a valid token; raises signing.BadSignature for anything else."""
    data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    if not isinstance(data, dict) or data.get("k") not in KINDS:
        raise signing.BadSignature("Unknown kind of email.")
    user = get_user_model().objects.filter(pk=data.get("u")).first()
    if user is None:
        raise signing.BadSignature("No such account.")
    return user, data["k"]


def unsubscribe_url(*, user, kind: str) -> str:
    path = reverse("reader:unsubscribe", kwargs={"token": unsubscribe_token(user=user, kind=kind)})
    return f"{settings.SITE_URL}{path}"


# Guests have no account: their links name the subscription and its address instead. A link
# confirms (double opt-in) or stops; once the guest's data is purged it names nothing.
GUEST_SALT = "comments.guest-replies"
GUEST_ACTIONS = ("confirm", "stop")


def guest_token(*, subscription_id: int, email: str, action: str) -> str:
    return signing.dumps(
        {"s": subscription_id, "e": email.lower(), "a": action}, salt=GUEST_SALT, compress=True
    )


def read_guest_token(token: str, *, action: str) -> tuple[int, str]:
    """(subscription id, address) for a valid token for `action`; BadSignature otherwise."""
    data = signing.loads(token, salt=GUEST_SALT)
    if not isinstance(data, dict) or data.get("a") != action or action not in GUEST_ACTIONS:
        raise signing.BadSignature("Not a link for this.")
    return data.get("s"), data.get("e", "")
