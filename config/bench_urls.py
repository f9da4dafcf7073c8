"""The site's URLs plus the benchmark's floor, for `config.settings_bench` only.

The floor view answers /bench/floor/ with fixed bytes, the same as a real explainer page
(bench/run.py saves one and names the file in BENCH_FLOOR_FILE), through the whole middleware
stack but without a query or a template: what any page costs before the view does its work.
No other settings module routes here, so the view never exists on the real site.
"""

import os
from functools import cache
from pathlib import Path

from django.http import HttpResponse
from django.urls import path
from django.views.decorators.http import require_safe

from config.urls import handler400, handler403, handler404, handler500, urlpatterns

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]


@cache
def floor_bytes() -> bytes:
    """The page bytes, read once per process (at its first request)."""
    return Path(os.environ["BENCH_FLOOR_FILE"]).read_bytes()


@require_safe
def floor(request):
    return HttpResponse(floor_bytes(), content_type="text/html; charset=utf-8")


urlpatterns = [path("bench/floor/", floor, name="bench_floor"), *urlpatterns]
