"""The client's address behind reverse proxies: one function, used by every per-address rule."""

import pytest
from allauth.account.adapter import get_adapter
from django.test import RequestFactory
from django.urls import reverse

from comments.models import Comment, CommentReport
from core.addresses import client_ip, reader_network
from tests.comments.helpers import TEXT, guest_data
from tests.factories import CommentFactory
from tests.test_settings import run_python

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.5"


def request(forwarded=None, remote=PROXY):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


# --- client_ip ----------------------------------------------------------------------------


def test_by_default_the_address_is_remote_addr_whatever_the_header_says(settings):
    settings.KAISETSU_TRUSTED_PROXY_COUNT = 0
    assert client_ip(request("198.51.100.9")) == PROXY


def test_one_trusted_proxy_gives_the_rightmost_forwarded_entry(settings):
    settings.KAISETSU_TRUSTED_PROXY_COUNT = 1
    assert client_ip(request("203.0.113.7")) == "203.0.113.7"


def test_entries_a_client_forged_left_of_the_trusted_ones_are_ignored(settings):
    settings.KAISETSU_TRUSTED_PROXY_COUNT = 1
    assert client_ip(request("1.2.3.4, 5.6.7.8, 203.0.113.7")) == "203.0.113.7"


def test_two_trusted_proxies_give_the_second_entry_from_the_right(settings):
    settings.KAISETSU_TRUSTED_PROXY_COUNT = 2
    assert client_ip(request("1.2.3.4,203.0.113.7, 192.0.2.44")) == "203.0.113.7"


def test_a_header_shorter_than_the_proxy_chain_gives_its_leftmost_entry(settings):
    settings.KAISETSU_TRUSTED_PROXY_COUNT = 3
    assert client_ip(request("203.0.113.7, 192.0.2.44")) == "203.0.113.7"


def test_no_forwarded_header_behind_a_proxy_falls_back_to_remote_addr(settings):
    settings.KAISETSU_TRUSTED_PROXY_COUNT = 1
    assert client_ip(request()) == PROXY
    assert client_ip(request(" , ")) == PROXY


def test_an_unreadable_forwarded_entry_falls_back_to_remote_addr(settings):
    settings.KAISETSU_TRUSTED_PROXY_COUNT = 1
    assert client_ip(request("unknown")) == PROXY
    assert client_ip(request("<script>alert(1)</script>")) == PROXY


def test_forwarded_ports_and_brackets_are_dropped(settings):
    settings.KAISETSU_TRUSTED_PROXY_COUNT = 1
    assert client_ip(request("203.0.113.7:51000")) == "203.0.113.7"
    assert client_ip(request("[2001:DB8::1]:443")) == "2001:db8::1"


def test_ipv6_spellings_of_one_address_are_one_address(settings):
    settings.KAISETSU_TRUSTED_PROXY_COUNT = 1
    assert client_ip(request("2001:DB8:0:0::1")) == client_ip(request("2001:db8::1"))


def test_a_negative_proxy_count_is_read_as_none(settings):
    settings.KAISETSU_TRUSTED_PROXY_COUNT = -1
    assert client_ip(request("198.51.100.9")) == PROXY


def test_allauth_rate_limits_read_the_same_address(settings):
    settings.KAISETSU_TRUSTED_PROXY_COUNT = 1
    assert get_adapter().get_client_ip(request("9.9.9.9, 203.0.113.7")) == "203.0.113.7"


# --- every per-address rule uses it ---------------------------------------------------------


def post(client, explainer, forwarded, n):
    return client.post(
        reverse("comments:post", args=[explainer.slug]),
        guest_data(explainer, body=f"{TEXT} {forwarded} {n}"),
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=forwarded,
    )


def test_flood_control_counts_each_reader_behind_the_proxy(client, explainer, settings):
    settings.KAISETSU_TRUSTED_PROXY_COUNT = 1
    settings.COMMENTS_FLOOD_LIMIT_PER_MINUTE = 2
    for n in range(2):
        assert post(client, explainer, "203.0.113.7", n).status_code == 302
    assert post(client, explainer, "203.0.113.7", 2).status_code == 429
    assert post(client, explainer, "198.51.100.9", 0).status_code == 302
    assert Comment.objects.count() == 3


