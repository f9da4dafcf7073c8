"""Reading a thread: the approved comments of one explainer, a page of threads at a time.

Threads are one level deep: a page holds COMMENTS_PER_PAGE top-level comments, oldest first,
each with all its approved replies. The page costs the same three queries whether there are no
comments or thousands (a count, the page of threads, their replies): the queries always run,
so the page's cost does not depend on its data.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

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


def thread_page(*, explainer, page_number=1) -> ThreadPage:
    """The approved comments of an explainer for one page of threads.

    A page number that is not a number or is out of range shows the nearest valid page (a
    shared link to a page that has since shrunk still lands somewhere useful).
    """
    visible = Comment.objects.visible().filter(explainer=explainer)
    counts = visible.aggregate(
        total=Count("pk"), threads=Count("pk", filter=Q(parent__isnull=True))
    )
    per_page = settings.COMMENTS_PER_PAGE
    paginator = Paginator(_top_level(explainer), per_page)
    paginator.count = counts["threads"]  # known already: no second COUNT query
    page = paginator.get_page(page_number)
    offset = (page.number - 1) * per_page
    page_of_threads = _top_level(explainer)[offset : offset + per_page]
    top = list(page_of_threads.select_related("user__reader_profile"))
    page.object_list = top
    replies = (
        visible.filter(parent__in=page_of_threads.values("pk"))
        .select_related("user__reader_profile", "in_reply_to__user__reader_profile")
        .order_by("created_at", "pk")
    )
    by_parent = {comment.pk: Thread(comment=comment) for comment in top}
    for reply in replies:
        if reply.parent_id in by_parent:
            by_parent[reply.parent_id].replies.append(reply)
    return ThreadPage(total=counts["total"], page=page, threads=list(by_parent.values()))


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


def with_comment_counts(explainers):
    """Annotate `comment_count` on a queryset of explainers: comments readers may see.

    Lists show the count without one query per row. A correlated subquery, not a join, so
    other joins (topics, sources) cannot multiply the count.
    """
    visible = (
        Comment.objects.visible()
        .filter(explainer_id=OuterRef("pk"))
        .order_by()
        .values("explainer_id")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    return explainers.annotate(
        comment_count=Coalesce(Subquery(visible, output_field=IntegerField()), 0)
    )
