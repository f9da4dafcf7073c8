"""The explainers' comment counters: what readers see of each thread, kept on write.

`Explainer.comment_count` (comments readers may see, `Comment.objects.visible()`) and
`Explainer.comment_thread_count` (the top-level ones among them) are read by every list and by
the thread, and `Explainer.comment_featured_count` (moderators' picks among them) by the
thread's views, so no page counts an explainer's comments. `comment_visibility_changed` is the
one place that changes the first two, and unfeatures a pick that readers stop seeing
(`comment_featured_changed` moves the third): every door that makes a comment visible or
hides it (a submission stored approved, each moderation decision, reader reports sending it
back to the queue, the demo loader) calls it in the same transaction, with the comment's row
locked or just created.
"""

from django.db.models import F

from explainers import cache as reader_pages
from explainers.models import Explainer

from .models import Comment, ModerationAction


def is_visible(status: str) -> bool:
    """Whether readers may see a comment in `status`: `Comment.objects.visible()` in Python."""
    return status == Comment.Status.APPROVED


def comment_visibility_changed(comment: Comment, *, was_visible: bool, is_visible: bool) -> None:
    """Record a change to what readers see of `comment`'s explainer's comments.

    This is where such a change is recorded, whatever caused it: call it, inside the
    transaction that changed the comment's status, whenever a comment may have appeared or
    disappeared (a new comment has `was_visible=False`). Nothing happens when visibility did
    not change. The counters move by one relative UPDATE (`F() ± 1`) on the explainer's row,
    which is exact under concurrency: each flip holds the comment's row (locked by the
    caller, or new), and the UPDATE itself locks the explainer's row until the commit, so two
    decisions on one thread are counted one after the other and a rollback undoes both.
    """
    if was_visible == is_visible:
        return
    step = 1 if is_visible else -1
    counters = {"comment_count": F("comment_count") + step}
    if comment.parent_id is None:
        counters["comment_thread_count"] = F("comment_thread_count") + step
    if not is_visible and comment.is_featured:
        # A pick readers can no longer see is no longer a pick (restoring it does not
        # feature it again: a moderator decides that afresh), and the log says so.
        unfeature_quietly([comment])
        counters["comment_featured_count"] = F("comment_featured_count") - 1
    Explainer.objects.filter(pk=comment.explainer_id).update(**counters)
    # The explainer's page and the counts on the lists it is on (the shared page cache).
    reader_pages.comments_changed(comment.explainer_id)


def unfeature_quietly(comments) -> None:
    """Stop featuring `comments` (rows the caller holds) because of what happened to them,
    not a moderator's pick: each gets a system `unfeature` entry in the log. The caller moves
    the counter."""
    featured = [comment for comment in comments if comment.is_featured]
    if not featured:
        return
    Comment.objects.filter(pk__in=[c.pk for c in featured]).update(
        is_featured=False, featured_at=None
    )
    ModerationAction.objects.bulk_create(
        ModerationAction(
            comment=comment,
            actor=None,
            action=ModerationAction.Action.UNFEATURE,
            old_status=comment.status,
            new_status=comment.status,
        )
        for comment in featured
    )
    for comment in featured:
        comment.is_featured, comment.featured_at = False, None


def comment_featured_changed(comment: Comment, *, featured: bool) -> None:
    """Record that a visible comment was featured or stopped being featured (the caller
    holds its row): `Explainer.comment_featured_count` moves by one, and its pages change."""
    step = 1 if featured else -1
    Explainer.objects.filter(pk=comment.explainer_id).update(
        comment_featured_count=F("comment_featured_count") + step
    )
    reader_pages.comments_changed(comment.explainer_id)
