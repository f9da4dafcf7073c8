"""`make lighthouse`: Lighthouse's four scores for every kind of reader page, phone and desktop.

    .venv/bin/python bench/lighthouse.py             # after `npm ci` in bench/lighthouse/
    .venv/bin/python bench/lighthouse.py --strict    # exit 1 unless every score is 100
    .venv/bin/python bench/lighthouse.py --only Japanese --runs 5 --keep-reports

Builds a throwaway site as production runs it (DEBUG off, `config.settings_bench`, hashed and
compressed static files, gunicorn behind nginx with deploy/nginx's configuration, as
bench/run.py runs it), in a temporary directory: a fresh SQLite database with the demo content
(`manage.py load_demo`: the Japanese seed-shaped explainer and the others). Without nginx,
gunicorn serves static files and media itself (KAISETSU_SERVE_MEDIA=1): slower than
production, since a phone then waits on two sync workers for every stylesheet.
Then Lighthouse (pinned in bench/lighthouse/package-lock.json) runs Debian's Chromium
(CHROME_PATH, default /usr/bin/chromium) headless against each page, on a machine with a
Japanese font as every reader's phone has (Debian's fonts-noto-cjk; without one, Chromium
looks for a fallback glyph by glyph and the Japanese explainer's layout cost doubled, 700-980
ms instead of 340-400 ms of style and layout under the phone's throttling, which cost it 1 to
3 points of performance; the script refuses to run without one): home, an explainer in
Japanese and one in English, a topic, a source, an author, search in Japanese and in English,
each in both interface languages where it has one, with the mobile and the desktop presets. Prints a
table of the performance, accessibility, best-practices and SEO scores, lists every audit
that failed, and writes everything to bench/results/lighthouse-<timestamp>.json.

Lighthouse's performance score is a simulation from one load on this machine: a busy machine
can cost a point. Compare its audits, not one run's number.
"""

import argparse
import datetime
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
RESULTS = ROOT / "bench" / "results"
LIGHTHOUSE = ROOT / "bench" / "lighthouse" / "node_modules" / ".bin" / "lighthouse"
STAMP = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
sys.path.insert(0, str(ROOT / "bench"))

from run import free_port, nginx_config  # noqa: E402 - bench/run.py, beside this file


def manage(env, *command, capture=False):
    result = subprocess.run(
        [str(BIN / "python"), "manage.py", *command],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=capture,
        text=True,
    )
    return result.stdout


def pages(env, base):
    """The addresses to measure, as the site links them (found on its own pages)."""
    code = (
        "import json\n"
        "from django.urls import reverse\n"
        "from django.utils import translation\n"
        "from explainers.models import Explainer, SourceArticle, Topic\n"
        "live = Explainer.objects.published()\n"
        "ja, en = live.filter(language='ja').first(), live.filter(language='en').first()\n"
        "topic = Topic.objects.filter(explainers__in=live).first()\n"
        "source = SourceArticle.objects.filter(explainers__in=live).first()\n"
        "from readers.models import AuthorProfile\n"
        "author = AuthorProfile.objects.first()\n"
        "out = {}\n"
        "for lang in ('ja', 'en'):\n"
        "    with translation.override(lang):\n"
        "        out[f'home ({lang})'] = reverse('explainers:home')\n"
        "        out[f'author ({lang})'] = reverse('explainers:author', args=[author.slug])\n"
        "        out[f'topic ({lang})'] = topic.get_absolute_url()\n"
        "        out[f'search ({lang})'] = reverse('explainers:search') + "
        "('?q=%E9%A2%A8%E5%8A%9B' if lang == 'ja' else '?q=wind')\n"
        "out['explainer, Japanese'] = ja.canonical_path()\n"
        "out['explainer, English'] = en.canonical_path()\n"
        "out['source'] = source.canonical_path()\n"
        "print(json.dumps(out))\n"
    )
    # The last line: Django's shell first says how many objects it imported.
    found = json.loads(manage(env, "shell", "-c", code, capture=True).strip().splitlines()[-1])
    return {name: base + path for name, path in found.items()}


