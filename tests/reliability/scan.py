"""`make scan`: the site under two scanners nobody here wrote (Debian's sqlmap and wapiti).

Starts the site as production runs it (gunicorn, DEBUG off, collected static files) on a
spare port, on a scratch database made for this run (a fresh PostgreSQL database
``newsroom_scan_<pid>``, dropped at the end; ``--db sqlite`` for a temp SQLite file), with
the outlets and the offline demo loaded (``loadoutlets``, ``loaddemo``: articles, images,
stories, regions). Then:

* sqlmap, in batch mode at a fixed ``--level 2 --risk 1`` (``--level``/``--risk`` to
  change), against every query parameter of search (``q``, ``source``, ``section``,
  ``from``, ``to``, ``sort``, ``after``), of the keyset list pages (``before``/``after`` on
  an outlet, a section, a region page and the home page's ``p``) and of the API's lists
  (``/api/v1/articles/``: ``outlet``, ``section``, ``region``, ``lang``, ``since``,
  ``until``, ``q``, ``limit``, ``before``; ``/api/v1/stories/``: ``outlet``, ``since``,
  ``limit``, ``before``), each address with real values and a real cursor taken from the
  site itself;
* wapiti against the whole reading site (from ``/``, both editions, admin excluded) and
  the API (its list addresses with every filter as start URLs), with the modules xss,
  permanentxss, sql, blindsql (3.0.4's time-based SQL module; it has no ``timesql``),
  exec, file, redirect and crlf.

It prints every finding (sqlmap's injection points; wapiti's vulnerabilities, and its
anomalies: an answer 500 to a payload is a bug too) and exits 1 when there is one, 2
when a scanner could not do its work (the site did not answer, a tool is missing).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from html import unescape
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

REPO = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
POSTGRES_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"
WAPITI_MODULES = "xss,permanentxss,sql,blindsql,exec,file,redirect,crlf"


def say(message: str) -> None:
    print(f"[scan {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


class ScanError(Exception):
    """A scanner could not do its work: the run proves nothing."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def fetch(url: str, timeout: float = 30) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", "replace")


def site_env(var_dir: Path, database: dict[str, str]) -> dict[str, str]:
    """A production web process (DEBUG off), on plain HTTP on 127.0.0.1."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO", "PYTEST"))}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "newsroom.settings",
            "NEWSROOM_VAR_DIR": str(var_dir),
            "DEBUG": "0",
            "SECRET_KEY": "scan-only-not-secret-" + "x" * 40,
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "0",
            "SERVE_MEDIA": "1",
            "LOG_LEVEL": "WARNING",
            "CACHE_URL": "",
            "REDIS_URL": "",
            # The scanners are one client sending thousands of requests: the API's
            # per-network limit would answer them 429, and hide what a payload does.
            "API_RATE_LIMIT": "0",
            "PYTHONPATH": str(REPO),
            **database,
        }
    )
    return env


def manage(env: dict[str, str], *command: str) -> None:
    done = subprocess.run(
        [PYTHON, "manage.py", *command], env=env, cwd=REPO, capture_output=True, text=True
    )
    if done.returncode:
        raise ScanError(f"manage.py {' '.join(command)} failed:\n{done.stdout}{done.stderr}")


@contextlib.contextmanager
def scratch_database(kind: str, tmp: Path) -> Iterator[dict[str, str]]:
    if kind == "sqlite":
        yield {"DATABASE_URL": "", "SQLITE_PATH": str(tmp / "scan.sqlite3")}
        return
    import psycopg

    name = f"newsroom_scan_{os.getpid()}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield {"DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{name}"}
    finally:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def gunicorn(env: dict[str, str], log: Path) -> Iterator[str]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    binary = Path(PYTHON).parent / "gunicorn"
    command = [
        str(binary), "newsroom.wsgi:application", "--bind", f"127.0.0.1:{port}",
        "--workers", "2", "--worker-class", "sync", "--timeout", "60",
        "--log-level", "warning", "--error-logfile", "-",
    ]  # fmt: skip
    with log.open("ab") as out:
        process = subprocess.Popen(command, env=env, cwd=REPO, stdout=out, stderr=out)
        try:
            deadline = time.monotonic() + 60
            while True:
                if process.poll() is not None:
                    raise ScanError(f"gunicorn exited: {log.read_text()[-3000:]}")
                with contextlib.suppress(OSError):
                    fetch(base + "/robots.txt", timeout=5)
                    break
                if time.monotonic() > deadline:
                    raise ScanError("gunicorn did not answer within 60 s")
                time.sleep(0.3)
            yield base
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


# The demo has 6 to 15 articles per outlet: not enough for a second page, so no cursor to
# attack. Three more copies of each demo feed (other guids and links, the same text)
# through the same ingest code give every demo outlet, section and region older pages.
MORE_ARTICLES = r"""
import re
from django.utils import timezone
from articles.ingest.feeds import ingest_bytes
from articles.ingest.roster import DEMO_DIR
from articles.models import Outlet

