"""`make bench`: how fast the site serves readers, and what each page costs the server.

    .venv/bin/python bench/run.py                    # SQLite, 1,000 explainers (a few minutes)
    .venv/bin/python bench/run.py --postgres         # the same on PostgreSQL (BENCH_PG)
    .venv/bin/python bench/run.py --large            # PostgreSQL, 100,000 / 1,000,000 comments

Builds a throwaway site: a fresh database (a SQLite file in a temporary directory, or the
PostgreSQL database `kaisetsu_bench` on BENCH_PG, default postgres://postgres@127.0.0.1:5432),
migrated and filled by `manage.py bench_data`; static files collected into the temporary
directory; gunicorn (sync, 2 workers) under `config.settings_bench` on a free local port; and,
where nginx is installed, nginx in a temporary prefix with deploy/nginx's proxy and cache
config. Redis (REDIS_URL's db 14, under a key prefix of this run, removed at the end) is the
cache when it answers on 127.0.0.1:6379.

Then wrk (2 threads, 16 connections) measures, in interleaved rounds, the rows described in
ROWS below, and finally comment POSTs through the real comment form with gunicorn on 4 workers,
counting every acknowledged post back in the database. For each row: requests a second, p50
and p99 latency, server CPU per request (utime + stime from /proc of gunicorn's and nginx's
processes, and the PostgreSQL backends serving the bench), and how busy the rest of the
machine was meanwhile (/proc/stat): a row during which others used more than BUSY_SHARE of the
machine is flagged and measured once more. Prints a table and ratios, and writes everything to
bench/results/<timestamp>.json. Every process it starts is stopped on exit, Ctrl+C included.
"""

import argparse
import datetime
import html
import http.cookiejar
import json
import os
import platform
import re
import resource
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
RESULTS = ROOT / "bench" / "results"
NGINX_DIR = ROOT / "deploy" / "nginx"
HZ = os.sysconf("SC_CLK_TCK")
BUSY_SHARE = 0.25
PG_SERVER = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
PG_DATABASE = "kaisetsu_bench"
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
SESSION_COOKIE = "sessionid=bench"
# Subject words of bench_data: each in a few per cent of the archive, as a news word is.
SEARCH_TERMS = {"search_ja": "半導体", "search_en": "semiconductor"}

# name, target, path (filled in once the data exists), extra headers, what it measures.
ROWS = [
    ("nginx static", "nginx", "static", {}, "nginx sends the explainer page's bytes as a file"),
    ("floor", "app", "floor", {}, "the same bytes from a Django view: middleware, no work"),
    ("explainer cached", "app", "explainer", {}, "anonymous explainer page, repeated"),
    (
        "explainer uncached",
        "app",
        "explainer",
        {"Cookie": SESSION_COOKIE},
        "the same page with a session cookie: the shared cache is bypassed",
    ),
    ("home", "app", "home", {}, "the latest explainers"),
    ("topic", "app", "topic", {}, "the busiest topic's page"),
    ("sitemap", "app", "sitemap", {}, "/sitemap.xml"),
    ("search ja", "app", "search_ja", {}, "search for a Japanese word (never cached)"),
    ("search en", "app", "search_en", {}, "search for an English word (never cached)"),
    ("nginx cached", "nginx", "explainer", {}, "the explainer page through nginx's cache"),
]

GET_LUA = r"""
done = function(summary, latency, requests)
  io.write(string.format(
    "BENCH_JSON {\"requests\":%d,\"duration_us\":%d,\"p50_us\":%d,\"p99_us\":%d," ..
    "\"max_us\":%d,\"non_2xx_3xx\":%d,\"socket_errors\":%d,\"timeouts\":%d}\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    latency.max, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write,
    summary.errors.timeout))
end
"""

# Every request posts a new text (thread number and counter), so each one can be found again;
# responses are counted by status in each thread and summed at the end.
POST_LUA = r"""
local threads = {}
local next_id = 1

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

local function encode(s)
  return (string.gsub(s, "[^%w%-_%.~]", function(c)
    return string.format("%%%02X", string.byte(c))
  end))
end

function init(args)
  form, marker, path, cookie = args[1], args[2], args[3], args[4]
  sent = 0
  statuses = {}
end

function request()
  sent = sent + 1
  local text = string.format(
    "%s %d-%d: この解説で背景がよく分かりました。Thanks for the background.", marker, id, sent)
  return wrk.format("POST", path, {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Cookie"] = cookie,
  }, form .. "&body=" .. encode(text))
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local totals = {}
  local sent_total = 0
  for _, thread in ipairs(threads) do
    sent_total = sent_total + thread:get("sent")
    for status, n in pairs(thread:get("statuses")) do
      totals[status] = (totals[status] or 0) + n
    end
  end
  local parts = {}
  for status, n in pairs(totals) do table.insert(parts, string.format("\"%d\":%d", status, n)) end
  io.write(string.format(
    "BENCH_JSON {\"requests\":%d,\"duration_us\":%d,\"p50_us\":%d,\"p99_us\":%d," ..
    "\"max_us\":%d,\"non_2xx_3xx\":%d,\"socket_errors\":%d,\"timeouts\":%d,\"sent\":%d," ..
    "\"statuses\":{%s}}\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    latency.max, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write,
    summary.errors.timeout, sent_total, table.concat(parts, ",")))
end
"""


