"""What reader pages and the moderators' cards show of the desk's links: one query for the
explainer page's corrections log, none of its own for the cards."""

from django.db.models import Exists, OuterRef, Subquery

from comments.models import Comment
from explainers.models import Correction

from .models import CorrectionComment, CorrectionRequest


def attach_prompts(corrections) -> None:
    """Mark each correction of an explainer's public log with what prompted it:
    `prompted_by_reader` (a request that was not spam, or a comment), and
    `prompting_comment_id` (the first prompting comment that readers may see, to link to).
    One query, none when the log is empty."""
    corrections = list(corrections)
    if not corrections:
        return
    public = CorrectionComment.objects.filter(
        correction=OuterRef("pk"), comment__status=Comment.Status.APPROVED
    ).order_by("comment__created_at", "comment_id")
    rows = (
        Correction.objects.filter(pk__in=[c.pk for c in corrections])
        .annotate(
            by_request=Exists(
                CorrectionRequest.objects.filter(correction=OuterRef("pk"), is_spam=False)
            ),
            by_comment=Exists(CorrectionComment.objects.filter(correction=OuterRef("pk"))),
            public_comment=Subquery(public.values("comment_id")[:1]),
        )
        .values_list("pk", "by_request", "by_comment", "public_comment")
    )
    found = {pk: (request or comment, public_id) for pk, request, comment, public_id in rows}
    for correction in corrections:
        prompted, public_id = found.get(correction.pk, (False, None))
        correction.prompted_by_reader = prompted
        correction.prompting_comment_id = public_id


def led_to_correction():
    """For the moderators' cards (`comments.moderation_queries.for_cards`): whether the
    comment prompted a published correction, as an annotation of the cards' own query."""
    return Exists(CorrectionComment.objects.filter(comment=OuterRef("pk")))
