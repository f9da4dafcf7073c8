"""The shared page cache: anonymous reader pages served from the configured cache.

Every worker shares one cache (Redis in production), so a page rendered once is served to
every anonymous reader until something it shows changes. What it holds:

- **Which pages.** Views opt in with `shared_page(view, params=...)` in their URLconf. Only
  GET and HEAD, only readers with neither a session cookie nor a messages cookie (a signed-in
  reader, staff and previews always have the session cookie: they are never served from the
  cache and never stored in it), and only 200 responses that set no cookie and that the view
  did not mark private (a staff preview is `never_cache`).
- **The URL alone decides.** The key is the language prefix and path plus the query
  parameters the view reads (`params`); any other parameter is dropped from the request
  before the view runs, so nothing outside the key can reach the page. `params` may map a
  name to the values the view takes (a collection, or a test such as `str.isdigit`): another
  value is dropped too, so `?csort=x1`, `?csort=x2`… are one page (the default), not one entry
  each. A parameter in `bypass` (the "your comment awaits moderation" notice) makes the
  request a private, uncached render. The stored response varies on nothing, so `Vary: Cookie` and
  `Vary: Accept-Language` are removed from it: pages under a language prefix do not read the
  language from the request, and pages without one are built in a fixed language.
- **Invalidation by tags.** A view calls `depend(request, *tags)` *before* it reads the data a
  tag guards; the entry records each tag's version as read then. A change bumps the versions
  of the tags it affects (`invalidate()`: at once, and again when its transaction commits),
  and an entry whose recorded versions are not all current is a miss. A version is a random
  token, so a version evicted from the cache can never match again: eviction makes misses,
  never stale pages.
- **Expiry by time.** `expires_by(request, when)` caps an entry's life (the next scheduled
  publication, comments closing by themselves): time-based changes need no event.
- **HTTP.** Shared responses carry `Cache-Control` from KAISETSU_PAGE_CACHE_CONTROL, an ETag
  (a hash of the bytes) and Last-Modified (when they were rendered), and answer conditional
  GETs with 304, hits and misses alike.

A hit costs one small cache read (its tags' versions: the page itself comes from this
worker's copy when it has one, else from the shared cache) and no database query; it is
answered here, before sessions, CSRF, authentication and the view.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.db import transaction
from django.http import HttpResponse, QueryDict
from django.urls import Resolver404, resolve
from django.utils import timezone, translation
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date

KEY_PREFIX = "pagecache"
# Headers a stored page never keeps: whoever serves the copy sets them anew.
_UNSTORED_HEADERS = {"set-cookie", "date", "vary", "cache-control", "etag", "last-modified"}
# What a stored page may vary on: nothing (see the module docstring).
_UNSHARED_VARY = {"cookie", "accept-language"}


def shared_cache():
    """The cache every worker shares (KAISETSU_PAGE_CACHE_ALIAS)."""
    return caches[settings.KAISETSU_PAGE_CACHE_ALIAS]


def _tag_key(tag: str) -> str:
    return f"{KEY_PREFIX}:tag:{tag}"


def _new_version() -> str:
    return secrets.token_hex(8)


@dataclass(frozen=True)
class SharedPage:
    """How one view's pages are shared: the query parameters that are part of the page, and
    those that make it private."""

    params: frozenset[str] = frozenset()
    bypass: frozenset[str] = frozenset()
    # name -> the test a value must pass to stay in the request (and the key).
    accepts: dict = field(default_factory=dict, hash=False, compare=False)

    def keeps(self, name: str, value: str) -> bool:
        test = self.accepts.get(name)
        return test is None or test(value)


def _value_test(allowed):
    if allowed is None or callable(allowed):
        return allowed
    allowed = frozenset(allowed)
    return allowed.__contains__


def shared_page(view, *, params=(), bypass=(), depends=None):
    """Mark a view (a function, an `as_view()` or a Feed instance) as served from the cache.

    `params`: the query parameters the view reads, as names, or as a mapping of each name to
    the values it takes (a collection, a test like `str.isdigit`, or None for any value).

    `depends(request, **kwargs)`, when given, runs before the view: it is where a view that is
    not ours (a feed, the sitemaps) says what it depends on (`depend`, `expires_by`).
    """

    def shared_view(request, *args, **kwargs):
        if depends is not None and getattr(request, "page_cache", None) is not None:
            depends(request, **kwargs)
        return view(request, *args, **kwargs)

    accepts = {}
    if isinstance(params, dict):
        accepts = {name: test for name, allowed in params.items() if (test := _value_test(allowed))}
    shared_view.shared_page = SharedPage(
        params=frozenset(params), bypass=frozenset(bypass), accepts=accepts
    )
    shared_view.__name__ = getattr(view, "__name__", type(view).__name__)
    shared_view.__doc__ = getattr(view, "__doc__", None)
    return shared_view


@dataclass
class Collector:
    """What a view said about the page it rendered: its tags' versions and its expiry."""

    versions: dict[str, str] = field(default_factory=dict)
    expires: datetime | None = None


