"""Writes on a reader's own profile. Trust is not here: moderators decide it
(`comments` records the decision and logs it)."""

from django.db import transaction

from core.text import clean_name

from .models import ReaderProfile

PROFILE_FIELDS = frozenset(
    {"display_name", "language", "notify_replies", "notify_decisions", "notify_digest"}
)

# Called with the user, inside the transaction, when the name readers see for them changes:
# the apps above that show it (bylines, comment authors) register here in their ready(), as
# they do for privacy, so that the pages showing it are refreshed (the shared page cache).
_public_name_listeners = []


def on_public_name_change(listener) -> None:
    _public_name_listeners.append(listener)


def reader_profile_get(*, user) -> ReaderProfile:
    """The reader's profile, created empty the first time it is needed (staff, demo users and
    accounts older than profiles have none until then)."""
    profile, _created = ReaderProfile.objects.get_or_create(user=user)
    return profile


def reader_profile_update(*, user, **fields) -> ReaderProfile:
    """Change what a reader chooses for themselves (never their trust: moderators decide it)."""
    unknown = set(fields) - PROFILE_FIELDS
    if unknown:
        raise TypeError(f"Not a reader's choice: {', '.join(sorted(unknown))}")
    if "display_name" in fields:
        fields["display_name"] = clean_name(fields["display_name"])
    with transaction.atomic():
        profile, _created = ReaderProfile.objects.select_for_update().get_or_create(user=user)
        renamed = "display_name" in fields and fields["display_name"] != profile.display_name
        for name, value in fields.items():
            setattr(profile, name, value)
        profile.full_clean()
        profile.save()
        if renamed:
            for listener in _public_name_listeners:
                listener(user)
    return profile
