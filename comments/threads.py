"""Reading a thread: the approved comments of one explainer, a page of threads at a time.

Threads are one level deep: a page holds COMMENTS_PER_PAGE top-level comments, oldest first,
each with all its approved replies. The page costs one query whether there are no comments or
thousands: the explainer's counters (`comments.counters`) give the totals and the number of
pages, and one query fetches the page's top-level comments together with their replies. The
query always runs, so the page's cost does not depend on its data.

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


@dataclass
class ThreadPage:
    total: int
    page: Page
    threads: list[Thread]

    @property
    def paginator(self):
        return self.page.paginator


def _top_level(explainer):
    return (
        Comment.objects.visible()
        .filter(explainer=explainer, parent__isnull=True)
        .order_by("created_at", "pk")
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
    "is_staff_comment",
    "created_at",
    "status",
)


def _page_query(*, explainer_id, offset, per_page):
    """The page's top-level comments and all their approved replies, in no order.

    One set of ids, a union of two bounded lookups (the page of top-level comments, then the
    replies by their thread), so the query reads the page's comments only, never the rest of
    the explainer's thread. (SQLite takes no LIMIT inside a UNION, hence each side filtering
    by the page.)
    """
    page = _top_level(explainer_id).values("pk")[offset : offset + per_page]
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


def thread_page(*, explainer, page_number=1) -> ThreadPage:
    """The approved comments of an explainer for one page of threads. One query.

    A page number that is not a number or is out of range shows the nearest valid page (a
    shared link to a page that has since shrunk still lands somewhere useful). The totals are
    the explainer's counters, as loaded with it.
    """
    per_page = settings.COMMENTS_PER_PAGE
    paginator = Paginator(_top_level(explainer), per_page)
    paginator.count = explainer.comment_thread_count  # kept on write: no COUNT query
    page = paginator.get_page(page_number)
    rows = sorted(
        _page_of_threads(
            explainer_id=explainer.pk,
            literals={"offset": (page.number - 1) * per_page, "per_page": per_page},
            using=explainer._state.db or "default",
        ),
        key=lambda comment: (comment.created_at, comment.pk),
    )
    by_parent = {
        comment.pk: Thread(comment=comment) for comment in rows if comment.parent_id is None
    }
    for comment in rows:
        if comment.parent_id in by_parent:
            by_parent[comment.parent_id].replies.append(comment)
    top = [thread.comment for thread in by_parent.values()]
    page.object_list = top
    return ThreadPage(total=explainer.comment_count, page=page, threads=list(by_parent.values()))


def page_number_of(comment: Comment) -> int:
    """Which page of threads a comment is on (a reply is on its thread's page)."""
    thread = comment.parent or comment
    before = (
        _top_level(thread.explainer_id)
        .filter(
            Q(created_at__lt=thread.created_at) | Q(created_at=thread.created_at, pk__lt=thread.pk)
        )
        .count()
    )
    return before // settings.COMMENTS_PER_PAGE + 1
