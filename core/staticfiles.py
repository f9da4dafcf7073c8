"""Bootstrap's stylesheet without its data: URL icons, as a static file of our own.

Bootstrap draws form icons (the select chevron, the tick of a checked box, validation marks)
with `url("data:image/svg+xml,…")`. Our Content-Security-Policy (`img-src 'self'`) refuses
them, and `static/css/kaisetsu.css` draws the same icons from our own SVG files. Overriding
them was not enough: when a page was styled while only Bootstrap's sheet had arrived (seen
under load in the browser tests), Chromium asked for the data: URL and logged the refusal.

So the sheet our pages link, `kaisetsu/bootstrap.min.css`, is Bootstrap's own
(`django-bootstrap-static`, pinned in the lock file) with every data: URL replaced by `none`,
written by this finder from the installed package whenever that differs. `collectstatic`,
WhiteNoise's finder mode and the test server all find it here, so every environment serves
the same bytes. List it in STATICFILES_FINDERS.

The same sheet is also trimmed to the rules our pages can use (`trim_to_words`), as PurgeCSS
does: of Bootstrap's 228 KB, a reader page used about 5%, and the rest cost every phone its
download and its style work before the first paint (Lighthouse: "reduce unused CSS",
render-blocking). A selector is kept when every class and attribute it names occurs as a word
in a template, in our Python code or in our JavaScript (`used_words`); classes inside
`:not(…)` do not count, since they narrow a rule rather than enable it. Classes that a
template builds from pieces are listed in SAFELIST. Custom properties, element rules, at-rules
with kept content, keyframes a kept rule names and the licence comment stay. The sheet is
rebuilt whenever one of those files changes.
"""

import importlib
import os
import re
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.files.storage import FileSystemStorage

SOURCE = "bootstrap/css/bootstrap.min.css"
PATH = "kaisetsu/bootstrap.min.css"
DATA_URL = re.compile(r"""url\(\s*(["']?)data:.*?\1\s*\)""", re.DOTALL)
# The source map describes Bootstrap's file, not ours, and is not shipped beside it.
SOURCE_MAP = re.compile(r"/\*# sourceMappingURL=[^*]*\*/\s*$")


def without_data_urls(css: str) -> str:
    return SOURCE_MAP.sub("", DATA_URL.sub("none", css))


# Classes a template assembles from parts, so no file holds them as one word: base.html's
# `alert-{{ message level }}` (Django's message levels, error shown as danger).
SAFELIST = frozenset(
    {"alert-debug", "alert-info", "alert-success", "alert-warning", "alert-danger"}
)
WORD = re.compile(r"[A-Za-z0-9_-]+")
CLASS = re.compile(r"\.(-?[_A-Za-z][\w-]*)")
ATTRIBUTE = re.compile(r"\[\s*([\w-]+)")
COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)
LICENCE = re.compile(r"(?:@charset[^;]*;)?\s*/\*!.*?\*/", re.DOTALL)
KEYFRAMES = re.compile(r"@(?:-webkit-)?keyframes\s+([\w-]+)")
SCANNED = {".html": "templates", ".txt": "templates", ".py": "code", ".js": "code"}
# Packages whose Python writes Bootstrap classes into our pages (crispy's buttons and alerts).
CODE_PACKAGES = ("crispy_forms", "crispy_bootstrap5")
# The admin's pages (Django's, sortable2's and our admin/ templates) never link Bootstrap.
UNSTYLED_PACKAGES = ("django.contrib.admin", "adminsortable2")
NOT_SCANNED = {".venv", "venv", "node_modules", ".git", ".build", "staticfiles", "tests"}


def _blocks(css: str):
    """The top-level items of a stylesheet without comments: (prelude, body) for
    `prelude{body}`, (text, None) for a statement such as `@charset "UTF-8";`. Strings are
    skipped when matching braces."""
    i, n, start = 0, len(css), 0
    while i < n:
        char = css[i]
        if char in "\"'":
            i = _string_end(css, i)
        elif char == ";":
            if css[start:i].strip():
                yield css[start : i + 1].strip(), None
            i = start = i + 1
        elif char == "{":
            depth, j = 1, i + 1
            while j < n and depth:
                if css[j] in "\"'":
                    j = _string_end(css, j)
                    continue
                depth += {"{": 1, "}": -1}.get(css[j], 0)
                j += 1
            yield css[start:i].strip(), css[i + 1 : j - 1]
            i = start = j
        else:
            i += 1


def _string_end(css: str, i: int) -> int:
    quote, j = css[i], i + 1
    while j < len(css) and css[j] != quote:
        j += 2 if css[j] == "\\" else 1
    return j + 1


def _split_selectors(prelude: str) -> list[str]:
    parts, depth, start = [], 0, 0
    for index, char in enumerate(prelude):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            parts.append(prelude[start:index])
            start = index + 1
    parts.append(prelude[start:])
    return [part.strip() for part in parts if part.strip()]


def _without_not(selector: str) -> str:
    """The selector without its `:not(…)` arguments, which narrow a rule, never enable it."""
    out, i = [], 0
    while i < len(selector):
        if selector.startswith(":not(", i):
            depth, j = 1, i + 5
            while j < len(selector) and depth:
                depth += {"(": 1, ")": -1}.get(selector[j], 0)
                j += 1
            i = j
            continue
        out.append(selector[i])
        i += 1
    return "".join(out)


