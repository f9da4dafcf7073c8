"""A reader's data: what we keep, how long, and how they take it with them or delete it.

- Addresses are kept only as a keyed hash (`ip_hash`), and forgotten after
  COMMENTS_IP_RETENTION_DAYS (`comments_retention_purge`, registered with `readers.privacy`
  and run by `manage.py purge_personal_data`, daily from cron).
- `comments_personal_data` is the comments part of a reader's download, and
  `comments_author_erase` the comments part of deleting an account (both registered with
  `readers.privacy`, which runs them): threads stay readable, the reader's
  comments stay in place (same status, so replies still hang together) as "Deleted user" with
  their text replaced, and each change is written to the moderation log.
"""

import hashlib
import hmac
import unicodedata
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import CharField, Q, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop

from core.addresses import reader_network
from core.sanitize import plain_text_to_html
from core.text import language_of
from explainers import cache as reader_pages
from readers.privacy import iso

from . import counters
from .models import Comment, CommentReport, GuestReplySubscription, ModerationAction

PURGED_PREFIX = "purged-"
# Stored untranslated, shown in the reader's language (pipeline.log_note_text).
ACCOUNT_DELETED_NOTE = gettext_noop("The author deleted their account: text and author removed.")


# --- Addresses ----------------------------------------------------------------------------


def ip_hash(ip_address: str) -> str:
    """A keyed hash of an address: enough to count and match, useless to anyone who steals it.

    IPv6 is hashed by its /64 network (addresses.reader_network): one reader's addresses
    count, match and report as one.
    """
    if not ip_address:
        return ""
    key = settings.COMMENTS_IP_HASH_KEY.encode()
    return hmac.new(key, reader_network(ip_address).encode(), hashlib.sha256).hexdigest()


def guest_key(email: str) -> str:
    """A guest's identity for their history and the moderators' decisions: a keyed hash of
    the normalised email address (NFKC, trimmed, case-folded), so two guests behind one
    address (an office, a carrier's NAT) are never one person, and one guest posting from
    several addresses is. Empty without an email; never shown; purged with the email."""
    normalised = unicodedata.normalize("NFKC", email or "").strip().casefold()
    if not normalised:
        return ""
    key = settings.COMMENTS_IP_HASH_KEY.encode()
    return hmac.new(key, b"guest-email:" + normalised.encode(), hashlib.sha256).hexdigest()


def comment_addresses_purge(*, now=None) -> int:
    """Forget the address hash of comments older than COMMENTS_IP_RETENTION_DAYS.

    The hash is only needed while flood and abuse patterns are fresh; after that it is
    personal data with no purpose.
    """
    cutoff = (now or timezone.now()) - timedelta(days=settings.COMMENTS_IP_RETENTION_DAYS)
    with transaction.atomic():
        return Comment.objects.filter(created_at__lt=cutoff).exclude(ip_hash="").update(ip_hash="")


def report_addresses_purge(*, now=None) -> int:
    """Forget the address hash behind old guest reports.

    The hash cannot simply be blanked: "one report per address per comment" is a unique
    constraint, so two blanked reports on one comment would collide. Each gets a marker made
    from its own id instead, which says nothing about where it came from.
    """
    cutoff = (now or timezone.now()) - timedelta(days=settings.COMMENTS_IP_RETENTION_DAYS)
    with transaction.atomic():
        return (
            CommentReport.objects.filter(created_at__lt=cutoff, reporter__isnull=True)
            .exclude(reporter_ip_hash="")
            .exclude(reporter_ip_hash__startswith=PURGED_PREFIX)
            .update(
                reporter_ip_hash=Concat(
                    Value(PURGED_PREFIX), Cast("pk", CharField()), output_field=CharField()
                )
            )
        )


def guest_emails_purge(*, now=None) -> tuple[int, int]:
    """Forget guests' addresses older than the retention period: their reply subscriptions
    (and the emails owed to them), and the email on their comments with the key made from it
    (`guest_key`), so an old comment no longer joins its guest's history.
    (subscriptions, comments)."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.COMMENTS_IP_RETENTION_DAYS)
    with transaction.atomic():
        subscriptions = GuestReplySubscription.objects.filter(comment__created_at__lt=cutoff)
        gone = subscriptions.count()
        subscriptions.delete()
        comments = (
            Comment.objects.filter(created_at__lt=cutoff, user__isnull=True)
            .filter(~Q(guest_email="") | ~Q(guest_key=""))
            .update(guest_email="", guest_key="")
        )
    return gone, comments


def comments_retention_purge(now) -> dict:
    """The comments' retention rule (registered with `readers.privacy`): old address hashes
    and guests' addresses."""
    comments, reports = comment_ips_purge(now=now)
    subscriptions, guest_emails = guest_emails_purge(now=now)
    return {
        "comments": comments,
        "reports": reports,
        "guest_subscriptions": subscriptions,
        "guest_emails": guest_emails,
    }


