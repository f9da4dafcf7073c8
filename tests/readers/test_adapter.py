"""The account adapter: a mail server that is down is not a server error, but a broken
template or a bug is (it must reach the error log and the 500 alert, not a polite message)."""

import smtplib

import pytest
from allauth.core import context
from django.contrib.messages import get_messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.mail.backends.base import BaseEmailBackend
from django.template import TemplateDoesNotExist
from django.test import RequestFactory

from readers.adapter import ReaderAccountAdapter

pytestmark = pytest.mark.django_db

PREFIX = "account/email/unknown_account"  # an allauth email that needs no account


class RaisingBackend(BaseEmailBackend):
    """A mail backend that fails with whatever the test chose."""

    error: BaseException | None = None

    def send_messages(self, email_messages):
        raise type(self).error


@pytest.fixture
def adapter(settings):
    settings.EMAIL_BACKEND = f"{__name__}.RaisingBackend"
    request = RequestFactory().post("/accounts/password/reset/")
    request._messages = CookieStorage(request)
    with context.request_context(request):  # where allauth's adapters find the request
        yield ReaderAccountAdapter()


def shown_messages(adapter) -> list[str]:
    return [str(message) for message in get_messages(adapter.request)]


@pytest.mark.parametrize(
    "error",
    [
        smtplib.SMTPServerDisconnected("Connection unexpectedly closed"),
        smtplib.SMTPRecipientsRefused({"a@example.net": (550, b"No such user")}),
        ConnectionRefusedError("The mail server is down."),
        TimeoutError("timed out"),  # socket.timeout
        OSError("Network is unreachable"),
    ],
)
def test_a_mail_transport_failure_is_logged_and_told_not_raised(adapter, error, caplog):
    RaisingBackend.error = error
    adapter.send_mail(PREFIX, "a@example.net", {"signup_url": "/accounts/signup/"})
    assert "Could not send the account/email/unknown_account email" in caplog.text
    assert any("could not send the email" in message for message in shown_messages(adapter))


def test_a_missing_email_template_is_raised(adapter, caplog):
    RaisingBackend.error = None
    with pytest.raises(TemplateDoesNotExist):
        adapter.send_mail("account/email/no_such_email", "a@example.net", {})
    assert shown_messages(adapter) == []
    assert "account/email/no_such_email" in caplog.text  # logged loudly as well


def test_a_programming_error_while_sending_is_raised(adapter, caplog):
    RaisingBackend.error = TypeError("send_messages() got an unexpected keyword argument")
    with pytest.raises(TypeError):
        adapter.send_mail(PREFIX, "a@example.net", {"signup_url": "/accounts/signup/"})
    assert shown_messages(adapter) == []
    assert any(record.levelname == "ERROR" for record in caplog.records)
