"""Reading a thread: the approved comments of one explainer, a page of threads at a time.

Threads are one level deep: a page holds COMMENTS_PER_PAGE top-level comments, each with all
its approved replies (oldest first within a thread). Readers sort the threads (`SORTS`):
featured first (the default where a moderator featured any), oldest or newest; each order is
one range of a partial index, however long the thread. The featured view (`featured_page`)
lists the moderators' picks alone, top-level and replies alike, newest pick first.

The page costs one query whether there are no comments or thousands: the explainer's counters
(`comments.counters`) give the totals and the number of pages, and one query fetches the page's
top-level comments together with their replies. The query always runs, so the page's cost does
not depend on its data.

The page prints each comment with `{% thread_comment %}` (comments/templatetags/comment_tags.py),
which renders the comment template once per page, not once per comment.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import Q

from core.prepared import PreparedQuery

from .models import Comment


@dataclass
class Thread:
    comment: Comment
    replies: list[Comment] = field(default_factory=list)


# Top-level comments in each order the reader can choose (the featured-first order puts the
# featured threads first, then the rest oldest first; a featured reply is badged in its thread
# and listed in the featured view, but does not lift its thread).
SORTS = {
    "featured": ("-is_featured", "created_at", "pk"),
    "oldest": ("created_at", "pk"),
    "newest": ("-created_at", "-pk"),
}


def thread_sort(explainer, requested: str | None) -> str:
    """The order to show: the reader's choice when it is one, else featured first where any
    comment is featured, else oldest first."""
    if requested in SORTS:
        return requested
    return "featured" if explainer.comment_featured_count else "oldest"


@dataclass
class ThreadPage:
    total: int
    page: Page
    threads: list[Thread]
    sort: str = "oldest"
    featured_view: bool = False  # the moderators' picks alone (featured_page)

    @property
    def paginator(self):
        return self.page.paginator


def _top_level(explainer, sort="oldest"):
    return (
        Comment.objects.visible()
        .filter(explainer=explainer, parent__isnull=True)
        .order_by(*SORTS[sort])
    )


# What the thread shows of a comment (comments/includes/comment.html) and of its author
# (`Comment.author_name`): only these columns are read, so a page of comments does not carry
# their addresses, emails, hold reasons or the authors' accounts along.
AUTHOR = (
    "user",
    "guest_name",
    "user__first_name",
    "user__last_name",
    "user__is_staff",
    "user__reader_profile__display_name",
)
SHOWN = (
    *AUTHOR,
    "explainer",
    "parent",
    "in_reply_to",
    "body_html",
    "language",
    "badge",
    "is_featured",
    "created_at",
    "status",
)


def _page_query(*, explainer_id, offset, per_page, sort="oldest"):
    """The page's top-level comments and all their approved replies, in no order.

    One set of ids, a union of two bounded lookups (the page of top-level comments, then the
    replies by their thread), so the query reads the page's comments only, never the rest of
    the explainer's thread. (SQLite takes no LIMIT inside a UNION, hence each side filtering
    by the page.)
    """
    page = _top_level(explainer_id, sort).values("pk")[offset : offset + per_page]
    page_and_replies = (
        Comment.objects.filter(pk__in=page)
        .order_by()
        .values("pk")
        .union(Comment.objects.filter(parent__in=page).order_by().values("pk"), all=True)
    )
    return (
        Comment.objects.visible()
        .filter(pk__in=page_and_replies)
        .select_related("user__reader_profile", "in_reply_to__user__reader_profile")
        .only(*SHOWN, *(f"in_reply_to__{name}" for name in AUTHOR))
        .order_by()
    )


# Built once per page offset, not on every render (core.prepared).
_page_of_threads = PreparedQuery(_page_query)


def thread_page(*, explainer, page_number=1, sort=None) -> ThreadPage:
    """The approved comments of an explainer for one page of threads, in the `sort` order
    (`thread_sort`: an unknown one is the default). One query.

    A page number that is not a number or is out of range shows the nearest valid page (a
    shared link to a page that has since shrunk still lands somewhere useful). The totals are
    the explainer's counters, as loaded with it.
    """
    sort = thread_sort(explainer, sort)
    per_page = settings.COMMENTS_PER_PAGE
    paginator = Paginator(_top_level(explainer, sort), per_page)
    paginator.count = explainer.comment_thread_count  # kept on write: no COUNT query
    page = paginator.get_page(page_number)
    rows = sorted(
        _page_of_threads(
            explainer_id=explainer.pk,
            literals={"offset": (page.number - 1) * per_page, "per_page": per_page, "sort": sort},
            using=explainer._state.db or "default",
        ),
        key=lambda comment: (comment.created_at, comment.pk),
    )
    order = [name.lstrip("-") for name in SORTS[sort]]
    descending = [name.startswith("-") for name in SORTS[sort]]
    top_rows = [comment for comment in rows if comment.parent_id is None]
    for name, reverse in reversed(list(zip(order, descending, strict=True))):
        top_rows.sort(key=lambda comment, name=name: getattr(comment, name), reverse=reverse)
    by_parent = {comment.pk: Thread(comment=comment) for comment in top_rows}
    for comment in rows:
        if comment.parent_id in by_parent:
            by_parent[comment.parent_id].replies.append(comment)
    top = [thread.comment for thread in by_parent.values()]
    page.object_list = top
    return ThreadPage(
        total=explainer.comment_count, page=page, threads=list(by_parent.values()), sort=sort
    )


def _featured_query(*, explainer_id, offset, per_page):
    return (
        Comment.objects.visible()
        .filter(explainer=explainer_id, is_featured=True)
        .select_related(
            "user__reader_profile",
            "in_reply_to__user__reader_profile",
            "parent__user__reader_profile",
        )
        .only(
            *SHOWN,
            "featured_at",
            *(f"in_reply_to__{name}" for name in AUTHOR),
            *(f"parent__{name}" for name in AUTHOR),
        )
        .order_by("-featured_at", "-pk")[offset : offset + per_page]
    )


_featured = PreparedQuery(_featured_query)


def featured_page(*, explainer, page_number=1) -> ThreadPage:
    """The explainer's featured comments, newest pick first, each on its own (a featured
    reply says whom it answers). One query; the count is the explainer's counter."""
    per_page = settings.COMMENTS_PER_PAGE
    featured = Comment.objects.visible().filter(explainer=explainer, is_featured=True)
    paginator = Paginator(featured.order_by("-featured_at", "-pk"), per_page)
    paginator.count = explainer.comment_featured_count  # kept on write: no COUNT query
    page = paginator.get_page(page_number)
    rows = _featured(
        explainer_id=explainer.pk,
        literals={"offset": (page.number - 1) * per_page, "per_page": per_page},
        using=explainer._state.db or "default",
    )
    for comment in rows:
        if comment.parent_id is not None and comment.in_reply_to_id is None:
            # Out of its thread, a direct reply says whom it answers too.
            comment.in_reply_to = comment.parent
    page.object_list = rows
    return ThreadPage(
        total=explainer.comment_count,
        page=page,
        threads=[Thread(comment=comment) for comment in rows],
        sort="featured",
        featured_view=True,
    )


def page_number_of(comment: Comment) -> int:
    """Which page of threads a comment is on (a reply is on its thread's page)."""
    thread = comment.parent or comment
    before = (  # in the oldest-first order: the caller's link says csort=oldest
        _top_level(thread.explainer_id)
        .filter(
            Q(created_at__lt=thread.created_at) | Q(created_at=thread.created_at, pk__lt=thread.pk)
        )
        .count()
    )
    return before // settings.COMMENTS_PER_PAGE + 1
