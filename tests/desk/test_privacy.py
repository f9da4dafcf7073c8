"""Correction requests under the retention rule (`desk.privacy.requests_retention_purge`, run
by `manage.py purge_personal_data` with every app's purger)."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from desk.models import CorrectionRequest
from tests.factories import CorrectionRequestFactory

pytestmark = pytest.mark.django_db

DAYS = 90
EMAIL = "reader@example.com"
HASH = "a" * 64


def request(*, age_days, decided_days_ago=None, confirmed=False, **kwargs):
    made = CorrectionRequestFactory(email=EMAIL, **kwargs)
    now = timezone.now()
    CorrectionRequest.objects.filter(pk=made.pk).update(
        created_at=now - timedelta(days=age_days),
        ip_hash=HASH,
        email_confirmed_at=now - timedelta(days=age_days) if confirmed else None,
        **(
            {
                "status": CorrectionRequest.Status.ACCEPTED,
                "decided_at": now - timedelta(days=decided_days_ago),
            }
            if decided_days_ago is not None
            else {}
        ),
    )
    return made


def purged(made):
    call_command("purge_personal_data", stdout=io.StringIO())
    made.refresh_from_db()
    return made


@pytest.fixture(autouse=True)
def _retention(settings):
    settings.COMMENTS_IP_RETENTION_DAYS = DAYS


def test_an_old_requests_address_hash_goes_and_a_recent_one_stays():
    old, recent = request(age_days=DAYS + 1), request(age_days=DAYS - 1)
    assert purged(old).ip_hash == ""
    assert purged(recent).ip_hash == HASH


def test_the_email_goes_once_the_request_was_decided_that_long_ago():
    made = request(age_days=DAYS + 30, decided_days_ago=DAYS + 1, confirmed=True)
    made = purged(made)
    assert (made.email, made.email_confirmed_at) == ("", None)
    assert made.status == CorrectionRequest.Status.ACCEPTED  # the request itself stays


def test_a_recent_decision_keeps_the_email():
    made = request(age_days=DAYS + 30, decided_days_ago=DAYS - 1, confirmed=True)
    assert purged(made).email == EMAIL


def test_a_confirmed_address_on_an_open_request_waits_for_its_outcome():
    made = request(age_days=DAYS + 30, confirmed=True)
    made = purged(made)
    assert made.email == EMAIL and made.email_confirmed_at is not None


def test_an_old_unconfirmed_address_goes_since_nothing_is_ever_sent_to_it():
    assert purged(request(age_days=DAYS + 1)).email == ""
    assert purged(request(age_days=DAYS - 1)).email == EMAIL


def test_an_old_spam_requests_email_goes_even_when_confirmed():
    assert purged(request(age_days=DAYS + 1, confirmed=True, is_spam=True)).email == ""


def test_the_old_command_name_runs_the_same_purge():
    made = request(age_days=DAYS + 1)
    call_command("purge_comment_ips", stdout=io.StringIO())
    made.refresh_from_db()
    assert (made.email, made.ip_hash) == ("", "")


def test_an_unconfirmed_address_goes_even_when_the_request_was_decided_recently():
    """Nothing is ever sent to an address that was never confirmed, decided or not."""
    made = request(age_days=DAYS + 10, decided_days_ago=1)
    assert purged(made).email == ""
