"""The settings module, loaded the way a server loads it: in a fresh process with a chosen
environment. Each check builds its environment from scratch, so the result is the same on a
laptop and in CI (where DATABASE_URL and REDIS_URL point at PostgreSQL and Redis)."""

import ast
import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)

PRINT_SETTINGS = """
import json, django
from django.conf import settings
django.setup()
print(json.dumps({
    "DEBUG": settings.DEBUG,
    "DATABASES": settings.DATABASES,
    "CACHES": settings.CACHES,
    "ALLOWED_HOSTS": settings.ALLOWED_HOSTS,
    "TIME_ZONE": settings.TIME_ZONE,
    "EMAIL": {name: getattr(settings, name) for name in (
        "EMAIL_BACKEND", "EMAIL_HOST", "EMAIL_PORT", "EMAIL_USE_TLS", "DEFAULT_FROM_EMAIL")},
}, default=str))
"""


def run_python(code: str, **env: str) -> subprocess.CompletedProcess:
    """Run code with the project's settings and ONLY the given environment variables."""
    clean_env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "LANG": "C.UTF-8",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        **env,
    }
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=ROOT,
        env=clean_env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def loaded_settings(**env: str) -> dict:
    result = run_python(PRINT_SETTINGS, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_refuses_to_start_without_a_secret_key_when_debug_is_off():
    result = run_python(PRINT_SETTINGS)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off" in result.stderr


def test_an_explicit_debug_off_still_needs_the_secret_key():
    result = run_python(PRINT_SETTINGS, DJANGO_DEBUG="0")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_starts_with_a_secret_key_and_debug_off_by_default():
    loaded = loaded_settings(DJANGO_SECRET_KEY="a-test-key")
    assert loaded["DEBUG"] is False


def test_a_number_setting_that_is_not_a_number_is_named_in_the_error():
    result = run_python(PRINT_SETTINGS, DJANGO_SECRET_KEY="k", EMAIL_PORT="smtp")
    assert result.returncode != 0
    assert "ImproperlyConfigured: EMAIL_PORT must be a whole number, not 'smtp'." in result.stderr


def test_debug_mode_starts_without_a_secret_key():
    loaded = loaded_settings(DJANGO_DEBUG="1")
    assert loaded["DEBUG"] is True


def test_allowed_hosts_come_from_the_environment_and_default_to_none_in_production():
    assert loaded_settings(DJANGO_SECRET_KEY="k")["ALLOWED_HOSTS"] == []
    loaded = loaded_settings(
        DJANGO_SECRET_KEY="k", DJANGO_ALLOWED_HOSTS="kaisetsu.example.org, www.example.org"
    )
    assert loaded["ALLOWED_HOSTS"] == ["kaisetsu.example.org", "www.example.org"]


def test_time_zone_comes_from_the_environment():
    assert loaded_settings(DJANGO_SECRET_KEY="k")["TIME_ZONE"] == "Asia/Tokyo"
    assert loaded_settings(DJANGO_SECRET_KEY="k", TIME_ZONE="UTC")["TIME_ZONE"] == "UTC"


def test_email_goes_to_smtp_from_the_environment_in_production():
    email = loaded_settings(
        DJANGO_SECRET_KEY="k",
        EMAIL_HOST="smtp.example.org",
        EMAIL_PORT="587",
        EMAIL_USE_TLS="1",
        DEFAULT_FROM_EMAIL="News <news@example.org>",
    )["EMAIL"]
    assert email == {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "smtp.example.org",
        "EMAIL_PORT": 587,
        "EMAIL_USE_TLS": True,
        "DEFAULT_FROM_EMAIL": "News <news@example.org>",
    }


def test_email_is_printed_to_the_console_in_debug():
    email = loaded_settings(DJANGO_DEBUG="1")["EMAIL"]
    assert email["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend"


def test_default_database_is_sqlite_with_immediate_transactions_wal_and_busy_timeout():
    database = loaded_settings(DJANGO_SECRET_KEY="a-test-key")["DATABASES"]["default"]
    assert database["ENGINE"] == "django.db.backends.sqlite3"
    options = database["OPTIONS"]
    assert options["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in options["init_command"]
    assert options["timeout"] >= 5


def test_database_url_selects_another_database():
    database = loaded_settings(
        DJANGO_SECRET_KEY="a-test-key", DATABASE_URL="postgres://kaisetsu@db.invalid:5432/kaisetsu"
    )["DATABASES"]["default"]
    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert database["NAME"] == "kaisetsu"
    assert "transaction_mode" not in database.get("OPTIONS", {})


CONCURRENT_WRITERS = """
import json, threading, time
import django
django.setup()
from django.db import connection, transaction

with connection.cursor() as cursor:
    cursor.execute("CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)")
    cursor.execute("INSERT INTO counter (id, n) VALUES (1, 0)")
    cursor.execute("PRAGMA journal_mode")
    journal_mode = cursor.fetchone()[0]
connection.close()

ROUNDS = 15
errors = []
start = threading.Barrier(2)


def writer():
    # Read, pause, then write in one transaction: the pattern that fails with
    # "database is locked" when two deferred transactions both try to upgrade to writing.
    try:
        start.wait()
        for _ in range(ROUNDS):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SELECT n FROM counter WHERE id = 1")
                (n,) = cursor.fetchone()
                time.sleep(0.005)
                cursor.execute("UPDATE counter SET n = %s WHERE id = 1", [n + 1])
    except Exception as exc:
        errors.append(repr(exc))
    finally:
        connection.close()


threads = [threading.Thread(target=writer) for _ in range(2)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
with connection.cursor() as cursor:
    cursor.execute("SELECT n FROM counter WHERE id = 1")
    total = cursor.fetchone()[0]
print(json.dumps({"errors": errors, "total": total, "rounds": 2 * ROUNDS,
                  "journal_mode": journal_mode}))
"""


def test_two_concurrent_sqlite_writers_both_succeed(tmp_path):
    database = tmp_path / "concurrent.sqlite3"
    result = run_python(
        CONCURRENT_WRITERS, DJANGO_SECRET_KEY="a-test-key", DATABASE_URL=f"sqlite:///{database}"
    )
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome["errors"] == []
    assert outcome["total"] == outcome["rounds"]  # every write landed, none was lost
    assert outcome["journal_mode"] == "wal"


def test_redis_url_selects_the_redis_cache_without_connecting():
    cache = loaded_settings(
        DJANGO_SECRET_KEY="a-test-key", REDIS_URL="redis://cache.invalid:6379/3"
    )["CACHES"]["default"]
    assert cache["BACKEND"] == "core.redis_cache.RedisCache"  # Django's, reusing its client
    assert cache["LOCATION"] == "redis://cache.invalid:6379/3"


def test_without_redis_url_the_cache_is_local_memory():
    cache = loaded_settings(DJANGO_SECRET_KEY="a-test-key")["CACHES"]["default"]
    assert cache["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"


def environment_variables_read() -> set[str]:
    """Names passed to os.environ.get / os.getenv / the settings' env_* helpers, found by
    parsing the project's code (the settings module, apps and the test set-up)."""
    files = [ROOT / "tests" / "conftest.py", *ROOT.glob("*/*.py"), *ROOT.glob("*/*/*.py")]
    names = set()
    for path in files:
        # bench/ scripts and the bench's settings are tools run by hand (`make bench`); their
        # variables are documented where they are read.
        if (
            {".venv", "bench"} & set(path.parts)
            or path.name in {"settings_bench.py", "bench_data.py"}
            or ("tests" in path.parts and path.name != "conftest.py")
        ):
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not (isinstance(node, ast.Call) and node.args):
                continue
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            is_environ = called in {"env_bool", "env_int", "env_list"} or (
                isinstance(func, ast.Attribute)
                and called in {"get", "getenv"}
                and ast.unparse(func.value) in {"os.environ", "os"}
            )
            first = node.args[0]
            if is_environ and isinstance(first, ast.Constant) and isinstance(first.value, str):
                names.add(first.value)
    return names


def test_env_example_lists_every_variable_the_code_reads():
    listed = {
        line.split("=", 1)[0]
        for line in (ROOT / ".env.example").read_text().splitlines()
        if "=" in line and not line.startswith("#")
    }
    read = environment_variables_read()
    assert {"DJANGO_SECRET_KEY", "DATABASE_URL", "REDIS_URL"} <= read  # the parser works
    assert sorted(read - listed) == []


PRINT_SECURITY = """
import json, django
from django.conf import settings
django.setup()
names = ("SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS",
         "SECURE_HSTS_PRELOAD", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE",
         "SECURE_CROSS_ORIGIN_OPENER_POLICY")
print(json.dumps({name: getattr(settings, name) for name in names}))
"""


def security_settings(**env: str) -> dict:
    result = run_python(PRINT_SECURITY, DJANGO_SECRET_KEY="a-test-key", **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_https_sends_hsts_for_a_year_without_promises_for_other_hosts():
    loaded = security_settings(DJANGO_SECURE_SSL="1")
    assert loaded["SECURE_SSL_REDIRECT"] is True
    assert loaded["SESSION_COOKIE_SECURE"] is loaded["CSRF_COOKIE_SECURE"] is True
    assert loaded["SECURE_HSTS_SECONDS"] == 31536000
    assert loaded["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is False
    assert loaded["SECURE_HSTS_PRELOAD"] is False
    assert loaded["SECURE_CROSS_ORIGIN_OPENER_POLICY"] == "same-origin"


def test_hsts_subdomains_preload_and_lifetime_are_opt_ins():
    loaded = security_settings(
        DJANGO_SECURE_SSL="1",
        DJANGO_HSTS_SECONDS="600",
        DJANGO_HSTS_INCLUDE_SUBDOMAINS="1",
        DJANGO_HSTS_PRELOAD="1",
    )
    assert loaded["SECURE_HSTS_SECONDS"] == 600
    assert loaded["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert loaded["SECURE_HSTS_PRELOAD"] is True


def test_without_https_there_is_no_hsts_or_redirect():
    loaded = security_settings()
    assert loaded["SECURE_SSL_REDIRECT"] is False
    assert loaded["SECURE_HSTS_SECONDS"] == 0


def test_deploy_check_finds_nothing_the_project_decides_in_production():
    """`check --deploy` with a production environment warns only about what the site's owner
    decides: HSTS for every subdomain (W005) and the browsers' preload list (W021)."""
    result = run_python(
        "import sys; from django.core.management import execute_from_command_line; "
        "execute_from_command_line(['manage.py', 'check', '--deploy'])",
        DJANGO_SECRET_KEY="x7$Kp2!qL9@vR4#zT6^wY8&bN3*cM5(dF1)gH0-jA2=sE4+uI6",
        DJANGO_SECURE_SSL="1",
        DJANGO_ALLOWED_HOSTS="example.org",
    )
    assert result.returncode == 0, result.stderr
    warnings = set(re.findall(r"\(security\.(W\d+)\)", result.stderr + result.stdout))
    assert warnings <= {"W005", "W021"}, result.stderr + result.stdout


def test_every_response_refuses_cross_origin_embedding_and_unused_features(client):
    response = client.get("/robots.txt")
    assert response.headers["Cross-Origin-Resource-Policy"] == "same-origin"
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    policy = dict(item.split("=", 1) for item in response.headers["Permissions-Policy"].split(", "))
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert policy[feature] == "()"


PRINT_ALL_SETTINGS = """
import json, django
from django.conf import settings
django.setup()
print(json.dumps({name: getattr(settings, name) for name in dir(settings) if name.isupper()},
                 default=str, sort_keys=True))
"""


def env_example() -> dict[str, str]:
    return dict(
        line.split("=", 1)
        for line in (ROOT / ".env.example").read_text().splitlines()
        if "=" in line and not line.startswith("#")
    )


def test_env_example_values_are_the_defaults():
    """Setting every variable to the value .env.example shows changes nothing: what it lists
    are the real defaults (an empty value counts as unset)."""
    key = {"DJANGO_SECRET_KEY": "a-test-key"}
    as_listed = run_python(PRINT_ALL_SETTINGS, **{**env_example(), **key})
    unset = run_python(PRINT_ALL_SETTINGS, **key)
    assert as_listed.returncode == 0, as_listed.stderr
    assert unset.returncode == 0, unset.stderr
    listed = json.loads(as_listed.stdout.strip().splitlines()[-1])
    defaults = json.loads(unset.stdout.strip().splitlines()[-1])
    assert {k: v for k, v in listed.items() if v != defaults.get(k)} == {}


def test_an_empty_variable_means_its_default():
    blank = loaded_settings(
        DJANGO_SECRET_KEY="k", DATABASE_URL="", TIME_ZONE="", EMAIL_BACKEND="", EMAIL_HOST=""
    )
    assert blank["DATABASES"]["default"]["ENGINE"] == "django.db.backends.sqlite3"
    assert blank["TIME_ZONE"] == "Asia/Tokyo"
    assert blank["EMAIL"]["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert blank["EMAIL"]["EMAIL_HOST"] == "localhost"
