"""The reader's "Suggest a correction" form: what is wrong, optionally a source link and an
email for a reply. The bot traps are the comment form's (`comments.forms.BotTrapsForm`)."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from comments.forms import BotTrapsForm
from core import text


class CorrectionRequestForm(BotTrapsForm):
    text = forms.CharField(
        label=_("What is wrong?"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Say what is wrong and, if you can, what is right. Only editors read it."),
    )
    source_url = forms.URLField(
        label=_("Source link (optional)"),
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text=_("Where the right information can be checked."),
        widget=forms.URLInput(attrs={"autocomplete": "url"}),
    )
    email = forms.EmailField(
        label=_("Email (optional)"),
        required=False,
        help_text=_(
            "To hear what the editors decided. We first send a link to confirm the address. "
            "Never shown."
        ),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    field_order = ["text", "source_url", "email", "website", "issued"]
    typed_fields = ("text", "source_url", "email")

    def __init__(self, *args, explainer, user=None, **kwargs):
        super().__init__(*args, explainer=explainer, **kwargs)
        self.fields["text"].widget.attrs["maxlength"] = settings.COMMENTS_MAX_LENGTH
        self.fields["text"].widget.attrs["lang"] = explainer.language
        if user is not None and user.is_authenticated and user.email:
            self.fields["email"].initial = user.email

    def clean_text(self):
        value = text.clean_text(self.cleaned_data.get("text", "")).strip()
        if not value:
            raise forms.ValidationError(_("Say what is wrong before sending."))
        if len(value) > settings.COMMENTS_MAX_LENGTH:
            raise forms.ValidationError(
                _("Keep it under %(max)d characters (this is %(length)d).")
                % {"max": settings.COMMENTS_MAX_LENGTH, "length": len(value)}
            )
        return value
