"""The newsroom dashboard: the panels on the admin's front page, each a short list with its
count in words and a link to the filtered admin list holding the same rows.

Each panel runs a fixed number of queries (a count and at most `PANEL_ROWS` rows, plus a
fixed few more: the people named, and for the draft panels their working drafts), so the page
costs the same at ten explainers or ten thousand. Who sees
which panel follows their permissions, which is what the newsroom's groups give:

- contributors (change explainers, no publishing): their own drafts and what they submitted;
- editors (publish): everything;
- moderators (comments): comments waiting. Open correction requests go to whoever may work
  them (`desk.change_correctionrequest`), which the desk's roles give the Editors only.

Times are shown in the site's time zone (the active one) and the viewer's date format, as the
explainers' history is (`explainers.services.explainer_history_message`).
"""

import datetime
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.contrib.auth import get_user_model
from django.db.models import F
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.text import Truncator
from django.utils.timesince import timesince
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from comments.models import Comment
from desk.models import CorrectionRequest
from explainers import worklists
from explainers.models import Correction, Explainer
from explainers.services import PUBLISH_PERMISSION

PANEL_ROWS = 5
CHANGE_PERMISSION = "explainers.change_explainer"
VIEW_COMMENTS_PERMISSION = "comments.view_comment"
MODERATE_PERMISSION = "comments.moderate_comment"
VIEW_CORRECTIONS_PERMISSION = "explainers.view_correction"
# Who works readers' correction requests (desk/migrations/0002_roles: the Editors).
WORK_REQUESTS_PERMISSION = "desk.change_correctionrequest"


@dataclass(frozen=True)
class Cell:
    """One table cell: its text, a link if it has one, and the time it shows, if any (for
    `<time datetime>`)."""

    text: str
    url: str = ""
    moment: datetime.datetime | None = None


@dataclass
class Panel:
    key: str  # the panel's id in the page
    title: str
    summary: list[str]  # sentences: the counts in words
    caption: str
    headers: list[str]
    rows: list[list[Cell]]
    links: list[tuple[str, str]]  # (label, url): the filtered lists
    empty: str  # said instead of the table when there are no rows
    more: str = field(default="")  # "Showing 5 of 12." when the table is cut short


def when(moment: datetime.datetime) -> str:
    """A time in the site's time zone and the viewer's format, as the history says it."""
    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def person(user) -> str:
    """A staff member as the newsroom knows them (the admin is staff-only): full name, else
    their username."""
    if user is None:
        return "—"
    return user.get_full_name() or user.get_username()


def _change_url(explainer_pk: int) -> str:
    return reverse("admin:explainers_explainer_change", args=[explainer_pk])


def _list_url(name: str, **params) -> str:
    url = reverse(f"admin:{name}_changelist")
    return f"{url}?{urlencode(params)}" if params else url


def _more(shown: int, total: int) -> str:
    if total <= shown:
        return ""
    return _("Showing %(shown)s of %(total)s.") % {"shown": shown, "total": total}


def _working_drafts(rows) -> dict[int, Explainer]:
    """The working drafts of these live explainers, by live id: one query."""
    ids = [row.pk for row in rows]
    if not ids:
        return {}
    drafts = Explainer.objects.filter(draft_of__in=ids).only(
        "pk", "draft_of", "status", "review_note", "modified_at"
    )
    return {draft.draft_of_id: draft for draft in drafts}


def _draft_state(explainer: Explainer) -> str:
    if explainer.status == Explainer.Status.REVIEW:
        return str(Explainer.Status.REVIEW.label)
    if explainer.review_note:
        return _("Changes requested")
    return str(Explainer.Status.DRAFT.label)


