"""Web benchmark: what the reading site serves per second on one core, and how fast.

A benchmark, not a test: it prints figures and ratios and asserts nothing about time.
See bench/README.md. Run from the repository root:

    .venv/bin/python bench/web.py                    # 100,000 articles, SQLite + PostgreSQL
    .venv/bin/python bench/web.py --quick            # 5,000 articles, short runs
    .venv/bin/python bench/web.py --no-postgres --profile    # + where an uncached page goes

Layout of one run, for SQLite and then (when it answers) PostgreSQL:

* a fresh database is migrated with ``manage.py migrate`` and filled by a spawned
  process through the normal store code (lib/sitedata.py): ``articles.ingest.store.
  store_entries`` with ``articles.ingest.parse.ParsedEntry`` objects, one call per outlet per
  time window, oldest window first. Bodies are WordPress-style HTML of real Moroccan
  news text run through the app's own ``clean_html``. Image copies are the one bulk
  path: real WebP copy/thumbnail pairs are written with ``articles.images.store_file`` and
  ``Image`` rows are marked stored with one ``UPDATE`` per row;
* ``collectstatic`` runs once into the run's NEWSROOM_VAR_DIR (STATIC_ROOT);
* gunicorn (``newsroom.wsgi``, one sync worker, pinned to one CPU when ``taskset``
  exists) serves the database twice with production settings (DEBUG=0, WhiteNoise,
  manifest static files): once as configured (page cache on), once with
  PAGE_CACHE_SECONDS=0 (page cache off), nothing else changed;
* ``wrk`` (pinned to the other CPU) sends ``Accept-Encoding: gzip`` to each page and to
  a static file served by the same worker (the baseline, measured at the start and at
  the end of each server run): requests/second with 4 connections, p50/p99 latency
  with 1 connection (one sync worker serves one request at a time, so at 4 connections
  each request would also wait for the 3 ahead of it) (lib/load.py);
* the pages measured carry the "report this image" control: its links are counted in
  each page. What a report costs is bench/reports.py's measurement;
* the home page ranks the stories of the last 48 hours: the newest days of the data are
  events several outlets report, grouped into stories as a worker does
  (lib/sitestories.py), and the time to build the home page again after a content
  change is measured in-process, with every cache empty (lib/rebuild.py).

What it prints is in lib/printing/web.py.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import shutil
import sys
import time
from pathlib import Path
from typing import Any

from lib.databases import (
    Databases,
    add_backend_options,
    check_backend_options,
    on_each_backend,
)
from lib.env import DEFAULT_SEED, collect_static, progress, temp_dir
from lib.gunicorn import fetch, gunicorn
from lib.load import check_page, measure
from lib.printing.web import report
from lib.processes import child
from lib.profiling import profile_pages
from lib.rebuild import home_rebuild
from lib.sitedata import prepare_site

DEFAULT_ARTICLES = 100_000
QUICK_ARTICLES = 5_000


def server_run(
    env: dict[str, str], urls: dict[str, str], static: str, args: argparse.Namespace, log: Path
) -> dict[str, Any]:
    """One gunicorn run: check every page, then measure the static file, each page,
    and the static file again."""
    with gunicorn(env, log) as (base, worker):
        checks = {name: check_page(base, name, path) for name, path in urls.items()}
        media = next((c["media"] for c in checks.values() if c["media"]), None)
        media_status = fetch(base + media.group(1).decode())[0] if media else None
        for path in [static, *urls.values()]:  # warm up: caches, connections, imports
            deadline = time.monotonic() + 2
            for _ in range(args.warmup):
                fetch(base + path)
                if time.monotonic() > deadline:
                    break
        results: dict[str, Any] = {"checks": checks, "media_status": media_status}
        progress(f"    static {static} ...")
        first = measure(base + static, worker, args)
        for name, path in urls.items():
            progress(f"    {name} {path[:60]} ...")
            results[name] = measure(base + path, worker, args)
        last = measure(base + static, worker, args)
        results["static_runs"] = (first, last)
        results["static"] = {
            key: (first[key] + last[key]) / 2 if first[key] is not None else None
            for key in ("rps", "p50", "p99", "p50_loaded", "cpu_ms", "other_share")
        }
        results["static"].update(
            errors=first["errors"] + last["errors"],
            non_2xx=first["non_2xx"] + last["non_2xx"],
            latency_requests=min(first["latency_requests"], last["latency_requests"]),
        )
        results["worker"] = worker
    return results


def run_backend(
    ctx: Any,
    args: argparse.Namespace,
    databases: Databases,
    common: dict[str, str],
    static: str,
    tmp: Path,
) -> dict[str, Any]:
    """Load the site on ``databases``, then one gunicorn run per page-cache setting."""
    env, data = prepare_site(ctx, databases, common, args.articles, args.seed, tmp)
    progress(f"[{databases.kind}] the home page rebuilt after a content change ...")
    rebuild = child(ctx, home_rebuild, env, args.rebuild_runs)
    runs = {}
    for label, cache_env in (("cached", {}), ("uncached", {"PAGE_CACHE_SECONDS": "0"})):
        progress(f"[{databases.kind}] gunicorn, page cache {label} ...")
        runs[label] = server_run(
            {**env, **cache_env}, data["urls"], static, args, tmp / "gunicorn.log"
        )
    profile = ""
    if args.profile:
        progress(f"[{databases.kind}] profiling the pages (test client, page cache off) ...")
        profile = child(ctx, profile_pages, env, data["urls"], static, args.profile_requests)
    return {
        "kind": databases.kind,
        "where": databases.describe("web"),
        "data": data,
        "runs": runs,
        "rebuild": rebuild,
        "profile": profile,
    }


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=(__doc__ or "").split("\n\n")[0],
        epilog="Targets: uncached p50 <= 25 ms for every page; cached home >= 50%% of "
        "the static file's requests/s. See bench/README.md.",
    )
    parser.add_argument(
        "--articles", type=int, default=None, help=f"articles to load (default {DEFAULT_ARTICLES})"
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"{QUICK_ARTICLES} articles (unless --articles), 2 s + 1 s per URL",
    )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="corpus seed")
    parser.add_argument(
        "--duration", type=float, default=None, help="seconds of wrk per URL for req/s (5)"
    )
    parser.add_argument(
        "--latency-duration",
        type=float,
        default=None,
        help="seconds of wrk per URL at 1 connection for p50/p99 (3)",
    )
    parser.add_argument("--connections", type=int, default=4, help="wrk connections for req/s (4)")
    add_backend_options(parser)
    parser.add_argument(
        "--profile",
        action="store_true",
        help="also profile each page (test client, page cache off): SQL and cProfile",
    )
    parser.add_argument(
        "--no-reports",
        action="store_true",
        help="accepted for older command lines: the report POSTs are bench/reports.py's now",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temp dir")
    args = parser.parse_args(argv)
    if args.articles is None:
        args.articles = QUICK_ARTICLES if args.quick else DEFAULT_ARTICLES
    if args.duration is None:
        args.duration = 2.0 if args.quick else 5.0
    if args.latency_duration is None:
        args.latency_duration = 1.0 if args.quick else 3.0
    args.warmup = 5 if args.quick else 20
    args.rebuild_runs = 10 if args.quick else 30
    args.profile_requests = 5 if args.quick else 20
    if args.articles < 1_000:
        parser.error("--articles must be at least 1000 (12 sections x 100 outlets)")
    if args.duration < 1 or args.latency_duration < 1:
        parser.error("--duration and --latency-duration must be at least 1 second")
    if not 1 <= args.connections <= 256:
        parser.error("--connections must be between 1 and 256")
    check_backend_options(parser, args)
    return args


def main() -> None:
    args = parse_args()
    if not shutil.which("wrk"):
        print("bench/web.py: wrk is not installed (apt-get install -y wrk)", file=sys.stderr)
        sys.exit(2)
    ctx = mp.get_context("spawn")
    started = time.perf_counter()
    with temp_dir("newsroom-bench-web-", args.keep) as tmp:
        common, static = collect_static(tmp)
        results, skipped = on_each_backend(
            tmp,
            args.no_postgres,
            args.database_url,
            lambda databases: run_backend(ctx, args, databases, common, static, tmp),
        )
        report(args, results, static, skipped, time.perf_counter() - started)


if __name__ == "__main__":
    main()
