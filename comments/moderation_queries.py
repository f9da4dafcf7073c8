"""What the moderators' tool lists: its tabs, the comment cards and their authors' records,
and the log. Each is a queryset or one grouped query for a whole page, never one per row."""

from collections import Counter

from django.db.models import Count, Exists, OuterRef, Q
from django.utils.translation import gettext_lazy

from .models import Comment, CommentReport, ModerationAction
from .moderation import transitions_from
from .pipeline import HoldReason

Status = Comment.Status

# The author's record: statuses a moderator has decided on.
HISTORY_STATUSES = [Status.APPROVED, Status.REJECTED, Status.SPAM, Status.REMOVED]

# Tabs of the tool: which comments each lists, and in what order.
TABS = {
    "pending": gettext_lazy("Pending"),
    "reported": gettext_lazy("Reported"),
    "approved": gettext_lazy("Approved"),
    "rejected": gettext_lazy("Rejected"),
    "spam": gettext_lazy("Spam"),
    "removed": gettext_lazy("Removed"),
}
TAB_NAMES = "|".join(TABS)

# What a comment card shows: its explainer, its author's public name, who decided, and the
# comment it answers. Fetched with the rows, never one query per card.
COMMENT_CARD_RELATED = (
    "explainer",
    "user__reader_profile",
    "moderated_by",
    "parent__user__reader_profile",
    "in_reply_to__user__reader_profile",
)


def reported_q():
    """Reported: sent back to the queue by reports, or published with reports a moderator has
    not answered yet (`CommentReport.objects.unanswered()`)."""
    unanswered = Exists(CommentReport.objects.unanswered().filter(comment=OuterRef("pk")))
    return Q(status=Status.PENDING, is_reported=True) | (Q(status=Status.APPROVED) & unanswered)


# What the apps above comments know about a comment, for its card: each registers, in its
# AppConfig.ready(), a name and a function returning the expression to annotate each card's
# comment with (no query of its own), since comments cannot import them (desk: "led to a
# correction").
CARD_ANNOTATIONS = {}


def register_card_annotation(name: str, expression) -> None:
    CARD_ANNOTATIONS[name] = expression


def for_cards(qs):
    extra = {name: expression() for name, expression in CARD_ANNOTATIONS.items()}
    return qs.select_related(*COMMENT_CARD_RELATED).annotate(
        report_count=Count("reports", distinct=True), **extra
    )


def tab_queryset(tab: str):
    if tab == "pending":
        qs = Comment.objects.pending_queue()
    elif tab == "reported":
        qs = Comment.objects.filter(reported_q()).order_by("created_at", "pk")
    else:
        # Decided comments: the latest first, which is what a moderator looks back at.
        qs = Comment.objects.filter(status=tab).order_by("-created_at", "-pk")
    return for_cards(qs)


def tab_counts() -> dict:
    """How many comments each tab lists (two queries)."""
    by_status = dict(
        Comment.objects.values_list("status").annotate(n=Count("pk")).order_by("status")
    )
    counts = {name: by_status.get(name, 0) for name in TABS}
    counts["reported"] = Comment.objects.filter(reported_q()).count()
    return counts


def status_counts(comments) -> list[tuple[str, int]]:
    """(label, count) for every status, in the order of Comment.Status."""
    counts = dict(comments.values_list("status").annotate(n=Count("pk")).order_by("status"))
    return [(label, counts.get(value, 0)) for value, label in Status.choices]


def attach_author_history(comments):
    """Give each comment `author_history`: the author's other decided comments, by status.

    One grouped query for the whole page (never one per row). Signed-in authors are matched
    by account; guests by their key (`Comment.guest_key`, from their email), never by the
    address they post from, which many people can share. A guest without a key (no email, or
    purged) has no other comments.
    """
    comments = list(comments)
    user_ids = {c.user_id for c in comments if c.user_id}
    guest_keys = {c.guest_key for c in comments if not c.user_id and c.guest_key}
    rows = []
    if user_ids or guest_keys:
        rows = list(
            Comment.objects.filter(
                Q(user_id__in=user_ids) | Q(user__isnull=True, guest_key__in=guest_keys),
                status__in=HISTORY_STATUSES,
            )
            .values_list("user_id", "guest_key", "status")
            .annotate(n=Count("pk"))
            .order_by()
        )
    for comment in comments:
        counts = Counter()
        for user_id, guest_key, status, n in rows:
            if comment.user_id:
                same_author = user_id == comment.user_id
            else:
                same_author = (
                    user_id is None and bool(comment.guest_key) and guest_key == comment.guest_key
                )
            if same_author:
                counts[status] += n
        if comment.status in HISTORY_STATUSES:
            counts[comment.status] -= 1  # the history is about the author's *other* comments
        comment.author_history = [(Status(s).label, s, counts[s]) for s in HISTORY_STATUSES]
    return comments


def decorate(comments):
    """Everything a comment card shows beyond the row: the author's record, the hold reasons
    as a moderator reads them, and the decisions that apply to its status."""
    comments = attach_author_history(comments)
    for comment in comments:
        comment.hold_reason_list = [HoldReason.of(code) for code in comment.hold_reasons or []]
        comment.moderator_actions = transitions_from(comment.status)
    return comments


def log_entries():
    """The moderation log, newest first, with what each line shows."""
    return ModerationAction.objects.select_related(
        "actor", "comment__explainer", "comment__user__reader_profile", "subject_user"
    ).order_by("-created_at", "-pk")
