"""Where a request came from: the one place Kaisetsu reads a client's address.

Flood control, guest reports and allauth's sign-in rate limits all count per address, so they
all ask `client_ip()`. Behind a reverse proxy REMOTE_ADDR is the proxy, and every reader would
share one address: three posts a minute for the whole site, one guest report per comment.

X-Forwarded-For cannot simply be believed either: a client writes whatever it likes into it,
and a flooder would pick a new address for every post. Each proxy *appends* the address it was
reached from, so only the entries written by our own proxies can be trusted, and those are
the rightmost ones. With KAISETSU_TRUSTED_PROXY_COUNT = N (the number of proxies in front of
the app that we run), the client is the Nth entry from the right; anything further left was
written by the client and is ignored. With 0 (the default) the header is ignored entirely.
"""

import ipaddress
import logging

from django.conf import settings

logger = logging.getLogger(__name__)
# The prefix an ISP hands one customer (RFC 6177): every address in it is one reader.
IPV6_READER_PREFIX = 64


def _normalised(value: str) -> str | None:
    """The address in canonical form, or None when it is not one.

    Proxies differ in what they write: some add a port ("203.0.113.7:51000",
    "[2001:db8::1]:443"), some bracket IPv6. Canonical form makes "2001:DB8::1" and
    "2001:db8:0::1" count as one reader.
    """
    value = value.strip()
    if value.startswith("["):  # [IPv6] or [IPv6]:port
        value = value[1:].split("]", 1)[0]
    elif value.count(":") == 1:  # IPv4:port (a bare IPv6 address has several colons)
        value = value.split(":", 1)[0]
    try:
        parsed = ipaddress.ip_address(value)
    except ValueError:
        return None
    # A dual-stack server sees an IPv4 reader as ::ffff:a.b.c.d: one reader, one address.
    return str(getattr(parsed, "ipv4_mapped", None) or parsed)


def client_ip(request) -> str:
    """The client's address: REMOTE_ADDR, or the trusted X-Forwarded-For entry behind proxies.

    When the header has fewer entries than there are trusted proxies, the request entered the
    chain part-way (or a proxy is misconfigured): its leftmost entry is still one a trusted
    proxy wrote, so it is used. An entry that is not an address falls back to REMOTE_ADDR,
    never to an error: a bad header must not stop a reader from commenting.
    """
    remote = request.META.get("REMOTE_ADDR", "") or ""
    remote = _normalised(remote) or remote
    proxies = max(settings.KAISETSU_TRUSTED_PROXY_COUNT, 0)
    if not proxies:
        return remote
    forwarded = [
        entry.strip()
        for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if entry.strip()
    ]
    if not forwarded:
        return remote
    address = _normalised(forwarded[-min(proxies, len(forwarded))])
    if address is None:
        logger.warning("Unreadable X-Forwarded-For %r: counting REMOTE_ADDR instead.", forwarded)
        return remote
    return address


def reader_network(address: str) -> str:
    """What counts as one reader's address for flood control and one-report-per-reader.

    An IPv4 address as it is; an IPv6 address as its /64 network, because one household or
    phone is handed a whole /64 and can pick a new address in it for every post (allauth's
    sign-in limits group IPv6 the same way).
    """
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if parsed.version == 6 and parsed.ipv4_mapped is None:
        return str(ipaddress.ip_network(f"{parsed}/{IPV6_READER_PREFIX}", strict=False))
    return str(getattr(parsed, "ipv4_mapped", None) or parsed)
