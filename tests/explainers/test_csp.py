"""The strict Content-Security-Policy is on every kind of page, and no template needs it relaxed.

The header test proves the policy is sent; the template scan keeps it workable: an inline
script, a style attribute or an on* handler would be blocked by the policy in readers'
browsers, so any template that adds one fails here first.
"""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.db import DatabaseError
from django.urls import reverse

from tests.factories import (
    ExplainerFactory,
    ExplainerSourceFactory,
    SourceArticleFactory,
    TopicFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

REQUIRED_DIRECTIVES = {
    "default-src": "'none'",
    "frame-ancestors": "'none'",
    "base-uri": "'none'",
    "object-src": "'none'",
}


@pytest.fixture
def content():
    topic = TopicFactory(slug="economy")
    source = SourceArticleFactory()
    explainer = ExplainerFactory(published=True, key_points=3, sections=2, title="Rates rise")
    explainer.topics.add(topic)
    ExplainerSourceFactory(explainer=explainer, source=source, position=1)
    return {"explainer": explainer, "topic": topic, "source": source}


def policy(response) -> dict[str, list[str]]:
    header = response.headers.get("Content-Security-Policy")
    assert header, f"no Content-Security-Policy on {response.request['PATH_INFO']}"
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def page_urls(content):
    return {
        "home": reverse("explainers:home"),
        "explainer": content["explainer"].get_absolute_url(),
        "topic": content["topic"].get_absolute_url(),
        "source": content["source"].get_absolute_url(),
        "search": reverse("explainers:search") + "?q=rates",
        "not found": "/no-such-page/",
        "sitemap": reverse("sitemap"),
        "robots": reverse("robots"),
        "admin login": reverse("admin:login"),
        "rss feed": reverse("explainers:feed_rss"),
        "atom feed": reverse("explainers:feed_atom"),
        "topic feed": reverse("explainers:topic_feed_rss", kwargs={"slug": "economy"}),
        "corrections feed": reverse("explainers:feed_corrections"),
        "corrections atom feed": reverse("explainers:feed_corrections_atom"),
        "search too long": reverse("explainers:search") + "?q=" + "x" * 201,
    }


STATUS = {"not found": 404, "search too long": 400}


@pytest.mark.parametrize(
    "page",
    [
        "home",
        "explainer",
        "topic",
        "source",
        "search",
        "not found",
        "sitemap",
        "robots",
        "admin login",
        "rss feed",
        "atom feed",
        "topic feed",
        "corrections feed",
        "corrections atom feed",
        "search too long",
    ],
)
def test_strict_csp_header_on_page(client, content, page):
    response = client.get(page_urls(content)[page])
    assert response.status_code == STATUS.get(page, 200)
    assert_strict(policy(response))


def test_strict_csp_header_on_staff_draft_preview(client, editor):
    draft = ExplainerFactory(key_points=3, sections=2)
    client.force_login(editor)
    response = client.get(draft.get_absolute_url())
    assert response.status_code == 200
    assert "preview-banner" in response.content.decode()
    assert_strict(policy(response))


def test_strict_csp_header_on_language_switch(client):
    response = client.get(reverse("explainers:set_language", kwargs={"code": "ja"}))
    assert response.status_code == 302
    assert_strict(policy(response))


def test_strict_csp_header_on_server_error_page(client, settings, monkeypatch):
    from pages import views

    def broken(self):
        raise DatabaseError("the database is down")

    settings.DEBUG = False
    monkeypatch.setattr(views.ExplainerListView, "get_queryset", broken)
    client.raise_request_exception = False
    response = client.get(reverse("explainers:home"))
    assert response.status_code == 500
    assert_strict(policy(response))


@pytest.mark.parametrize(
    "changelist", ["admin:auth_user_changelist", "admin:explainers_explainer_changelist"]
)
def test_strict_csp_header_on_admin_changelist(client, content, changelist):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    response = client.get(reverse(changelist))
    assert response.status_code == 200
    assert_strict(policy(response))


def test_strict_csp_header_on_moderation_queue(client, content, moderator):
    client.force_login(moderator)
    response = client.get(reverse("moderation:queue"))
    assert response.status_code == 200
    assert_strict(policy(response))


def assert_strict(directives):
    for name, value in REQUIRED_DIRECTIVES.items():
        assert directives.get(name) == [value], f"{name} is {directives.get(name)}"
    every_value = [value for values in directives.values() for value in values]
    assert "'unsafe-inline'" not in every_value
    assert "'unsafe-eval'" not in every_value
    for name in ("script-src", "style-src"):
        assert "*" not in directives.get(name, []), f"{name} allows any origin"
    # Only our own origin (and nonces) for what a page loads or submits to: no data:, no hosts.
    for name in ("script-src", "style-src", "img-src", "font-src", "form-action"):
        extra = [
            v for v in directives.get(name, []) if v != "'self'" and not v.startswith("'nonce-")
        ]
        assert extra == [], f"{name} also allows {extra}"


# Template scan: what the policy would block must not be written in the first place.

TAG_RE = re.compile(r"<([a-zA-Z][a-zA-Z0-9-]*)(\s(?:[^>{]|\{[^}]*\})*)?>", re.DOTALL)
SCRIPT_RE = re.compile(r"<script\b((?:[^>{]|\{[^}]*\})*)>", re.IGNORECASE | re.DOTALL)
STYLE_ELEMENT_RE = re.compile(r"<style\b((?:[^>{]|\{[^}]*\})*)>", re.IGNORECASE | re.DOTALL)
STYLE_ATTR_RE = re.compile(r"\sstyle\s*=", re.IGNORECASE)
HANDLER_ATTR_RE = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
JS_URL_RE = re.compile(r"""(?:href|src|action)\s*=\s*["']?\s*javascript:""", re.IGNORECASE)
COMMENT_RE = re.compile(r"\{#.*?#\}|\{%\s*comment\s*%\}.*?\{%\s*endcomment\s*%\}", re.DOTALL)


def template_files():
    roots = [Path(d) for d in settings.TEMPLATES[0]["DIRS"]]
    roots += [Path(settings.BASE_DIR) / app / "templates" for app in ("explainers", "comments")]
    files = sorted(p for root in roots if root.is_dir() for p in root.rglob("*.html"))
    assert files, "no templates found to scan"
    return files


def problems_in(source: str) -> list[str]:
    """Everything in a template's markup that a strict CSP would block."""
    source = COMMENT_RE.sub("", source)
    problems = []
    for attrs in SCRIPT_RE.findall(source):
        if not re.search(r"\b(src|nonce)\s*=", attrs) and "application/ld+json" not in attrs:
            problems.append(f"inline <script{attrs}> without src or nonce")
    for attrs in STYLE_ELEMENT_RE.findall(source):
        if not re.search(r"\bnonce\s*=", attrs):
            problems.append(f"inline <style{attrs}> without nonce")
    for match in TAG_RE.finditer(source):
        attrs = match.group(2) or ""
        if STYLE_ATTR_RE.search(attrs):
            problems.append(f"style attribute in {match.group(0)[:80]}")
        if HANDLER_ATTR_RE.search(attrs):
            problems.append(f"event-handler attribute in {match.group(0)[:80]}")
        if JS_URL_RE.search(attrs):
            problems.append(f"javascript: URL in {match.group(0)[:80]}")
    return problems


@pytest.mark.parametrize(
    "snippet",
    [
        "<script>alert(1)</script>",
        '<script type="module">go()</script>',
        "<style>p { color: red }</style>",
        '<p style="color: red">x</p>',
        '<a class="{{ cls }}" style="{{ s }}">x</a>',
        '<button onclick="go()">x</button>',
        "<body onload='go()'>",
        '<a href="javascript:go()">x</a>',
    ],
)
def test_template_scan_catches_what_csp_would_block(snippet):
    assert problems_in(snippet)


@pytest.mark.parametrize(
    "snippet",
    [
        "<script src=\"{% static 'js/app.js' %}\"></script>",
        '<script type="application/ld+json" nonce="{{ request.csp_nonce }}">{}</script>',
        '<p class="lead" data-state="{% if x > 1 %}on{% endif %}">only</p>',
        "{# <p style='x'> in a comment is fine #}",
        "<p>Questions go on=stage here</p>",
    ],
)
def test_template_scan_allows_what_csp_allows(snippet):
    assert problems_in(snippet) == []


def test_no_template_has_inline_script_style_or_handler():
    found = {
        str(path.relative_to(settings.BASE_DIR)): problems
        for path in template_files()
        if (problems := problems_in(path.read_text(encoding="utf-8")))
    }
    assert found == {}