def _selector_used(selector: str, words: frozenset) -> bool:
    positive = _without_not(selector)
    names = CLASS.findall(positive) + ATTRIBUTE.findall(positive)
    return all(name in words for name in names)


def _trim(css: str, words: frozenset) -> list[str]:
    kept = []
    for prelude, body in _blocks(css):
        if body is None:
            kept.append(prelude)
        elif prelude.startswith("@"):
            if KEYFRAMES.match(prelude):
                kept.append(f"{prelude}{{{body}}}")  # filtered below, by what still names it
            elif prelude.startswith(("@media", "@supports", "@container", "@layer")):
                inner = _trim(body, words)
                if inner:
                    kept.append(f"{prelude}{{{''.join(inner)}}}")
            else:
                kept.append(f"{prelude}{{{body}}}")  # @font-face, @page: as they are
        else:
            selectors = [s for s in _split_selectors(prelude) if _selector_used(s, words)]
            if selectors:
                kept.append(f"{','.join(selectors)}{{{body}}}")
    return kept


def trim_to_words(css: str, words) -> str:
    """`css` with only the rules whose selectors use nothing outside `words` (see above)."""
    words = frozenset(words) | SAFELIST
    licence = LICENCE.match(css)
    rest = css[licence.end() :] if licence else css
    kept = ([licence.group(0)] if licence else []) + _trim(COMMENT.sub("", rest), words)
    rules = "".join(block for block in kept if not KEYFRAMES.match(block))
    named = set(WORD.findall(rules))
    keyframes = [block for block in kept if (m := KEYFRAMES.match(block)) and m.group(1) in named]
    head = [block for block in kept if block.startswith(("@charset", "/*!"))]
    body = [block for block in kept if block not in head and not KEYFRAMES.match(block)]
    return "".join(head) + "".join(body) + "".join(keyframes)


def _scanned_files() -> list[Path]:
    """Every template Django can load, and our own Python and JavaScript."""
    from django.template import engines

    files = []
    unstyled = [Path(importlib.import_module(p).__file__).parent for p in UNSTYLED_PACKAGES]
    roots = [
        (Path(d), "templates")
        for e in engines.all()
        for d in e.template_dirs
        if not any(Path(d).is_relative_to(package) for package in unstyled)
    ]
    roots.append((Path(settings.BASE_DIR), "code"))
    for package in CODE_PACKAGES:
        roots.append((Path(importlib.import_module(package).__file__).parent, "code"))
    for root, kind in roots:
        for folder, dirnames, filenames in os.walk(root):
            dirnames[:] = [d for d in dirnames if d not in NOT_SCANNED]
            if kind == "templates" and Path(folder) == root:
                dirnames[:] = [d for d in dirnames if d != "admin"]  # the admin's own look
            if kind == "code" and Path(folder) != root and Path(folder).name == "templates":
                dirnames[:] = []  # the template roots are scanned as such
                continue
            for filename in filenames:
                if SCANNED.get(Path(filename).suffix) in (kind, "templates"):
                    files.append(Path(folder) / filename)
    return sorted(set(files))


_words_memo: dict = {}
_built_memo: dict = {}


def used_words() -> frozenset:
    """Every word of every file `_scanned_files` finds, remade only when one of them changed."""
    files = _scanned_files()
    signature = tuple((str(path), path.stat().st_mtime_ns) for path in files)
    if _words_memo.get("signature") != signature:
        words = set()
        for path in files:
            words.update(WORD.findall(path.read_text(encoding="utf-8", errors="replace")))
        _words_memo.update(signature=signature, words=frozenset(words))
    return _words_memo["words"]


class CspSafeBootstrapFinder(finders.BaseFinder):
    """Finds `kaisetsu/bootstrap.min.css`, built from Bootstrap's installed stylesheet."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.location = Path(settings.BASE_DIR) / ".build" / "static"
        self.storage = FileSystemStorage(location=self.location)

    def _built(self) -> Path:
        source = finders.find(SOURCE)
        if source is None:
            raise FileNotFoundError(f"Bootstrap's stylesheet is not installed: {SOURCE}")
        words = used_words()
        target = self.location / PATH
        key = (source, Path(source).stat().st_mtime_ns, _words_memo["signature"], str(target))
        if _built_memo.get("key") == key and target.is_file():
            return target  # nothing it is made from changed (trimming takes ~60 ms)
        css = trim_to_words(without_data_urls(Path(source).read_text(encoding="utf-8")), words)
        if not target.is_file() or target.read_text(encoding="utf-8") != css:
            target.parent.mkdir(parents=True, exist_ok=True)
            temporary = target.with_suffix(".tmp")
            temporary.write_text(css, encoding="utf-8")
            temporary.replace(target)  # atomic: a concurrent reader sees the old or the new file
        _built_memo["key"] = key
        return target

    def check(self, **kwargs):
        return []

    def find(self, path, find_all=False, **kwargs):
        if path != PATH:
            return [] if find_all else None
        built = str(self._built())
        return [built] if find_all else built

    def list(self, ignore_patterns):
        self._built()
        yield PATH, self.storage