def my_drafts(user, now) -> Panel:
    queryset = worklists.my_drafts(worklists.stories(), user)
    total = queryset.count()
    rows = list(queryset.order_by("-modified_at", "-pk")[:PANEL_ROWS])
    drafts = _working_drafts(rows)
    table = []
    for row in rows:
        draft = drafts.get(row.pk)
        if draft is None:
            target, state, modified = row, _draft_state(row), row.modified_at
        else:
            target, modified = draft, draft.modified_at
            state = _("Unpublished changes to a live explainer (%(state)s)") % {
                "state": _draft_state(draft)
            }
        table.append(
            [
                Cell(row.title, url=_change_url(target.pk)),
                Cell(state),
                Cell(when(modified), moment=modified),
            ]
        )
    return Panel(
        key="my-drafts",
        title=_("My drafts"),
        summary=[
            ngettext(
                "You have %(count)s draft not yet submitted.",
                "You have %(count)s drafts not yet submitted.",
                total,
            )
            % {"count": total}
        ],
        caption=_("My drafts, last edited first"),
        headers=[_("Explainer"), _("State"), _("Last edited")],
        rows=table,
        links=[(_("All my drafts"), _list_url("explainers_explainer", worklist="mine"))],
        empty=_("No drafts under your byline."),
        more=_more(len(rows), total),
    )


def awaiting_review(user, now, *, everyone: bool) -> Panel:
    """Oldest submission first, with who submitted it and for how long it has waited.
    `everyone`: every explainer in review (publishers); otherwise what `user` submitted."""
    stories = worklists.stories()
    if everyone:
        queryset = worklists.with_submission(worklists.awaiting_review(stories))
    else:
        queryset = worklists.submitted_by(stories, user)
    total = queryset.count()
    rows = list(
        queryset.order_by(F("submitted_at").asc(nulls_last=True), "modified_at", "pk").only(
            "pk", "title", "status"
        )[:PANEL_ROWS]
    )
    drafts = _working_drafts(rows)
    people = get_user_model().objects.in_bulk(
        {row.submitted_by_id for row in rows if row.submitted_by_id}
    )
    table = []
    for row in rows:
        # A working draft in review is reviewed on its own page.
        draft = drafts.get(row.pk) if row.status != Explainer.Status.REVIEW else None
        target = draft if draft is not None else row
        submitted_at = row.submitted_at
        table.append(
            [
                Cell(row.title, url=_change_url(target.pk)),
                Cell(_("Unpublished changes") if draft is not None else _("New explainer")),
                Cell(person(people.get(row.submitted_by_id))),
                Cell(when(submitted_at), moment=submitted_at) if submitted_at else Cell("—"),
                Cell(timesince(submitted_at, now)) if submitted_at else Cell("—"),
            ]
        )
    if everyone:
        summary = ngettext(
            "%(count)s explainer is awaiting review.",
            "%(count)s explainers are awaiting review.",
            total,
        )
        link = (
            _("Everything awaiting review"),
            _list_url("explainers_explainer", worklist="review"),
        )
    else:
        summary = ngettext(
            "%(count)s explainer you submitted is awaiting review.",
            "%(count)s explainers you submitted are awaiting review.",
            total,
        )
        link = (
            _("Everything I submitted"),
            _list_url("explainers_explainer", worklist="submitted"),
        )
    return Panel(
        key="awaiting-review",
        title=_("Awaiting review"),
        summary=[summary % {"count": total}],
        caption=_("Awaiting review, the longest waiting first"),
        headers=[_("Explainer"), _("What"), _("Submitted by"), _("Submitted"), _("Waiting for")],
        rows=table,
        links=[link],
        empty=_("Nothing is awaiting review."),
        more=_more(len(rows), total),
    )


def scheduled(user, now) -> Panel:
    queryset = worklists.scheduled(worklists.stories(), now)
    total = queryset.count()
    rows = list(queryset.select_related("byline").order_by("publish_at", "pk")[:PANEL_ROWS])
    return Panel(
        key="scheduled",
        title=_("Scheduled"),
        summary=[
            ngettext(
                "%(count)s explainer is scheduled.", "%(count)s explainers are scheduled.", total
            )
            % {"count": total}
        ],
        caption=_("Scheduled explainers, the soonest first"),
        headers=[_("Explainer"), _("Publishes at"), _("Byline")],
        rows=[
            [
                Cell(row.title, url=_change_url(row.pk)),
                Cell(when(row.publish_at), moment=row.publish_at),
                Cell(person(row.byline)),
            ]
            for row in rows
        ],
        links=[(_("All scheduled"), _list_url("explainers_explainer", worklist="scheduled"))],
        empty=_("Nothing is scheduled."),
        more=_more(len(rows), total),
    )


