"""Comments in the Django admin: the same comments and the same decisions as the moderation
pages, through the same services, so every decision is logged the same way.

Nothing here deletes: comments are never added or deleted in the admin, and the moderation log
is read-only.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.response import TemplateResponse
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from readers.models import ReaderProfile

from .models import (
    MODERATE_PERMISSION,
    Comment,
    CommentReport,
    ModerationAction,
    Notification,
    ReaderSuspension,
    ReasonCode,
    WordListEntry,
)
from .moderation import TRANSITIONS, comments_bulk_moderate
from .notifications import notifications_retry
from .pipeline import NOTE_SEPARATOR, HoldReason, log_note_text
from .suspensions import reader_suspension_lift
from .trust import reader_trust_set


class ReasonForm(forms.Form):
    """The reason and note for a decision that takes a reason (reject, remove): what each
    needs is the moderation table's rule, so the admin asks exactly what the tool asks."""

    reason = forms.ChoiceField(label=_("Reason"), choices=ReasonCode.choices)
    note = forms.CharField(
        label=_("Note for the log"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, action, **kwargs):
        super().__init__(*args, **kwargs)
        self.transition = TRANSITIONS[action]
        if not self.transition.needs_reason:
            self.fields["reason"].required = False
            self.fields["reason"].choices = [("", _("No reason given")), *ReasonCode.choices]

    def clean(self):
        cleaned = super().clean()
        if "reason" in cleaned and "note" in cleaned:
            try:
                cleaned["reason"], cleaned["note"] = self.transition.clean_decision(
                    reason=cleaned["reason"], note=cleaned["note"]
                )
            except ValidationError as error:
                self.add_error(None, error)
        return cleaned


def _bulk(modeladmin, request, queryset, action, *, reason="", note=""):
    try:
        changed = comments_bulk_moderate(
            comments=queryset, action=action, actor=request.user, reason=reason, note=note
        )
    except (PermissionDenied, ValidationError) as error:
        modeladmin.message_user(request, " ".join(getattr(error, "messages", [str(error)])),
                                messages.ERROR)  # fmt: skip
        return
    skipped = queryset.count() - changed
    label = ModerationAction.Action(action).label
    modeladmin.message_user(
        request,
        ngettext("%(action)s: %(count)d comment.", "%(action)s: %(count)d comments.", changed)
        % {"action": label, "count": changed},
        messages.SUCCESS,
    )
    if skipped:
        modeladmin.message_user(
            request,
            ngettext(
                "%(count)d comment was skipped: the decision does not apply to its status.",
                "%(count)d comments were skipped: the decision does not apply to their status.",
                skipped,
            )
            % {"count": skipped},
            messages.WARNING,
        )


class ReportInline(admin.TabularInline):
    model = CommentReport
    extra = 0
    fields = ["reason", "reporter", "created_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class ActionInline(admin.TabularInline):
    model = ModerationAction
    extra = 0
    fields = ["created_at", "action", "actor", "old_status", "new_status", "reason", "note_text"]
    readonly_fields = fields
    can_delete = False

    @admin.display(description=_("note"))
    def note_text(self, obj):
        return log_note_text(obj.action, obj.note)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin:
    """A record the admin shows but never adds, changes or deletes: every change to it is a
    service's (its actions call them)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class RetryFailedEmails:
    """An outbox's "send the failed ones again" action (see core.tasks' outboxes): a
    subclass says how (`retry_failed(request, queryset) -> count`) and who may
    (`has_retry_permission`)."""

    actions = ["retry"]

    @admin.action(description=_("Send the selected failed emails again"), permissions=["retry"])
    def retry(self, request, queryset):
        count = self.retry_failed(request, queryset)
        self.message_user(
            request,
            ngettext(
                "%(count)d email is queued to be sent again.",
                "%(count)d emails are queued to be sent again.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = [
        "excerpt",
        "author",
        "explainer",
        "status",
        "reasons",
        "is_reported",
        "badge",
        "created_at",
    ]
    list_filter = ["status", "is_reported", "badge", "created_at"]
    search_fields = ["body", "guest_name", "guest_email", "user__username", "explainer__title"]
    list_select_related = ["explainer", "user"]
    date_hierarchy = "created_at"
    ordering = ["-created_at"]
    actions = ["approve", "reject", "mark_spam", "remove", "restore"]
    readonly_fields = [
        "explainer",
        "parent",
        "in_reply_to",
        "user",
        "guest_name",
        "guest_email",
        "body",
        "status",
        "hold_reason_labels",
        "is_reported",
        "badge",
        "is_featured",
        "rejection_reason",
        "moderated_by",
        "moderated_at",
        "created_at",
    ]
    fields = readonly_fields
    inlines = [ReportInline, ActionInline]

    def has_add_permission(self, request):
        return False  # comments come from readers, through the pipeline

    def has_delete_permission(self, request, obj=None):
        return False  # moderation changes status; it never deletes

    @admin.display(description=_("comment"))
    def excerpt(self, obj):
        return Truncator(obj.body).chars(80)

    @admin.display(description=_("author"))
    def author(self, obj):
        return obj.author_name

    @admin.display(description=_("held for"))
    def reasons(self, obj):
        return NOTE_SEPARATOR.join(HoldReason.of(code).label for code in obj.hold_reasons or [])

    @admin.display(description=_("hold reasons"))
    def hold_reason_labels(self, obj):
        return self.reasons(obj) or "—"

    @admin.action(description=_("Approve selected comments"), permissions=["moderate"])
    def approve(self, request, queryset):
        _bulk(self, request, queryset, ModerationAction.Action.APPROVE)

    def _with_reason(self, request, queryset, action, title):
        """Ask for the reason and note first (an intermediate page), then decide."""
        if "apply" in request.POST:
            form = ReasonForm(request.POST, action=action)
            if form.is_valid():
                _bulk(self, request, queryset, action, **form.cleaned_data)
                return None
        else:
            form = ReasonForm(action=action)
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.model._meta,
            "form": form,
            "action": action,
            "transition": TRANSITIONS[action],
            "comments": queryset,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/comments/comment/decision.html", context)

    @admin.action(description=_("Reject selected comments…"), permissions=["moderate"])
    def reject(self, request, queryset):
        return self._with_reason(
            request, queryset, ModerationAction.Action.REJECT, _("Reject comments")
        )

    @admin.action(description=_("Mark selected comments as spam"), permissions=["moderate"])
    def mark_spam(self, request, queryset):
        _bulk(self, request, queryset, ModerationAction.Action.SPAM)

    @admin.action(description=_("Remove selected comments…"), permissions=["moderate"])
    def remove(self, request, queryset):
        return self._with_reason(
            request, queryset, ModerationAction.Action.REMOVE, _("Remove comments")
        )

    @admin.action(description=_("Restore selected comments to the queue"), permissions=["moderate"])
    def restore(self, request, queryset):
        _bulk(self, request, queryset, ModerationAction.Action.RESTORE)

    def has_moderate_permission(self, request):
        return request.user.has_perm(MODERATE_PERMISSION)


@admin.register(ModerationAction)
class ModerationActionAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """The audit log: read-only for everyone, superusers included."""

    list_display = [
        "created_at",
        "action",
        "comment",
        "subject_user",
        "actor",
        "old_status",
        "new_status",
        "reason",
    ]
    list_filter = ["action", "reason", "created_at"]
    search_fields = ["note", "comment__body", "actor__username"]
    list_select_related = ["comment", "comment__user__reader_profile", "actor", "subject_user"]
    date_hierarchy = "created_at"
    fields = [
        "created_at",
        "comment",
        "subject_user",
        "actor",
        "action",
        "old_status",
        "new_status",
        "reason",
        "note_text",
    ]
    readonly_fields = fields

    @admin.display(description=_("note"))
    def note_text(self, obj):
        return log_note_text(obj.action, obj.note)


@admin.register(Notification)
class NotificationAdmin(RetryFailedEmails, ReadOnlyAdmin, admin.ModelAdmin):
    """The emails owed and what became of them. Rows are written by the services and the
    worker only; staff read them and retry the failed ones (the mail server never took them)."""

    list_display = ["created_at", "kind", "recipient", "status", "attempts", "sent_at", "error"]
    list_filter = ["status", "kind", "created_at"]
    search_fields = ["key", "recipient__email", "last_error"]
    list_select_related = ["recipient"]
    date_hierarchy = "created_at"
    fields = [
        "key",
        "kind",
        "recipient",
        "comment",
        "action",
        "status",
        "attempts",
        "last_error",
        "next_attempt_at",
        "claimed_at",
        "sent_at",
        "created_at",
    ]
    readonly_fields = fields

    @admin.display(description=_("last error"))
    def error(self, obj):
        return Truncator(obj.last_error).chars(80)

    def retry_failed(self, request, queryset):
        return notifications_retry(queryset)

    def has_retry_permission(self, request):
        return request.user.has_perm(MODERATE_PERMISSION)


@admin.register(CommentReport)
class CommentReportAdmin(admin.ModelAdmin):
    list_display = ["created_at", "reason", "comment", "reporter"]
    list_filter = ["reason", "created_at"]
    search_fields = ["comment__body", "reporter__username"]
    list_select_related = ["comment", "comment__user", "reporter"]
    fields = ["created_at", "comment", "reporter", "reporter_ip_hash", "reason"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False  # readers report from the site, one per reader per comment

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ReaderSuspension)
class ReaderSuspensionAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """Who is or was suspended or banned, why and until when. Read-only: a suspension is made
    on the reader's history page in the moderation tool (so it is logged and emailed), lifted
    there or with this list's action (the same service); none is ever deleted."""

    list_display = ["user", "kind", "reason", "starts_at", "ends_at", "lifted_at", "created_by"]
    list_filter = ["kind", "reason", "starts_at"]
    search_fields = ["user__username", "user__email", "note"]
    list_select_related = ["user", "created_by"]
    date_hierarchy = "starts_at"
    fields = [
        "user",
        "kind",
        "reason",
        "note",
        "starts_at",
        "ends_at",
        "created_by",
        "lifted_at",
        "lifted_by",
        "created_at",
    ]
    readonly_fields = fields
    actions = ["lift"]

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm(MODERATE_PERMISSION) or super().has_view_permission(
            request, obj
        )

    def has_lift_permission(self, request):
        return request.user.has_perm(MODERATE_PERMISSION)

    @admin.action(description=_("Lift the selected suspensions and bans"), permissions=["lift"])
    def lift(self, request, queryset):
        lifted = 0
        for suspension in queryset:
            try:
                reader_suspension_lift(suspension=suspension, actor=request.user)
            except (ValidationError, PermissionDenied):
                continue  # already lifted or over: nothing to do
            lifted += 1
        self.message_user(
            request,
            ngettext("%(count)d suspension lifted.", "%(count)d suspensions lifted.", lifted)
            % {"count": lifted},
            messages.SUCCESS,
        )


@admin.register(WordListEntry)
class WordListEntryAdmin(admin.ModelAdmin):
    list_display = ["word", "kind", "created_at"]
    list_filter = ["kind"]
    search_fields = ["word"]
    fields = ["word", "kind"]


@admin.register(ReaderProfile)
class ReaderProfileAdmin(admin.ModelAdmin):
    """Readers' own settings, and their trust. Trust changes go through the same service as
    the moderation tool, so they are logged; only moderators may make them."""

    list_display = ["__str__", "user", "trust", "notify_replies", "notify_decisions", "language"]
    list_filter = ["trust", "notify_replies", "notify_decisions", "language"]
    search_fields = ["display_name", "user__username", "user__email"]
    list_select_related = ["user"]
    fields = [
        "user",
        "display_name",
        "language",
        "notify_replies",
        "notify_decisions",
        "notify_digest",
        "trust",
    ]
    actions = ["grant_trust", "revoke_trust", "auto_trust"]

    def has_add_permission(self, request):
        return False  # a profile comes with a reader's account

    def get_readonly_fields(self, request, obj=None):
        if request.user.has_perm(MODERATE_PERMISSION):
            return ["user"]
        return ["user", "trust"]

    def has_moderate_permission(self, request):
        return request.user.has_perm(MODERATE_PERMISSION)

    def save_model(self, request, obj, form, change):
        new_trust = obj.trust
        if change and "trust" in form.changed_data:
            obj.trust = form.initial["trust"]  # the service makes (and logs) the change
            super().save_model(request, obj, form, change)
            reader_trust_set(
                user=obj.user, actor=request.user, trust=new_trust, note="Changed in the admin."
            )
            obj.trust = new_trust
        else:
            super().save_model(request, obj, form, change)

    def _set_trust(self, request, queryset, trust):
        changed = 0
        for profile in queryset.select_related("user"):
            try:
                reader_trust_set(
                    user=profile.user, actor=request.user, trust=trust, note="Changed in the admin."
                )
            except ValidationError:
                continue  # already set that way
            changed += 1
        self.message_user(
            request,
            ngettext(
                "Trust changed for %(count)d reader.",
                "Trust changed for %(count)d readers.",
                changed,
            )
            % {"count": changed},
            messages.SUCCESS,
        )

    @admin.action(description=_("Grant trust to the selected readers"), permissions=["moderate"])
    def grant_trust(self, request, queryset):
        self._set_trust(request, queryset, ReaderProfile.Trust.GRANTED)

    @admin.action(description=_("Revoke trust from the selected readers"), permissions=["moderate"])
    def revoke_trust(self, request, queryset):
        self._set_trust(request, queryset, ReaderProfile.Trust.REVOKED)

    @admin.action(
        description=_("Leave the selected readers' trust to the rule"), permissions=["moderate"]
    )
    def auto_trust(self, request, queryset):
        self._set_trust(request, queryset, ReaderProfile.Trust.AUTO)
