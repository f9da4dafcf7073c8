"""The one door for untrusted HTML (core/sanitize.py): nothing an editor or reader writes
can run script, and the formatting they are allowed survives.

Output is inspected with the standard library's HTML parser (the way a browser tokenises it),
not by searching the text: escaped text such as "&lt;img onerror=…&gt;" is harmless and must
not count as a failure, while a real attribute must.
"""

import html
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import pytest
from django.conf import settings as django_settings

from core.sanitize import markdown_to_html, plain_text_to_html


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements = []  # (tag, {attr: value})

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag


def elements(markup: str) -> list[tuple[str, dict]]:
    collector = _Collector()
    collector.feed(markup)
    collector.close()
    return collector.elements


def links(markup: str) -> list[dict]:
    return [attrs for tag, attrs in elements(markup) if tag == "a"]


def scheme_of(href: str) -> str:
    """The scheme a lax client could read into the href (entities, %-escapes, spaces undone)."""
    decoded = re.sub(r"[\x00-\x20\x7f]+", "", unquote(html.unescape(href))).lower()
    match = re.match(r"([a-z][a-z0-9+.-]*):", decoded)
    return match.group(1) if match else ""


def assert_harmless(markup: str) -> None:
    assert "<script" not in markup.lower()
    # Inside a real tag (escaped text starts with "&lt;", not "<"), no event handler.
    assert not re.search(r"<[^>]*\son\w+\s*=", markup, re.IGNORECASE)
    for tag, attrs in elements(markup):
        assert tag not in {"script", "style", "iframe", "svg", "math", "img", "object", "embed"}
        assert not [name for name in attrs if name.startswith("on")], (tag, attrs)
        assert "style" not in attrs
        for name in ("href", "src"):
            if attrs.get(name):
                assert scheme_of(attrs[name]) in {"", "http", "https", "mailto"}, attrs


HOSTILE_MARKDOWN = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=https://evil.example/x.js></SCRIPT>",
    '<img src="x" onerror="alert(1)">',
    "<a href='#' onclick='alert(1)'>click</a>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](jav&#x09;ascript:alert(1))",
    "[click](&#106;avascript:alert(1))",
    "[click](%6Aavascript:alert(1))",
    "[click](<javascript:alert(1)>)",
    "<javascript:alert(1)>",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[click](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "[click](vbscript:msgbox(1))",
    "![pic](javascript:alert(1))",
    '<p style="background:url(javascript:alert(1))">styled</p>',
    "<style>body{display:none}</style>",
    '<iframe src="https://evil.example/"></iframe>',
    "<svg><script>alert(1)</script></svg>",
    "<svg onload=alert(1)>",
    "<math><mtext><script>alert(1)</script></mtext></math>",
    "<object data='x'></object><embed src='x'>",
    '[ok](https://example.org/ "title" onmouseover=alert(1))',
]


@pytest.mark.parametrize("source", HOSTILE_MARKDOWN)
def test_markdown_cannot_carry_script(source):
    assert_harmless(markdown_to_html(source))


def test_markdown_drops_javascript_link_hidden_by_a_tab_entity():
    output = markdown_to_html("[click](jav&#x09;ascript:alert(1))")
    assert links(output) == []
    assert "click" in output


def test_markdown_drops_javascript_link_hidden_by_percent_encoding():
    output = markdown_to_html("[click](%6Aavascript:alert(1))")
    assert links(output) == []


def test_markdown_renders_raw_html_as_visible_text():
    output = markdown_to_html("<b>bold?</b>")
    assert "<b>" not in output
    assert "&lt;b&gt;" in output


def test_markdown_keeps_headings_lists_and_emphasis():
    output = markdown_to_html(
        "## 背景\n\n### Detail\n\n- one\n- two\n\n1. first\n\n*soft* and **strong**\n\n> quoted"
    )
    tags = [tag for tag, _ in elements(output)]
    for tag in ("h2", "h3", "ul", "ol", "li", "em", "strong", "blockquote"):
        assert tag in tags
    assert "<h2>背景</h2>" in output


def test_markdown_does_not_emit_a_second_page_title():
    """The page's <h1> is the explainer title; a "# heading" in a section must not add one."""
    output = markdown_to_html("# Title again")
    assert "<h1" not in output
    assert "Title again" in output


