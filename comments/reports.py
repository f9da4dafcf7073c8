"""Readers' reports of published comments."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from . import counters, pipeline
from .models import Comment, CommentReport, ModerationAction
from .privacy import ip_hash
from .suspensions import check_not_suspended


def comment_report(*, comment, reason, user=None, ip_address="") -> CommentReport:
    """Record a reader's report; enough of them send a published comment back to the queue.

    One report per reader per comment: per account when signed in, per address for guests.
    At COMMENTS_REPORT_THRESHOLD reports since the last moderator decision
    (`CommentReport.objects.unanswered()`), an approved comment goes back to pending, hidden,
    marked "reported", and the log says so. A suspended or banned reader is refused
    (ReaderSuspended, a PermissionDenied) before anything is stored.
    """
    user = user if user is not None and user.is_authenticated else None
    check_not_suspended(user)  # ReaderSuspended: a suspended reader reports nothing
    with transaction.atomic():
        comment = Comment.objects.select_for_update().get(pk=comment.pk)
        if comment.status != Comment.Status.APPROVED:
            raise ValidationError(_("This comment is already with the moderators."))
        report = CommentReport(
            comment=comment,
            reporter=user,
            reporter_ip_hash="" if user else ip_hash(ip_address),
            reason=reason,
        )
        try:
            report.full_clean()
        except ValidationError as error:
            if "__all__" in error.message_dict:
                raise ValidationError(_("You have already reported this comment.")) from error
            raise
        try:
            with transaction.atomic():
                report.save()
        except IntegrityError as error:  # a double click racing past full_clean()
            raise ValidationError(_("You have already reported this comment.")) from error

        unanswered = comment.reports.unanswered().count()
        if unanswered >= settings.COMMENTS_REPORT_THRESHOLD:
            comment.status = Comment.Status.PENDING
            comment.is_reported = True
            if pipeline.REPORTED not in comment.hold_reasons:
                comment.hold_reasons = [*comment.hold_reasons, pipeline.REPORTED]
            comment.full_clean()
            comment.save(update_fields=["status", "is_reported", "hold_reasons"])
            counters.comment_visibility_changed(
                comment, was_visible=True, is_visible=counters.is_visible(comment.status)
            )
            ModerationAction.objects.create(
                comment=comment,
                actor=None,
                action=ModerationAction.Action.REPORTED,
                old_status=Comment.Status.APPROVED,
                new_status=Comment.Status.PENDING,
                # Stored as a code, labelled in the reader's language where it is shown.
                note=pipeline.reports_note(unanswered),
            )
    return report
