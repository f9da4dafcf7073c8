"""Forms of the moderators' tool: what a moderator may send, checked before any service runs.

What a decision needs (a reason for a rejection, a note when the reason is "other") is the
moderation table's rule (`Transition.clean_decision`); these forms show its answer beside the
field, and the service checks it again whatever door the decision comes through.
"""

import datetime

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from explainers.models import Explainer
from readers.models import ReaderProfile

from .models import Comment, ModerationAction, ReaderSuspension, ReasonCode
from .moderation import ACTION_CHOICES, TRANSITIONS

NOTE_MAX_LENGTH = 1000


class ModerationDecisionForm(forms.Form):
    """The reason and note that go with one decision; `action` says which one."""

    reason = forms.ChoiceField(
        label=_("Reason"),
        required=False,
        choices=[("", _("Choose a reason…")), *ReasonCode.choices],
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        help_text=_("For the moderation log; never shown to the commenter."),
    )

    def __init__(self, *args, action=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.action = action

    def get_action(self):
        return self.action

    def clean(self):
        cleaned = super().clean()
        transition = TRANSITIONS.get(self.get_action())
        if transition is None or "reason" not in cleaned or "note" not in cleaned:
            return cleaned  # the field's own error says what is wrong
        try:
            cleaned["reason"], cleaned["note"] = transition.clean_decision(
                reason=cleaned["reason"], note=cleaned["note"]
            )
        except ValidationError as error:
            self.add_error(None, error)
        return cleaned


class BulkModerationForm(ModerationDecisionForm):
    """One decision applied to several comments ticked in a list."""

    comments = forms.ModelMultipleChoiceField(
        label=_("Comments"),
        queryset=Comment.objects.all(),
        error_messages={"required": _("Tick at least one comment.")},
    )
    action = forms.ChoiceField(
        label=_("Action"),
        choices=[("", _("Choose an action…")), *ACTION_CHOICES],
        error_messages={"required": _("Choose what to do with the ticked comments.")},
    )

    field_order = ["comments", "action", "reason", "note"]

    def get_action(self):
        return self.cleaned_data.get("action")


def _explainers_with_comments():
    return Explainer.objects.filter(pk__in=Comment.objects.values("explainer")).order_by("title")


class QueueFilterForm(forms.Form):
    """`?explainer=<id>` on the queue tabs."""

    explainer = forms.ModelChoiceField(
        label=_("Explainer"),
        queryset=Explainer.objects.none(),
        required=False,
        empty_label=_("All explainers"),
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
        error_messages={"invalid_choice": _("No explainer with comments has that number.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["explainer"].queryset = _explainers_with_comments()


class LogFilterForm(QueueFilterForm):
    """`?explainer=<id>&actor=<id>` on the moderation log."""

    actor = forms.ModelChoiceField(
        label=_("Moderator"),
        queryset=get_user_model().objects.none(),
        required=False,
        empty_label=_("Everyone"),
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
        error_messages={"invalid_choice": _("Nobody with that number has moderated a comment.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["actor"].queryset = (
            get_user_model()
            .objects.filter(pk__in=ModerationAction.objects.values("actor"))
            .order_by("username")
        )


class ReaderTrustForm(forms.Form):
    """A moderator's decision on whether a reader's comments are published at once."""

    trust = forms.ChoiceField(
        label=_("Trust"),
        choices=ReaderProfile.Trust.choices,
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
        help_text=_("For the moderation log."),
    )


# Longer than this is a ban in all but name: say so with a ban.
SUSPENSION_MAX_DAYS = 365


class ReaderSuspensionForm(forms.Form):
    """A moderator suspends a reader for some days or until a date, or bans them."""

    kind = forms.ChoiceField(
        label=_("Decision"),
        choices=ReaderSuspension.Kind.choices,
        initial=ReaderSuspension.Kind.SUSPENSION,
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    days = forms.IntegerField(
        label=_("For (days)"),
        required=False,
        min_value=1,
        max_value=SUSPENSION_MAX_DAYS,
        widget=forms.NumberInput(attrs={"class": "form-control form-control-sm"}),
        help_text=_("A suspension: for this many days, or until the date below."),
    )
    until = forms.DateField(
        label=_("Or until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control form-control-sm"}),
        help_text=_("Ends at the start of that day."),
    )
    reason = forms.ChoiceField(
        label=_("Reason"),
        choices=[("", _("Choose a reason…")), *ReasonCode.choices],
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
        help_text=_("For the moderation log; never shown to the reader."),
    )

    def clean(self):
        cleaned = super().clean()
        kind, days, until = cleaned.get("kind"), cleaned.get("days"), cleaned.get("until")
        if kind is None or "days" not in cleaned or "until" not in cleaned:
            return cleaned  # the field's own error says what is wrong
        if kind == ReaderSuspension.Kind.BAN:
            if days or until:
                self.add_error(None, _("A ban has no end: leave the days and the date empty."))
            cleaned["ends_at"] = None
        elif days and until:
            self.add_error(None, _("Give either a number of days or a date, not both."))
        elif days:
            cleaned["ends_at"] = timezone.now() + datetime.timedelta(days=days)
        elif until:
            start = timezone.make_aware(datetime.datetime.combine(until, datetime.time.min))
            if until <= timezone.localdate():
                self.add_error("until", _("Choose a date after today."))
            elif start > timezone.now() + datetime.timedelta(days=SUSPENSION_MAX_DAYS):
                self.add_error("until", _("At most a year: for longer, ban the reader."))
            cleaned["ends_at"] = start
        else:
            self.add_error("days", _("Say for how many days, or until when."))
        if cleaned.get("reason") == ReasonCode.OTHER and not cleaned.get("note", "").strip():
            self.add_error("note", _("Say why in the note when the reason is “Other”."))
        return cleaned


class SuspensionLiftForm(forms.Form):
    """The note that goes with lifting a suspension or ban."""

    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
        help_text=_("For the moderation log."),
    )
