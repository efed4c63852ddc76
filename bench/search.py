"""Search benchmark: what a search page costs at 100,000 articles, against a LIKE scan,
and what keeping the index costs a first ingest.

A benchmark, not a test: it prints figures and ratios and asserts nothing about time.
See bench/README.md. Run from the repository root:

    .venv/bin/python bench/search.py                 # 100,000 articles, SQLite + PostgreSQL
    .venv/bin/python bench/search.py --quick         # 5,000 articles, short runs
    .venv/bin/python bench/search.py --no-postgres --explain --profile

Layout of one run, for SQLite and then (when it answers) PostgreSQL:

* a fresh database is migrated and filled by a spawned process through the fast bulk
  paths (lib/searchdb.py): ``articles.ingest.store.insert_rows`` (SQLite) or COPY (PostgreSQL)
  for the articles (lib/searchdata.py: generated text with a Zipf word frequency over
  real Arabic news words and generated Arabic-looking ones), then one timed
  ``articles.search.index.rebuild()``;
* gunicorn (``newsroom.wsgi``, one sync worker, production settings, as bench/web.py
  runs it) serves /search/ for 12 queries, and ``wrk`` at 1 connection measures p50/p99
  of each page;
* a spawned process times, in-process and SQL only, ``articles.search.query.find``
  (what the page asks the index) and a plain ``LIKE '%word%'`` scan over title, summary
  and body for the same words and filters (newest 20): the baseline;
* first-ingest cost: feeds as bench/ingest.py serves them (lib/feeds.py) are parsed once
  with ``parse_feed``, then spawned processes store them with ``store_entries`` (as
  ``ingest_bytes`` does) into pristine copies of an empty database, as shipped and with
  ``articles.ingest.store.index_articles`` patched to a no-op, alternately, ``--repeat`` times
  each; the medians of their CPU time give the ratio.

What it prints is in lib/printing/search.py.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import pickle
import subprocess
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
from lib.env import DEFAULT_SEED, collect_static, django_setup, manage, progress, temp_dir
from lib.feeds import write_feed_files
from lib.figures import process_cpu
from lib.gunicorn import gunicorn
from lib.load import check_page, page_latency, timed
from lib.printing.search import TARGET_INGEST_RATIO, TARGET_P50_MS, report
from lib.processes import child
from lib.profiling import plans, profile_pages
from lib.searchdata import FEED_ENTRIES, FORM_ONLY
from lib.searchdb import build_search

DEFAULT_ARTICLES = 100_000
QUICK_ARTICLES = 5_000
DEFAULT_INGEST = 5_000
QUICK_INGEST = 1_000


# --------------------------------------------------------------------------- pages


def server_run(
    env: dict[str, str], queries: list[dict[str, Any]], seconds: float, log: Path
) -> dict[str, Any]:
    """Check each search page once (200, results shown), then measure it."""
    results = {}
    with gunicorn(env, log) as (base, worker):
        check_page(base, "form only", FORM_ONLY, log)
        results["form only"] = page_latency(base, FORM_ONLY, worker, seconds)
        for query in queries:
            check = check_page(base, query["name"], query["path"], log)
            progress(f"    {query['name']}: {query['path'][:70]} ...")
            figures = page_latency(base, query["path"], worker, seconds)
            results[query["name"]] = {**figures, "stories": check["stories"]}
    return results


# --------------------------------------------------------------------------- baseline


def _baseline(
    env: dict[str, str], queries: list[dict[str, Any]], budget: float, explain: bool, conn: Any
) -> None:
    """Child process: per query, in-process and SQL only, ``find()`` (what the search
    page asks the index, first page) and a plain LIKE scan for the same words, newest 20;
    with ``explain``, the plan of each ``find()`` statement."""
    django_setup(env)
    from django.db import connection
    from django.db.models import Q

    from articles.models import Article
    from articles.search.query import find
    from articles.search.words import parse_query
    from articles.site.forms import SearchForm
    from articles.site.paging import PAGE_SIZE

    out: dict[str, Any] = {}
    for spec in queries:
        form = SearchForm(spec["params"])
        assert form.is_valid(), form.errors
        query, filters = parse_query(form.cleaned_data["q"]), form.filters
        order = form.order

        def search(query: Any = query, filters: Any = filters, order: Any = order) -> list[Any]:
            return find(query, filters, order=order, limit=PAGE_SIZE + 1)

        like: Any = Article.objects.all()
        for words in spec["like"]:
            like = like.filter(
                Q(title__contains=words) | Q(summary__contains=words)
                | Q(body_html__contains=words)
            )  # fmt: skip
        for column, value in (("outlet_id", filters.outlet_id),
                              ("section_id", filters.section_id),
                              ("published_at__gte", filters.since),
                              ("published_at__lt", filters.until)):  # fmt: skip
            if value is not None:
                like = like.filter(**{column: value})
        like = like.order_by("-published_at", "-id").values_list("id", flat=True)[:PAGE_SIZE]

        def scan(like: Any = like) -> list[Any]:
            return list(like.all())  # .all(): a fresh queryset, not the last one's cached rows

        progress(f"    {spec['name']}: find() and LIKE ...")
        out[spec["name"]] = {
            "find": timed(search, budget / 2, at_least=5, at_most=50),
            "like": timed(scan, budget, at_least=3, at_most=20),
            "like_found": len(scan()),
        }
        if explain:
            out[spec["name"]]["plan"] = plans(connection, search)
            out[spec["name"]]["like_plan"] = plans(connection, scan)
    out["like_sql"] = str(like.query)
    conn.send(out)
    conn.close()


# --------------------------------------------------------------------------- ingest


def _prepare_ingest(env: dict[str, str], feeds: list[Path], entries: Path, conn: Any) -> None:
    """Child process: one Source per feed in the migrated database of ``env``; each feed
    parsed with ``parse_feed`` (as ``ingest_bytes`` does) into ``entries`` (a pickle), so
    that the timed runs store the same entries. Sends the parse CPU of the timed feeds."""
    django_setup(env)
    from django.conf import settings
    from django.utils import timezone

    from articles.ingest.parse import parse_feed
    from articles.models import Outlet

    Outlet.objects.bulk_create(
        Outlet(name=f"منبر {path.stem}", slug=path.stem, language="ar",
               site_url=f"https://www.{path.stem.replace('-', '')}.ma",
               feed_url=f"https://www.{path.stem.replace('-', '')}.ma/feed/")
        for path in feeds
    )  # fmt: skip
    parsed, cpu = [], 0.0
    for n, path in enumerate(feeds):
        body, url = path.read_bytes(), f"https://www.{path.stem.replace('-', '')}.ma/feed/"
        t0 = time.process_time()
        feed = parse_feed(body, url=url, fetched_at=timezone.now(), language="ar",
                          max_entries=settings.FETCH_MAX_ENTRIES)  # fmt: skip
        cpu += (time.process_time() - t0) if n else 0.0  # the first feed only warms up
        parsed.append((path.stem, feed.entries))
    entries.write_bytes(pickle.dumps(parsed, protocol=pickle.HIGHEST_PROTOCOL))
    conn.send({"parse_cpu": cpu, "entries": sum(len(e) for _, e in parsed[1:])})
    conn.close()


def _ingest(env: dict[str, str], entries: Path, index_on: bool, conn: Any) -> None:
    """Child process: ``store_entries`` for every parsed feed, as a first ingest does it,
    with the index as shipped or switched off. The first feed (5 entries) warms up,
    untimed. On PostgreSQL the backend's CPU is read from /proc too."""
    django_setup(env)
    from django.db import connection
    from django.utils import timezone

    from articles.ingest import store
    from articles.models import Article, Outlet, SearchEntry

    if not index_on:
        store.index_articles = lambda article_ids, articles=None: 0  # type: ignore[assignment]
    outlets = {s.slug: s for s in Outlet.objects.all()}
    feeds = [(outlets[slug], batch) for slug, batch in pickle.loads(entries.read_bytes())]
    pid = None
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
        if not Path(f"/proc/{pid}/stat").exists():
            pid = None
    outlet, batch = feeds[0]
    store.store_entries(outlet, batch, fetched_at=timezone.now())
    server0, wall0, cpu0 = (
        process_cpu(pid) if pid else 0.0,
        time.perf_counter(),
        time.process_time(),
    )
    for outlet, batch in feeds[1:]:
        store.store_entries(outlet, batch, fetched_at=timezone.now())
    conn.send(
        {
            "store_cpu": time.process_time() - cpu0,
            "wall": time.perf_counter() - wall0,
            "server_cpu": process_cpu(pid) - server0 if pid else None,
            "articles": Article.objects.count(),
            "indexed": SearchEntry.objects.count(),
        }
    )
    conn.close()


