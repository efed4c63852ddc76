"""Ingest benchmark: what one ingest costs, measured against feedparser alone.

A benchmark, not a test: it prints figures and ratios and asserts nothing about time.
See bench/README.md. Run from the repository root:

    .venv/bin/python bench/ingest.py                 # 100 outlets x 50 entries, SQLite
    .venv/bin/python bench/ingest.py --quick         # = --outlets 10 --entries 20
    .venv/bin/python bench/ingest.py --profile       # + cProfile of the first ingest
    .venv/bin/python bench/ingest.py --database-url postgres://postgres@127.0.0.1:5432/postgres

Layout of one run (every process below is started with multiprocessing "spawn"):

* a server process (lib/servers.py) generates the corpus (lib/feeds.py, fixed seed) and
  serves it on 127.0.0.1 with ETag / Last-Modified, answering 304 to matching
  conditional requests, or ignoring them when told to. Its CPU is reported apart.
* this process migrates a fresh database, creates one Source per outlet and runs the
  sequential phases (b, d, e) by calling ``articles.ingest.feeds.ingest_outlet`` directly.
* two worker processes run the concurrent first ingest (c) on a pristine copy.
* one child re-runs the first ingest on another pristine copy under tracemalloc (and
  one more under cProfile with --profile), so that neither distorts the timed run.
* feedparser alone (a) runs last in this process, over the same bytes.
What it prints is in lib/printing/ingest.py.
"""

from __future__ import annotations

import argparse
import io
import multiprocessing as mp
import os
import resource
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from lib.databases import Databases, PostgresDatabases, SqliteDatabases
from lib.env import DEFAULT_SEED, base_env, django_setup, progress, temp_dir
from lib.figures import machine_busy, maxrss_mb, other_cpu
from lib.printing.ingest import print_profiled, profile_report, report
from lib.printing.stories import print_ingest_assignment
from lib.processes import child, run_together, wait_for_start
from lib.servers import ServerControl, serve_feeds, server_process

QUICK = {"outlets": 10, "entries": 20}


# --------------------------------------------------------------------------- children


def _worker(env: dict[str, str], ids: Any, conn: Any, start: Any) -> None:
    """Concurrent first ingest (c): ingest ids from a shared queue (or a fixed list)."""
    django_setup(env)
    from django.db import connection

    from articles.ingest.feeds import ingest_outlet
    from articles.stories.assign import assign

    def ingest_and_assign(outlet_id: int) -> str:
        """As a worker's Celery chain: the fetch, then the stored articles' stories."""
        result = ingest_outlet(outlet_id)
        assign(result.article_ids)
        return str(result.status)

    connection.ensure_connection()
    wait_for_start(conn, start)
    cpu0, wall0 = time.process_time(), time.perf_counter()
    statuses: Counter[str] = Counter()
    if isinstance(ids, list):
        for outlet_id in ids:
            statuses[ingest_and_assign(outlet_id)] += 1
    else:
        while (outlet_id := ids.get()) is not None:
            statuses[ingest_and_assign(outlet_id)] += 1
    conn.send(
        {
            "cpu": time.process_time() - cpu0,
            "wall": time.perf_counter() - wall0,
            "statuses": dict(statuses),
            "maxrss_mb": maxrss_mb(),
        }
    )
    conn.close()


def _single_pass(env: dict[str, str], ids: list[int], mode: str, conn: Any) -> None:
    """A sequential first ingest in a fresh process under tracemalloc or cProfile."""
    django_setup(env)
    from django.db import connection

    from articles.ingest.feeds import ingest_outlet

    connection.ensure_connection()
    statuses: Counter[str] = Counter()
    result: dict[str, Any] = {"rss_before_mb": maxrss_mb()}
    cpu0, wall0 = time.process_time(), time.perf_counter()
    if mode == "tracemalloc":
        import tracemalloc

        tracemalloc.start()
        for outlet_id in ids:
            statuses[str(ingest_outlet(outlet_id).status)] += 1
        current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        result.update(traced_peak_mb=peak / 2**20, traced_end_mb=current / 2**20)
    else:
        import cProfile

        from articles.stories.assign import assign

        profile = cProfile.Profile()
        profile.enable()
        for outlet_id in ids:  # as the Celery chain: the fetch, then its stories
            outcome = ingest_outlet(outlet_id)
            assign(outcome.article_ids)
            statuses[str(outcome.status)] += 1
        profile.disable()
        result["profile"] = profile_report(profile)
    result.update(
        cpu=time.process_time() - cpu0,
        wall=time.perf_counter() - wall0,
        statuses=dict(statuses),
        rss_after_mb=maxrss_mb(),
    )
    conn.send(result)
    conn.close()


