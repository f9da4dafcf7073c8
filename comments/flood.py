"""Flood control: how many comments a minute one address or one account may send."""

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.utils.translation import gettext as _

from .privacy import ip_hash

FLOOD_WINDOW_SECONDS = 60

# Count and start the window in one step on the Redis server. Django's cache `incr` checks
# that the key exists and then increments it: if the key expires between the two, INCR makes a
# fresh counter with no expiry and the address stays blocked for ever. The TTL test (rather
# than "the count is 1") also heals a counter left without an expiry by an older version.
_COUNT_SCRIPT = """
local count = redis.call('INCR', KEYS[1])
if redis.call('TTL', KEYS[1]) < 0 then
    redis.call('EXPIRE', KEYS[1], ARGV[1])
end
return count
"""


class FloodLimitExceeded(Exception):
    """More comments a minute than COMMENTS_FLOOD_LIMIT_PER_MINUTE from one address/account."""


def _flood_keys(*, ip_address: str, user) -> list[str]:
    keys = []
    if ip_address:
        keys.append(f"comments:flood:ip:{ip_hash(ip_address)}")
    if user is not None:
        keys.append(f"comments:flood:user:{user.pk}")
    return keys


def _count(key: str) -> int:
    """Add one to the counter `key`, which lives one window from its first count."""
    cache = caches["default"]
    if isinstance(cache, RedisCache):
        full_key = cache.make_and_validate_key(key)
        client = cache._cache.get_client(full_key, write=True)
        return int(client.eval(_COUNT_SCRIPT, 1, full_key, FLOOD_WINDOW_SECONDS))
    # Other caches (local memory in development and tests): `incr` runs under the cache's
    # own lock and keeps the expiry `add` set; a counter gone in between starts afresh.
    cache.add(key, 0, timeout=FLOOD_WINDOW_SECONDS)
    try:
        return cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=FLOOD_WINDOW_SECONDS)
        return 1


def flood_check(*, ip_address: str = "", user=None) -> None:
    """Count this submission; refuse it when the address or account is over the limit.

    Counted in the configured cache (Redis in production) so the limit holds across app
    servers. The window runs one minute from the first comment of a burst, not the clock's
    minute, so a burst cannot get twice the limit by straddling a minute boundary.
    """
    limit = settings.COMMENTS_FLOOD_LIMIT_PER_MINUTE
    if limit <= 0:
        return
    over = False
    for key in _flood_keys(ip_address=ip_address, user=user):
        over = _count(key) > limit or over
    if over:
        raise FloodLimitExceeded(
            _("You are posting too fast. Wait a minute, then send your comment again.")
        )