class BenchError(Exception):
    """Something the bench cannot go on without; the message says what to do."""


def say(message=""):
    print(message, flush=True)


def num(value, spec):
    """`value` formatted by `spec`, or a dash (right-aligned alike) when there is none."""
    if value is None:
        width = re.match(r"[<>]?(\d*)", spec).group(1)
        return f"{'-':>{width or 1}}"
    return format(value, spec)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# CPU accounting from /proc --------------------------------------------------------------


def _stat_fields(pid):
    """Fields of /proc/<pid>/stat after the command name (state first), or None."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    return raw[raw.rindex(")") + 2 :].split()


def process_table():
    """{pid: (ppid, own ticks, reaped children's ticks)} for every process."""
    table = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            fields = _stat_fields(entry)
            if fields:
                utime, stime, cutime, cstime = (int(v) for v in fields[11:15])
                table[int(entry)] = (int(fields[1]), utime + stime, cutime + cstime)
    return table


def tree_ticks(table, root):
    """CPU ticks of a process, the children it reaped, and its live descendants."""
    if root is None or root not in table:
        return 0
    total = table[root][1] + table[root][2]
    children = {}
    for pid, (ppid, _own, _reaped) in table.items():
        children.setdefault(ppid, []).append(pid)
    stack = list(children.get(root, []))
    while stack:
        pid = stack.pop()
        total += table[pid][1] + table[pid][2]
        stack.extend(children.get(pid, []))
    return total


def machine_ticks():
    """(busy, total) ticks of the whole machine since boot.

    Interrupt time is left out of "busy": at thousands of requests a second the loopback
    network's softirq work is the bench's own, but no process is charged for it.
    """
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    user, nice, system, idle, iowait, irq, softirq, steal = (values + [0] * 8)[:8]
    busy = user + nice + system + steal
    return busy, busy + idle + iowait + irq + softirq


def own_children_ticks():
    """Ticks used by this script and the children it has waited for (wrk)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    seconds = own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime
    return seconds * HZ


# The bench ------------------------------------------------------------------------------


def nginx_config(prefix, *, app_port, static_root, media_root, http_extra=""):
    """deploy/nginx's http and proxy pieces, production paths mapped into `prefix`, inside a
    small http{} of our own (no TLS), listening on a free port (returned). `http_extra` adds
    directives to the http{} block."""
    for sub in ("conf", "cache", "temp"):
        (prefix / sub).mkdir(parents=True, exist_ok=True)
    mapping = {
        "server 127.0.0.1:8000;": f"server 127.0.0.1:{app_port};",
        "/var/cache/nginx/kaisetsu": str(prefix / "cache"),
        "/srv/kaisetsu/staticfiles/": f"{static_root}/",
        "/srv/kaisetsu/media/": f"{media_root}/",
    }
    for piece in ("kaisetsu-http.conf", "kaisetsu-proxy.conf"):
        config = (NGINX_DIR / piece).read_text()
        for production, here in mapping.items():
            config = config.replace(production, here)
        (prefix / "conf" / piece).write_text(config)
    port = free_port()
    mime = "/etc/nginx/mime.types"
    types = f"include {mime};" if os.path.exists(mime) else "types { text/html html; }"
    # Run as root (a container), the workers would be `nobody`, who cannot read the
    # temporary directory: keep them as this user.
    user = "user root;" if os.geteuid() == 0 else ""
    temp = prefix / "temp"
    (prefix / "nginx.conf").write_text(
        f"""{user}
worker_processes 2;
daemon off;
pid {prefix / "nginx.pid"};
error_log {prefix / "error.log"} warn;
events {{ worker_connections 1024; }}
http {{
    {types}
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_timeout 65;
    client_body_temp_path {temp}/client;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    {http_extra}
    include {prefix / "conf" / "kaisetsu-http.conf"};
    server {{
        listen 127.0.0.1:{port};
        server_name localhost 127.0.0.1;
        include {prefix / "conf" / "kaisetsu-proxy.conf"};
    }}
}}
"""
    )
    return port


class Bench:
    def __init__(self, args):
        self.args = args
        self.tmp = Path(tempfile.mkdtemp(prefix="kaisetsu-bench-"))
        self.procs = {}  # name → Popen, each in its own session
        self.run_id = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
        self.cache_prefix = f"kaisetsu-bench-{os.getpid()}"
        self.redis = None
        self.pg = None  # psycopg connection to the bench database, for its backends' pids
        self.notes = []
        self.results = {"rows": {}, "post": None}
        self.wrk_path = shutil.which("wrk")
        self.nginx = (
            None
            if args.no_nginx
            else shutil.which("nginx")
            or ("/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None)
        )
        self.redis_pid = None

    # Setup -------------------------------------------------------------------------------

    def environment(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "BENCH_"))}
        env.update(
            DJANGO_SETTINGS_MODULE="config.settings_bench",
            DJANGO_DEBUG="0",
            DJANGO_SECRET_KEY="bench-only-" + secrets.token_hex(16),
            DATABASE_URL=self.database_url,
            BENCH_STATIC_ROOT=str(self.tmp / "static"),
            BENCH_FLOOR_FILE=str(self.tmp / "page.html"),
            MEDIA_ROOT=str(self.tmp / "media"),
            SITE_URL=f"http://127.0.0.1:{self.app_port}",
            # As in production behind one nginx; direct requests carry no X-Forwarded-For
            # and count by REMOTE_ADDR.
            KAISETSU_TRUSTED_PROXY_COUNT="1",
            LOG_LEVEL="WARNING",
            PYTHONUNBUFFERED="1",
        )
        env.pop("DJANGO_PLAIN_STATIC", None)
        env.pop("REDIS_URL", None)
        env.pop("CACHE_KEY_PREFIX", None)
        if self.redis is not None:
            env.update(REDIS_URL=REDIS_URL, CACHE_KEY_PREFIX=self.cache_prefix)
        return env

    def connect_redis(self):
        try:
            import redis

            client = redis.Redis.from_url(REDIS_URL, socket_timeout=2)
            client.ping()
            self.redis_pid = int(client.info("server").get("process_id") or 0) or None
            self.redis = client
        except Exception as error:  # noqa: BLE001 - any failure means: no Redis
            self.notes.append(f"Redis not reachable at {REDIS_URL} ({error}): local-memory cache")
            say(f"  note: {self.notes[-1]}")

    def create_database(self):
        if not self.args.postgres:
            self.database_url = f"sqlite:///{self.tmp / 'bench.sqlite3'}"
            return True
        import psycopg

        self.database_url = f"{PG_SERVER}/{PG_DATABASE}"
        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as connection:
            exists = connection.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [PG_DATABASE]
            ).fetchone()
            if exists and self.args.reuse_db:
                say(f"  reusing the database {PG_DATABASE} (--reuse-db)")
                return False
            connection.execute(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)')
            connection.execute(f'CREATE DATABASE "{PG_DATABASE}"')
        return True

    def manage(self, *command, capture=False):
        result = subprocess.run(
            [str(BIN / "python"), "manage.py", *command],
            cwd=ROOT,
            env=self.env,
            check=False,
            text=True,
            stdout=subprocess.PIPE if capture else None,
        )
        if result.returncode:
            raise BenchError(f"manage.py {' '.join(command)} failed (exit {result.returncode})")
        return result.stdout

    def django_json(self, code):
        """Run `code` (which prints one JSON line) in a Django shell with the server's settings."""
        output = self.manage("shell", "-c", code, capture=True)
        return json.loads(output.strip().splitlines()[-1])

    def prepare(self):
        a = self.args
        self.app_port = free_port()
        self.connect_redis()
        fresh = self.create_database()
        self.env = self.environment()
        (self.tmp / "media").mkdir()
        step = time.monotonic()
        say("== migrate")
        self.manage("migrate", "--noinput", "-v0")
        if fresh:
            say(f"== bench_data: {a.explainers:,} explainers, {a.comments:,} comments")
            self.manage(
                "bench_data", "--explainers", str(a.explainers), "--comments", str(a.comments)
            )
        say("== collectstatic")
        self.manage("collectstatic", "--noinput", "-v0")
        say(f"   set up in {time.monotonic() - step:.0f} s")
        # Addresses as the site builds them (a language prefix, if any, included).
        self.targets = self.django_json(
            "import json\n"
            "from django.conf import settings\n"
            "from django.db.models import Count, Q\n"
            "from django.urls import reverse\n"
            "from django.utils import translation\n"
            "from explainers.models import Explainer, Topic\n"
            "translation.activate(settings.LANGUAGE_CODE)\n"
            "hot = Explainer.objects.published().annotate(n=Count('comments')).order_by('-n')[0]\n"
            "live = Q(explainers__in=Explainer.objects.published())\n"
            "topic = Topic.objects.annotate(n=Count('explainers', filter=live)).order_by('-n')[0]\n"
            "print(json.dumps({'comments': hot.n, 'open': hot.comments_open,\n"
            "    'explainers': Explainer.objects.count(),\n"
            "    'explainer': hot.get_absolute_url(), 'topic': topic.get_absolute_url(),\n"
            "    'home': reverse('explainers:home'), 'sitemap': reverse('sitemap'),\n"
            "    'post': reverse('comments:post', args=[hot.slug]),\n"
            "    'search': reverse('explainers:search'),\n"
            "    'matches': {word: Explainer.objects.published().search(word).count()\n"
            f"        for word in {list(SEARCH_TERMS.values())!r}}}}}))"
        )
        for key, word in SEARCH_TERMS.items():
            self.targets[key] = self.targets["search"] + "?" + urllib.parse.urlencode({"q": word})

    # Processes ---------------------------------------------------------------------------

    def start(self, name, command, log):
        with open(self.tmp / log, "ab") as out:
            self.procs[name] = subprocess.Popen(
                command,
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )

    def stop(self, name):
        proc = self.procs.pop(name, None)
        if proc is None or proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=10)
        except ProcessLookupError:
            return
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()

    def wait_for(self, url, name, log):
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.procs[name].poll() is not None:
                tail = (self.tmp / log).read_text(errors="replace")[-3000:]
                raise BenchError(f"{name} exited at start. Its log ends:\n{tail}")
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.25)
        raise BenchError(f"{name} did not answer {url} within a minute (log: {self.tmp / log})")

    def start_gunicorn(self, workers):
        self.stop("gunicorn")
        self.app_port = free_port()
        self.env["SITE_URL"] = f"http://127.0.0.1:{self.app_port}"
        self.start(
            "gunicorn",
            [
                str(BIN / "gunicorn"),
                "config.wsgi",
                "--workers",
                str(workers),
                "--worker-class",
                "sync",
                "--bind",
                f"127.0.0.1:{self.app_port}",
                "--timeout",
                "120",
                "--backlog",
                "2048",
                "--no-control-socket",  # gunicorn's default socket is one per user, shared
            ],
            "gunicorn.log",
        )
        self.wait_for(f"http://127.0.0.1:{self.app_port}/robots.txt", "gunicorn", "gunicorn.log")

    def nginx_config(self):
        prefix = self.tmp / "nginx"
        self.nginx_port = nginx_config(
            prefix,
            app_port=self.app_port,
            static_root=self.tmp / "static",
            media_root=self.tmp / "media",
        )
        return prefix

    def start_nginx(self):
        if not self.nginx:
            self.notes.append(
                "--no-nginx: the nginx rows are skipped"
                if self.args.no_nginx
                else "nginx is not installed: the nginx rows are skipped "
                "(apt-get install -y nginx-light)"
            )
            say(f"  note: {self.notes[-1]}")
            return
        prefix = self.nginx_config()
        self.start(
            "nginx",
            [self.nginx, "-p", f"{prefix}/", "-c", str(prefix / "nginx.conf"), "-e", "stderr"],
            "nginx.log",
        )
        self.wait_for(self.url("nginx", "/static/bench/page.html"), "nginx", "nginx.log")

    def stop_all(self):
        for name in list(self.procs):
            self.stop(name)

    # Requests ----------------------------------------------------------------------------

    def url(self, target, path):
        port = self.nginx_port if target == "nginx" else self.app_port
        return f"http://127.0.0.1:{port}{path}"

    def paths(self):
        targets = self.targets
        return {
            "static": "/static/bench/page.html",
            "floor": "/bench/floor/",
            **{
                key: targets[key]
                for key in ("explainer", "home", "topic", "sitemap", *SEARCH_TERMS)
            },
        }

    def check_paths(self):
        """Every row's address answers 200 itself (a redirect would measure the redirect)."""
        for key, path in self.paths().items():
            if key in ("static", "floor"):
                continue
            request = urllib.request.Request(self.url("app", path))
            try:
                with urllib.request.urlopen(request, timeout=60) as response:
                    final = urllib.parse.urlsplit(response.geturl())
            except urllib.error.HTTPError as error:
                log = self.tmp / "gunicorn.log"
                raise BenchError(f"{path} answered {error.code} (log: {log})") from None
            wanted = urllib.parse.urlsplit(path)
            if final.path != wanted.path:
                say(f"   {path} redirects to {final.path}: measuring that")
                self.targets[key] = final.path + (f"?{wanted.query}" if wanted.query else "")

    def fetch(self, url, headers=None):
        request = urllib.request.Request(url, headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()

    def save_page(self):
        """The explainer page's bytes: served by the floor view and by nginx as a file."""
        status, headers, body = self.fetch(self.url("app", self.paths()["explainer"]))
        if status != 200:
            raise BenchError(f"The explainer page answered {status}: the site is broken?")
        (self.tmp / "page.html").write_bytes(body)
        static = self.tmp / "static" / "bench"
        static.mkdir(parents=True, exist_ok=True)
        (static / "page.html").write_bytes(body)
        self.results["page_bytes"] = len(body)
        status, _headers, floor = self.fetch(self.url("app", self.paths()["floor"]))
        if (status, floor) != (200, body):
            raise BenchError(f"The floor view answered {status}, not the page's bytes")

    def cache_evidence(self):
        """What the caches said about the explainer page (two anonymous GETs each)."""
        evidence = {}
        path = self.paths()["explainer"]
        for target in ("app", "nginx"):
            if target == "nginx" and "nginx" not in self.procs:
                continue
            seen = []
            for _ in range(2):
                _status, headers, _body = self.fetch(self.url(target, path))
                keep = ("Cache-Control", "Vary", "Age", "X-Cache-Status", "Set-Cookie")
                seen.append({k: v for k, v in headers.items() if k in keep})
            evidence[target] = seen
        _status, headers, _body = self.fetch(self.url("app", path), {"Cookie": SESSION_COOKIE})
        evidence["with session cookie"] = {
            k: v for k, v in headers.items() if k in ("Cache-Control", "Vary", "Set-Cookie")
        }
        self.results["cache_headers"] = evidence
        return evidence

    # Measuring ---------------------------------------------------------------------------

    def snapshot(self):
        table = process_table()
        servers = {
            name: tree_ticks(table, proc.pid)
            for name, proc in self.procs.items()
            if name in ("gunicorn", "nginx")
        }
        services = sum(table[pid][1] for pid in self.service_pids() if pid in table)
        busy, total = machine_ticks()
        return {
            "servers": servers,
            "services": services,
            "busy": busy,
            "total": total,
            "mine": own_children_ticks(),
        }

    def service_pids(self):
        """The database backends serving the bench (PostgreSQL) and the Redis server: their
        CPU is the bench's, not other people's."""
        pids = [self.redis_pid] if self.redis_pid else []
        if self.args.postgres:
            try:
                if self.pg is None:
                    import psycopg

                    self.pg = psycopg.connect(self.database_url, autocommit=True)
                rows = self.pg.execute(
                    "SELECT pid FROM pg_stat_activity WHERE datname = %s "
                    "AND pid <> pg_backend_pid()",
                    [PG_DATABASE],
                ).fetchall()
                pids += [row[0] for row in rows]
            except Exception:  # noqa: BLE001 - accounting only; the row still stands
                self.pg = None
        return pids

    def run_wrk(self, url, *, duration, script, headers=None, lua_args=()):
        script_path = self.tmp / f"{abs(hash(script))}.lua"
        script_path.write_text(script)
        command = [self.wrk_path, "-t", str(self.args.threads), "-c", str(self.args.connections)]
        command += ["-d", f"{duration}s", "--latency", "--timeout", "10s", "-s", str(script_path)]
        for name, value in (headers or {}).items():
            command += ["-H", f"{name}: {value}"]
        command.append(url)
        if lua_args:
            command += list(lua_args)
        proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.procs_wrk = proc
        out, err = proc.communicate()
        self.procs_wrk = None
        line = next((x for x in out.splitlines() if x.startswith("BENCH_JSON ")), None)
        if proc.returncode or line is None:
            raise BenchError(f"wrk failed ({proc.returncode}): {err.strip() or out[-500:]}")
        return json.loads(line.removeprefix("BENCH_JSON "))

    def measure(self, url, *, headers=None, script=GET_LUA, lua_args=(), duration=None):
        duration = duration or self.args.duration
        before = self.snapshot()
        result = self.run_wrk(
            url, duration=duration, script=script, headers=headers, lua_args=lua_args
        )
        after = self.snapshot()
        requests = result["requests"]
        seconds = result["duration_us"] / 1e6

        def per_request(ticks):
            return ticks / HZ * 1000 / requests if requests else None

        server = {
            name: after["servers"].get(name, 0) - ticks for name, ticks in before["servers"].items()
        }
        server_ticks = sum(server.values())
        services = after["services"] - before["services"]
        total = after["total"] - before["total"]
        busy = after["busy"] - before["busy"]
        ours = server_ticks + max(services, 0) + (after["mine"] - before["mine"])
        others = max(0.0, (busy - ours) / total) if total else 0.0
        result.update(
            rps=result["requests"] / seconds if seconds else 0.0,
            p50_ms=result["p50_us"] / 1000,
            p99_ms=result["p99_us"] / 1000,
            cpu_ms=per_request(server_ticks),
            cpu_ms_by_server={k: per_request(v) for k, v in server.items()},
            services_cpu_ms=per_request(max(services, 0)),
            others_share=others,
            busy=others > BUSY_SHARE,
        )
        return result

    def measure_row(self, name, url, headers):
        result = self.measure(url, headers=headers)
        if result["busy"]:
            say(f"   {name}: others used {result['others_share']:.0%} of the machine, again")
            first = result
            result = self.measure(url, headers=headers)
            result["repeated_after"] = {"others_share": first["others_share"], "rps": first["rps"]}
        return result

    def run_rows(self):
        paths = self.paths()
        rows = [row for row in ROWS if row[1] == "app" or "nginx" in self.procs]
        say(f"== warm-up ({len(rows)} rows, 1 s each)")
        for _name, target, key, headers, _what in rows:
            self.run_wrk(self.url(target, paths[key]), duration=1, script=GET_LUA, headers=headers)
        for number in range(1, self.args.rounds + 1):
            say(f"== round {number}/{self.args.rounds}")
            for name, target, key, headers, what in rows:
                result = self.measure_row(name, self.url(target, paths[key]), headers)
                entry = self.results["rows"].setdefault(
                    name, {"url": paths[key], "target": target, "what": what, "runs": []}
                )
                entry["runs"].append(result)
                flag = "  BUSY" if result["busy"] else ""
                say(
                    f"   {name:<20} {result['rps']:>9.1f} req/s  p50 {result['p50_ms']:7.2f} ms"
                    f"  p99 {result['p99_ms']:8.2f} ms  cpu {num(result['cpu_ms'], '6.2f')} ms/req"
                    f"  others {result['others_share']:4.0%}{flag}"
                )

    # Posting comments --------------------------------------------------------------------

    def post_form(self):
        """GET the comment form once: its CSRF cookie and token and its signed timestamp."""
        path = self.targets["post"]
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        with opener.open(self.url("app", path), timeout=30) as response:
            page = response.read().decode()
        csrf_cookie = next((c.value for c in jar if c.name == "csrftoken"), None)

        def field(name):
            tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', page)
            value = re.search(r'value="([^"]*)"', tag.group(0)) if tag else None
            if value is None:
                raise BenchError(f"The comment form has no {name} field: did the form change?")
            return html.unescape(value.group(1))

        if not csrf_cookie:
            raise BenchError("The comment form set no csrftoken cookie.")
        form = urllib.parse.urlencode(
            {
                "csrfmiddlewaretoken": field("csrfmiddlewaretoken"),
                "issued": field("issued"),
                "name": "Bench reader",
                "email": "bench@example.com",
                "website": "",
            }
        )
        return path, form, f"csrftoken={csrf_cookie}"

    def stored_posts(self, marker):
        return self.django_json(
            "import json\n"
            "from django.db.models import Count\n"
            "from comments.models import Comment\n"
            f"rows = Comment.objects.filter(body__startswith={marker!r})\n"
            "twice = rows.values('body').annotate(n=Count('pk')).filter(n__gt=1)\n"
            "print(json.dumps({'stored': rows.count(), 'duplicated': twice.count(),\n"
            "    'by_status': dict(rows.values_list('status').annotate(n=Count('pk')))}))"
        )

    def run_posts(self):
        if not self.targets["open"]:
            self.notes.append("the busiest explainer takes no comments: POSTs skipped")
            return
        workers = self.args.post_workers
        say(f"== comment POSTs: gunicorn with {workers} workers")
        self.start_gunicorn(workers)
        path, form, cookie = self.post_form()
        runs = []
        for number in range(1, self.args.rounds + 1):
            marker = f"[bench {self.run_id} r{number}]"
            result = self.measure(
                self.url("app", path),
                script=POST_LUA,
                lua_args=(form, marker, path, cookie),
            )
            statuses = {int(k): v for k, v in result.pop("statuses").items()}
            acknowledged = sum(n for status, n in statuses.items() if 200 <= status < 400)
            counted = self.stored_posts(marker)
            unique = counted["stored"] - counted["duplicated"]
            result.update(
                statuses=statuses,
                acknowledged=acknowledged,
                stored=counted["stored"],
                stored_by_status=counted["by_status"],
                duplicated=counted["duplicated"],
                lost=max(0, acknowledged - unique),
                # Sent when wrk stopped, stored, never answered: at most one per connection.
                unacknowledged_stored=max(0, unique - acknowledged),
                server_errors=sum(n for status, n in statuses.items() if status >= 500),
                refused=sum(n for status, n in statuses.items() if 400 <= status < 500),
            )
            runs.append(result)
            flag = "  BUSY" if result["busy"] else ""
            say(
                f"   round {number}: {result['rps']:>7.1f} posts/s  p50 {result['p50_ms']:7.2f} ms"
                f"  p99 {result['p99_ms']:8.2f} ms  cpu {num(result['cpu_ms'], '6.2f')} ms/req"
                f"  acknowledged {acknowledged}  stored {counted['stored']}  lost"
                f" {result['lost']}  duplicated {counted['duplicated']}"
                f"  5xx {result['server_errors']}  4xx {result['refused']}{flag}"
            )
        self.results["post"] = {"url": path, "workers": workers, "runs": runs}

    # Reporting ---------------------------------------------------------------------------

    @staticmethod
    def summarise(runs):
        def median(key):
            values = [run[key] for run in runs if run[key] is not None]
            return statistics.median(values) if values else None

        return {
            "rps": median("rps"),
            "p50_ms": median("p50_ms"),
            "p99_ms": median("p99_ms"),
            "cpu_ms": median("cpu_ms"),
            "services_cpu_ms": median("services_cpu_ms"),
            "others_max": max(run["others_share"] for run in runs),
            "busy_runs": sum(run["busy"] for run in runs),
            "errors": sum(run["non_2xx_3xx"] + run["socket_errors"] for run in runs),
            "timeouts": sum(run["timeouts"] for run in runs),
        }

    def report(self):
        rows = self.results["rows"]
        for entry in rows.values():
            entry["median"] = self.summarise(entry["runs"])
        post = self.results["post"]
        if post:
            post["median"] = self.summarise(post["runs"])
            for key in ("acknowledged", "stored", "lost", "duplicated", "server_errors"):
                post["median"][key] = sum(run[key] for run in post["runs"])

        say("")
        say(
            f"Kaisetsu bench {self.run_id}: {self.results['database']}, "
            f"{self.targets['explainers']:,} explainers; hot explainer has "
            f"{self.targets['comments']:,} comments; page {self.results['page_bytes']:,} bytes;"
            f" wrk -t{self.args.threads} -c{self.args.connections} -d{self.args.duration}s,"
            f" {self.args.rounds} rounds (medians)"
        )
        matches = ", ".join(f"{word} {n:,}" for word, n in self.targets["matches"].items())
        say(f"search rows: published explainers matching {matches}")
        header = (
            f"{'row':<20} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>9} {'cpu ms/req':>11}"
            f" {'db+cache':>9} {'others':>7} {'errors':>7}  url"
        )
        say(header)
        say("-" * len(header))
        table = [(name, entry["median"], entry["url"]) for name, entry in rows.items()]
        if post:
            table.append(
                (f"comment POST (w{post['workers']})", post["median"], post["url"] + " (POST)")
            )
        for name, m, url in table:
            busy = f" busy×{m['busy_runs']}" if m["busy_runs"] else ""
            errors = m["errors"] + m["timeouts"]
            say(
                f"{name:<20} {m['rps']:>9.1f} {m['p50_ms']:>8.2f} {m['p99_ms']:>9.2f}"
                f" {num(m['cpu_ms'], '>11.3f')} {num(m['services_cpu_ms'], '>9.3f')}"
                f" {m['others_max']:>7.0%} {errors:>7}  {url}{busy}"
            )

        def ratio(a, b, key):
            if a not in rows or b not in rows:
                return None
            top, bottom = rows[a]["median"][key], rows[b]["median"][key]
            return top / bottom if top is not None and bottom else None

        ratios = {
            "explainer cached / floor (req/s)": ratio("explainer cached", "floor", "rps"),
            "explainer uncached / floor (CPU per request)": ratio(
                "explainer uncached", "floor", "cpu_ms"
            ),
            "nginx cached / nginx static (req/s)": ratio("nginx cached", "nginx static", "rps"),
        }
        if post:
            ratios[f"comment POSTs with {post['workers']} workers (req/s)"] = post["median"]["rps"]
        self.results["ratios"] = ratios
        say("")
        for name, value in ratios.items():
            shown = "skipped" if value is None else f"{value:.2f}"
            say(f"  {name:<48} {shown}")
        if post:
            m = post["median"]
            say(
                f"  comment POSTs, all rounds: {m['acknowledged']} acknowledged, {m['stored']} "
                f"stored, {m['lost']} lost, {m['duplicated']} duplicated, "
                f"{m['server_errors']} 5xx"
            )
        cached, uncached = rows.get("explainer cached"), rows.get("explainer uncached")
        costs = [row["median"]["cpu_ms"] for row in (cached, uncached) if row]
        if len(costs) == 2 and None not in costs and costs[0] > 0.7 * costs[1]:
            self.notes.append(
                "the anonymous explainer page costs about as much as the uncached one: "
                "it is not being served from a page cache"
            )
        for note in self.notes:
            say(f"  note: {note}")

    def write_results(self):
        RESULTS.mkdir(parents=True, exist_ok=True)
        self.results.update(
            run_id=self.run_id,
            notes=self.notes,
            targets=self.targets,
            settings={
                "explainers": self.args.explainers,
                "comments": self.args.comments,
                "duration_s": self.args.duration,
                "rounds": self.args.rounds,
                "connections": self.args.connections,
                "threads": self.args.threads,
                "app_workers": 2,
                "post_workers": self.args.post_workers,
                "cache": "redis" if self.redis is not None else "locmem",
                "busy_share": BUSY_SHARE,
            },
            machine={
                "cpus": os.cpu_count(),
                "python": platform.python_version(),
                "kernel": platform.release(),
                "wrk": self.wrk_path,
                "nginx": self.nginx,
            },
        )
        path = RESULTS / f"{self.run_id}.json"
        path.write_text(json.dumps(self.results, indent=2, ensure_ascii=False, default=str))
        say(f"\nResults: {path.relative_to(ROOT)}")

    # Whole run ---------------------------------------------------------------------------

    def run(self):
        if not self.wrk_path:
            raise BenchError(
                "wrk is not installed. Install it (and nginx for the nginx rows) with:\n"
                "    apt-get install -y wrk nginx-light"
            )
        say(f"== temporary directory {self.tmp}")
        self.prepare()
        self.results["database"] = "PostgreSQL" if self.args.postgres else "SQLite"
        say(f"== gunicorn (2 sync workers) on 127.0.0.1:{self.app_port}")
        self.start_gunicorn(2)
        self.check_paths()
        self.save_page()
        self.start_nginx()
        evidence = self.cache_evidence()
        for target, seen in evidence.items():
            say(f"   {target}: {seen}")
        self.run_rows()
        self.stop("nginx")
        self.run_posts()
        self.report()
        self.write_results()

    def cleanup(self):
        proc = getattr(self, "procs_wrk", None)
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait()
        self.stop_all()
        if self.pg is not None:
            self.pg.close()
        if self.redis is not None:
            keys = list(self.redis.scan_iter(match=f"{self.cache_prefix}:*", count=1000))
            for start in range(0, len(keys), 1000):
                self.redis.delete(*keys[start : start + 1000])
        if self.args.postgres and not (self.args.keep_db or self.args.reuse_db):
            try:
                import psycopg

                with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as connection:
                    connection.execute(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)')
            except Exception as error:  # noqa: BLE001 - report and go on cleaning
                say(f"  could not drop {PG_DATABASE}: {error}")
        elif self.args.postgres:
            say(
                f"  kept the database {PG_DATABASE} (drop it: dropdb -h 127.0.0.1 -U postgres "
                f"{PG_DATABASE})"
            )
        if self.args.keep_tmp:
            say(f"  kept {self.tmp}")
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--postgres", action="store_true", help=f"Use {PG_DATABASE} on BENCH_PG.")
    parser.add_argument(
        "--large",
        action="store_true",
        help="100,000 explainers and 1,000,000 comments, on PostgreSQL.",
    )
    parser.add_argument("--explainers", type=int, default=None)
    parser.add_argument("--comments", type=int, default=None)
    parser.add_argument("--duration", type=int, default=5, help="Seconds per measurement.")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--post-workers", type=int, default=4)
    parser.add_argument(
        "--reuse-db",
        action="store_true",
        help=f"With --postgres: bench {PG_DATABASE} as the last --keep-db run left it.",
    )
    parser.add_argument("--keep-db", action="store_true", help=f"Keep {PG_DATABASE} at the end.")
    parser.add_argument("--no-nginx", action="store_true", help="Skip the nginx rows.")
    parser.add_argument("--keep-tmp", action="store_true", help="Keep the temporary directory.")
    args = parser.parse_args()
    if args.large and not args.postgres:
        print("  --large runs on PostgreSQL: --postgres implied", flush=True)
        args.postgres = True
    if args.reuse_db and not args.postgres:
        parser.error("--reuse-db needs --postgres")
    args.explainers = args.explainers or (100_000 if args.large else 1000)
    args.comments = (
        args.comments if args.comments is not None else (1_000_000 if args.large else 10_000)
    )
    return args


def main():
    args = parse_args()

    def interrupted(signum, frame):
        raise KeyboardInterrupt

    # Ctrl+C even when started in the background, where SIGINT arrives ignored.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, interrupted)
    signal.signal(signal.SIGHUP, interrupted)
    bench = Bench(args)
    try:
        bench.run()
    except BenchError as error:
        print(f"\nbench: {error}", file=sys.stderr, flush=True)
        return 1
    except KeyboardInterrupt:
        print("\nbench: interrupted; stopping what it started", file=sys.stderr, flush=True)
        return 130
    finally:
        bench.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
