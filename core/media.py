"""Editors' uploads that nothing uses any more, found and deleted (`manage.py purge_unused_media`).

Saving a new lead image, figure or portrait, deleting an explainer or discarding a working
draft leaves the old file (and the renditions `core.images` made from it) in MEDIA_ROOT: a
row's old file may still be named by another row (a working draft shares its live
explainer's images) or by a revision that an editor can restore. So nothing is deleted when a
row changes. This daily job deletes a stored file only when no app names it any more.

Each app that stores files registers a *reference lister* in its AppConfig.ready():
`() -> iterable of stored names` (every row, every draft, every revision snapshot), so this
module knows no models. A file is kept when a lister names it, or when it is younger than
`GRACE` (an upload is written before the row naming it commits). A rendition under
`renditions/<original's path without extension>/` is kept while its original is.
"""

import posixpath
from collections.abc import Callable, Iterable
from datetime import timedelta

from django.core.files.storage import default_storage
from django.utils import timezone

from core.images import RENDITIONS_DIR

GRACE = timedelta(days=1)

_listers: list[Callable[[], Iterable[str]]] = []


def register_references(lister: Callable[[], Iterable[str]]) -> None:
    """Declare the stored names an app still uses (see the module's docstring)."""
    _listers.append(lister)


def referenced_names() -> set[str]:
    return {name for lister in _listers for name in lister() if name}


def _walk(storage, folder: str = ""):
    directories, files = storage.listdir(folder)
    for name in files:
        yield posixpath.join(folder, name) if folder else name
    for directory in directories:
        yield from _walk(storage, posixpath.join(folder, directory) if folder else directory)


def _original_stem(rendition: str) -> str:
    """`renditions/lead/2026/12/a/800w.webp` → `lead/2026/12/a` (the original without its
    extension, as `core.images` names its renditions' folder)."""
    return posixpath.dirname(rendition)[len(RENDITIONS_DIR) + 1 :]


def unused_media(*, storage=None, now=None) -> list[str]:
    """The stored files nothing names, older than GRACE, originals and renditions alike."""
    storage = storage or default_storage
    try:
        stored = list(_walk(storage))
    except FileNotFoundError:  # no upload yet: MEDIA_ROOT does not exist
        return []
    used = referenced_names()
    used_stems = {posixpath.splitext(name)[0] for name in used}
    cutoff = (now or timezone.now()) - GRACE
    unused = []
    for name in stored:
        if name.startswith(RENDITIONS_DIR + "/"):
            if _original_stem(name) in used_stems:
                continue
        elif name in used:
            continue
        if storage.get_modified_time(name) < cutoff:
            unused.append(name)
    return sorted(unused)


def unused_media_delete(*, storage=None, now=None) -> list[str]:
    """Delete what `unused_media` finds; returns the names deleted."""
    storage = storage or default_storage
    names = unused_media(storage=storage, now=now)
    for name in names:
        storage.delete(name)
    return names
