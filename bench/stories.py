"""Story grouping benchmark: quality on the labelled sets, and what grouping costs.

A benchmark, not a test: it prints figures and asserts nothing. Run from the
repository root:

    .venv/bin/python bench/stories.py --quality dev       # the tuning set
    .venv/bin/python bench/stories.py --quality heldout   # never for tuning: report only
    .venv/bin/python bench/stories.py --cost              # 10k and 100k articles, SQLite
    .venv/bin/python bench/stories.py --cost --quick      # 2k and 8k articles, 1,000 new
    .venv/bin/python bench/stories.py --cost --database-url postgres://postgres@127.0.0.1:5432/postgres

Quality: B-cubed precision/recall/F1 per language, Arabic-French pairs linked, the
share of "same topic, different event" pairs merged (lib/storysets.py), for
articles.stories and for a plain TF-IDF cosine baseline at thresholds 0.2/0.3/0.4.

Cost (``--cost``), for each database size N of ``--sizes`` (every process below is
spawned):

* the corpus (lib/storydata.py, fixed seed): 1,000 articles a day over 100 outlets
  (20 French), in events of 2-12 reports or alone; the newest ``--new`` articles are
  the same at every size, the N before them span N / 1,000 days;
* one database is migrated once; each size gets a copy of it. A child stores the N
  base articles through ``articles.ingest.store.store_entries`` (``ParsedEntry``
  objects, one call per outlet and day, oldest day first) and assigns each day's
  articles with ``articles.stories.assign.assign`` (one call per day), timing both;
* the database is copied again (for the counting pass), then a fresh child measures
  a first ingest of the new articles: for each outlet, its RSS feed bytes through
  ``articles.ingest.parse.parse_feed`` and ``store_entries`` (the ingest: the
  baseline), then ``assign(stored ids)``, as the Celery chain after each fetch does;
  ``time.process_time`` around each, in the same process, in the same loop (and on
  PostgreSQL the backend's CPU from /proc). Then ``rebuild(since = newest - 7 days)``,
  timed;
* another child repeats that ingest on the copy under ``CaptureQueriesContext`` with
  counters wrapped around ``assign.candidates`` and ``strength``
  (no timing there): queries per assign call, candidate pairs the index gave,
  candidates compared.

What it prints is in lib/printing/stories.py.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import pickle
import sys
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from lib.databases import Databases, PostgresDatabases, SqliteDatabases
from lib.env import DEFAULT_SEED, base_env, django_setup, manage, progress, temp_dir
from lib.figures import process_cpu
from lib.processes import child

DEFAULT_SIZES = (10_000, 100_000)
QUICK_SIZES = (2_000, 8_000)
DEFAULT_NEW = 5_000
QUICK_NEW = 1_000
REBUILD_DAYS = 7


# --------------------------------------------------------------------------- quality


def quality(name: str) -> None:
    from lib.storysets import lines, ours, score, tfidf_baseline

    print(f"story grouping on {name}.json")
    for line in lines("articles.stories", score(name, ours)):
        print(line)
    for threshold in (0.2, 0.3, 0.4):
        for line in lines(f"tf-idf cosine >= {threshold}", score(name, tfidf_baseline(threshold))):
            print(line)


# --------------------------------------------------------------------------- children


def _backend_pid() -> int | None:
    """The PostgreSQL backend's pid when it runs on this machine, else None."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    return pid if Path(f"/proc/{pid}/stat").exists() else None


