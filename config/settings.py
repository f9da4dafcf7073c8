"""Kaisetsu settings: one module, driven by environment variables (see .env.example).

A variable that is set but empty means its default, as if it were not set at all, so
.env.example can list every variable with the default it has.

Safe by default: DEBUG is off unless DJANGO_DEBUG says otherwise, and with DEBUG off the
process refuses to start without DJANGO_SECRET_KEY.
"""

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    if not value.strip():
        return default
    try:
        return int(value)
    except ValueError:
        # Name the variable: a bare "invalid literal for int()" leaves the operator guessing.
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from None


def env_list(name: str, default: str = "") -> list[str]:
    value = os.environ.get(name) or default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", False)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if DEBUG:
        SECRET_KEY = "insecure-development-key-only-used-when-DJANGO_DEBUG-is-on"
    else:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off. "
            "See .env.example; for local work use `make run`, which turns debug on."
        )

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

# The public address of the site, used for canonical links, feeds and emails.
SITE_URL = (os.environ.get("SITE_URL") or "http://127.0.0.1:8000").rstrip("/")
SITE_NAME = os.environ.get("SITE_NAME") or "Kaisetsu"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.sites",
    "django.contrib.humanize",
    "adminsortable2",
    "crispy_forms",
    "crispy_bootstrap5",
    "bootstrap",
    "csp",
    "allauth",
    "allauth.account",
    "django_tasks",
    "django_tasks_db",
    # Ours, lowest layer first (import-linter holds them to it; see docs/architecture.md).
    "core",
    "readers",
    "explainers",
    "comments",
    "desk",
    "pages",
    "newsroom",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Anonymous reader pages from the shared cache (core/page_cache.py): a hit needs none of
    # the middleware below. The headers they add (CSP, cross-origin policies) are stored with
    # the page; SecurityMiddleware's (HTTPS redirect, HSTS, nosniff) are set on every answer.
    "core.page_cache.SharedPageCacheMiddleware",
    "config.middleware.CrossOriginHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"
SITE_ID = 1

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "pages.context_processors.site",
            ],
        },
    },
]

# Database: SQLite file in the project unless DATABASE_URL says otherwise.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Concurrent writers wait for each other instead of failing with "database is locked":
    # BEGIN IMMEDIATE takes the write lock up front, WAL lets readers run beside a writer,
    # and the busy timeout is how long a writer waits.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache: Redis when REDIS_URL is set (production, CI), local memory otherwise.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            # Django's backend, reusing its Redis client (core/redis_cache.py says why).
            "BACKEND": "core.redis_cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX") or "kaisetsu",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# The shared page cache (core/page_cache.py). Entries are exact (every change readers see
# bumps the versions of the pages it changes), so they may live long; TIMEOUT only bounds the
# memory a page nobody reads any more holds.
KAISETSU_PAGE_CACHE_ALIAS = "default"
KAISETSU_PAGE_CACHE_TIMEOUT = env_int("KAISETSU_PAGE_CACHE_TIMEOUT", 24 * 60 * 60)
# Pages each worker also keeps in its own memory (checked against the shared versions on
# every hit, so never staler): about 100 KB each.
KAISETSU_PAGE_CACHE_LOCAL_COPIES = env_int("KAISETSU_PAGE_CACHE_LOCAL_COPIES", 200)
# What browsers and shared caches in front of us (nginx, a CDN) are told. They are not told
# when a page changes, so they keep a copy briefly: a browser a minute (back, reload), a
# shared cache ten seconds, which already turns a spike into one request per page per ten
# seconds. Both may serve a stale copy while they revalidate (a 304 from our cache), and for
# a day if we are down.
KAISETSU_PAGE_CACHE_CONTROL = os.environ.get("KAISETSU_PAGE_CACHE_CONTROL") or (
    "public, max-age=60, s-maxage=10, stale-while-revalidate=60, stale-if-error=86400"
)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

# Internationalisation: the UI speaks English and Japanese.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("ja", _("Japanese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE") or "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATICFILES_FINDERS = [
    "core.staticfiles.CspSafeBootstrapFinder",  # Bootstrap without data: URLs (see the module)
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT") or BASE_DIR / "media")
# Uploaded media are nginx's to serve in production (deploy/nginx/). Django serves them itself
# with DEBUG on (`make run`), and where KAISETSU_SERVE_MEDIA=1 says so: the test suite's live
# server and `make lighthouse`, which run without nginx.
SERVE_MEDIA = DEBUG or env_bool("KAISETSU_SERVE_MEDIA")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if env_bool("DJANGO_PLAIN_STATIC")
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
# Readers choose the name shown with their comments when they sign up.
ACCOUNT_SIGNUP_FORM_CLASS = "readers.forms.ReaderSignupForm"
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{SITE_NAME}] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if env_bool("DJANGO_SECURE_SSL", False) else "http"
ACCOUNT_LOGOUT_REDIRECT_URL = "/"
# allauth shows a reader by their display name, never the username made from their email.
ACCOUNT_USER_DISPLAY = "readers.models.public_name"
# Rate limits, counted in the cache (Redis in production, so they hold across app servers).
# Failed sign-ins are limited per address and per account: guessing a password gets refused.
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
}  # allauth's defaults apply to the rest (password reset, email confirmation, ...)
# allauth reads the client's address for those limits the way the comments do
# (KAISETSU_TRUSTED_PROXY_COUNT), through one function; account emails go out in the
# recipient's chosen language (readers.adapter).
ACCOUNT_ADAPTER = "readers.adapter.ReaderAccountAdapter"

