"""The one door for untrusted HTML: every sanitizer call in Kaisetsu goes through here.

bleach is imported nowhere else. Upstream stopped releasing it in 2026, so the allow-list is
kept deliberately small and the strict Content-Security-Policy is the second wall.

- Editors write Markdown (detail sections): rendered by markdown-it-py with raw HTML disabled,
  then cleaned against ALLOWED_TAGS.
- Readers write plain text (comments): escaped, paragraphs and line breaks kept, http(s)
  links made clickable with rel="nofollow ugc noopener".
"""

import html as html_lib
import re
from urllib.parse import unquote, urlsplit

import bleach
from bleach.linkifier import Linker
from django.conf import settings
from django.utils.html import escape
from markdown_it import MarkdownIt

ALLOWED_TAGS = frozenset(
    {
        "p", "br", "h2", "h3", "h4", "h5", "h6", "strong", "em", "b", "i", "code", "pre",
        "blockquote", "ul", "ol", "li", "a", "hr", "table", "thead", "tbody", "tr", "th", "td",
        "sup", "sub",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": ["href", "title", "rel"], "th": ["align"], "td": ["align"]}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
EXTERNAL_REL = "noopener nofollow"
COMMENT_REL = "nofollow ugc noopener"

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")
_markdown.disable("image")  # figures have their own fields with alt text and credit


def _own_hosts() -> set[str]:
    hosts = {urlsplit(settings.SITE_URL).hostname or ""}
    hosts.update(h for h in settings.ALLOWED_HOSTS if h and not h.startswith("."))
    return {h.lower() for h in hosts if h}


def _is_external(href: str) -> bool:
    host = urlsplit(href).hostname
    return bool(host) and host.lower() not in _own_hosts()


_SCHEME_RE = re.compile(r"([a-z][a-z0-9+.-]*):")


def _has_unsafe_scheme(href: str) -> bool:
    """True when the address, decoded and stripped of whitespace/control characters the way a
    lax client might, names a scheme outside ALLOWED_PROTOCOLS (e.g. "jav%09ascript:").

    Browsers treat such an href as a harmless relative path today; dropping it is cheaper
    than relying on every client agreeing.
    """
    decoded = re.sub(r"[\x00-\x20\x7f]+", "", unquote(html_lib.unescape(href))).lower()
    match = _SCHEME_RE.match(decoded)
    return bool(match) and match.group(1) not in ALLOWED_PROTOCOLS


def _set_rel_for_external(attrs, new=False):
    href = attrs.get((None, "href"), "")
    if _has_unsafe_scheme(href):
        return None  # drop the link, keep its text
    if _is_external(href):
        attrs[(None, "rel")] = EXTERNAL_REL
    else:
        attrs.pop((None, "rel"), None)
    return attrs


_markdown_cleaner = bleach.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    protocols=ALLOWED_PROTOCOLS,
    strip=True,
    strip_comments=True,
)
_markdown_linker = Linker(
    callbacks=[_set_rel_for_external], skip_tags={"pre", "code"}, parse_email=False
)


def markdown_to_html(source: str) -> str:
    """Editor Markdown → safe HTML. Called on save, never at request time."""
    html = _markdown.render(source or "")
    cleaned = _markdown_cleaner.clean(html)
    return _markdown_linker.linkify(cleaned)


def _comment_rel(attrs, new=False):
    href = attrs.get((None, "href"), "")
    if urlsplit(href).scheme.lower() not in {"http", "https"}:
        return None  # leave non-web text as text
    attrs[(None, "rel")] = COMMENT_REL
    return attrs


_comment_linker = Linker(callbacks=[_comment_rel], parse_email=False)


def plain_text_to_html(text: str) -> str:
    """Reader plain text → safe HTML: escaped, paragraphs and line breaks, clickable web links."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        return ""
    paragraphs = [p.strip("\n") for p in text.split("\n\n") if p.strip()]
    html = "".join("<p>" + escape(p).replace("\n", "<br>") + "</p>" for p in paragraphs)
    return _comment_linker.linkify(html)