def comment_ips_purge(*, now=None) -> tuple[int, int]:
    """Forget addresses older than the retention period: (comments, reports) changed."""
    with transaction.atomic():
        comments = comment_addresses_purge(now=now)
        reports = report_addresses_purge(now=now)
    return comments, reports


# --- Export -------------------------------------------------------------------------------


def comments_personal_data(user) -> dict:
    """The reader's comments (whatever the status) and reports, for their data download.

    Only this reader's own rows. Other people's comments are never included, not even the
    ones they answered (only their ids).
    """
    comments = (
        Comment.objects.filter(user=user).select_related("explainer").order_by("created_at", "pk")
    )
    return {
        "comments": [
            {
                "id": comment.pk,
                "explainer": comment.explainer.title,
                "explainer_url": f"{settings.SITE_URL}{comment.explainer.get_absolute_url()}",
                "thread": comment.parent_id,
                "in_reply_to": comment.in_reply_to_id,
                "body": comment.body,
                "status": comment.status,
                "rejection_reason": comment.rejection_reason,
                "created_at": iso(comment.created_at),
                "moderated_at": iso(comment.moderated_at),
            }
            for comment in comments
        ],
        "reports": [
            {
                "comment": report.comment_id,
                "reason": report.reason,
                "created_at": iso(report.created_at),
            }
            for report in CommentReport.objects.filter(reporter=user).order_by("created_at", "pk")
        ],
    }


# --- Deletion -----------------------------------------------------------------------------


def deleted_comment_text(language: str) -> str:
    """What a deleted reader's comment says instead, in its explainer's language."""
    with translation.override(language):
        return gettext("This comment was removed because its author deleted their account.")


def author_renamed(user) -> None:
    """A commenter's public name changed: the pages of the explainers they commented on."""
    explainer_ids = Comment.objects.filter(user=user).values_list("explainer_id", flat=True)
    reader_pages.explainer_pages_changed(explainer_ids.distinct())


def comments_author_erase(user) -> int:
    """Before the account goes: keep its comments as "Deleted user" with the text removed.

    The comments keep their status and place, so a published thread still reads in order and
    replies to them still make sense. Returns how many comments were anonymised.
    """
    with transaction.atomic():
        comments = list(
            Comment.objects.select_for_update()
            .filter(user=user)
            .select_related("explainer")
            .order_by("pk")
        )
        ModerationAction.objects.bulk_create(
            ModerationAction(
                comment=comment,
                actor=None,
                action=ModerationAction.Action.ACCOUNT_DELETED,
                old_status=comment.status,
                new_status=comment.status,
                note=ACCOUNT_DELETED_NOTE,
            )
            for comment in comments
        )
        # A featured comment without its text and author is no pick.
        for comment in comments:
            if comment.is_featured:
                counters.comment_featured_changed(comment, featured=False)
        counters.unfeature_quietly(comments)
        by_language = {}
        for comment in comments:
            by_language.setdefault(comment.explainer.language, []).append(comment.pk)
        # Their name and text leave the pages that show them.
        reader_pages.explainer_pages_changed({comment.explainer_id for comment in comments})
        for language, pks in by_language.items():
            text = deleted_comment_text(language)
            # One update per language, however many comments; it writes body_html from the
            # sanitizer as Comment.save() would. (Comment.clean() rightly refuses a comment with
            # neither an account nor a name: this is the one place that makes one.)
            Comment.objects.filter(pk__in=pks).update(
                body=text,
                body_html=plain_text_to_html(text),
                language=language_of(text),
                user=None,
                guest_name="",
                guest_email="",
                guest_key="",
                ip_hash="",
            )
        # Their reports stay (moderators acted on them) but lose the account. Each gets its
        # own marker so that two deleted reporters of one comment do not collide in the
        # "one report per address" constraint once the account link is gone.
        CommentReport.objects.filter(reporter=user).update(
            reporter=None,
            reporter_ip_hash=Concat(
                Value("deleted-"), Cast("pk", CharField()), output_field=CharField()
            ),
        )
    return len(comments)
