"""Forms for reader accounts: the extra sign-up field, the account page, deleting an account.

Sign-up, sign-in, email verification and password reset are allauth's own forms; the only
thing added to them is the display name (ACCOUNT_SIGNUP_FORM_CLASS points here).
"""

from django import forms
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from core import text

from . import services
from .models import ReaderProfile


def _clean_display_name(value: str) -> str:
    name = text.clean_name(value)
    if not name:
        raise forms.ValidationError(_("Choose the name to show with your comments."))
    return name


class ReaderSignupForm(forms.Form):
    """allauth's sign-up form inherits this: a display name, so the email is never shown."""

    display_name = forms.CharField(
        label=_("Display name"),
        max_length=80,
        help_text=_("Shown with your comments. Your email address is never shown."),
        widget=forms.TextInput(attrs={"autocomplete": "nickname"}),
    )

    def clean_display_name(self):
        return _clean_display_name(self.cleaned_data.get("display_name", ""))

    def signup(self, request, user):
        """Called by allauth once the account exists: remember the name and the language the
        reader signed up in (their emails are written in it until they choose otherwise)."""
        services.reader_profile_update(
            user=user,
            display_name=self.cleaned_data["display_name"],
            language=translation.get_language() or "",
        )


class ReaderProfileForm(forms.ModelForm):
    """The account page: public name, email language, which emails to receive."""

    class Meta:
        model = ReaderProfile
        fields = ["display_name", "language", "notify_replies", "notify_decisions"]
        labels = {
            "display_name": _("Display name"),
            "language": _("Language of emails"),
            "notify_replies": _("Email me when someone replies to my comment"),
            "notify_decisions": _("Email me when a moderator decides on my comment"),
        }
        help_texts = {
            "display_name": _("Shown with your comments. Your email address is never shown."),
            "language": _("Emails to you are written in this language."),
            "notify_replies": _("Only replies that a moderator has published."),
            "notify_decisions": _("When your comment is published or rejected, with the reason."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # An empty choice means the site's default language: say which, not "---------".
        default = translation.get_language_info(settings.LANGUAGE_CODE)["name_translated"]
        self.fields["language"].choices = [
            ("", _("Site default (%(language)s)") % {"language": default}),
            *settings.LANGUAGES,
        ]

    def clean_display_name(self):
        return _clean_display_name(self.cleaned_data.get("display_name", ""))


class AccountDeleteForm(forms.Form):
    """Deleting is permanent: the reader confirms with their password and a tick."""

    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    confirm = forms.BooleanField(
        label=_("I understand that my account is deleted and my comments' text removed."),
        required=True,
    )

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self):
        password = self.cleaned_data.get("password", "")
        if not self.user.check_password(password):
            raise forms.ValidationError(_("That is not your password."))
        return password
