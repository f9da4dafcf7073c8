"""Reader comments and their moderation.

"Readers may see it" has one definition, `Comment.objects.visible()`; every page and count
starts from it. Moderation never deletes: it changes a comment's status and appends a
`ModerationAction` saying who did what, when and why. The log is append-only in the code
(its queryset refuses update and delete) and in the schema (PROTECT from explainer to comment to
log entry), so no delete elsewhere can take it along.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.sanitize import plain_text_to_html
from core.text import clean_name, clean_text, language_of
from readers.models import public_name

# The one permission behind every moderation decision, wherever it is made (tool, admin, bulk).
MODERATE_PERMISSION = "comments.moderate_comment"


class AppendOnlyError(Exception):
    """Raised on any attempt to rewrite or delete moderation log entries."""


class ReasonCode(models.TextChoices):
    """Why a moderator rejected or removed a comment (also a reader's reason for a report)."""

    OFF_TOPIC = "off_topic", _("Off topic")
    ABUSIVE = "abusive", _("Abusive or hateful")
    SPAM = "spam", _("Spam or advertising")
    PERSONAL_INFO = "personal_info", _("Personal information")
    OTHER = "other", _("Other")


class Badge(models.TextChoices):
    """The newsroom role a comment's author wrote in (from their group, not `is_staff`)."""

    EDITOR = "editor", _("Editor")
    MODERATOR = "moderator", _("Moderator")


class CommentQuerySet(models.QuerySet):
    def visible(self):
        """The single definition of "readers may see it": approved.

        Whether the explainer itself is visible is decided by the caller, which starts from
        `Explainer.objects.published()`.
        """
        return self.filter(status=Comment.Status.APPROVED)

    def pending_queue(self):
        """Comments waiting for a moderator, oldest first (first come, first served)."""
        return self.filter(status=Comment.Status.PENDING).order_by("created_at", "pk")

    def pending_summary(self, *, top: int):
        """The queue at a glance, for the moderators' page and their digest alike: how many
        wait, since when (`oldest`), and the `top` explainers with most waiting (rows of
        explainer, explainer__title, n, and the oldest wait among them, oldest). Two
        queries, whatever the queue's length."""
        pending = self.filter(status=Comment.Status.PENDING)
        summary = pending.aggregate(
            count=models.Count("pk"),
            oldest=models.Min("created_at"),
            explainers=models.Count("explainer", distinct=True),
        )
        summary["by_explainer"] = list(
            pending.values("explainer", "explainer__title", "explainer__comment_featured_count")
            .annotate(n=models.Count("pk"), oldest=models.Min("created_at"))
            .order_by("-n", "explainer__title")[:top]
        )
        return summary


class CommentReportQuerySet(models.QuerySet):
    def unanswered(self):
        """Reports made since a moderator last decided on their comment (all of them when no
        one has): a decision answers the reports before it."""
        return self.filter(
            created_at__gte=Coalesce(F("comment__moderated_at"), F("comment__created_at"))
        )


class ModerationActionQuerySet(models.QuerySet):
    """The log only grows: rows are created (one by one or in bulk), never updated or deleted.

    Django's own cascades use the base manager, so deleting a moderator still empties the
    entry's `actor` (SET_NULL) while this queryset refuses every rewrite by our code.
    """

    def update(self, **kwargs):
        raise AppendOnlyError("Moderation log entries cannot be changed.")

    def bulk_update(self, objs, fields, batch_size=None):
        raise AppendOnlyError("Moderation log entries cannot be changed.")

    def delete(self):
        raise AppendOnlyError("Moderation log entries cannot be deleted.")


class Comment(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        SPAM = "spam", _("Spam")
        REMOVED = "removed", _("Removed")

    explainer = models.ForeignKey(
        "explainers.Explainer",
        # An explainer with comments is archived, never deleted: its comments and their
        # moderation log are evidence.
        on_delete=models.PROTECT,
        related_name="comments",
        verbose_name=_("explainer"),
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="replies",
        verbose_name=_("thread"),
        help_text=_("The top-level comment this reply belongs to (replies are one level deep)."),
    )
    in_reply_to = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="answers",
        verbose_name=_("in reply to"),
        help_text=_("The comment this one answers, when it answers a reply."),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="comments",
        verbose_name=_("signed-in author"),
    )
    guest_name = models.CharField(
        _("display name"), max_length=80, blank=True, help_text=_("Shown with a guest's comment.")
    )
    guest_email = models.EmailField(
        _("email"),
        blank=True,
        help_text=_("A guest's email address. Never shown anywhere public."),
    )
    body = models.TextField(_("text"), help_text=_("Plain text, exactly as the reader typed it."))
    body_html = models.TextField(editable=False, default="")
    language = models.CharField(
        _("language"),
        max_length=8,
        default="ja",
        editable=False,
        help_text=_("The language the text is written in (core.text.language_of), on save."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    hold_reasons = models.JSONField(
        _("hold reasons"),
        default=list,
        blank=True,
        help_text=_("Every reason the comment was held or marked as spam when it arrived."),
    )
    is_reported = models.BooleanField(
        _("reported"),
        default=False,
        help_text=_("Readers reported it enough times to send it back to the queue."),
    )
    badge = models.CharField(
        _("badge"),
        max_length=10,
        choices=Badge.choices,
        blank=True,
        help_text=_("The newsroom role the author wrote in, shown beside their name."),
    )
    is_featured = models.BooleanField(
        _("featured"),
        default=False,
        help_text=_("Picked by a moderator: shown with a badge and first in the thread."),
    )
    featured_at = models.DateTimeField(_("featured"), null=True, blank=True)
    guest_key = models.CharField(
        _("guest key"),
        max_length=64,
        blank=True,
        editable=False,
        help_text=_(
            "A keyed hash of a guest's normalised email address: one guest's comments, "
            "whatever address they post from. Never shown; purged with the email."
        ),
    )
    ip_hash = models.CharField(
        _("address hash"),
        max_length=64,
        blank=True,
        editable=False,
        help_text=_("A keyed hash of the poster's address; the address itself is never kept."),
    )
    rejection_reason = models.CharField(
        _("rejection reason"), max_length=20, choices=ReasonCode.choices, blank=True
    )
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="moderated_comments",
        verbose_name=_("moderated by"),
    )
    moderated_at = models.DateTimeField(_("moderated"), null=True, blank=True)
    created_at = models.DateTimeField(_("posted"), auto_now_add=True)

    objects = CommentQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        permissions = [("moderate_comment", _("Can moderate comments"))]
        indexes = [
            models.Index(fields=["explainer", "status", "created_at"], name="comment_thread_idx"),
            # A page of an explainer's threads, in the thread's order: one range of this index
            # however many comments the explainer has (without it PostgreSQL walked every
            # approved comment on the site by time: 2.2 s for the busiest of 1,000,000).
            models.Index(
                fields=["explainer", "created_at", "id"],
                condition=models.Q(status="approved", parent__isnull=True),
                name="comment_thread_top_idx",
            ),
            models.Index(fields=["status", "created_at"], name="comment_queue_idx"),
            # The same page in the featured-first order (featured threads, then the rest oldest
            # first): a range of its own, or every one of a long thread would be sorted.
            models.Index(
                fields=["explainer", "-is_featured", "created_at", "id"],
                condition=models.Q(status="approved", parent__isnull=True),
                name="comment_thread_featured_idx",
            ),
            # The featured view of a thread: its featured comments, newest pick first.
            models.Index(
                fields=["explainer", "featured_at"],
                condition=models.Q(is_featured=True),
                name="comment_featured_idx",
            ),
            models.Index(
                fields=["guest_key"], condition=~models.Q(guest_key=""), name="comment_guest_idx"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["pending", "approved", "rejected", "spam", "removed"]),
                name="comment_status_valid",
            ),
        ]

    def __str__(self):
        return f"{self.author_name}: {self.body[:40]}"

    def save(self, *args, **kwargs):
        # Whatever door a comment comes through, no NUL/control/bidi character is stored
        # (PostgreSQL refuses NUL outright).
        self.body = clean_text(self.body)
        self.guest_name = clean_name(self.guest_name)
        # Derived on write: pages never sanitize at request time.
        self.body_html = plain_text_to_html(self.body)
        self.language = language_of(self.body)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "body" in update_fields:
            kwargs["update_fields"] = {*update_fields, "body_html", "language"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return f"{self.explainer.get_absolute_url()}#{self.anchor}"

    def clean(self):
        if self.user_id is None and not (self.guest_name or "").strip():
            raise ValidationError({"guest_name": _("Give the name to show with the comment.")})
        if self.parent_id is not None:
            if self.parent.parent_id is not None:
                raise ValidationError(_("Replies are one level deep: reply to the thread."))
            if self.parent.explainer_id != self.explainer_id:
                raise ValidationError(_("A reply belongs to the same explainer as its thread."))

    @property
    def author_name(self) -> str:
        if self.user_id is not None and self.user is not None:
            return public_name(self.user)
        # A blank guest name only happens when the author deleted their account.
        return self.guest_name or str(_("Deleted user"))

    @property
    def anchor(self) -> str:
        return f"comment-{self.pk}"


class ModerationAction(models.Model):
    """Append-only audit log of every moderation decision (and the system's own)."""

    class Action(models.TextChoices):
        APPROVE = "approve", _("Approved")
        REJECT = "reject", _("Rejected")
        SPAM = "spam", _("Marked as spam")
        REMOVE = "remove", _("Removed")
        RESTORE = "restore", _("Restored to the queue")
        REPORTED = "reported", _("Returned to the queue by reader reports")
        HELD = "held", _("Held on arrival")
        GRANT_TRUST = "grant_trust", _("Trust granted")
        REVOKE_TRUST = "revoke_trust", _("Trust revoked")
        AUTO_TRUST = "auto_trust", _("Trust left to the rule")
        ACCOUNT_DELETED = "account_deleted", _("Author deleted their account")
        FEATURE = "feature", _("Featured")
        UNFEATURE = "unfeature", _("No longer featured")
        SUSPEND = "suspend", _("Reader suspended")
        BAN = "ban", _("Reader banned")
        LIFT = "lift", _("Suspension or ban lifted")

    comment = models.ForeignKey(
        Comment,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="actions",
        verbose_name=_("comment"),
        help_text=_("Empty for decisions about a reader rather than one comment (trust)."),
    )
    subject_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="trust_actions",
        verbose_name=_("reader"),
        help_text=_("The reader a trust decision is about."),
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="moderation_actions",
        verbose_name=_("by"),
        help_text=_("Empty when the system acted (held on arrival, reader reports)."),
    )
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    old_status = models.CharField(
        _("old status"), max_length=10, choices=Comment.Status.choices, blank=True
    )
    new_status = models.CharField(_("new status"), max_length=10, choices=Comment.Status.choices)
    reason = models.CharField(_("reason"), max_length=20, choices=ReasonCode.choices, blank=True)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)

    objects = ModerationActionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("moderation action")
        verbose_name_plural = _("moderation actions")

    def __str__(self):
        if self.comment_id is None:
            return f"{self.get_action_display()} @{self.subject_user_id}"
        return f"{self.get_action_display()} #{self.comment_id}"

    def save(self, *args, **kwargs):
        # The log is evidence: once written, an entry is never rewritten.
        if self.pk is not None and not self._state.adding:
            raise ValidationError(_("Moderation log entries cannot be changed."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Moderation log entries cannot be deleted.")


class CommentReport(models.Model):
    """A reader's report of a comment: one per reader (account, or address for guests)."""

    comment = models.ForeignKey(
        Comment, on_delete=models.CASCADE, related_name="reports", verbose_name=_("comment")
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="comment_reports",
        verbose_name=_("reporter"),
    )
    reporter_ip_hash = models.CharField(_("reporter address hash"), max_length=64, blank=True)
    reason = models.CharField(_("reason"), max_length=20, choices=ReasonCode.choices)
    created_at = models.DateTimeField(_("reported"), auto_now_add=True)

    objects = CommentReportQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("comment report")
        verbose_name_plural = _("comment reports")
        constraints = [
            models.UniqueConstraint(
                fields=["comment", "reporter"],
                condition=Q(reporter__isnull=False),
                name="commentreport_one_per_user",
            ),
            models.UniqueConstraint(
                fields=["comment", "reporter_ip_hash"],
                condition=Q(reporter__isnull=True),
                name="commentreport_one_per_address",
            ),
        ]

    def __str__(self):
        return f"{self.get_reason_display()} #{self.comment_id}"


class WordListEntry(models.Model):
    """A word that holds a comment for moderation, or marks it as spam."""

    class Kind(models.TextChoices):
        HOLD = "hold", _("Hold for moderation")
        BLOCK = "block", _("Mark as spam")

    word = models.CharField(
        _("word or phrase"),
        max_length=100,
        help_text=_(
            "Japanese matches anywhere in the text (full-width and half-width forms alike); "
            "English and other Latin-script words match whole words only, ignoring case."
        ),
    )
    kind = models.CharField(_("kind"), max_length=5, choices=Kind.choices, default=Kind.HOLD)
    created_at = models.DateTimeField(_("added"), auto_now_add=True)

    class Meta:
        ordering = ["kind", "word"]
        verbose_name = _("word list entry")
        verbose_name_plural = _("word list")
        constraints = [
            models.UniqueConstraint(fields=["word", "kind"], name="wordlistentry_unique_word"),
            models.CheckConstraint(
                condition=Q(kind__in=["hold", "block"]), name="wordlistentry_kind_valid"
            ),
        ]

    def __str__(self):
        return f"{self.word} ({self.get_kind_display()})"

    def clean(self):
        self.word = (self.word or "").strip()
        if not self.word:
            raise ValidationError({"word": _("Enter a word.")})


class GuestReplySubscription(models.Model):
    """A guest's request to hear about replies to their comment (double opt-in).

    Nothing is sent to the address but the confirmation link until the guest follows it; the
    row (and so the address) goes with the guest's other data after COMMENTS_IP_RETENTION_DAYS.
    """

    comment = models.OneToOneField(
        Comment,
        on_delete=models.CASCADE,
        related_name="guest_subscription",
        verbose_name=_("comment"),
    )
    email = models.EmailField(_("email"), help_text=_("The guest's address. Never shown."))
    confirmed_at = models.DateTimeField(
        _("confirmed"),
        null=True,
        blank=True,
        help_text=_("When the guest followed the link in the confirmation email."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("guest reply subscription")
        verbose_name_plural = _("guest reply subscriptions")

    def __str__(self):
        return f"#{self.comment_id}"


class NotificationQuerySet(models.QuerySet):
    def failed(self):
        """Notifications the mail server never took, after every retry: staff retry them."""
        return self.filter(status=Notification.Status.FAILED)


class Notification(models.Model):
    """One email owed to one person because of one event: the outbox and the send log.

    The event's service creates the row, and enqueues the task that sends it, inside its own
    transaction, so a rolled-back decision owes nothing and a committed one is never forgotten.
    `key` (event + recipient) is unique: the same event can never owe the same person twice,
    and a worker sends only a row it has claimed (pending → sending, one conditional UPDATE),
    so retries and racing workers never send it twice.
    """

    class Kind(models.TextChoices):
        REPLY = "reply", _("Reply published")
        DECISION = "decision", _("Moderation decision")
        DIGEST = "digest", _("Moderators' digest")
        GUEST_CONFIRM = "guest_confirm", _("Guest: confirm the address")
        GUEST_REPLY = "guest_reply", _("Guest: reply published")
        SUSPENSION = "suspension", _("Reader suspended or banned")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Not sent (no longer wanted)")

    key = models.CharField(
        _("idempotency key"),
        max_length=200,
        unique=True,
        help_text=_("The event and the recipient: one email per event and person, ever."),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("recipient"),
        help_text=_("Empty for a guest: the email goes to their subscription's address."),
    )
    suspension = models.ForeignKey(
        "ReaderSuspension",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("suspension"),
    )
    guest_subscription = models.ForeignKey(
        GuestReplySubscription,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("guest subscription"),
    )
    comment = models.ForeignKey(
        Comment,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("comment"),
    )
    action = models.CharField(
        _("decision"), max_length=20, choices=ModerationAction.Action.choices, blank=True
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

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("notification email")
        verbose_name_plural = _("notification emails")
        indexes = [models.Index(fields=["status", "created_at"], name="notification_status_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["pending", "sending", "sent", "failed", "skipped"]),
                name="notification_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(
                    kind__in=[
                        "reply",
                        "decision",
                        "digest",
                        "guest_confirm",
                        "guest_reply",
                        "suspension",
                    ]
                ),
                name="notification_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(recipient__isnull=False) | Q(guest_subscription__isnull=False),
                name="notification_has_a_recipient",
            ),
        ]

    def __str__(self):
        return self.key


class ReaderSuspensionQuerySet(models.QuerySet):
    def in_force(self, *, now=None):
        """Suspensions and bans that stop their reader now: not lifted, not yet over."""
        now = now or timezone.now()
        return self.filter(lifted_at__isnull=True, starts_at__lte=now).filter(
            Q(ends_at__isnull=True) | Q(ends_at__gt=now)
        )


class ReaderSuspension(models.Model):
    """A moderator's decision that a signed-in reader may not post or report for a while
    (a suspension, with an end) or at all (a ban, with none). Lifting one keeps the row and
    logs the lift; every step is also a `ModerationAction` about the reader."""

    class Kind(models.TextChoices):
        SUSPENSION = "suspension", _("Suspension")
        BAN = "ban", _("Ban")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="comment_suspensions",
        verbose_name=_("reader"),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    reason = models.CharField(_("reason"), max_length=20, choices=ReasonCode.choices)
    note = models.TextField(_("note"), blank=True)
    starts_at = models.DateTimeField(_("from"), default=timezone.now)
    ends_at = models.DateTimeField(
        _("until"), null=True, blank=True, help_text=_("Empty for a ban: it lasts until lifted.")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    lifted_at = models.DateTimeField(_("lifted"), null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("lifted by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ReaderSuspensionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("reader suspension")
        verbose_name_plural = _("reader suspensions")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["suspension", "ban"]), name="suspension_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(kind="ban", ends_at__isnull=True)
                | Q(kind="suspension", ends_at__isnull=False),
                name="suspension_end_matches_kind",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} @{self.user_id}"
