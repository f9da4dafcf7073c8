"""core.redis_cache: Django's Redis backend, with one client per connection pool."""

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache

from core.redis_cache import RedisCache


def test_it_is_djangos_backend_reusing_one_client():
    # Building clients connects to nothing, so no server is needed here.
    cache = RedisCache("redis://cache.invalid:6379/3", {})
    assert isinstance(cache, DjangoRedisCache)
    first = cache._cache.get_client(write=True)
    assert cache._cache.get_client(write=False) is first
    assert cache._cache.get_client("some-key") is first
    # Django's own builds a new one every call: the cost this backend removes.
    django_cache = DjangoRedisCache("redis://cache.invalid:6379/3", {})
    assert django_cache._cache.get_client() is not django_cache._cache.get_client()