def test_flood_control_is_not_evaded_by_forging_the_header(client, explainer, settings):
    settings.KAISETSU_TRUSTED_PROXY_COUNT = 1
    settings.COMMENTS_FLOOD_LIMIT_PER_MINUTE = 2
    for n in range(2):
        post(client, explainer, f"1.1.1.{n}, 203.0.113.7", n)
    assert post(client, explainer, "1.1.1.9, 203.0.113.7", 2).status_code == 429


def test_without_trusted_proxies_the_header_does_not_split_the_flood_count(
    client, explainer, settings
):
    settings.KAISETSU_TRUSTED_PROXY_COUNT = 0
    settings.COMMENTS_FLOOD_LIMIT_PER_MINUTE = 2
    for n in range(2):
        post(client, explainer, f"203.0.113.{n}", n)
    assert post(client, explainer, "203.0.113.99", 2).status_code == 429


def test_guest_reports_behind_the_proxy_count_one_per_reader(client, settings):
    settings.KAISETSU_TRUSTED_PROXY_COUNT = 1
    settings.COMMENTS_REPORT_THRESHOLD = 3
    comment = CommentFactory()
    url = reverse("comments:report", args=[comment.pk])
    for n in range(3):
        response = client.post(
            url, {"reason": "abusive"}, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}"
        )
        assert response.status_code == 302
    comment.refresh_from_db()
    assert (comment.status, comment.is_reported) == ("pending", True)


def test_a_guest_cannot_report_twice_by_forging_the_header(client, settings):
    settings.KAISETSU_TRUSTED_PROXY_COUNT = 1
    comment = CommentFactory()
    url = reverse("comments:report", args=[comment.pk])
    for forged in ("1.1.1.1", "2.2.2.2"):
        client.post(
            url,
            {"reason": "abusive"},
            REMOTE_ADDR=PROXY,
            HTTP_X_FORWARDED_FOR=f"{forged}, 203.0.113.7",
        )
    assert CommentReport.objects.count() == 1


def test_the_proxy_count_is_documented_in_env_example(settings):
    listed = (settings.BASE_DIR / ".env.example").read_text()
    assert "\nKAISETSU_TRUSTED_PROXY_COUNT=" in listed


def test_an_ipv4_reader_seen_over_ipv6_is_one_address(settings):
    settings.KAISETSU_TRUSTED_PROXY_COUNT = 0
    assert client_ip(request(remote="::ffff:203.0.113.7")) == "203.0.113.7"


# --- IPv6: one reader holds a whole /64 ----------------------------------------------------


def test_an_ipv6_reader_is_counted_by_their_64_network():
    assert reader_network("2001:db8:1:2::1") == reader_network("2001:db8:1:2:ffff::9")
    assert reader_network("2001:db8:1:2::1") != reader_network("2001:db8:1:3::1")
    assert reader_network("203.0.113.7") != reader_network("203.0.113.8")


def test_flood_control_is_not_evaded_by_rotating_ipv6_addresses(client, explainer, settings):
    settings.KAISETSU_TRUSTED_PROXY_COUNT = 1
    settings.COMMENTS_FLOOD_LIMIT_PER_MINUTE = 2
    for n in range(2):
        post(client, explainer, f"2001:db8:1:2::{n + 1}", n)
    assert post(client, explainer, "2001:db8:1:2::99", 2).status_code == 429
    assert post(client, explainer, "2001:db8:1:3::1", 3).status_code == 302


def test_a_guest_cannot_report_twice_from_one_ipv6_network(client):
    comment = CommentFactory()
    url = reverse("comments:report", args=[comment.pk])
    for address in ("2001:db8:1:2::1", "2001:db8:1:2::2"):
        client.post(url, {"reason": "abusive"}, REMOTE_ADDR=address)
    assert CommentReport.objects.count() == 1


PRINT_PROXY_COUNT = """
import django
from django.conf import settings
django.setup()
print(settings.KAISETSU_TRUSTED_PROXY_COUNT)
"""


def test_no_proxy_is_trusted_unless_the_environment_says_so():
    # Trusting a proxy that is not there would let any client choose its address.
    default = run_python(PRINT_PROXY_COUNT, DJANGO_DEBUG="1")
    assert default.stdout.split()[-1] == "0", default.stderr
    behind_nginx = run_python(PRINT_PROXY_COUNT, DJANGO_DEBUG="1", KAISETSU_TRUSTED_PROXY_COUNT="1")
    assert behind_nginx.stdout.split()[-1] == "1", behind_nginx.stderr
