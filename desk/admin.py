"""The editors' side of correction requests: read what the reader said, decide (accept,
decline with a reason, mark as a duplicate), publish the correction it prompted or cite one
already in the log. Every change goes through `desk.services`; the requests themselves come
only from readers, so there is no "add", and nothing deletes one.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from comments.admin import ReadOnlyAdmin, RetryFailedEmails
from comments.models import Comment
from comments.pipeline import HoldReason
from explainers.models import Correction
from explainers.services import correction_add

from . import services
from .models import CorrectionComment, CorrectionRequest, RequestNotification

Status = CorrectionRequest.Status


class CorrectionRequestForm(forms.ModelForm):
    """The decision, and the correction it prompted (an entry already in the explainer's log,
    or a new one published from here through `explainers.services.correction_add`)."""

    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("", _("Leave as it is")), *[c for c in Status.choices if c[0] != Status.OPEN]],
        required=False,
    )
    new_correction_kind = forms.ChoiceField(
        label=_("Publish a correction: kind"),
        choices=Correction.Kind.choices,
        required=False,
        initial=Correction.Kind.CORRECTION,
    )
    new_correction_note = forms.CharField(
        label=_("Publish a correction: note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "What was wrong or what changed, as readers will see it in the explainer's "
            "corrections log. Publishing it accepts the request and cites it."
        ),
    )
    new_correction_significant = forms.BooleanField(
        label=_("Publish a correction: significant"),
        required=False,
        initial=True,
        help_text=_("Significant changes move the explainer's updated time, sitemap and feeds."),
    )

    class Meta:
        model = CorrectionRequest
        fields = ["decline_reason", "duplicate_of", "correction"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.instance
        if "duplicate_of" in self.fields:  # absent for a reader with view permission only
            # Each option's label names its explainer: fetched with it, not once per option.
            self.fields["duplicate_of"].queryset = (
                CorrectionRequest.objects.filter(explainer_id=request.explainer_id)
                .exclude(pk=request.pk)
                .select_related("explainer")
            )
        if "correction" in self.fields:
            self.fields["correction"].queryset = Correction.objects.filter(
                explainer_id=request.explainer_id
            ).select_related("explainer")
        if request.is_decided:
            # Decided once; the reader has been told.
            self.fields.pop("decision", None)
            for name in ("decline_reason", "duplicate_of"):
                if name in self.fields:
                    self.fields[name].disabled = True

    def clean(self):
        data = super().clean()
        decision = data.get("decision")
        if decision == Status.DECLINED and not (data.get("decline_reason") or "").strip():
            self.add_error("decline_reason", _("Say why the request is declined."))
        if decision == Status.DUPLICATE and data.get("duplicate_of") is None:
            self.add_error("duplicate_of", _("Choose the request this one repeats."))
        note = (data.get("new_correction_note") or "").strip()
        if note and data.get("correction") is not None:
            self.add_error(
                "new_correction_note",
                _("Either cite a correction already in the log or publish a new one."),
            )
        if note and decision in (Status.DECLINED, Status.DUPLICATE):
            self.add_error("new_correction_note", _("A declined request prompts no correction."))
        return data


@admin.register(CorrectionRequest)
class CorrectionRequestAdmin(admin.ModelAdmin):
    form = CorrectionRequestForm
    list_display = ["__str__", "explainer", "status", "held", "email_state", "created_at"]
    list_filter = ["status", "is_spam"]
    list_select_related = ["explainer"]
    search_fields = ["text", "explainer__title"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "explainer",
        "text",
        "source_url",
        "user",
        "email",
        "email_confirmed_at",
        "language",
        "hold_reason_labels",
        "is_spam",
        "created_at",
        "status",
        "decided_by",
        "decided_at",
    ]
    fieldsets = [
        (
            _("What the reader said"),
            {
                "fields": [
                    "explainer",
                    "text",
                    "source_url",
                    "user",
                    "email",
                    "email_confirmed_at",
                    "language",
                    "hold_reason_labels",
                    "is_spam",
                    "created_at",
                ]
            },
        ),
        (
            _("Decision"),
            {
                "fields": [
                    "status",
                    "decision",
                    "decline_reason",
                    "duplicate_of",
                    "decided_by",
                    "decided_at",
                ]
            },
        ),
        (
            _("The correction it prompted"),
            {
                "fields": [
                    "correction",
                    "new_correction_kind",
                    "new_correction_note",
                    "new_correction_significant",
                ]
            },
        ),
    ]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is not None and obj.is_decided:
            return [
                (name, {"fields": [f for f in opts["fields"] if f != "decision"]})
                for name, opts in fieldsets
            ]
        return fieldsets

    @admin.display(description=_("held"), boolean=True)
    def held(self, obj):
        return bool(obj.hold_reasons) or obj.is_spam

    @admin.display(description=_("email"))
    def email_state(self, obj):
        if not obj.email:
            return "—"
        return _("confirmed") if obj.email_confirmed_at else _("not confirmed")

    @admin.display(description=_("hold reasons"))
    def hold_reason_labels(self, obj):
        labels = [HoldReason.of(code).label for code in obj.hold_reasons or []]
        return format_html_join(", ", "{}", ((label,) for label in labels)) or "—"

    def save_model(self, request, obj, form, change):
        """Through the services, in order: publish a new correction, decide, then link."""
        data = form.cleaned_data
        stored = CorrectionRequest.objects.get(pk=obj.pk)
        correction = data.get("correction")
        note = (data.get("new_correction_note") or "").strip()
        try:
            if note:
                correction = correction_add(
                    explainer=stored.explainer,
                    kind=data.get("new_correction_kind") or Correction.Kind.CORRECTION,
                    note=note,
                    significant=bool(data.get("new_correction_significant")),
                    actor=request.user,
                )
            decision = data.get("decision")
            if decision:
                services.correction_request_decide(
                    request=stored,
                    actor=request.user,
                    status=decision,
                    decline_reason=data.get("decline_reason", ""),
                    duplicate_of=data.get("duplicate_of"),
                )
            if correction != stored.correction:
                services.correction_request_link(
                    request=stored, correction=correction, actor=request.user
                )
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
        obj.refresh_from_db()

    def save_related(self, request, form, formsets, change):
        """Nothing else to save: the services did it all."""


@admin.register(CorrectionComment)
class CorrectionCommentAdmin(admin.ModelAdmin):
    """Cite a public comment as what prompted a correction."""

    list_display = ["correction", "comment", "created_at"]
    list_select_related = ["correction__explainer", "comment"]
    raw_id_fields = ["correction", "comment"]
    search_fields = ["correction__note", "comment__body"]

    def has_change_permission(self, request, obj=None):
        return False if obj is not None else super().has_change_permission(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "comment":
            kwargs["queryset"] = Comment.objects.visible()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        link = services.correction_comment_link(
            correction=obj.correction, comment=obj.comment, actor=request.user
        )
        obj.pk = link.pk
        obj._state.adding = False

    def delete_model(self, request, obj):
        services.correction_comment_unlink(link=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for link in queryset.select_related("correction__explainer"):
            services.correction_comment_unlink(link=link, actor=request.user)


@admin.register(RequestNotification)
class RequestNotificationAdmin(RetryFailedEmails, ReadOnlyAdmin, admin.ModelAdmin):
    """The requesters' outbox, read-only: what is owed, sent or failed, with the failed ones
    sent again on request."""

    list_display = ["key", "kind", "outcome", "status", "attempts", "created_at", "sent_at"]
    list_filter = ["kind", "status"]
    fields = [
        "key",
        "kind",
        "request",
        "outcome",
        "status",
        "attempts",
        "last_error",
        "next_attempt_at",
        "claimed_at",
        "sent_at",
        "created_at",
    ]
    readonly_fields = fields

    def retry_failed(self, request, queryset):
        return services.request_notifications_retry(actor=request.user, notifications=queryset)

    def has_retry_permission(self, request):
        return request.user.has_perm(services.DECIDE_PERMISSION)