def current_versions(tags) -> dict[str, str]:
    """The current version of each tag, by the tag's cache key (a new tag gets one now)."""
    cache = shared_cache()
    keys = [_tag_key(tag) for tag in tags]
    found = cache.get_many(keys)
    for key in keys:
        if key not in found:
            version = _new_version()
            # add(): two workers meeting a new tag at once agree on the first one's version.
            if not cache.add(key, version, timeout=None):
                version = cache.get(key) or version
            found[key] = version
    return found


def depend(request, *tags: str) -> None:
    """The page being rendered shows data that `tags` guard. Call it before reading that data:
    a change committed after this read makes the stored page stale, never the reverse."""
    collector = getattr(request, "page_cache", None)
    if collector is not None and tags:
        collector.versions.update(current_versions(tags))


def expires_by(request, when: datetime | None) -> None:
    """The page being rendered changes by itself at `when` (None, or a time already past:
    no such change to wait for)."""
    collector = getattr(request, "page_cache", None)
    if collector is None or when is None or when <= timezone.now():
        return
    if collector.expires is None or when < collector.expires:
        collector.expires = when


def bump(tags) -> None:
    """Make every stored page that depends on any of `tags` stale, now."""
    tags = set(tags)
    if tags:
        shared_cache().set_many({_tag_key(tag): _new_version() for tag in tags}, timeout=None)


def invalidate(tags) -> None:
    """Bump `tags` now and again once the current transaction commits.

    Now: pages stored before the change are stale at once. At the commit: a page another
    worker rendered meanwhile, from the data as it was before the commit, is stale too.
    """
    tags = set(tags)
    if tags:
        bump(tags)
        if transaction.get_connection().in_atomic_block:
            transaction.on_commit(lambda: bump(tags))


def recall(name: str):
    """A value `remember`ed under `name`, while every tag it was derived under is unchanged
    and its time has not come; else None. For what a page derives from many rows (a count of
    every published explainer) and would otherwise compute again on each render."""
    stored = shared_cache().get(f"{KEY_PREFIX}:memo:{name}")
    if stored is None:
        return None
    versions, expires, value = stored
    if expires is not None and _now() >= expires:
        return None
    if not versions or shared_cache().get_many(list(versions)) != versions:
        return None
    return value


def remember(name: str, versions: dict[str, str], value, *, until: datetime | None = None):
    """Keep `value`, derived under `versions` (`current_versions()` read *before* the data
    it comes from), until one of those tags changes or `until`; returns `value`."""
    if until is not None and until <= timezone.now():
        return value
    expires = until.timestamp() if until is not None else None
    shared_cache().set(
        f"{KEY_PREFIX}:memo:{name}",
        (versions, expires, value),
        timeout=settings.KAISETSU_PAGE_CACHE_TIMEOUT,
    )
    return value


def forget(key: str) -> None:
    """Forget a cached value derived from what the current transaction changes, now and
    again at the commit (as `invalidate`)."""
    shared_cache().delete(key)
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(lambda: shared_cache().delete(key))


def _now() -> float:
    return timezone.now().timestamp()