def ingest_cost(
    ctx: Any,
    args: argparse.Namespace,
    databases: Databases,
    common: dict[str, str],
    feeds: list[Path],
) -> dict[str, Any]:
    """The first ingest, index on and off alternately, each on a pristine copy."""
    databases.create("ingest")
    env = {**common, **databases.env("ingest")}
    manage(env, "migrate", "--noinput", "-v", "0")
    entries = feeds[0].parent / f"entries-{databases.kind}.pickle"
    parsed = child(ctx, _prepare_ingest, env, feeds, entries)
    runs: dict[bool, list[dict[str, Any]]] = {True: [], False: []}
    for rep in range(args.repeat):
        for index_on in (True, False) if rep % 2 == 0 else (False, True):
            name = f"ingest_{rep}_{'on' if index_on else 'off'}"
            databases.clone("ingest", name)
            progress(f"[{databases.kind}] first ingest {rep + 1}/{args.repeat}, index "
                     f"{'on' if index_on else 'off'} ...")  # fmt: skip
            runs[index_on].append(
                child(ctx, _ingest, {**common, **databases.env(name)}, entries, index_on)
            )
    return {**parsed, "on": runs[True], "off": runs[False]}


# --------------------------------------------------------------------------- main


def run_backend(
    ctx: Any,
    args: argparse.Namespace,
    databases: Databases,
    common: dict[str, str],
    tmp: Path,
    feeds: list[Path],
) -> dict[str, Any]:
    env = {**common, **databases.env("search")}
    databases.create("search")
    progress(f"[{databases.kind}] migrating {databases.describe('search')} ...")
    manage(env, "migrate", "--noinput", "-v", "0")
    progress(f"[{databases.kind}] loading {args.articles} articles ...")
    data = child(ctx, build_search, env, args.articles, args.seed, tmp / "corpus.pickle")
    progress(f"[{databases.kind}] gunicorn: the search pages ...")
    pages = server_run(env, data["queries"], args.duration, tmp / "gunicorn.log")
    progress(f"[{databases.kind}] find() and the LIKE baseline, in-process ...")
    baseline = child(ctx, _baseline, env, data["queries"], args.budget, args.explain)
    profile = ""
    if args.profile:
        progress(f"[{databases.kind}] profiling the search pages (test client) ...")
        urls = {q["name"]: q["path"] for q in data["queries"]}
        profile = child(ctx, profile_pages, env, urls, args.static, 5)
    ingest = ingest_cost(ctx, args, databases, common, feeds) if args.ingest else None
    return {
        "kind": databases.kind,
        "where": databases.describe("search"),
        "data": data,
        "pages": pages,
        "baseline": baseline,
        "profile": profile,
        "ingest": ingest,
    }


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=(__doc__ or "").split("\n\n")[0],
        epilog=f"Targets: search page p50 <= {TARGET_P50_MS:g} ms at 100,000 articles; "
        f"first-ingest CPU with the index <= {TARGET_INGEST_RATIO:g} x without. "
        "See bench/README.md.",
    )
    parser.add_argument(
        "--articles",
        type=int,
        default=None,
        help=f"articles to search (default {DEFAULT_ARTICLES})",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"{QUICK_ARTICLES} articles and {QUICK_INGEST} ingested (unless given), short runs",
    )
    parser.add_argument(
        "--ingest",
        type=int,
        default=None,
        help=f"articles of the first-ingest cost (default {DEFAULT_INGEST}; 0 skips it)",
    )
    parser.add_argument("--repeat", type=int, default=3, help="first ingests per mode (3)")
    parser.add_argument(
        "--duration", type=float, default=None, help="seconds of wrk per search page (2)"
    )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="corpus seed")
    add_backend_options(parser)
    parser.add_argument(
        "--explain", action="store_true", help="print the query plan of each search"
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="also profile each search page (test client): SQL and cProfile",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temp dir")
    args = parser.parse_args(argv)
    if args.articles is None:
        args.articles = QUICK_ARTICLES if args.quick else DEFAULT_ARTICLES
    if args.ingest is None:
        args.ingest = QUICK_INGEST if args.quick else DEFAULT_INGEST
    if args.duration is None:
        args.duration = 1.0 if args.quick else 2.0
    args.budget = 1.0 if args.quick else 3.0  # seconds per in-process measurement
    if args.articles < 1_000:
        parser.error("--articles must be at least 1000")
    if args.articles > 1_000_000:
        parser.error("--articles must be at most 1000000 (the sort key holds ids < 2**30)")
    if args.ingest and args.ingest < FEED_ENTRIES:
        parser.error(f"--ingest must be 0 or at least {FEED_ENTRIES}")
    if not 1 <= args.repeat <= 20:
        parser.error("--repeat must be between 1 and 20")
    if not 1 <= args.duration <= 60:
        parser.error("--duration must be between 1 and 60 seconds")
    check_backend_options(parser, args)
    return args


def main() -> None:
    args = parse_args()
    ctx = mp.get_context("spawn")
    started = time.perf_counter()
    with temp_dir("newsroom-bench-search-", args.keep) as tmp:
        common, args.static = collect_static(tmp)
        feeds = (
            write_feed_files(tmp / "feeds", args.ingest, args.seed, FEED_ENTRIES)
            if args.ingest
            else []
        )
        results, skipped = on_each_backend(
            tmp,
            args.no_postgres,
            args.database_url,
            lambda databases: run_backend(ctx, args, databases, common, tmp, feeds),
        )
        report(args, results, skipped, time.perf_counter() - started)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(130)
    except (subprocess.CalledProcessError, RuntimeError) as error:
        print(f"bench/search.py: {error}", file=sys.stderr)
        sys.exit(1)