def _fill(
    env: dict[str, str], size: int, new: int, seed: int, end: datetime, feeds: Path, conn: Any
) -> None:
    """Child: generate the corpus, write the new articles' feeds (and their events) to
    ``feeds``, store the base articles day by day and assign each day's."""
    django_setup(env)
    from django.utils import timezone
    from lib import storydata

    from articles.ingest.store import store_entries
    from articles.models import Article, Outlet, Story
    from articles.stories.assign import assign

    t0 = time.perf_counter()
    base, fresh = storydata.corpus(size, seed, end, new)
    generate_s = time.perf_counter() - t0
    feeds.mkdir(parents=True, exist_ok=True)
    by_outlet: dict[int, list[Any]] = defaultdict(list)
    for item in fresh:
        by_outlet[item.outlet].append(item)
    for outlet, items in by_outlet.items():
        (feeds / f"outlet-{outlet:03d}.xml").write_bytes(storydata.feed_bytes(outlet, items))
    events = {item.key: item.event for item in base + fresh}
    (feeds / "events.pickle").write_bytes(pickle.dumps(events))

    Outlet.objects.bulk_create(
        Outlet(name=f"منبر {n}", slug=f"outlet-{n:03d}", language=storydata.outlet_language(n),
               site_url=f"https://www.outlet{n:03d}.ma",
               feed_url=f"https://www.outlet{n:03d}.ma/feed/")
        for n in range(storydata.OUTLETS)
    )  # fmt: skip
    outlets = {o.slug: o for o in Outlet.objects.all()}
    days = []
    store_cpu = 0.0
    wall0 = time.perf_counter()
    for day in storydata.by_day(base):
        per_outlet: dict[int, list[Any]] = defaultdict(list)
        for item in day:
            per_outlet[item.outlet].append(storydata.parsed_entry(item))
        ids: list[int] = []
        c0 = time.process_time()
        for outlet in sorted(per_outlet):
            result = store_entries(
                outlets[f"outlet-{outlet:03d}"], per_outlet[outlet], fetched_at=timezone.now()
            )
            ids += result.article_ids
        c1 = time.process_time()
        assign(ids)
        c2 = time.process_time()
        store_cpu += c1 - c0
        days.append({"articles": len(ids), "assign_cpu": c2 - c1})
    conn.send(
        {
            "generate_s": generate_s,
            "fill_wall": time.perf_counter() - wall0,
            "store_cpu": store_cpu,
            "days": days,
            "articles": Article.objects.count(),
            "stories": Story.objects.count(),
            "in_stories": Article.objects.filter(story__isnull=False).count(),
            "base": storydata.stats(base),
            "new": storydata.stats(fresh),
            "outlet_sizes": sorted(len(v) for v in by_outlet.values()),
        }
    )
    conn.close()


def _feeds(feeds: Path) -> list[tuple[str, bytes]]:
    return [(path.stem, path.read_bytes()) for path in sorted(feeds.glob("outlet-*.xml"))]


def _warm_up(feeds: list[tuple[str, bytes]]) -> None:
    """First calls outside the timed loop: imports, the lexicon, the parser."""
    from django.utils import timezone

    from articles.ingest.parse import parse_feed
    from articles.stories.assign import print_article

    slug, body = feeds[0]
    parse_feed(body, url=f"https://www.{slug}.ma/feed/", fetched_at=timezone.now())
    print_article("المغرب الدار البيضاء 2025", "Casablanca 1.500 personnes", "", "ar")