@lru_cache(maxsize=1)
def _headers_fingerprint() -> str:
    """Stored pages keep the headers the middleware after this one set (the CSP, the
    cross-origin policies): a change to those settings must not serve the old ones. Part of
    every page's key, so a deploy that changes them starts from misses."""
    names = (
        "CONTENT_SECURITY_POLICY",
        "CONTENT_SECURITY_POLICY_REPORT_ONLY",
        "KAISETSU_CROSS_ORIGIN_RESOURCE_POLICY",
        "KAISETSU_PERMISSIONS_POLICY",
        "X_FRAME_OPTIONS",
        "KAISETSU_PAGE_CACHE_CONTROL",
    )
    text = repr([(name, getattr(settings, name, None)) for name in names])
    return hashlib.sha256(text.encode()).hexdigest()[:12]


@lru_cache(maxsize=4096)
def _shared_page_of(urlconf: str, path: str, language: str | None) -> SharedPage | None:
    """How the view at `path` is shared, or None (resolved once per address and worker)."""
    with translation.override(language or settings.LANGUAGE_CODE):
        try:
            match = resolve(path, urlconf)
        except Resolver404:
            return None
    return getattr(match.func, "shared_page", None)


class _LocalCopies:
    """This worker's copies of the pages it served last, at most
    KAISETSU_PAGE_CACHE_LOCAL_COPIES. A copy is only ever served after its versions have been
    checked against the shared cache, exactly as an entry read from there is, so it is never
    staler than the shared cache itself; it saves moving the page's bytes on every hit."""

    def __init__(self):
        self._copies = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            entry = self._copies.get(key)
            if entry is not None:
                self._copies.move_to_end(key)
            return entry

    def is_fresh(self, entry) -> bool:
        """`SharedPageCacheMiddleware._is_fresh`, for a copy: on Redis, the versions are read
        with one MGET of the keys as stored and compared as stored, bytes to bytes."""
        raw = entry.get("raw_versions")
        if raw is None:
            return SharedPageCacheMiddleware._is_fresh(entry)
        if entry["expires"] is not None and _now() >= entry["expires"]:
            return False
        client, keys, values = raw
        return client.mget(keys) == values

    def put(self, key, entry) -> None:
        size = settings.KAISETSU_PAGE_CACHE_LOCAL_COPIES
        cache = shared_cache()
        if isinstance(cache, RedisCache) and entry["versions"]:
            backend = cache._cache
            keys = [cache.make_and_validate_key(k) for k in entry["versions"]]
            values = [backend._serializer.dumps(v) for v in entry["versions"].values()]
            entry = {**entry, "raw_versions": (backend.get_client(None), keys, values)}
        with self._lock:
            self._copies[key] = entry
            self._copies.move_to_end(key)
            while len(self._copies) > size:
                self._copies.popitem(last=False)


_local_copies = _LocalCopies()


