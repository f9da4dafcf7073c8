"""The editors' work lists: my drafts, awaiting review, scheduled, live with unpublished
changes, recently published.

Each is defined once, here, over the rows the admin's change list shows (the explainers
readers know: a working draft is reached through its live explainer, see
`explainers.drafts`). The change list's "Work list" filter and the newsroom dashboard's panels
both call these functions, so a panel and the list it links to always hold the same rows.
"""

import datetime

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from .models import Explainer, Revision

# "Recently": since local midnight this many days ago, as the admin's date filter's "Past 7
# days" counts, so a link can hand that filter the same window.
RECENT_DAYS = 7


def stories(queryset: QuerySet | None = None) -> QuerySet:
    """The rows the work lists are made of: every explainer but the working drafts."""
    queryset = Explainer.objects.all() if queryset is None else queryset
    return queryset.filter(draft_of__isnull=True)


def my_drafts(queryset: QuerySet, user) -> QuerySet:
    """Drafts under `user`'s byline: a new explainer not yet submitted, or a live one whose
    working draft (which carries the live byline) is not yet submitted."""
    draft = Explainer.Status.DRAFT
    return queryset.filter(
        Q(status=draft, byline=user) | Q(working_draft__status=draft, byline=user)
    )


def awaiting_review(queryset: QuerySet) -> QuerySet:
    """An explainer in review, or a live one whose working draft is in review."""
    review = Explainer.Status.REVIEW
    return queryset.filter(Q(status=review) | Q(working_draft__status=review))


def with_submission(queryset: QuerySet) -> QuerySet:
    """Annotate who last submitted each explainer for review and when (`submitted_by_id`,
    `submitted_at`): its newest "submitted" revision, a working draft's being filed under
    its live explainer (`explainers.revisions.record`)."""
    newest = Revision.objects.filter(
        explainer=OuterRef("pk"), event=Revision.Event.SUBMITTED
    ).order_by("-created_at", "-pk")
    return queryset.annotate(
        submitted_at=Subquery(newest.values("created_at")[:1]),
        submitted_by_id=Subquery(newest.values("actor")[:1]),
    )


def submitted_by(queryset: QuerySet, user) -> QuerySet:
    """Awaiting review, last submitted by `user`."""
    return with_submission(awaiting_review(queryset)).filter(submitted_by_id=user.pk)


def scheduled(queryset: QuerySet, now: datetime.datetime | None = None) -> QuerySet:
    """Published with a publish time still to come (scheduling is decided at query time)."""
    now = now or timezone.now()
    return queryset.filter(status=Explainer.Status.PUBLISHED, publish_at__gt=now)


def with_unpublished_changes(queryset: QuerySet) -> QuerySet:
    """Live explainers with a working draft: changes readers do not see yet."""
    return queryset.filter(working_draft__isnull=False)


def recent_window(now: datetime.datetime | None = None):
    """(since, until): local midnight RECENT_DAYS days ago, and tomorrow's local midnight."""
    today = timezone.localtime(now or timezone.now()).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    return today - datetime.timedelta(days=RECENT_DAYS), today + datetime.timedelta(days=1)


def recently_published(queryset: QuerySet, now: datetime.datetime | None = None) -> QuerySet:
    """What readers can see, published within the recent window."""
    now = now or timezone.now()
    since, _until = recent_window(now)
    return queryset.published(now).filter(publish_at__gte=since)