def _ingest_loop(
    feeds: list[tuple[str, bytes]], on_assign: Any = None, pid: int | None = None
) -> dict[str, Any]:
    """For each outlet: parse_feed + store_entries (timed as the ingest), then assign
    (timed apart); ``on_assign(ids, call)`` wraps the assign call when given."""
    from django.conf import settings
    from django.utils import timezone

    from articles.ingest.parse import parse_feed
    from articles.ingest.store import store_entries
    from articles.models import Outlet
    from articles.stories.assign import assign

    outlets = {o.slug: o for o in Outlet.objects.all()}
    ingest_cpu = assign_cpu = ingest_wall = assign_wall = 0.0
    ingest_db = assign_db = 0.0
    stored: list[int] = []
    calls = []
    for slug, body in feeds:
        outlet = outlets[slug]
        db0 = process_cpu(pid) if pid else 0.0
        w0, c0 = time.perf_counter(), time.process_time()
        parsed = parse_feed(
            body, url=outlet.feed_url, fetched_at=timezone.now(), language=outlet.language,
            max_entries=settings.FETCH_MAX_ENTRIES,
        )  # fmt: skip
        result = store_entries(outlet, parsed.entries, fetched_at=timezone.now())
        c1, w1 = time.process_time(), time.perf_counter()
        db1 = process_cpu(pid) if pid else 0.0
        ids = list(result.article_ids)
        if on_assign:
            on_assign(ids, lambda ids=ids: assign(ids))
        else:
            assign(ids)
        c2, w2 = time.process_time(), time.perf_counter()
        db2 = process_cpu(pid) if pid else 0.0
        ingest_cpu += c1 - c0
        assign_cpu += c2 - c1
        ingest_wall += w1 - w0
        assign_wall += w2 - w1
        ingest_db += db1 - db0
        assign_db += db2 - db1
        stored += ids
        calls.append({"articles": len(ids), "assign_cpu": c2 - c1})
    return {
        "ingest_cpu": ingest_cpu,
        "assign_cpu": assign_cpu,
        "ingest_wall": ingest_wall,
        "assign_wall": assign_wall,
        "ingest_db": ingest_db if pid else None,
        "assign_db": assign_db if pid else None,
        "stored": stored,
        "calls": calls,
    }


def _measure(env: dict[str, str], feeds_dir: Path, conn: Any) -> None:
    """Child: the timed first ingest of the new articles with their assignment; the
    stories they formed against the corpus's events; then the timed rebuild."""
    django_setup(env)
    from django.db import connection
    from django.db.models import Max

    from articles.models import Article, Story
    from articles.stories.rebuild import rebuild
    from articles.stories.scoring import bcubed

    feeds = _feeds(feeds_dir)
    connection.ensure_connection()
    pid = _backend_pid()
    stories0 = Story.objects.count()
    _warm_up(feeds)
    run = _ingest_loop(feeds, pid=pid)
    stored = run.pop("stored")
    events = pickle.loads((feeds_dir / "events.pickle").read_bytes())
    rows = list(Article.objects.filter(id__in=stored).values_list("key", "story_id", "id"))
    predicted = {key: (story if story is not None else f"a{aid}") for key, story, aid in rows}
    quality = bcubed(predicted, {key: events[key] for key, _, _ in rows})
    run.update(
        articles=len(stored),
        stories_before=stories0,
        stories_after=Story.objects.count(),
        new_in_stories=sum(1 for _, story, _ in rows if story is not None),
        new_stories=len({story for _, story, _ in rows if story is not None}),
        bcubed=(quality.precision, quality.recall, quality.f1),
    )
    newest = Article.objects.aggregate(Max("published_at"))["published_at__max"]
    since = newest - timedelta(days=REBUILD_DAYS)
    db0 = process_cpu(pid) if pid else 0.0
    w0, c0 = time.perf_counter(), time.process_time()
    rebuilt = rebuild(since)
    run["rebuild"] = {
        "cpu": time.process_time() - c0,
        "wall": time.perf_counter() - w0,
        "db": process_cpu(pid) - db0 if pid else None,
        **rebuilt,
    }
    conn.send(run)
    conn.close()