def unpublished_changes(user, now) -> Panel:
    queryset = worklists.with_unpublished_changes(worklists.stories())
    total = queryset.count()
    rows = list(queryset.only("pk", "title").order_by("-working_draft__modified_at")[:PANEL_ROWS])
    drafts = _working_drafts(rows)
    table = []
    for row in rows:
        draft = drafts[row.pk]
        table.append(
            [
                Cell(row.title, url=_change_url(draft.pk)),
                Cell(_draft_state(draft)),
                Cell(when(draft.modified_at), moment=draft.modified_at),
            ]
        )
    return Panel(
        key="unpublished-changes",
        title=_("Live, with unpublished changes"),
        summary=[
            ngettext(
                "%(count)s live explainer has changes readers do not see yet.",
                "%(count)s live explainers have changes readers do not see yet.",
                total,
            )
            % {"count": total}
        ],
        caption=_("Live explainers with a working draft, last edited first"),
        headers=[_("Explainer"), _("Changes"), _("Last edited")],
        rows=table,
        links=[
            (
                _("All live explainers with unpublished changes"),
                _list_url("explainers_explainer", worklist="changes"),
            )
        ],
        empty=_("No live explainer has unpublished changes."),
        more=_more(len(rows), total),
    )


def recently_published(user, now) -> Panel:
    queryset = worklists.recently_published(worklists.stories(), now)
    total = queryset.count()
    rows = list(queryset.select_related("byline").order_by("-publish_at", "-pk")[:PANEL_ROWS])
    return Panel(
        key="recently-published",
        title=_("Recently published"),
        summary=[
            ngettext(
                "%(count)s explainer published in the last %(days)s days.",
                "%(count)s explainers published in the last %(days)s days.",
                total,
            )
            % {"count": total, "days": worklists.RECENT_DAYS}
        ],
        caption=_("Recently published, the newest first"),
        headers=[_("Explainer"), _("Published at"), _("Byline"), _("Comments")],
        rows=[
            [
                Cell(row.title, url=_change_url(row.pk)),
                Cell(when(row.publish_at), moment=row.publish_at),
                Cell(person(row.byline)),
                Cell(str(row.comment_count)),
            ]
            for row in rows
        ],
        links=[
            (
                _("Everything published in the last 7 days"),
                _list_url("explainers_explainer", worklist="recent"),
            )
        ],
        empty=_("Nothing was published in the last 7 days."),
        more=_more(len(rows), total),
    )


def comments_waiting(user, now) -> Panel:
    summary = Comment.objects.pending_summary(top=PANEL_ROWS)
    count, explainers = summary["count"], summary["explainers"]
    sentences = [
        ngettext(
            "%(count)s comment is waiting for a moderator.",
            "%(count)s comments are waiting for a moderator.",
            count,
        )
        % {"count": count}
    ]
    if count:
        sentences.append(
            ngettext(
                "They are on %(count)s explainer.", "They are on %(count)s explainers.", explainers
            )
            % {"count": explainers}
        )
        sentences.append(
            _("The oldest has waited %(wait)s.") % {"wait": timesince(summary["oldest"], now)}
        )
    links = [(_("All comments waiting"), _list_url("comments_comment", status__exact="pending"))]
    if user.has_perm(MODERATE_PERMISSION):
        links.append((_("Moderation queue"), reverse("moderation:queue")))
    return Panel(
        key="comments-waiting",
        title=_("Comments waiting"),
        summary=sentences,
        caption=_("Explainers with the most comments waiting"),
        headers=[_("Explainer"), _("Waiting"), _("Oldest wait")],
        rows=[
            [
                Cell(
                    row["explainer__title"],
                    url=_list_url(
                        "comments_comment",
                        status__exact="pending",
                        explainer__id__exact=row["explainer"],
                    ),
                ),
                Cell(
                    ngettext("%(count)s comment", "%(count)s comments", row["n"])
                    % {"count": row["n"]}
                ),
                Cell(timesince(row["oldest"], now)),
            ]
            for row in summary["by_explainer"]
        ],
        links=links,
        empty=_("No comment is waiting."),
        more=_more(len(summary["by_explainer"]), explainers),
    )