def other(match, n):
    url = match.group(2).strip()
    return match.group(1) + url + (b"&amp;" if b"?" in url else b"?") + b"copy=%d" % n

for path in sorted(DEMO_DIR.glob("*.xml")):
    outlet = Outlet.objects.filter(slug=path.stem).first()
    if outlet is None:
        continue
    raw = path.read_bytes()  # some demo feeds are in windows-1256
    for n in range(1, 4):
        copy = re.sub(rb"(<guid[^>]*>|<link>|<id>|<link [^>]*href=\")([^<\"]+)",
                      lambda m: other(m, n), raw)
        result = ingest_bytes(outlet, copy, fetched_at=timezone.now())
        print(path.stem, n, result.new)
"""


# ---------------------------------------------------------------------------------------
# What to attack: real values and real cursors, read from the running site
# ---------------------------------------------------------------------------------------


def first(pattern: str, text: str, what: str) -> str:
    found = re.search(pattern, text)
    if not found:
        raise ScanError(f"could not find {what} on the site")
    return unescape(found.group(1))


def cursor(base: str, path: str, name: str = "before") -> str:
    """The cursor of the next page that ``path`` links (its ``?before=``/``?after=``)."""
    status, body = fetch(base + path)
    if status != 200:
        raise ScanError(f"{path} answered {status}")
    return first(rf'[?&;]{name}=([^"&]+)', body, f"a {name} cursor on {path}")


def paged(base: str, paths: list[str], what: str) -> str:
    """The first of ``paths`` with an older page (so with a real cursor to attack)."""
    for path in paths:
        with contextlib.suppress(ScanError):
            cursor(base, path, "before")
            return path
    raise ScanError(f"no {what} page of the demo has a second page")


def targets(base: str) -> list[str]:
    """Every address sqlmap attacks, each with all its parameters set to real values."""
    _, home = fetch(base + "/")
    outlet = first(r'href="/([a-z0-9-]+)/\d+/"', home, "an article link")
    section = first(r'href="/section/([a-z0-9-]+)/"', home, "a section link")
    _, regions = fetch(base + "/regions/")
    region = first(r'href="/region/([a-z0-9-]+)/"', regions, "a region link")
    _, api_page = fetch(base + "/api/v1/articles?limit=1")
    api = json.loads(api_page)
    article = api["items"][0]
    words = article["title"].split()[0]
    day = article["published_at"][:10]
    api_before = parse_qs(urlsplit(api["next"]).query)["before"][0]
    _, story_page = fetch(base + "/api/v1/stories?limit=1")
    stories = json.loads(story_page)
    story_before = (
        parse_qs(urlsplit(stories["next"]).query)["before"][0] if stories["next"] else ""
    )
    # Keyset cursors as the pages link them: the older page, and from it the newer one.
    outlets = re.findall(r'href="/([a-z0-9-]+)/\d+/"', home)
    sections = re.findall(r'href="/section/([a-z0-9-]+)/"', home)
    region_slugs = re.findall(r'href="/region/([a-z0-9-]+)/"', regions)
    lists = [
        paged(base, [f"/{slug}/" for slug in dict.fromkeys(outlets)], "outlet"),
        paged(base, [f"/section/{slug}/" for slug in dict.fromkeys(sections)], "section"),
        paged(base, [f"/region/{slug}/" for slug in dict.fromkeys(region_slugs)], "region"),
    ]
    addresses = []
    for path in lists:
        before = cursor(base, path, "before")
        addresses.append(f"{path}?{urlencode({'before': before})}")
        after = cursor(base, f"{path}?{urlencode({'before': before})}", "after")
        addresses.append(f"{path}?{urlencode({'after': after})}")
    search = {"q": words, "source": outlet, "section": section, "from": day, "to": day,
              "sort": "relevance"}  # fmt: skip
    addresses.append(f"/search/?{urlencode(search)}")
    search_after = cursor(base, f"/search/?{urlencode({'q': words, 'sort': 'newest'})}", "after")
    addresses.append(
        f"/search/?{urlencode({'q': words, 'sort': 'newest', 'after': search_after})}"
    )
    addresses.append(f"/fr/search/?{urlencode(search)}")
    api_filters = {"outlet": outlet, "section": section, "region": region, "lang": "ar",
                   "since": day + "T00:00:00Z", "until": "2100-01-01T00:00:00Z",
                   "limit": "5"}  # fmt: skip
    addresses.append(f"/api/v1/articles?{urlencode(api_filters)}")
    addresses.append(f"/api/v1/articles?{urlencode({'q': words, 'limit': '5'})}")
    addresses.append(f"/api/v1/articles?{urlencode({'before': api_before, 'limit': '5'})}")
    story_filters = {"outlet": outlet, "since": day + "T00:00:00Z", "limit": "5"}
    if story_before:
        story_filters["before"] = story_before
    addresses.append(f"/api/v1/stories?{urlencode(story_filters)}")
    addresses.append("/sitemap-articles.xml?p=1")
    for address in addresses:
        status, _ = fetch(base + address)
        if status != 200:
            raise ScanError(f"the target {address} answers {status}, not 200")
    return [base + address for address in addresses]


# ---------------------------------------------------------------------------------------
# sqlmap
# ---------------------------------------------------------------------------------------

SQLMAP_FOUND = re.compile(
    r"identified the following injection point|Parameter: .+ \((GET|POST)\)|is vulnerable",
)
SQLMAP_CLEAN = "all tested parameters do not appear to be injectable"


def sqlmap(url: str, out: Path, level: int, risk: int) -> list[str]:
    """The injections sqlmap finds behind ``url`` (every GET parameter of it)."""
    command = [
        "sqlmap", "-u", url, "--batch", f"--level={level}", f"--risk={risk}",
        "--output-dir", str(out), "--flush-session", "--disable-coloring", "--threads=2",
        "--timeout=30", "--retries=1", "-v", "1",
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=3600)
    text = done.stdout + done.stderr
    (out / (re.sub(r"\W+", "_", urlsplit(url).path + "_" + urlsplit(url).query)[:120] + ".txt")
     ).write_text(text)  # fmt: skip
    findings = [line for line in text.splitlines() if SQLMAP_FOUND.search(line)]
    host_logs = list(out.glob("*/log"))
    findings += [
        f"{log}: {log.read_text()[:2000]}" for log in host_logs if log.read_text().strip()
    ]
    if findings:
        return [f"sqlmap {url}: {line}" for line in findings]
    if SQLMAP_CLEAN not in text:
        critical = [
            line for line in text.splitlines() if "[CRITICAL]" in line or "[ERROR]" in line
        ]
        raise ScanError(f"sqlmap did not finish on {url}: {critical or text[-2000:]}")
    return []


# ---------------------------------------------------------------------------------------
# wapiti
# ---------------------------------------------------------------------------------------


def wapiti(
    base: str, starts: list[str], out: Path, max_scan_seconds: int, attack_seconds: int
) -> list[str]:
    """wapiti's vulnerabilities and anomalies over the reading site and the API."""
    report = out / "wapiti.json"
    command = [
        "wapiti", "-u", base + "/", "--scope", "folder", "-m", WAPITI_MODULES,
        "-f", "json", "-o", str(report), "--flush-session", "--store-session",
        str(out / "session"), "--no-bugreport", "-d", "3", "--max-links-per-page", "40",
        "--max-files-per-dir", "40", "--max-scan-time", str(max_scan_seconds),
        "--max-attack-time", str(attack_seconds), "-t", "30", "-v", "1",
    ]  # fmt: skip
    # No -x: Debian's wapiti 3.0.4 on Python 3.11 fails on any exclusion (its
    # wildcard_translate() ends the pattern with "(?ms)": "re.error: global flags not at
    # the start of the expression"). So the admin's login page is attacked too.
    for start in starts:
        command += ["-s", start]
    done = subprocess.run(command, capture_output=True, text=True, timeout=4 * 3600)
    (out / "wapiti.log").write_text(done.stdout + done.stderr)
    if done.returncode or not report.is_file():
        raise ScanError(
            f"wapiti failed ({done.returncode}):\n{(done.stdout + done.stderr)[-3000:]}"
        )
    data = json.loads(report.read_text())
    findings = []
    for kind, label in (("vulnerabilities", "vulnerability"), ("anomalies", "anomaly")):
        for category, items in data.get(kind, {}).items():
            for item in items:
                request = item.get("http_request", "")[:600]
                findings.append(
                    f"wapiti {label} [{category}] {item.get('method')} {item.get('path')} "
                    f"{item.get('parameter')!r}: {item.get('info')}\n    {request}"
                )
    crawled = data.get("infos", {})
    say(f"wapiti: target {crawled.get('target')}, {len(findings)} finding(s)")
    return findings


