"""Readers' correction requests, and the link from a published correction to what prompted it.

A request is never public: only editors see it (in the admin and on their dashboard). It is
stored even when the explainer is closed to comments, since a mistake is worth hearing about
whatever the discussion's state. Every change goes through `desk.services`.

The link from an `explainers.Correction` to what prompted it lives here, not on the correction,
because `explainers` sits below `comments` and cannot point at a comment: a request names the
correction it prompted (`CorrectionRequest.correction`), and a `CorrectionComment` row names a
public comment that prompted one.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.text import clean_text


class CorrectionRequestQuerySet(models.QuerySet):
    def open(self):
        """Requests waiting for an editor, oldest first (the dashboard's panel starts here).

        What the spam checks caught (a filled honeypot, a form sent back too fast) is stored
        but waits for no one: editors find it in the admin's "spam" filter."""
        return self.filter(status=CorrectionRequest.Status.OPEN, is_spam=False).order_by(
            "created_at", "pk"
        )


class CorrectionRequest(models.Model):
    """A reader's report that something in an explainer is wrong."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        DUPLICATE = "duplicate", _("Duplicate")

    explainer = models.ForeignKey(
        "explainers.Explainer",
        # An explainer readers have seen is archived, never deleted.
        on_delete=models.PROTECT,
        related_name="correction_requests",
        verbose_name=_("explainer"),
    )
    text = models.TextField(
        _("what is wrong"), help_text=_("Plain text, exactly as the reader typed it.")
    )
    source_url = models.URLField(
        _("source link"),
        max_length=500,
        blank=True,
        help_text=_("Where the reader found the right information, if they gave it."),
    )
    email = models.EmailField(
        _("email"),
        blank=True,
        help_text=_("For a reply about the outcome. Never shown anywhere public."),
    )
    email_confirmed_at = models.DateTimeField(
        _("email confirmed"),
        null=True,
        blank=True,
        help_text=_("When the reader followed the confirmation link: only then are they told."),
    )
    language = models.CharField(
        _("language"),
        max_length=8,
        default="ja",
        help_text=_("The language the reader used the site in: the outcome email is in it."),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="correction_requests",
        verbose_name=_("signed-in reader"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    decline_reason = models.TextField(
        _("reason for declining"),
        blank=True,
        help_text=_("Told to the reader when they left a confirmed email."),
    )
    duplicate_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="duplicates",
        verbose_name=_("duplicate of"),
    )
    correction = models.ForeignKey(
        "explainers.Correction",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="requests",
        verbose_name=_("prompted correction"),
        help_text=_("The published correction this request led to."),
    )
    hold_reasons = models.JSONField(
        _("hold reasons"),
        default=list,
        blank=True,
        help_text=_("Why the request needs care: a link in the text, or the spam checks' signs."),
    )
    is_spam = models.BooleanField(
        _("spam"),
        default=False,
        help_text=_("Caught by the spam checks: stored, but not in the editors' open list."),
    )
    ip_hash = models.CharField(
        _("address hash"),
        max_length=64,
        blank=True,
        editable=False,
        help_text=_("A keyed hash of the sender's address; the address itself is never kept."),
    )
    created_at = models.DateTimeField(_("received"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="decided_correction_requests",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    objects = CorrectionRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("correction request")
        verbose_name_plural = _("correction requests")
        indexes = [
            models.Index(fields=["status", "created_at"], name="correctionreq_status_idx"),
            models.Index(fields=["explainer", "created_at"], name="correctionrequest_expl_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["open", "accepted", "declined", "duplicate"]),
                name="correctionrequest_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status="duplicate") | Q(duplicate_of__isnull=False),
                name="correctionrequest_duplicate_has_original",
            ),
            models.CheckConstraint(
                condition=~Q(status="declined") | ~Q(decline_reason=""),
                name="correctionrequest_declined_has_reason",
            ),
        ]

    def __str__(self):
        return f"#{self.pk} {self.explainer}: {self.text[:40]}"

    def save(self, *args, **kwargs):
        self.text = clean_text(self.text)
        self.decline_reason = clean_text(self.decline_reason)
        super().save(*args, **kwargs)

    def clean(self):
        if self.status == self.Status.DECLINED and not (self.decline_reason or "").strip():
            raise ValidationError({"decline_reason": _("Say why the request is declined.")})
        if self.status == self.Status.DUPLICATE:
            if self.duplicate_of_id is None:
                raise ValidationError({"duplicate_of": _("Choose the request this one repeats.")})
            if self.duplicate_of_id == self.pk:
                raise ValidationError({"duplicate_of": _("A request cannot repeat itself.")})
        if self.correction_id is not None and self.correction.explainer_id != self.explainer_id:
            raise ValidationError(
                {"correction": _("The correction must be on the same explainer as the request.")}
            )

    @property
    def is_decided(self) -> bool:
        return self.status != self.Status.OPEN


class CorrectionComment(models.Model):
    """A public comment that prompted a published correction."""

    correction = models.ForeignKey(
        "explainers.Correction",
        on_delete=models.CASCADE,
        related_name="prompting_comments",
        verbose_name=_("correction"),
    )
    comment = models.ForeignKey(
        "comments.Comment",
        on_delete=models.CASCADE,
        related_name="prompted_corrections",
        verbose_name=_("comment"),
    )
    created_at = models.DateTimeField(_("linked"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("comment that prompted a correction")
        verbose_name_plural = _("comments that prompted corrections")
        constraints = [
            models.UniqueConstraint(
                fields=["correction", "comment"], name="correctioncomment_unique"
            ),
        ]

    def __str__(self):
        return f"{self.correction} ← #{self.comment_id}"

    def clean(self):
        if (
            self.correction_id is not None
            and self.comment_id is not None
            and self.comment.explainer_id != self.correction.explainer_id
        ):
            raise ValidationError(
                {"comment": _("The comment must be on the same explainer as the correction.")}
            )


class RequestNotification(models.Model):
    """One email owed to a requester (the outbox, like `comments.Notification`): the
    confirmation link for their address, or the outcome of their request.

    The service that decides writes the row and enqueues `desk.tasks.send_request_notification`
    in its own transaction; `key` (event + request) is unique, so an event owes one email ever,
    and the worker sends only a row it has claimed (pending → sending, one conditional UPDATE).
    """

    class Kind(models.TextChoices):
        CONFIRM = "confirm", _("Confirm the address")
        OUTCOME = "outcome", _("Outcome of the request")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Not sent (no longer wanted)")

    key = models.CharField(_("idempotency key"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    request = models.ForeignKey(
        CorrectionRequest,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("correction request"),
    )
    outcome = models.CharField(
        _("outcome"),
        max_length=10,
        choices=CorrectionRequest.Status.choices,
        blank=True,
        help_text=_("The decision the email tells of."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("claimed"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("correction request email")
        verbose_name_plural = _("correction request emails")
        indexes = [models.Index(fields=["status", "created_at"], name="requestnotif_status_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["pending", "sending", "sent", "failed", "skipped"]),
                name="requestnotification_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["confirm", "outcome"]),
                name="requestnotification_kind_valid",
            ),
        ]

    def __str__(self):
        return self.key