def run_two_workers(
    ctx: Any, env: dict[str, str], ids: list[int], workers: int, split: str
) -> dict[str, Any]:
    queue = None
    if split == "queue":
        queue = ctx.Queue()
        for outlet_id in ids:
            queue.put(outlet_id)
        for _ in range(workers):
            queue.put(None)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    work = [(env, queue if queue is not None else ids[n::workers]) for n in range(workers)]
    results, wall, busy = run_together(ctx, _worker, work)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    statuses: Counter[str] = Counter()
    for result in results:
        statuses.update(result["statuses"])
    return {
        "wall": wall,
        "cpu": sum(r["cpu"] for r in results),
        "cpu_each": [r["cpu"] for r in results],
        "rusage_cpu": (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime),
        "statuses": dict(statuses),
        "maxrss_mb": max(r["maxrss_mb"] for r in results),
        "busy": busy,
    }


# --------------------------------------------------------------------------- phases


def sequential(ids: list[int], server: ServerControl) -> dict[str, Any]:
    from articles.ingest.feeds import ingest_outlet
    from articles.stories.assign import assign

    served0 = server.stats()
    statuses: Counter[str] = Counter()
    errors: Counter[str] = Counter()
    rss0 = maxrss_mb()
    busy0 = machine_busy()
    assign_cpu = 0.0
    cpu0, wall0 = time.process_time(), time.perf_counter()
    for outlet_id in ids:
        result = ingest_outlet(outlet_id)
        # Story assignment, as the Celery chain after each fetch: in the phase's CPU,
        # and apart in "assign_cpu" (lib/printing/stories.py prints it).
        assigned = time.process_time()
        assign(result.article_ids)
        assign_cpu += time.process_time() - assigned
        statuses[str(result.status)] += 1
        if result.error_code:
            errors[result.error_code] += 1
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    busy = machine_busy() - busy0
    served1 = server.stats()
    server_cpu = served1["cpu"] - served0["cpu"]
    return {
        "other_cpu": other_cpu(busy, cpu, server_cpu),
        "cpu": cpu,
        "assign_cpu": assign_cpu,
        "wall": wall,
        "statuses": dict(statuses),
        "errors": dict(errors),
        "rss_before_mb": rss0,
        "rss_after_mb": maxrss_mb(),
        "server_cpu": server_cpu,
        "served": {k: served1.get(k, 0) - served0.get(k, 0) for k in ("200", "304")},
    }


def feedparser_pass(bodies: list[bytes], **options: Any) -> dict[str, Any]:
    import feedparser

    count = 0
    busy0 = machine_busy()
    cpu0, wall0 = time.process_time(), time.perf_counter()
    for body in bodies:
        count += len(feedparser.parse(io.BytesIO(body), **options).entries)
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    return {
        "cpu": cpu,
        "wall": wall,
        "entries": count,
        "other_cpu": other_cpu(machine_busy() - busy0, cpu),
    }


def parse_feed_pass(bodies: list[bytes], index: dict[str, Any]) -> dict[str, Any]:
    """articles.ingest.parse.parse_feed alone: the parse share of an ingest, no HTTP, no DB."""
    from articles.ingest.parse import parse_feed

    count = 0
    fetched_at = datetime.now(UTC)
    headers = {"Content-Type": "application/rss+xml; charset=UTF-8"}
    busy0 = machine_busy()
    cpu0, wall0 = time.process_time(), time.perf_counter()
    for body, feed in zip(bodies, index["feeds"], strict=True):
        parsed = parse_feed(
            body,
            url=f"http://127.0.0.1{feed['path']}",
            headers=headers,
            fetched_at=fetched_at,
            language="ar",
        )
        count += len(parsed.entries)
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    return {
        "cpu": cpu,
        "wall": wall,
        "entries": count,
        "other_cpu": other_cpu(machine_busy() - busy0, cpu),
    }


# --------------------------------------------------------------------------- main


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--outlets", type=int, default=None, help="feeds (default 100)")
    parser.add_argument("--entries", type=int, default=None, help="entries per feed (50)")
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"{QUICK['outlets']} outlets x {QUICK['entries']} entries (unless given)",
    )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="corpus seed")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="also print a cProfile of the sequential first ingest",
    )
    parser.add_argument(
        "--database-url",
        default="",
        help="run on PostgreSQL: scratch databases are created on this "
        "server (e.g. postgres://postgres@127.0.0.1:5432/postgres) "
        "and dropped at the end",
    )
    parser.add_argument("--workers", type=int, default=2, help="processes for (c), 2")
    parser.add_argument(
        "--split",
        choices=("queue", "halves"),
        default="queue",
        help="(c): a shared task queue (as Celery) or a fixed half each",
    )
    parser.add_argument(
        "--gzip", action="store_true", help="serve feeds gzip-compressed (Content-Encoding: gzip)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the temp dir")
    args = parser.parse_args()
    if args.outlets is None:
        args.outlets = QUICK["outlets"] if args.quick else 100
    if args.entries is None:
        args.entries = QUICK["entries"] if args.quick else 50
    return args