def run_lighthouse(url, preset, chrome, *, attempts=3, keep=None):
    """One Lighthouse run: (scores, failed audits). Lighthouse sometimes fails to record its
    trace (NO_NAVSTART, a runtime error on its side, not a score): that run is tried again."""
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        command = [
            str(LIGHTHOUSE),
            url,
            "--quiet",
            "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
            "--output=json",
            f"--output-path={out.name}",
        ]
        if preset == "desktop":
            command.append("--preset=desktop")
        if keep is not None:
            command.append("--save-assets")  # the trace too, beside the report
        for attempt in range(1, attempts + 1):
            done = subprocess.run(
                command,
                env={**os.environ, "CHROME_PATH": chrome},
                timeout=300,
                check=False,
                capture_output=True,
                text=True,
            )
            if done.returncode == 0:
                break
            said = done.stdout + done.stderr
            if "NO_NAVSTART" not in said or attempt == attempts:
                sys.stderr.write(said)  # any other failure is real: shown, never retried
                raise subprocess.CalledProcessError(done.returncode, command)
            print(f"  (Lighthouse could not record its trace on {url}, {preset}; trying again)")
        report = json.loads(Path(out.name).read_text())
        if keep is not None:
            shutil.copyfile(out.name, keep)
            trace = Path(out.name).with_suffix("").with_name(Path(out.name).stem + "-0.trace.json")
            if trace.exists():
                shutil.move(trace, keep.with_suffix(".trace.json"))
            for leftover in Path(out.name).parent.glob(Path(out.name).stem + "-0.*"):
                leftover.unlink()
    scores = {name: report["categories"][name]["score"] for name in CATEGORIES}
    failed = sorted(
        audit["id"]
        for audit in report["audits"].values()
        if audit.get("score") is not None
        and audit["score"] < 1
        and audit.get("scoreDisplayMode") in {"binary", "numeric", "metricSavings"}
        and audit["id"] in _scored_audits(report)
    )
    return scores, failed