def correction_requests(user, now) -> Panel:
    """Readers' open requests, the oldest first (`CorrectionRequest.objects.open()`: spam
    waits for no one)."""
    queryset = CorrectionRequest.objects.open()
    total = queryset.count()
    rows = list(queryset.select_related("explainer")[:PANEL_ROWS])
    sentences = [
        ngettext(
            "%(count)s correction request is open.",
            "%(count)s correction requests are open.",
            total,
        )
        % {"count": total}
    ]
    if rows:
        sentences.append(
            _("The oldest has waited %(wait)s.") % {"wait": timesince(rows[0].created_at, now)}
        )
    return Panel(
        key="correction-requests",
        title=_("Open correction requests"),
        summary=sentences,
        caption=_("Open correction requests, the longest waiting first"),
        headers=[_("Explainer"), _("What is wrong"), _("Received"), _("Waiting for")],
        rows=[
            [
                Cell(
                    row.explainer.title,
                    url=reverse("admin:desk_correctionrequest_change", args=[row.pk]),
                ),
                Cell(Truncator(row.text).chars(80)),
                Cell(when(row.created_at), moment=row.created_at),
                Cell(timesince(row.created_at, now)),
            ]
            for row in rows
        ],
        links=[
            (
                _("All open correction requests"),
                _list_url("desk_correctionrequest", status__exact="open", is_spam__exact="0"),
            )
        ],
        empty=_("No correction request is open."),
        more=_more(len(rows), total),
    )


def recent_corrections(user, now) -> Panel:
    since, until = worklists.recent_window(now)
    queryset = Correction.objects.filter(created_at__gte=since, created_at__lt=until)
    total = queryset.count()
    rows = list(queryset.select_related("explainer").order_by("-created_at", "-pk")[:PANEL_ROWS])
    return Panel(
        key="recent-corrections",
        title=_("Recent corrections"),
        summary=[
            ngettext(
                "%(count)s correction in the last %(days)s days.",
                "%(count)s corrections in the last %(days)s days.",
                total,
            )
            % {"count": total, "days": worklists.RECENT_DAYS}
        ],
        caption=_("Corrections of the last 7 days, the newest first"),
        headers=[_("Explainer"), _("Kind"), _("Note"), _("Time")],
        rows=[
            [
                Cell(
                    row.explainer.title,
                    url=reverse("admin:explainers_correction_change", args=[row.pk]),
                ),
                Cell(row.get_kind_display()),
                Cell(Truncator(row.note).chars(80)),
                Cell(when(row.created_at), moment=row.created_at),
            ]
            for row in rows
        ],
        links=[
            (
                _("All corrections of the last 7 days"),
                # The admin's date filter's own "Past 7 days" parameters, so it shows as chosen.
                _list_url(
                    "explainers_correction",
                    created_at__gte=str(since),
                    created_at__lt=str(until),
                ),
            )
        ],
        empty=_("No corrections in the last 7 days."),
        more=_more(len(rows), total),
    )


def panels(user, now: datetime.datetime | None = None) -> list[Panel]:
    """The panels `user` may see, in the order an editor reads them in the morning."""
    now = now or timezone.now()
    publisher = user.has_perm(PUBLISH_PERMISSION)
    writer = user.has_perm(CHANGE_PERMISSION)
    shown = []
    if writer:
        shown.append(my_drafts(user, now))
        shown.append(awaiting_review(user, now, everyone=publisher))
    if publisher:
        shown += [scheduled(user, now), unpublished_changes(user, now)]
        shown.append(recently_published(user, now))
    if user.has_perm(VIEW_COMMENTS_PERMISSION):
        shown.append(comments_waiting(user, now))
    if user.has_perm(WORK_REQUESTS_PERMISSION):
        shown.append(correction_requests(user, now))
    if publisher and user.has_perm(VIEW_CORRECTIONS_PERMISSION):
        shown.append(recent_corrections(user, now))
    return shown