def main() -> None:
    args = parse_args()
    ctx = mp.get_context("spawn")
    with temp_dir("newsroom-bench-", args.keep) as tmp:
        progress(
            f"generating {args.outlets} x {args.entries} entries (seed {args.seed}) and "
            "starting the feed server process ..."
        )
        corpus = (str(tmp / "corpus"), args.outlets, args.entries, args.seed, args.gzip)
        with server_process(ctx, serve_feeds, *corpus) as (server, hello):
            os.environ.pop("DATABASE_URL", None)
            databases: Databases = (
                PostgresDatabases(args.database_url) if args.database_url else SqliteDatabases(tmp)
            )
            try:
                databases.create("main")
                run_phases(args, ctx, tmp, server, hello["index"], databases)
            finally:
                databases.cleanup()


def make_clones(args: argparse.Namespace, databases: Databases) -> None:
    """Pristine copies of the main database for the phases that need one."""
    from django.db import connection, connections

    connections.close_all()
    clones = ["two", "mem"] + (["prof"] if args.profile else [])
    for name in clones:
        databases.clone("main", name)
    connection.ensure_connection()


def run_phases(
    args: argparse.Namespace,
    ctx: Any,
    tmp: Path,
    server: ServerControl,
    index: dict[str, Any],
    databases: Databases,
) -> None:
    """Migrate, one Source per feed, then the phases b), d), e) in this process; the
    others follow in ``other_phases()``."""
    common = base_env(tmp / "var")
    django_setup({**common, **databases.env("main")})
    from django.core.management import call_command
    from django.db import connections

    from articles.models import Article, ArticleImage, FetchLog, Image, Outlet

    call_command("migrate", verbosity=0)
    Outlet.objects.bulk_create(
        Outlet(
            name=f"منبر {i}",
            slug=feed["name"],
            site_url=f"https://www.outlet{i:03d}.ma",
            feed_url=f"http://127.0.0.1:{server.port}{feed['path']}",
            language="ar",
        )
        for i, feed in enumerate(index["feeds"])
    )
    ids = list(Outlet.objects.order_by("slug").values_list("id", flat=True))
    make_clones(args, databases)
    progress("running phase b) first ingest ...")
    phases: dict[str, Any] = {}
    # b) first ingest, sequential, in this process
    first = phases["first"] = sequential(ids, server)
    first["articles"] = Article.objects.count()
    first["images"] = Image.objects.count()
    first["links"] = ArticleImage.objects.count()
    # d) re-poll, server answers 304
    progress("running phases d) e) re-polls ...")
    phases["not_modified"] = sequential(ids, server)
    # e) re-poll, server ignores conditional headers: 200, same body -> hash skip
    server.get("/_conditional/off")
    phases["unchanged"] = sequential(ids, server)
    server.get("/_conditional/on")
    phases["fetch_logs"] = FetchLog.objects.count()
    phases["articles_after"] = Article.objects.count()
    connections.close_all()
    other_phases(args, ctx, tmp, server, index, databases, ids, phases)


def other_phases(
    args: argparse.Namespace,
    ctx: Any,
    tmp: Path,
    server: ServerControl,
    index: dict[str, Any],
    databases: Databases,
    ids: list[int],
    phases: dict[str, Any],
) -> None:
    """c) in worker processes, the tracemalloc (and cProfile) passes in a child each,
    then a) in this process; then the report."""
    common = base_env(tmp / "var")
    progress(f"running phase c) first ingest with {args.workers} processes ...")
    served0 = server.stats()
    two = {**common, **databases.env("two")}
    parallel = phases["parallel"] = run_two_workers(ctx, two, ids, args.workers, args.split)
    parallel["server_cpu"] = server.stats()["cpu"] - served0["cpu"]
    parallel["other_cpu"] = other_cpu(
        parallel.pop("busy"), parallel["cpu"], parallel["server_cpu"]
    )
    progress("running the tracemalloc pass ...")
    traced_env = {**common, **databases.env("mem")}
    phases["traced"] = child(ctx, _single_pass, traced_env, ids, "tracemalloc")
    profiled = None
    if args.profile:
        progress("running the cProfile pass ...")
        profiled = child(ctx, _single_pass, {**common, **databases.env("prof")}, ids, "profile")

    # a) feedparser alone over the same bytes (last, so it cannot raise this
    # process's peak RSS before b)
    progress("running phase a) feedparser alone ...")
    bodies = [(tmp / "corpus" / f"{f['name']}.xml").read_bytes() for f in index["feeds"]]
    phases["floor"] = feedparser_pass(bodies)
    phases["floor_app"] = feedparser_pass(bodies, sanitize_html=False, resolve_relative_uris=False)
    phases["parse_only"] = parse_feed_pass(bodies, index)

    report(args, index, databases, phases)
    print_ingest_assignment(phases)
    if profiled:
        print_profiled(profiled)


if __name__ == "__main__":
    main()
