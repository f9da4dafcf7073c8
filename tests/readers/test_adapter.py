"""Account emails: written in the request (a broken template or a bug is a 500 there), sent
by a job (a mail server that is down delays the email, retried with backoff, never a 500)."""

import smtplib

import pytest
from allauth.core import context
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.template import TemplateDoesNotExist
from django.test import RequestFactory
from django_tasks_db.models import DBTaskResult

from readers.adapter import ReaderAccountAdapter
from readers.tasks import send_account_email

pytestmark = pytest.mark.django_db

PREFIX = "account/email/unknown_account"  # an allauth email that needs no account
CONTEXT = {"signup_url": "/accounts/signup/"}


class FlakyBackend(LocmemBackend):
    """The local-memory backend, failing its first `failures` sends with `error`."""

    failures = 0
    error: BaseException = smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
    tries = 0

    def send_messages(self, email_messages):
        type(self).tries += 1
        if type(self).tries <= type(self).failures:
            raise type(self).error
        return super().send_messages(email_messages)


@pytest.fixture
def adapter(settings):
    settings.EMAIL_BACKEND = f"{__name__}.FlakyBackend"
    settings.COMMENTS_NOTIFICATION_RETRY_DELAYS = [0, 0]  # three tries in all
    FlakyBackend.tries = 0
    request = RequestFactory().post("/accounts/password/reset/")
    with context.request_context(request):  # where allauth's adapters find the request
        yield ReaderAccountAdapter()


def test_an_account_email_is_a_job_not_a_send_in_the_request(adapter, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    adapter.send_mail(PREFIX, "a@example.net", CONTEXT)
    assert mail.outbox == []  # nothing goes out from the request itself
    [job] = DBTaskResult.objects.all()
    assert job.task_path == "readers.tasks.send_account_email"
    send_account_email.call(**job.args_kwargs["kwargs"])  # what the worker does
    [message] = mail.outbox
    assert message.to == ["a@example.net"]


@pytest.mark.parametrize(
    "error",
    [
        smtplib.SMTPServerDisconnected("Connection unexpectedly closed"),
        ConnectionRefusedError("The mail server is down."),
        TimeoutError("timed out"),  # socket.timeout
        OSError("Network is unreachable"),
    ],
)
def test_a_mail_server_that_fails_twice_delivers_on_the_third_try_once(adapter, error):
    FlakyBackend.failures, FlakyBackend.error = 2, error
    adapter.send_mail(PREFIX, "a@example.net", CONTEXT)
    assert FlakyBackend.tries == 3
    assert len(mail.outbox) == 1


def test_a_mail_server_that_stays_down_is_given_up_on_and_logged(adapter, caplog):
    FlakyBackend.failures = 99
    adapter.send_mail(PREFIX, "a@example.net", CONTEXT)  # the request is not failed
    assert FlakyBackend.tries == 3
    assert mail.outbox == []
    assert "Gave up sending an account email" in caplog.text


def test_a_missing_email_template_is_raised_in_the_request(adapter):
    with pytest.raises(TemplateDoesNotExist):
        adapter.send_mail("account/email/no_such_email", "a@example.net", {})
