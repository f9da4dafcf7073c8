"""Shared fixtures: users in each newsroom role, and a real browser for the browser tests.

Browser tests run Debian's Chromium through Playwright's executable_path (Playwright cannot
download browsers here). Without Chromium they are skipped loudly, unless
KAISETSU_REQUIRE_BROWSER=1 (CI), which turns a missing browser into a failure.
"""

import os
import shutil
import tempfile
from importlib import import_module

# Playwright's sync API runs an event loop in the test thread; Django's ORM refuses to run
# beside one unless told it is safe. Tests only: never set in settings or production.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

import pytest  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402

from tests.factories import ExplainerFactory, UserFactory  # noqa: E402

CHROMIUM = os.environ.get("KAISETSU_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
REQUIRE_BROWSER = os.environ.get("KAISETSU_REQUIRE_BROWSER", "") == "1"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
_browser_skip_reason = None


def _chromium_available() -> bool:
    return os.path.exists(CHROMIUM) and os.access(CHROMIUM, os.X_OK)


def pytest_collection_modifyitems(config, items):
    global _browser_skip_reason
    browser_items = [item for item in items if item.get_closest_marker("browser")]
    if not browser_items or _chromium_available():
        return
    if REQUIRE_BROWSER:
        return  # the browser fixture fails each test loudly
    _browser_skip_reason = (
        f"Chromium not found at {CHROMIUM}: {len(browser_items)} browser test(s) SKIPPED. "
        "Install it with: apt-get install -y --no-install-recommends chromium fonts-liberation"
    )
    for item in browser_items:
        item.add_marker(pytest.mark.skip(reason=_browser_skip_reason))


def pytest_terminal_summary(terminalreporter):
    if _browser_skip_reason:
        terminalreporter.write_sep("!", "BROWSER TESTS SKIPPED", red=True, bold=True)
        terminalreporter.write_line(_browser_skip_reason, red=True, bold=True)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """On SQLite, test against a file (one per run), not the shared in-memory database.

    The browser tests' live server answers requests in several threads; an in-memory
    database in shared-cache mode fails them with "database table is locked", which no busy
    timeout waits out. A file with WAL and the busy timeout behaves like production.
    """
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        database.setdefault("TEST", {})["NAME"] = os.path.join(
            tempfile.gettempdir(), f"kaisetsu-test-{os.getpid()}.sqlite3"
        )


@pytest.fixture(autouse=True)
def _plain_static_and_clean_cache(settings, tmp_path):
    """Tests render {% static %} without a collected manifest, hash passwords fast, keep
    uploads in a directory of their own, and start with an empty cache, in the default
    language."""
    from django.core.cache import cache
    from django.utils import translation

    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # Real password hashing is deliberately slow; tests only need it to be a hash.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()
    # reverse() prefixes reader addresses with the active language, and a request leaves its
    # language active in the thread: each test starts from the default one.
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()
    cache.clear()


ROLE_MIGRATIONS = (
    "explainers.migrations.0002_roles",
    "explainers.migrations.0003_comment_settings_permission",
    "comments.migrations.0002_roles",
    "comments.migrations.0007_moderators_open_close_comments",
    "readers.migrations.0003_author_profile",
    "desk.migrations.0002_roles",
)


def ensure_roles():
    """Recreate the newsroom groups exactly as the data migrations define them.

    Transactional (browser) tests end with a flush, which empties every table; Django
    recreates content types and permissions afterwards, but not the migrations' groups.
    """
    from django.contrib.auth.models import Permission

    for module_name in ROLE_MIGRATIONS:
        app_label = module_name.split(".")[0]
        for name, codenames in import_module(module_name).ROLES.items():
            group, _ = Group.objects.get_or_create(name=name)
            for codename in codenames:
                # A plain codename is the migration's own app's; a pair names another app's.
                label, code = codename if isinstance(codename, tuple) else (app_label, codename)
                group.permissions.add(
                    *Permission.objects.filter(content_type__app_label=label, codename=code)
                )


@pytest.fixture(autouse=True)
def _newsroom_roles(request):
    """Make sure the role groups exist for every test that uses the database."""
    marker = request.node.get_closest_marker("django_db")
    wants_db = marker is not None or {"db", "transactional_db"} & set(request.fixturenames)
    if not wants_db:
        return
    transactional = "transactional_db" in request.fixturenames or (
        marker is not None and marker.kwargs.get("transaction", False)
    )
    request.getfixturevalue("transactional_db" if transactional else "db")
    if Group.objects.filter(name__in=["Editors", "Contributors", "Moderators"]).count() != 3:
        ensure_roles()


def _user_in(group_name, **kwargs):
    user = UserFactory(**kwargs)
    user.groups.add(Group.objects.get(name=group_name))
    return user


@pytest.fixture
def editor(db):
    """A staff editor who may publish."""
    return _user_in("Editors", is_staff=True, username="editor")


@pytest.fixture
def contributor(db):
    """A staff writer who may submit for review but not publish."""
    return _user_in("Contributors", is_staff=True, username="contributor")


@pytest.fixture
def moderator(db):
    return _user_in("Moderators", is_staff=True, username="moderator")


@pytest.fixture
def reader(db):
    return UserFactory(username="reader")


@pytest.fixture
def explainer(db):
    """A published explainer with everything its page shows: three key points and a source."""
    return ExplainerFactory(published=True, key_points=3, sources=1)


@pytest.fixture
def mod_client(client, moderator):
    """The test client, signed in as the moderator."""
    client.force_login(moderator)
    return client


class QueryCounter:
    """Count the queries of one GET; the response stays on `.response` for further checks.

    What is counted is a render: the shared page cache is emptied first, or every GET after
    the first of a reader page would count the 0 queries of a cache hit
    (tests/pages/test_page_cache.py counts those).
    """

    response = None

    def __call__(self, client, url, status=200):
        from django.core.cache import cache
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            self.response = client.get(url)
        assert self.response.status_code == status, url
        return len(queries)


@pytest.fixture
def count_queries():
    """`count_queries(client, url)` returns how many queries a GET of `url` ran.

    For tests that compare two counts (small data against large). A test that expects an
    exact number uses pytest-django's `django_assert_num_queries` instead.
    """
    return QueryCounter()


@pytest.fixture(scope="session")
def browser():
    if not _chromium_available():
        pytest.fail(f"KAISETSU_REQUIRE_BROWSER=1 but Chromium is missing at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh browser page on the live server that records console errors and CSP violations."""
    context = browser.new_context(
        base_url=live_server.url, locale="en-US", viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.console_errors = []
    page.on(
        "console", lambda msg: page.console_errors.append(msg.text) if msg.type == "error" else None
    )
    page.on("pageerror", lambda exc: page.console_errors.append(str(exc)))
    yield page
    context.close()


@pytest.fixture
def login(page):
    """Log a user in through the admin's login form (the real thing a person does)."""

    def _login(user, password="correct horse battery staple", next_url="/admin/"):
        page.goto(f"/admin/login/?next={next_url}")
        page.fill("#id_username", user.username)
        page.fill("#id_password", password)
        page.click("input[type=submit]")
        page.wait_for_load_state()
        return page

    return _login
