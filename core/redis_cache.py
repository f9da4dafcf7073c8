"""Django's Redis cache backend, with one Redis client per connection pool instead of one per
operation.

Django's `RedisCacheClient.get_client()` builds a new `redis.Redis` for every cache call; its
constructor fills a table of ~170 response callbacks, which measured at about 0.4 ms of CPU per
call — more than the rest of a shared-page cache hit (core/page_cache.py) put together. A
`redis.Redis` is safe to share between threads (each command takes a connection from the
pool), and the pool itself starts afresh in a forked worker, so one client per pool is
enough. Everything else is Django's backend unchanged.
"""

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class ReusedRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusedRedisCacheClient
