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
"""

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
        css = without_data_urls(Path(source).read_text(encoding="utf-8"))
        target = self.location / PATH
        if not target.is_file() or target.read_text(encoding="utf-8") != css:
            target.parent.mkdir(parents=True, exist_ok=True)
            temporary = target.with_suffix(".tmp")
            temporary.write_text(css, encoding="utf-8")
            temporary.replace(target)  # atomic: a concurrent reader sees the old or the new file
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