class SharedPageCacheMiddleware:
    """Serve and store shared pages (see the module docstring). Sits right after
    SecurityMiddleware: a hit needs nothing of the middleware after it, whose headers (CSP,
    cross-origin policies, X-Frame-Options) are stored with the page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        language = translation.get_language_from_path(request.path_info)
        page = _shared_page_of(
            getattr(request, "urlconf", None) or settings.ROOT_URLCONF, request.path_info, language
        )
        if page is None:
            return self.get_response(request)
        if self._is_private(request, page):
            response = self.get_response(request)
            if response.status_code == 200:
                patch_cache_control(response, private=True, no_cache=True)
            return response
        self._keep_only(request, page)
        key = self._key(request, language)
        # This worker's copy first: checking its versions is one small read, where fetching
        # the page from the shared cache moves all its bytes.
        entry = _local_copies.get(key)
        if entry is not None and _local_copies.is_fresh(entry):
            return self._answer(request, entry)
        entry = shared_cache().get(key)
        if entry is not None and self._is_fresh(entry):
            _local_copies.put(key, entry)
            return self._answer(request, entry)
        request.page_cache = Collector()
        response = self.get_response(request)
        entry = self._entry(request, response)
        if entry is None:
            return response
        timeout = settings.KAISETSU_PAGE_CACHE_TIMEOUT
        if entry["expires"] is not None:
            timeout = max(1, min(timeout, int(entry["expires"] - _now()) + 1))
        shared_cache().set(key, entry, timeout=timeout)
        _local_copies.put(key, entry)
        return self._answer(request, entry)

    @staticmethod
    def _is_private(request, page: SharedPage) -> bool:
        cookies = request.COOKIES
        if settings.SESSION_COOKIE_NAME in cookies or CookieStorage.cookie_name in cookies:
            return True
        return any(name in request.GET for name in page.bypass)

    @staticmethod
    def _keep_only(request, page: SharedPage) -> None:
        """Drop the query parameters the page does not read, and values it does not take,
        from the request itself."""
        params = page.params
        if not request.GET or all(
            name in params and len(values) == 1 and page.keeps(name, values[0])
            for name, values in request.GET.lists()
        ):
            return
        kept = QueryDict(mutable=True)
        for name in sorted(params):
            if name in request.GET:
                value = request.GET.getlist(name)[0]
                if page.keeps(name, value):
                    kept.setlist(name, [value])
        request.GET = kept
        request.META["QUERY_STRING"] = kept.urlencode()

    @staticmethod
    def _key(request, language) -> str:
        query = "&".join(f"{name}={request.GET[name]}" for name in sorted(request.GET))
        digest = hashlib.sha256(f"{request.path}?{query}".encode()).hexdigest()
        return f"{KEY_PREFIX}:page:{_headers_fingerprint()}:{language or '-'}:{digest}"

    @staticmethod
    def _is_fresh(entry) -> bool:
        if entry["expires"] is not None and _now() >= entry["expires"]:
            return False
        versions = entry["versions"]
        return bool(versions) and shared_cache().get_many(list(versions)) == versions

    @staticmethod
    def _entry(request, response):
        """What is stored of a fresh render, or None when it may not be shared."""
        if (
            response.status_code != 200
            or response.streaming
            or response.cookies
            or response.has_header("Set-Cookie")
        ):
            return None
        control = response.get("Cache-Control", "").lower()
        if any(word in control for word in ("private", "no-cache", "no-store")):
            return None
        session = getattr(request, "session", None)
        if session is not None and session.modified:
            return None
        collector = request.page_cache
        headers = [
            (name, value)
            for name, value in response.headers.items()
            if name.lower() not in _UNSTORED_HEADERS
        ]
        vary = [
            value.strip()
            for value in response.get("Vary", "").split(",")
            if value.strip() and value.strip().lower() not in _UNSHARED_VARY
        ]
        if vary:
            headers.append(("Vary", ", ".join(vary)))
        body = response.content
        return {
            "status": response.status_code,
            "headers": headers,
            "body": body,
            "etag": f'"{hashlib.blake2b(body, digest_size=16).hexdigest()}"',
            "last_modified": int(_now()),
            "versions": dict(collector.versions),  # keyed by the tags' cache keys
            "expires": collector.expires.timestamp() if collector.expires else None,
        }

    @staticmethod
    def _cache_control(entry) -> str:
        control = settings.KAISETSU_PAGE_CACHE_CONTROL
        if entry["expires"] is None:
            return control
        # A browser or proxy copy never outlives the change the page is waiting for.
        left = max(0, int(entry["expires"] - _now()))
        parts = []
        for part in control.split(","):
            name, _, value = part.strip().partition("=")
            if name in ("max-age", "s-maxage") and value.isdigit():
                part = f"{name}={min(int(value), left)}"
            parts.append(part.strip())
        return ", ".join(parts)

    def _answer(self, request, entry):
        response = HttpResponse(entry["body"], status=entry["status"])
        for name, value in entry["headers"]:
            response[name] = value
        response["Cache-Control"] = self._cache_control(entry)
        response["ETag"] = entry["etag"]
        response["Last-Modified"] = http_date(entry["last_modified"])
        meta = request.META
        if "HTTP_IF_NONE_MATCH" not in meta and "HTTP_IF_MODIFIED_SINCE" not in meta:
            return response
        return get_conditional_response(
            request,
            etag=entry["etag"],
            last_modified=entry["last_modified"],
            response=response,
        )