def _count(env: dict[str, str], feeds_dir: Path, conn: Any) -> None:
    """Child: the same first ingest on a copy, each assign under CaptureQueriesContext
    and cProfile, with counters around the candidate lookups (untimed)."""
    import cProfile

    django_setup(env)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from articles.stories import assign as module

    counts: Counter[str] = Counter()
    candidates, strength = module.candidates, module.strength

    def counted_candidates(*args: Any, **kwargs: Any) -> Any:
        for pair in candidates(*args, **kwargs):
            counts["candidates"] += 1
            yield pair

    def counted_same(*args: Any, **kwargs: Any) -> Any:
        counts["compared"] += 1
        linked = strength(*args, **kwargs)
        counts["linked"] += linked > 0
        return linked

    module.candidates = counted_candidates  # type: ignore[assignment]
    module.strength = counted_same  # type: ignore[assignment]
    queries: list[int] = []
    sql: dict[str, list[float]] = defaultdict(lambda: [0, 0.0])

    profile = cProfile.Profile()

    def captured(ids: list[int], call: Any) -> None:
        connection.queries_log.clear()  # the log keeps 9,000: one call's must all fit
        with CaptureQueriesContext(connection) as context:
            profile.enable()
            call()
            profile.disable()
        queries.append(len(context.captured_queries))
        for query in context.captured_queries:
            shape = _shape(query["sql"])
            sql[shape][0] += 1
            sql[shape][1] += float(query["time"])

    feeds = _feeds(feeds_dir)
    connection.ensure_connection()
    _warm_up(feeds)
    run = _ingest_loop(feeds, on_assign=captured)
    articles = len(run["stored"])
    top = sorted(sql.items(), key=lambda kv: -kv[1][1])[:6]
    conn.send(
        {
            "articles": articles,
            "queries": queries,
            "counts": dict(counts),
            "sql_top": [(shape, n, t) for shape, (n, t) in top],
            "sql_total": sum(t for _, t in sql.values()),
            "profile": _profile_lines(profile),
            "largest": _largest_stories(),
        }
    )
    conn.close()


def _profile_lines(profile: Any, count: int = 14) -> list[tuple[float, float, int, str]]:
    """(cumulative s, own s, calls, function) of the assign calls, the functions of
    articles/ (and the SQL layer's execute) with the most cumulative time."""
    import pstats

    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    rows = []
    for (path, line, name), (_, calls, own, cumulative, _) in stats.items():
        where = path.split("/work/main/")[-1] if "/articles/" in path else ""
        if where or name in ("execute", "_execute") and "django/db/backends" in path:
            label = f"{where}:{line} {name}" if where else f"django.db {name}"
            rows.append((cumulative, own, calls, label))
    return sorted(rows, reverse=True)[:count]


def _largest_stories() -> list[int]:
    """Article counts of the five largest stories."""
    from django.db.models import Count

    from articles.models import Article

    return list(
        Article.objects.filter(story__isnull=False).values("story_id")
        .annotate(n=Count("id")).order_by("-n").values_list("n", flat=True)[:5]
    )  # fmt: skip


def _shape(sql: str) -> str:
    """A statement without its parameter lists: one line per kind of query."""
    import re

    value = r"(?:%s|\?|-?\d+|'[^']*')"
    shape = re.sub(r"CAST\((\S+) AS BIGINT\)", r"\1", sql)
    # One comma between values (an optional comma would backtrack without end).
    shape = re.sub(rf"\(\s*{value}(?:\s*,\s*{value})*\s*\)", "(…)", shape)
    shape = re.sub(r"(?:\(…\),\s*)+\(…\)", "(…), …", shape)
    shape = re.sub(r"'[^']*'", "'…'", shape)
    shape = re.sub(r"\b\d+\b", "N", shape)
    return " ".join(shape.split())[:160]


# --------------------------------------------------------------------------- cost


def cost_size(
    ctx: Any, args: argparse.Namespace, databases: Databases, common: dict[str, str],
    tmp: Path, size: int, end: datetime,
) -> dict[str, Any]:  # fmt: skip
    name = f"n{size}"
    databases.clone("template", name)
    env = {**common, **databases.env(name)}
    feeds = tmp / f"feeds-{size}"
    progress(f"[{databases.kind}] {size} articles: generating and filling "
             f"({size // 1000} days, stored and assigned day by day) ...")  # fmt: skip
    t0 = time.perf_counter()
    fill = child(ctx, _fill, env, size, args.new, args.seed, end, feeds)
    fill["wall_total"] = time.perf_counter() - t0
    databases.clone(name, f"{name}_count")
    progress(f"[{databases.kind}] {size}: first ingest of {args.new} new articles, "
             "with assignment, then rebuild ...")  # fmt: skip
    measured = child(ctx, _measure, env, feeds)
    progress(f"[{databases.kind}] {size}: counting queries and candidates (copy) ...")
    counted = child(ctx, _count, {**common, **databases.env(f"{name}_count")}, feeds)
    drop(databases, name)
    drop(databases, f"{name}_count")
    return {"size": size, "fill": fill, "measured": measured, "counted": counted}


