"""Writes on a reader's own profile. Trust is not here: moderators decide it
(`comments` records the decision and logs it)."""

from django.core.exceptions import PermissionDenied
from django.db import transaction

from core import images
from core.text import clean_name

from .models import AuthorProfile, ReaderProfile

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


# Called with the user and the profile's addresses (before and after), inside the transaction,
# when their author profile is saved or removed: the apps above that show it register in
# ready().
_author_listeners = []


def on_author_change(listener) -> None:
    _author_listeners.append(listener)


def author_profile_may_edit(user, profile) -> bool:
    """Editors keep their own public profile; only a superuser edits someone else's."""
    if user.is_superuser:
        return True
    return profile.user_id == user.pk


def author_profile_save(*, by, profile) -> AuthorProfile:
    """Save an author profile on behalf of `by` (the admin asks here), refreshing the pages
    that show it once the change is made."""
    if not author_profile_may_edit(by, profile):
        raise PermissionDenied("Only the author or a superuser may change an author profile.")
    with transaction.atomic():
        old_slug = (
            AuthorProfile.objects.filter(pk=profile.pk).values_list("slug", flat=True).first()
            if profile.pk
            else None
        )
        profile.full_clean()
        profile.save()  # stores an uploaded portrait: its renditions are made from the file
        renditions = images.renditions_for(profile.portrait, profile.portrait_renditions)
        if renditions != profile.portrait_renditions:
            profile.portrait_renditions = renditions
            AuthorProfile.objects.filter(pk=profile.pk).update(portrait_renditions=renditions)
        for listener in _author_listeners:
            listener(profile.user, {old_slug, profile.slug} - {None})
    return profile


def author_profile_delete(*, by, profile) -> None:
    """Remove an author page; the bylines go back to the newsroom and link nowhere."""
    if not author_profile_may_edit(by, profile):
        raise PermissionDenied("Only the author or a superuser may remove an author profile.")
    user, slug = profile.user, profile.slug
    with transaction.atomic():
        profile.delete()
        for listener in _author_listeners:
            listener(user, {slug})