def api_starts(sqlmap_targets: list[str]) -> list[str]:
    """wapiti's start URLs: every address the sqlmap run attacks (the API's lists with
    every filter, the search with every filter, the list pages with their cursors)."""
    return sqlmap_targets


# ---------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("postgres", "sqlite"), default="postgres")
    parser.add_argument("--level", type=int, default=2, help="sqlmap --level (1-5)")
    parser.add_argument("--risk", type=int, default=1, help="sqlmap --risk (1-3)")
    parser.add_argument("--only", choices=("sqlmap", "wapiti"), help="one scanner only")
    parser.add_argument("--wapiti-seconds", type=int, default=600, help="--max-scan-time")
    parser.add_argument(
        "--attack-seconds", type=int, default=150, help="wapiti --max-attack-time (per module)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the temp folder")
    parser.add_argument("--targets", action="store_true", help="list the targets, scan nothing")
    args = parser.parse_args(argv)
    for tool in ("sqlmap", "wapiti"):
        if args.only in (None, tool) and not shutil.which(tool):
            say(f"{tool} is missing: apt-get install -y sqlmap wapiti (make scan does)")
            return 2
    tmp = Path(tempfile.mkdtemp(prefix="newsroom-scan-"))
    findings: list[str] = []
    started = time.monotonic()
    try:
        with scratch_database(args.db, tmp) as database:
            env = site_env(tmp / "var", database)
            say(f"database: {args.db} ({database}); migrate, loadoutlets, loaddemo ...")
            manage(env, "collectstatic", "--noinput", "-v", "0")
            manage(env, "migrate", "--noinput", "-v", "0")
            manage(env, "loadoutlets")
            manage(env, "loaddemo")
            manage(env, "shell", "-c", MORE_ARTICLES)
            with gunicorn(env, tmp / "gunicorn.log") as base:
                say(f"site at {base}")
                addresses = targets(base)
                for url in addresses:
                    say(f"target {url}")
                if args.targets:
                    return 0
                if args.only in (None, "sqlmap"):
                    out = tmp / "sqlmap"
                    out.mkdir()
                    for url in addresses:
                        say(f"sqlmap --level={args.level} --risk={args.risk} {url}")
                        findings += sqlmap(url, out, args.level, args.risk)
                if args.only in (None, "wapiti"):
                    say(f"wapiti -m {WAPITI_MODULES} from {base}/ and {len(addresses)} starts")
                    findings += wapiti(
                        base, api_starts(addresses), tmp, args.wapiti_seconds, args.attack_seconds
                    )
                errors = [
                    line for line in (tmp / "gunicorn.log").read_text().splitlines()
                    if line.startswith(("Internal Server Error", "Traceback", "ERROR"))
                ]  # fmt: skip
                findings += [f"server log: {line}" for line in errors]
    except ScanError as error:
        say(f"the scan could not run: {error}")
        return 2
    finally:
        if args.keep:
            say(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    minutes = (time.monotonic() - started) / 60
    for finding in findings:
        print(finding)
    print(f"scan: {len(findings)} finding(s) in {minutes:.1f} min")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
