"""allauth's adapter for reader accounts.

Two things differ from allauth's own: the client's address is read the way the comments read
it (`core.addresses.client_ip`), and account emails (verification, password reset, "your
password was changed") are written in the recipient's chosen language and sent by a worker
(readers.tasks). allauth would use the
language of whoever made the request, and a password reset can be asked for by anyone, in any
language, for someone else's account.
"""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailAddress
from allauth.core import context as allauth_context
from django.contrib.sites.shortcuts import get_current_site
from django.utils import translation

from core.addresses import client_ip

from .models import ReaderProfile
from .tasks import account_email_enqueue, message_data


def recipient_language(*, email: str, user=None) -> str | None:
    """The email language the account behind this address chose, or None (not chosen, or no
    account: then the language of the page that sent it is the best guess)."""
    if user is None or user.pk is None:
        address = EmailAddress.objects.filter(email__iexact=email).select_related("user").first()
        user = address.user if address else None
    if user is None:
        return None
    return ReaderProfile.objects.filter(user=user).values_list("language", flat=True).first()


class ReaderAccountAdapter(DefaultAccountAdapter):
    def get_client_ip(self, request) -> str:
        """allauth's own proxy handling raises ImproperlyConfigured (a 500) when the header is
        shorter than the proxy count; this one never fails, and needs one setting, not two."""
        return client_ip(request) or super().get_client_ip(request)

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Write the email now, in the recipient's language; a worker sends it.

        Writing it here means a missing or broken template is a 500 in this request, where it
        can be seen; sending it in a job means a mail server that is down delays the email
        (retried with backoff) instead of failing the reader's request or losing it.
        """
        language = recipient_language(email=email, user=context.get("user"))
        request = allauth_context.request
        # What allauth's own send_mail puts in every account email's context.
        ctx = {"request": request, "email": email, "current_site": get_current_site(request)}
        ctx.update(context)
        with translation.override(language or translation.get_language()):
            message = self.render_mail(template_prefix, email, ctx)
        account_email_enqueue(message=message_data(message))
