"""Forms of the moderators' tool: what a moderator may send, checked before any service runs.

The services enforce which status changes make sense; these forms make sure a decision comes
with what it needs (a reason for a rejection, a note when the reason is "other") so the
moderator gets a readable message instead of a half-made decision in the log.
"""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from explainers.models import Explainer
from readers.models import ReaderProfile

from .models import Comment, ModerationAction, ReasonCode

Action = ModerationAction.Action

# What a moderator can do from the tool (the other actions are the system's own).
MODERATOR_ACTIONS = [
    (Action.APPROVE, _("Approve")),
    (Action.REJECT, _("Reject")),
    (Action.SPAM, _("Mark as spam")),
    (Action.REMOVE, _("Remove")),
    (Action.RESTORE, _("Restore to the queue")),
]
ACTIONS_WITH_REASON = {Action.REJECT, Action.REMOVE}
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
        action = self.get_action()
        reason = cleaned.get("reason", "")
        note = (cleaned.get("note") or "").strip()
        if action == Action.REJECT and not reason:
            self.add_error("reason", _("Choose a reason for rejecting the comment."))
        if action in ACTIONS_WITH_REASON and reason == ReasonCode.OTHER and not note:
            self.add_error("note", _("Say in the note why, when the reason is “Other”."))
        if action not in ACTIONS_WITH_REASON:
            cleaned["reason"] = ""  # approve, spam and restore take no reason code
        cleaned["note"] = note
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
        choices=[("", _("Choose an action…")), *MODERATOR_ACTIONS],
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
