"""allauth's adapter for reader accounts.

Two things differ from allauth's own: the client's address is read the way the comments read
it (`core.addresses.client_ip`), and account emails (verification, password reset, "your
password was changed") are written in the recipient's chosen language. allauth would use the
language of whoever made the request, and a password reset can be asked for by anyone, in any
language, for someone else's account.
"""

import logging
import smtplib
import socket

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailAddress
from django.contrib import messages
from django.utils import translation
from django.utils.translation import gettext as _

from core.addresses import client_ip

from .models import ReaderProfile


def recipient_language(*, email: str, user=None) -> str | None:
    """The email language the account behind this address chose, or None (not chosen, or no
    account: then the language of the page that sent it is the best guess)."""
    if user is None or user.pk is None:
        address = EmailAddress.objects.filter(email__iexact=email).select_related("user").first()
        user = address.user if address else None
    if user is None:
        return None
    return ReaderProfile.objects.filter(user=user).values_list("language", flat=True).first()


logger = logging.getLogger(__name__)

# What a mail server that is down, slow or refusing raises (socket.timeout is an OSError
# since Python 3.10; named for the reader). Anything else is a bug and is raised.
MAIL_TRANSPORT_ERRORS = (smtplib.SMTPException, ConnectionError, socket.timeout, OSError)


class ReaderAccountAdapter(DefaultAccountAdapter):
    def get_client_ip(self, request) -> str:
        """allauth's own proxy handling raises ImproperlyConfigured (a 500) when the header is
        shorter than the proxy count; this one never fails, and needs one setting, not two."""
        return client_ip(request) or super().get_client_ip(request)

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Send in the recipient's language; a mail server that is down is not a 500.

        The account is kept (the reader can ask for the email again from the page allauth
        shows next); the failure is logged and the reader told plainly.
        """
        language = recipient_language(email=email, user=context.get("user"))
        try:
            with translation.override(language or translation.get_language()):
                super().send_mail(template_prefix, email, context)
        except MAIL_TRANSPORT_ERRORS:
            logger.exception("Could not send the %s email", template_prefix)
            request = getattr(self, "request", None)
            if request is not None:
                messages.error(
                    request,
                    _(
                        "We could not send the email just now. Your account is safe; "
                        "please ask for the email again in a few minutes."
                    ),
                )
        except Exception:
            # A missing or broken template, or a bug: not the mail server's fault, and
            # nothing the reader can fix by asking again. It must reach the 500 alert.
            logger.exception("The %s email could not be written", template_prefix)
            raise