# Email: console in development, SMTP from the environment in production.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND") or (
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend"
)
EMAIL_HOST = os.environ.get("EMAIL_HOST") or "localhost"
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
# Where django.core.mail.backends.filebased.EmailBackend writes (tests count emails there).
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH") or None
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL") or "Kaisetsu <noreply@localhost>"
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Content-Security-Policy: nothing by default, our own origin for what pages need,
# nonces for the rare inline script or style (JSON-LD).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [NONE],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "object-src": [NONE],
        "manifest-src": [SELF],
    }
}

# Security headers. HTTPS-only settings switch on with DJANGO_SECURE_SSL.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# Set by config.middleware.CrossOriginHeadersMiddleware: no other site embeds our resources,
# and the browser features the site never uses are switched off (an empty list: for everyone).
KAISETSU_CROSS_ORIGIN_RESOURCE_POLICY = "same-origin"
KAISETSU_PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "camera",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
    )
}
if env_bool("DJANGO_SECURE_SSL", False):
    SECURE_SSL_REDIRECT = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # A year, as browsers' preload lists ask. Subdomains and preloading are promises about
    # every host under the domain, which only its owner can make: opt in to each.
    SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 365 * 24 * 60 * 60)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", False)
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", False)

# Editorial house style.
KAISETSU_KEY_POINTS_MIN = env_int("KAISETSU_KEY_POINTS_MIN", 3)
KAISETSU_KEY_POINTS_MAX = env_int("KAISETSU_KEY_POINTS_MAX", 7)
# Reading speed: characters a minute for Japanese, words a minute for English.
KAISETSU_READING_CPM_JA = env_int("KAISETSU_READING_CPM_JA", 600)
KAISETSU_READING_WPM_EN = env_int("KAISETSU_READING_WPM_EN", 230)
# Reverse proxies in front of the app that we run (gunicorn behind nginx: 1). With 0 the
# client's address is REMOTE_ADDR; with N it is the Nth X-Forwarded-For entry from the right,
# the last one our own proxies wrote (core.addresses.client_ip). Never more than we run:
# entries further left are written by the client and would let a flooder pick any address.
KAISETSU_TRUSTED_PROXY_COUNT = env_int("KAISETSU_TRUSTED_PROXY_COUNT", 0)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL") or "INFO"},
    "loggers": {
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
    },
}

# Comments and moderation: every rule is a setting with the product's default.
COMMENTS_PREMODERATION = env_bool("COMMENTS_PREMODERATION", True)
COMMENTS_TRUSTED_AFTER_APPROVED = env_int("COMMENTS_TRUSTED_AFTER_APPROVED", 3)
COMMENTS_TRUST_REJECTION_WINDOW_DAYS = env_int("COMMENTS_TRUST_REJECTION_WINDOW_DAYS", 30)
COMMENTS_HOLD_LINKS = env_bool("COMMENTS_HOLD_LINKS", True)
# A form sent back faster than this (seconds) is a bot; one older than its lifetime is refused.
COMMENTS_MIN_SECONDS_TO_SUBMIT = env_int("COMMENTS_MIN_SECONDS_TO_SUBMIT", 3)
COMMENTS_FORM_LIFETIME_SECONDS = env_int("COMMENTS_FORM_LIFETIME_SECONDS", 2 * 60 * 60)
# Flood control: more than this many comments a minute from one address/account gets HTTP 429.
COMMENTS_FLOOD_LIMIT_PER_MINUTE = env_int("COMMENTS_FLOOD_LIMIT_PER_MINUTE", 3)
COMMENTS_REPORT_THRESHOLD = env_int("COMMENTS_REPORT_THRESHOLD", 3)
COMMENTS_CLOSE_AFTER_DAYS = env_int("COMMENTS_CLOSE_AFTER_DAYS", 30)
COMMENTS_MAX_LENGTH = env_int("COMMENTS_MAX_LENGTH", 5000)
COMMENTS_MIN_CHARS_JA = env_int("COMMENTS_MIN_CHARS_JA", 5)
COMMENTS_MIN_WORDS_EN = env_int("COMMENTS_MIN_WORDS_EN", 2)
COMMENTS_PER_PAGE = env_int("COMMENTS_PER_PAGE", 50)
# IP addresses are kept only as a keyed hash, and purged after the retention period.
COMMENTS_IP_HASH_KEY = os.environ.get("COMMENTS_IP_HASH_KEY", "") or SECRET_KEY
COMMENTS_IP_RETENTION_DAYS = env_int("COMMENTS_IP_RETENTION_DAYS", 90)
# Notification emails are sent by background tasks (comments.tasks), never by a request.
# A send that fails on the mail server (SMTP error, timeout) is retried after each of these
# delays in seconds, then recorded as failed for staff to retry from the admin.
COMMENTS_NOTIFICATION_RETRY_DELAYS = [
    int(seconds) for seconds in env_list("COMMENTS_NOTIFICATION_RETRY_DELAYS", "60,300,1800,7200")
]
# A notification claimed by a worker that has not finished it in this many seconds (the worker
# died) may be claimed again by `manage.py requeue_notifications`.
COMMENTS_NOTIFICATION_LEASE_SECONDS = env_int("COMMENTS_NOTIFICATION_LEASE_SECONDS", 600)
# The address a suspended or banned reader is told to write to. Empty: DEFAULT_FROM_EMAIL.
COMMENTS_MODERATION_CONTACT = os.environ.get("COMMENTS_MODERATION_CONTACT", "")

# Background work: Django's tasks API (the django-tasks backport until Django 6). Jobs are rows
# in our own database (django-tasks-db), run by `manage.py db_worker` beside gunicorn; moving to
# another backend changes this block, not the code.
TASKS = {
    "default": {
        "BACKEND": os.environ.get("TASKS_BACKEND") or "django_tasks_db.DatabaseBackend",
    }
}