def test_markdown_keeps_web_and_mail_links():
    output = markdown_to_html(
        "[site](https://example.org/page) and [mail](mailto:desk@example.org)"
    )
    hrefs = [attrs["href"] for attrs in links(output)]
    assert hrefs == ["https://example.org/page", "mailto:desk@example.org"]


def test_markdown_external_links_get_noopener_nofollow(settings):
    settings.SITE_URL = "https://kaisetsu.example.jp"
    (link,) = links(markdown_to_html("[elsewhere](https://news.example.com/story)"))
    assert link["rel"] == "noopener nofollow"


def test_markdown_links_to_our_own_site_get_no_rel(settings):
    settings.SITE_URL = "https://kaisetsu.example.jp"
    output = markdown_to_html(
        "[ours](https://kaisetsu.example.jp/explainers/x/) and [relative](/topics/energy/)"
    )
    assert [link.get("rel") for link in links(output)] == [None, None]


def test_markdown_cannot_forge_a_rel_on_an_external_link(settings):
    settings.SITE_URL = "https://kaisetsu.example.jp"
    (link,) = links(markdown_to_html("<https://news.example.com/>"))
    assert link["rel"] == "noopener nofollow"


def test_markdown_of_nothing_is_empty():
    assert markdown_to_html("") == ""
    assert markdown_to_html(None) == ""


# Reader comments: plain text only.


def test_plain_text_is_escaped():
    output = plain_text_to_html('<script>alert("x")</script> & <b>bold</b>')
    assert "<script" not in output
    assert "<b>" not in output
    assert "&lt;script&gt;" in output
    assert "&amp;" in output


def test_plain_text_event_handlers_stay_text():
    output = plain_text_to_html('<img src=x onerror="alert(1)">')
    assert_harmless(output)
    assert [tag for tag, _ in elements(output)] == ["p"]


def test_plain_text_blank_lines_make_paragraphs_and_single_newlines_make_breaks():
    output = plain_text_to_html("first line\nsecond line\n\nnext paragraph")
    assert output == "<p>first line<br>second line</p><p>next paragraph</p>"


def test_plain_text_windows_newlines_are_understood():
    assert plain_text_to_html("a\r\nb\r\n\r\nc") == "<p>a<br>b</p><p>c</p>"


def test_plain_text_web_links_are_clickable_with_ugc_rel():
    output = plain_text_to_html("see https://example.org/a?b=1&c=2 and http://example.com")
    found = links(output)
    assert [link["href"] for link in found] == [
        "https://example.org/a?b=1&c=2",
        "http://example.com",
    ]
    assert {link["rel"] for link in found} == {"nofollow ugc noopener"}


def test_plain_text_javascript_is_not_linked():
    output = plain_text_to_html("javascript:alert(1) JaVaScRiPt:alert(2)")
    assert links(output) == []
    assert_harmless(output)


def test_plain_text_other_schemes_are_not_linked():
    assert links(plain_text_to_html("ftp://example.org/file and data:text/html,hi")) == []


def test_plain_text_of_nothing_is_empty():
    assert plain_text_to_html("") == ""
    assert plain_text_to_html("  \n\n ") == ""


def test_japanese_comment_text_is_kept_intact():
    output = plain_text_to_html("とても分かりやすい解説でした。\n次回も楽しみです。")
    assert output == "<p>とても分かりやすい解説でした。<br>次回も楽しみです。</p>"


def test_bleach_is_imported_only_by_the_sanitize_module():
    root = Path(django_settings.BASE_DIR)
    importer = re.compile(r"^\s*(?:import\s+bleach\b|from\s+bleach\b)", re.MULTILINE)
    skip = {".venv", "venv", "node_modules", ".git", "staticfiles", "__pycache__"}
    offenders = []
    checked = 0
    for path in root.rglob("*.py"):
        if skip & set(path.relative_to(root).parts):
            continue
        checked += 1
        if importer.search(path.read_text(encoding="utf-8")):
            offenders.append(str(path.relative_to(root)))
    assert checked > 10  # the walk really looked at the project
    assert offenders == ["core/sanitize.py"]
