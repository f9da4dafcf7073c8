"""Settings for `make bench` (bench/run.py): the production settings with the changes a load
test needs, and nothing else. Never used to serve readers.

- DEBUG off, as in production, whatever DJANGO_DEBUG says (`make` turns it on for its targets).
- The URLs are `config.bench_urls`: the site's own, plus the "floor" view at /bench/floor/,
  which exists only here.
- Comment flood control and the "too fast to be a person" rule are lifted, so many posts a
  second from one address are stored like any other comment; pre-moderation stays on, as by
  default, so the posts take the real path (pipeline, hold, moderation log).
- Emails are dropped (the bench runs no worker and sends nothing).
- STATIC_ROOT is the bench's temporary directory (BENCH_STATIC_ROOT) when it sets one.
"""

import os

from config.settings import *  # noqa: F403
from config.settings import STATIC_ROOT

DEBUG = False
ROOT_URLCONF = "config.bench_urls"
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

COMMENTS_FLOOD_LIMIT_PER_MINUTE = 1_000_000_000
COMMENTS_MIN_SECONDS_TO_SUBMIT = 0
COMMENTS_PREMODERATION = True

EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
STATIC_ROOT = os.environ.get("BENCH_STATIC_ROOT") or STATIC_ROOT