def japanese_fonts() -> list[str]:
    """The fonts fontconfig (which Chromium asks on Linux) has for Japanese text."""
    try:
        listed = subprocess.run(
            ["fc-list", ":lang=ja", "family"], capture_output=True, text=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return []
    return [line for line in listed.splitlines() if line.strip()]


def _scored_audits(report):
    """The audits that count towards a category's score (weight above 0)."""
    return {
        ref["id"]
        for category in report["categories"].values()
        for ref in category["auditRefs"]
        if ref.get("weight", 0) > 0
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--strict", action="store_true", help="exit 1 unless all are 100")
    parser.add_argument("--chrome", default=os.environ.get("CHROME_PATH", "/usr/bin/chromium"))
    parser.add_argument("--only", help="measure only the pages whose name contains this")
    parser.add_argument(
        "--runs", type=int, default=1, help="runs per page (each run's scores are kept)"
    )
    parser.add_argument(
        "--keep-reports", action="store_true", help="keep each full report in bench/results/"
    )
    args = parser.parse_args()
    if not LIGHTHOUSE.exists():
        sys.exit("Lighthouse is not installed: cd bench/lighthouse && npm ci (or: make lighthouse)")
    if not Path(args.chrome).exists():
        sys.exit(f"No Chromium at {args.chrome}: apt-get install -y chromium (or set CHROME_PATH)")
    if not japanese_fonts():
        sys.exit(
            "No Japanese font on this machine (fc-list :lang=ja is empty): Chromium would fall "
            "back glyph by glyph and lay out every Japanese page at about twice the cost any "
            "reader's device pays. apt-get install -y --no-install-recommends fonts-noto-cjk"
        )

    tmp = Path(tempfile.mkdtemp(prefix="kaisetsu-lighthouse-"))
    port = free_port()
    nginx = shutil.which("nginx") or (
        "/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None
    )
    if nginx:
        # As production serves it: nginx in front (static files and media from disk, pages
        # through its cache), gzip on for pages as Debian's nginx.conf has it.
        nginx_port = nginx_config(
            tmp / "nginx",
            app_port=port,
            static_root=tmp / "static",
            media_root=tmp / "media",
            http_extra="gzip on;",
        )
        base = f"http://127.0.0.1:{nginx_port}"
    else:
        print(
            "note: nginx is not installed (apt-get install -y nginx-light): gunicorn serves "
            "static files and media itself, slower than production"
        )
        base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings_bench",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "lighthouse-only-" + "x" * 40,
        "DATABASE_URL": f"sqlite:///{tmp / 'db.sqlite3'}",
        "MEDIA_ROOT": str(tmp / "media"),
        "BENCH_STATIC_ROOT": str(tmp / "static"),
        "KAISETSU_SERVE_MEDIA": "" if nginx else "1",
        "KAISETSU_TRUSTED_PROXY_COUNT": "1" if nginx else "0",
        "BENCH_FLOOR_FILE": os.devnull,
        "SITE_URL": base,
        "REDIS_URL": "",
    }
    server = front = None
    try:
        print("== migrate, load_demo, collectstatic")
        manage(env, "migrate", "--noinput", "-v0")
        manage(env, "load_demo", capture=True)
        manage(env, "collectstatic", "--noinput", "-v0")
        server = subprocess.Popen(
            [str(BIN / "gunicorn"), "config.wsgi", "-b", f"127.0.0.1:{port}", "-w", "2"],
            cwd=ROOT,
            env=env,
            stdout=(tmp / "gunicorn.log").open("w"),
            stderr=subprocess.STDOUT,
        )
        if nginx:
            prefix = tmp / "nginx"
            front = subprocess.Popen(
                [nginx, "-p", f"{prefix}/", "-c", str(prefix / "nginx.conf"), "-e", "stderr"],
                stdout=(tmp / "nginx.log").open("w"),
                stderr=subprocess.STDOUT,
            )
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/robots.txt", timeout=2).read()
                break
            except OSError:
                time.sleep(0.1)
        results = {}
        print(f"{'page':<32} perf  a11y  best   seo  (failed audits)")
        RESULTS.mkdir(parents=True, exist_ok=True)
        for name, url in pages(env, base).items():
            if args.only and args.only not in name:
                continue
            for preset in ("mobile", "desktop"):
                for run in range(1, args.runs + 1):
                    label = f"{name}, {preset}" + (f" #{run}" if args.runs > 1 else "")
                    keep = None
                    if args.keep_reports:
                        slug = "".join(c if c.isalnum() else "-" for c in label).strip("-")
                        keep = RESULTS / f"lighthouse-{STAMP}-{slug}.json"
                    scores, failed = run_lighthouse(url, preset, args.chrome, keep=keep)
                    results[label] = {"url": url, "scores": scores, "failed": failed}
                    shown = "  ".join(f"{score * 100:>4.0f}" for score in scores.values())
                    print(f"{label:<32} {shown}  {' '.join(failed)}")
    finally:
        for process in (front, server):
            if process is not None:
                process.terminate()
                process.wait(timeout=30)
        shutil.rmtree(tmp, ignore_errors=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"lighthouse-{STAMP}.json"
    out.write_text(json.dumps(results, indent=2, ensure_ascii=False))
    below = [name for name, r in results.items() if min(r["scores"].values()) < 1]
    print(f"\n{len(results) - len(below)} of {len(results)} pages score 100 in all four; {out}")
    if below:
        print("below 100: " + "; ".join(below))
    if args.strict and below:
        sys.exit(1)


if __name__ == "__main__":
    main()
