"""Editors' uploads that nothing uses any more, found and deleted (`manage.py purge_unused_media`).

Saving a new lead image, figure or portrait, deleting an explainer or discarding a working
draft leaves the old file (and the renditions `core.images` made from it) in MEDIA_ROOT: a
row's old file may still be named by another row (a working draft shares its live
explainer's images) or by a revision that an editor can restore. So nothing is deleted when a
row changes. This daily job deletes a stored file only when no app names it any more.

Each app that stores files registers a *reference lister* in its AppConfig.ready():
`() -> iterable of stored names` (every row, every draft, every revision snapshot), so this
module knows no models. A file is deleted only when it was found unused by two runs at least
`GRACE` apart: an upload is written before the row naming it commits, and a page cached
before an image was replaced (nginx serves stale pages for a while) still links the old
file. When each file was first found unused is kept in the cache (`SEEN_KEY`); if the cache
loses it, deletion only waits another run. A rendition under `renditions/<original>/`
(or, made before that rule, `renditions/<original without its extension>/`) is kept while
its original is.
"""

import datetime
import posixpath
from collections.abc import Callable, Iterable

from django.core.cache import cache
from django.core.files.storage import default_storage
from django.utils import timezone

from core.images import RENDITIONS_DIR

# Two daily runs are a day apart, give or take the timer's jitter.
GRACE = datetime.timedelta(hours=20)
SEEN_KEY = "media:unused-since"

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


def _rendition_original(rendition: str) -> str:
    """`renditions/lead/2026/12/a.jpg/800w.webp` → `lead/2026/12/a.jpg`, the original (or,
    for renditions made before the folder kept the extension, its name without one)."""
    return posixpath.dirname(rendition)[len(RENDITIONS_DIR) + 1 :]


def unused_media(*, storage=None) -> list[str]:
    """The stored files nothing names now, originals and renditions alike."""
    storage = storage or default_storage
    try:
        stored = list(_walk(storage))
    except FileNotFoundError:  # no upload yet: MEDIA_ROOT does not exist
        return []
    used = referenced_names()
    used_folders = used | {posixpath.splitext(name)[0] for name in used}
    unused = []
    for name in stored:
        if name.startswith(RENDITIONS_DIR + "/"):
            if _rendition_original(name) in used_folders:
                continue
        elif name in used:
            continue
        unused.append(name)
    return sorted(unused)


def unused_since() -> dict[str, str]:
    """When each file was first found unused (ISO times), as the last run left it."""
    return cache.get(SEEN_KEY) or {}


def unused_media_delete(*, storage=None, now=None) -> list[str]:
    """One run: delete what was already unused at a run at least GRACE ago, remember when the
    rest was first found unused, forget what is used again. Returns the names deleted."""
    storage = storage or default_storage
    now = now or timezone.now()
    seen = unused_since()
    since = {name: seen.get(name, now.isoformat()) for name in unused_media(storage=storage)}
    due = sorted(
        name
        for name, first in since.items()
        if datetime.datetime.fromisoformat(first) <= now - GRACE
    )
    for name in due:
        storage.delete(name)
        del since[name]
    cache.set(SEEN_KEY, since, None)
    return due