def drop(databases: Databases, name: str) -> None:
    """Free the disk of a size once measured."""
    if isinstance(databases, SqliteDatabases):
        databases.path(name).unlink(missing_ok=True)
    else:
        full = databases._name(name)
        databases.admin.execute(f'DROP DATABASE IF EXISTS "{full}" WITH (FORCE)')
        databases.created.remove(full)


def cost(args: argparse.Namespace) -> None:
    from lib.printing.stories import report

    ctx = mp.get_context("spawn")
    started = time.perf_counter()
    end = datetime.now(UTC).replace(microsecond=0, second=0) - timedelta(minutes=30)
    with temp_dir("newsroom-bench-stories-", args.keep) as tmp:
        common = base_env(tmp / "var")
        os.environ.pop("DATABASE_URL", None)
        databases: Databases = (
            PostgresDatabases(args.database_url) if args.database_url else SqliteDatabases(tmp)
        )
        try:
            databases.create("template")
            progress(f"[{databases.kind}] migrating {databases.describe('template')} ...")
            manage({**common, **databases.env("template")}, "migrate", "--noinput", "-v", "0")
            results = [cost_size(ctx, args, databases, common, tmp, size, end)
                       for size in args.sizes]  # fmt: skip
        finally:
            if isinstance(databases, PostgresDatabases):
                for name in reversed(databases.created):
                    databases.admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                databases.admin.close()
        report(args, databases.kind, results, time.perf_counter() - started)


# --------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--quality",
        choices=("dev", "heldout", "blind", "blind2", "blind3", "blind4"),
        action="append",
        default=[],
    )
    parser.add_argument("--cost", action="store_true", help="what grouping costs an ingest")
    parser.add_argument(
        "--sizes", default=None,
        help="database sizes, comma-separated (default 10000,100000; --quick 2000,8000)",
    )  # fmt: skip
    parser.add_argument(
        "--new", type=int, default=None,
        help=f"new articles of the first ingest ({DEFAULT_NEW}; --quick {QUICK_NEW})",
    )  # fmt: skip
    parser.add_argument("--quick", action="store_true", help="small sizes, for development")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="corpus seed")
    parser.add_argument(
        "--database-url", default="",
        help="run --cost on PostgreSQL: scratch databases are created on this server "
        "(e.g. postgres://postgres@127.0.0.1:5432/postgres) and dropped at the end",
    )  # fmt: skip
    parser.add_argument("--keep", action="store_true", help="keep the temp dir")
    args = parser.parse_args(argv)
    if not args.quality and not args.cost:
        parser.error("say --quality dev|heldout and/or --cost")
    sizes = args.sizes or ",".join(map(str, QUICK_SIZES if args.quick else DEFAULT_SIZES))
    try:
        args.sizes = [int(s.replace("_", "")) for s in sizes.split(",") if s.strip()]
    except ValueError:
        parser.error("--sizes: comma-separated numbers")
    if args.new is None:
        args.new = QUICK_NEW if args.quick else DEFAULT_NEW
    if any(s < 1_000 for s in args.sizes) or args.new < 100:
        parser.error("sizes of at least 1000 and --new of at least 100")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.quality:
        with temp_dir("newsroom-stories-", keep=False) as var_dir:
            django_setup(base_env(var_dir))
            for name in args.quality:
                quality(name)
    if args.cost:
        cost(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
