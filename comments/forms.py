"""Reader forms: posting a comment, reporting one.

The comment form carries two bot traps. A honeypot field people never see (hidden by the
stylesheet and from assistive technology), and a signed timestamp of when the form was handed
out: returned too fast it marks the comment as spam (the pipeline decides), too old or
tampered with it is refused here with a message, the reader's text kept in the form.
"""

import datetime

from django import forms
from django.conf import settings
from django.core import signing
from django.utils.translation import gettext_lazy as _

from core import text

from .models import ReasonCode
from .text_checks import body_problems

_SIGNER_SALT = "comments.form-issued"


def _signer():
    return signing.TimestampSigner(salt=_SIGNER_SALT)


def issue_token(explainer) -> str:
    """A signed token saying "handed out now, for this explainer"."""
    return _signer().sign(str(explainer.pk))


class BotTrapsForm(forms.Form):
    """The two bot traps, for every form a guest can send (comments here, correction requests
    in `desk`): a honeypot and a signed timestamp of when the form was handed out for this
    explainer. `issued_at` is that time once the form is valid, for the caller's spam check.
    Subclasses take `explainer=` and call `super().__init__`; the fields they name in
    `typed_fields` have NUL and control characters dropped from what was sent, not refused
    (Django's CharField would refuse NUL with a message a reader cannot act on: they cannot
    see it)."""

    typed_fields: tuple[str, ...] = ()

    # The honeypot: a field that looks worth filling to a bot. Hidden with CSS, not a style
    # attribute (the CSP forbids those), and out of the tab order and the accessibility tree.
    website = forms.CharField(
        label=_("Leave this empty"),
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )
    issued = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, explainer, **kwargs):
        self.explainer = explainer
        super().__init__(*args, **kwargs)
        if self.is_bound:
            data = self.data.copy()
            for name in self.typed_fields:
                key = self.add_prefix(name)
                if key in data:
                    data[key] = text.clean_text(data[key])
            self.data = data
        self.issued_at = None
        self.initial["issued"] = issue_token(explainer)

    def full_clean(self):
        super().full_clean()
        if self.is_bound:
            # A form shown again (with errors) gets a fresh token, so a reader whose form
            # expired can simply send it again; the checked token is already in cleaned_data.
            data = self.data.copy()
            data[self.add_prefix("issued")] = issue_token(self.explainer)
            self.data = data

    def clean_issued(self):
        token = self.cleaned_data.get("issued", "")
        try:
            value = _signer().unsign(token, max_age=settings.COMMENTS_FORM_LIFETIME_SECONDS)
        except signing.SignatureExpired as error:
            raise forms.ValidationError(
                _("This form was open too long and has expired. Please send it again."),
                code="expired",
            ) from error
        except signing.BadSignature as error:
            raise forms.ValidationError(
                _("This form could not be checked. Please send it again."), code="tampered"
            ) from error
        if value != str(self.explainer.pk):
            raise forms.ValidationError(
                _("This form belongs to another explainer. Please send it again."),
                code="tampered",
            )
        timestamp = signing.b62_decode(token.rsplit(":", 2)[1])
        self.issued_at = datetime.datetime.fromtimestamp(timestamp, tz=datetime.UTC)
        return token


class CommentForm(BotTrapsForm):
    name = forms.CharField(
        label=_("Name"),
        max_length=80,
        required=False,
        help_text=_("Shown with your comment."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label=_("Email"),
        required=False,
        help_text=_("Never shown. Only the moderators can see it."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    notify_replies = forms.BooleanField(
        label=_("Email me when someone replies"),
        required=False,
        help_text=_(
            "We first send a link to confirm the address; nothing else until you follow it."
        ),
    )
    body = forms.CharField(
        label=_("Comment"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Plain text. Links are shown as addresses and held for a moderator."),
    )
    field_order = ["name", "email", "notify_replies", "body", "website", "issued"]
    typed_fields = ("name", "email", "body")

    def __init__(self, *args, explainer, user=None, **kwargs):
        self.user = user if user is not None and user.is_authenticated else None
        super().__init__(*args, explainer=explainer, **kwargs)
        self.fields["body"].widget.attrs["maxlength"] = settings.COMMENTS_MAX_LENGTH
        self.fields["body"].widget.attrs["lang"] = explainer.language
        if self.user is not None:
            # Signed-in readers comment under their account name.
            del self.fields["name"]
            del self.fields["email"]
            del self.fields["notify_replies"]  # readers choose on their account page
        else:
            self.fields["name"].required = True
            self.fields["email"].required = True

    def clean_name(self):
        name = text.clean_name(self.cleaned_data.get("name", ""))
        if self.user is None and not name:
            raise forms.ValidationError(_("Give the name to show with your comment."))
        return name

    def clean_body(self):
        body = text.clean_text(self.cleaned_data.get("body", ""))
        problems = body_problems(body)
        if problems:
            raise forms.ValidationError(problems)
        return body


class ReportForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("What is wrong with this comment?"),
        choices=ReasonCode.choices,
        widget=forms.RadioSelect,
    )
