"""Static files are served by whitenoise from a hashed, compressed collection, never a CDN."""

import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

# The link/script tags of a template, and an address that would leave our own origin.
ASSET_TAG_RE = re.compile(r"<(?:link|script)\b(?:[^>{]|\{[^}]*\})*>", re.IGNORECASE | re.DOTALL)
EXTERNAL_RE = re.compile(r"""\b(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", re.IGNORECASE)


@pytest.fixture(scope="module")
def collected(tmp_path_factory):
    """One collectstatic run with the production storage, shared by this module's tests."""
    root = tmp_path_factory.mktemp("staticfiles")
    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    with override_settings(STATIC_ROOT=root, STORAGES=storages):
        call_command("collectstatic", interactive=False, verbosity=0)
    return root, json.loads((root / "staticfiles.json").read_text())["paths"]


@pytest.mark.parametrize("name", ["kaisetsu/bootstrap.min.css", "css/kaisetsu.css"])
def test_collectstatic_writes_hashed_and_gzipped_copies(collected, name):
    root, manifest = collected
    hashed = manifest[name]
    stem, suffix = name.rsplit(".", 1)
    assert re.fullmatch(rf"{re.escape(stem)}\.[0-9a-f]{{12}}\.{suffix}", hashed)
    assert (root / hashed).is_file()
    assert (root / f"{hashed}.gz").is_file()
    assert (root / f"{name}.gz").is_file()


def template_files():
    roots = [Path(d) for d in settings.TEMPLATES[0]["DIRS"]]
    roots += [Path(settings.BASE_DIR) / app / "templates" for app in ("explainers", "comments")]
    return sorted(p for root in roots if root.is_dir() for p in root.rglob("*.html"))


def external_assets(source: str) -> list[str]:
    return [tag for tag in ASSET_TAG_RE.findall(source) if EXTERNAL_RE.search(tag)]


@pytest.mark.parametrize(
    ("snippet", "external"),
    [
        ('<link rel="stylesheet" href="https://cdn.example.com/b.css">', True),
        ('<script src="//cdn.example.com/x.js"></script>', True),
        ("<link rel=stylesheet href=http://cdn.example.com/b.css>", True),
        ('<link rel="stylesheet" href="{% static \'css/kaisetsu.css\' %}">', False),
        ('<link rel="canonical" href="{{ seo.canonical_url }}">', False),
        ('<a href="https://example.org/">an ordinary link</a>', False),
    ],
)
def test_cdn_scan_tells_external_assets_from_ours(snippet, external):
    assert bool(external_assets(snippet)) is external


def test_no_template_loads_assets_from_another_origin():
    files = template_files()
    assert files
    found = {
        str(path.relative_to(settings.BASE_DIR)): tags
        for path in files
        if (tags := external_assets(path.read_text(encoding="utf-8")))
    }
    assert found == {}


def test_the_bootstrap_we_serve_has_no_data_urls_for_the_csp_to_refuse(collected):
    """Bootstrap's form icons are data: URLs, which `img-src 'self'` refuses: a page styled
    before our overrides arrived logged the refusal. The sheet we link has none left."""
    from django.contrib.staticfiles import finders

    original = Path(finders.find("bootstrap/css/bootstrap.min.css")).read_text()
    assert 'url("data:' in original  # what the finder has to remove
    root, manifest = collected
    production = (root / manifest["kaisetsu/bootstrap.min.css"]).read_text()
    served = Path(finders.find("kaisetsu/bootstrap.min.css")).read_text()  # debug, test servers
    assert production == served  # (trimmed to what our pages use: tests/core/test_staticfiles)
    assert "data:" not in served
    assert "sourceMappingURL" not in served
    assert ".form-select{" in served
    for name in ("base.html", "error_standalone.html"):
        source = (Path(settings.BASE_DIR) / "templates" / name).read_text()
        assert "{% static 'kaisetsu/bootstrap.min.css' %}" in source
        assert "bootstrap/css/" not in source
