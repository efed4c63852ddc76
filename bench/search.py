"""Search benchmark: what a search page costs at 100,000 articles, against a LIKE scan,
and what keeping the index costs a first ingest.

A benchmark, not a test: it prints figures and ratios and asserts nothing about time.
See bench/README.md. Run from the repository root:

    .venv/bin/python bench/search.py                 # 100,000 articles, SQLite + PostgreSQL
    .venv/bin/python bench/search.py --quick         # 5,000 articles, short runs
    .venv/bin/python bench/search.py --no-postgres --explain --profile

Layout of one run, for SQLite and then (when it answers) PostgreSQL:

* a fresh database is migrated and filled by a spawned process through the fast bulk
  paths: ``articles.ingest.store.insert_rows`` (SQLite) or COPY (PostgreSQL) for the articles
  (generated text with a Zipf word frequency over real Arabic news words and generated
  Arabic-looking ones), then one timed ``articles.search.index.rebuild()``;
* gunicorn (``newsroom.wsgi``, one sync worker, production settings, as bench/web.py
  runs it) serves /search/ for 12 queries, and ``wrk`` at 1 connection measures p50/p99
  of each page;
* a spawned process times, in-process and SQL only, ``articles.search.index.find``
  (what the page asks the index) and a plain ``LIKE '%word%'`` scan over title, summary
  and body for the same words and filters (newest 20): the baseline;
* first-ingest cost: bench/ingest.py's feeds are parsed once with ``parse_feed``, then
  spawned processes store them with ``store_entries`` (as ``ingest_bytes`` does) into
  pristine copies of an empty database, as shipped and with
  ``articles.ingest.store.index_articles`` patched to a no-op, alternately, ``--repeat`` times
  each; the medians of their CPU time give the ratio.
"""

from __future__ import annotations

import argparse
import hashlib
import math
import multiprocessing as mp
import os
import pickle
import random
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from benchlib import (
    DEFAULT_SEED,
    PostgresDatabases,
    SqliteDatabases,
    django_setup,
    machine_busy,
    print_header,
    progress,
    temp_dir,
)
from ingest import AUTHORS, CorpusWriter, _text_sources
from web import (
    NO_SECTION_SHARE,
    POSTGRES_URL,
    SECTION_WEIGHTS,
    YEARS,
    ScratchPostgres,
    _outlets,
    _profile,
    check_page,
    child,
    fetch,
    gunicorn,
    manage,
    pinned,
    postgres_reachable,
    process_cpu,
    server_env,
    static_path,
    wrk,
)

DEFAULT_ARTICLES = 100_000
QUICK_ARTICLES = 5_000
DEFAULT_INGEST = 5_000
QUICK_INGEST = 1_000
FEED_ENTRIES = 50  # entries per feed in the ingest-cost corpus, as bench/ingest.py
TARGET_P50_MS = 25.0
TARGET_INGEST_RATIO = 1.15
CHUNK = 5_000  # articles generated, pickled and inserted at a time

# The corpus: Zipf-Mandelbrot word frequency, weight 1 / (rank + Q) ** S, over the real
# words of shared/data/aggregator-page.txt (most frequent first: في، من، على، المغرب ...)
# followed by generated stems, each written in a few prefixed forms.
ZIPF_S = 1.0
ZIPF_Q = 2.7
GENERATED_STEMS = 40_000
STEM_LETTERS = "تثجحخدذرزسشصضطظعغقمنهي"  # first letters: none is a prefix (و ف ب ل ك ا)
LETTERS = "ابتثجحخدذرزسشصضطظعغفقكلمنهوي"
FORMS = (("", 0.60), ("ال", 0.22), ("و", 0.08), ("بال", 0.05), ("لل", 0.05))
TITLE_WORDS = (8, 12)
BODY_WORDS = (220, 380)
SUMMARY_WORDS = 40
PHRASE = "المنتخب المغربي"  # both words common apart; written together in some articles
PHRASE_SHARE = 0.03
# Query words by rank in the vocabulary (0 = most frequent).
RANK_COMMON = 4  # المغرب: in nearly every article
RANK_TWO = (300, 500)
RANK_WORD = 1_000  # a few percent of the articles
RANK_RARE = 35_000  # tens of articles
FORM_ONLY = "/search/?q="  # the page with no words: form, header and footer only


# --------------------------------------------------------------------------- corpus


def vocabulary(seed: int) -> tuple[list[str], list[str], list[float]]:
    """(stems by rank, forms, cumulative weights of the forms). Real words first, then
    generated stems that no other word shares a search form with, so a rare one is
    really rare."""
    from articles.search.words import bare, canonical, normalize

    def keys(word: str) -> set[str]:
        norm = normalize(word)
        return {canonical(norm), bare(norm)}

    _, _, real = _text_sources()
    counts = Counter(real)
    stems: list[str] = []
    forms: list[str] = []
    weights: list[float] = []
    seen: set[str] = set()
    for word in sorted(counts, key=lambda w: -counts[w]):
        if keys(word) & seen:
            continue
        seen |= keys(word)
        stems.append(word)
        forms.append(word)
        weights.append(1 / (len(stems) + ZIPF_Q) ** ZIPF_S)
    rng = random.Random(seed)
    while len(stems) < len(counts) + GENERATED_STEMS:
        size = rng.choice((3, 4, 4, 5, 5, 5, 6, 6, 7))
        stem = rng.choice(STEM_LETTERS) + "".join(rng.choices(LETTERS, k=size - 1))
        if keys(stem) & seen:
            continue
        seen |= keys(stem)
        stems.append(stem)
        weight = 1 / (len(stems) + ZIPF_Q) ** ZIPF_S
        for prefix, share in FORMS:
            forms.append(prefix + stem)
            weights.append(weight * share)
    cumulative, total = [], 0.0
    for weight in weights:
        total += weight
        cumulative.append(total)
    return stems, forms, cumulative


def _plan(count: int, seed: int, outlets: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """(published_at, outlet index, section slug or None), oldest first."""
    rng = random.Random(seed)
    end = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=3)
    span = int(YEARS * 365 * 86400)
    picks = rng.choices(range(len(outlets)), weights=[o["weight"] for o in outlets], k=count)
    slugs, section_weights = list(SECTION_WEIGHTS), list(SECTION_WEIGHTS.values())
    plan = [
        (
            end - timedelta(seconds=rng.randrange(span)),
            outlet,
            None if rng.random() < NO_SECTION_SHARE else rng.choices(slugs, section_weights)[0],
        )
        for outlet in picks
    ]
    plan.sort(key=lambda item: item[0])
    return plan


def _article(
    rng: random.Random, forms: list[str], cumulative: list[float]
) -> tuple[str, str, str]:
    """(title, summary, body_html): words drawn by frequency, the phrase in some."""
    title = rng.choices(forms, cum_weights=cumulative, k=rng.randint(*TITLE_WORDS))
    body = rng.choices(forms, cum_weights=cumulative, k=rng.randint(*BODY_WORDS))
    if rng.random() < PHRASE_SHARE:
        at = rng.randrange(len(body))
        body[at:at] = PHRASE.split()
        if rng.random() < 0.3:
            title[-2:] = PHRASE.split()
    paragraphs, sentences, start = [], [], 0
    while start < len(body):
        size = rng.randint(8, 18)
        sentences.append(" ".join(body[start : start + size]) + ".")
        start += size
        if len(sentences) >= rng.randint(3, 5) or start >= len(body):
            paragraphs.append("<p>" + " ".join(sentences) + "</p>")
            sentences = []
    summary = " ".join(body[:SUMMARY_WORDS]) + " […]"
    return " ".join(title), summary, "\n".join(paragraphs)


def _corpus(
    path: Path, count: int, seed: int, outlets: list[dict[str, Any]], sections: dict[str, int]
) -> Iterator[list[tuple[Any, ...]]]:
    """Article rows (``ARTICLE_FIELDS`` order, source index in place of the source id)
    in chunks, oldest first. Generated once and kept in ``path`` (one pickle per chunk)
    for the second database."""
    if path.exists():
        with path.open("rb") as source:
            while True:
                try:
                    yield pickle.load(source)
                except EOFError:
                    return
    _, forms, cumulative = vocabulary(seed)
    rng = random.Random(seed + 1)
    plan = _plan(count, seed + 2, outlets)
    partial = path.with_suffix(".partial")
    with partial.open("wb") as out:
        for start in range(0, len(plan), CHUNK):
            rows = []
            for n, (when, outlet, section) in enumerate(plan[start : start + CHUNK], start):
                host = urlsplit(outlets[outlet]["site_url"]).hostname
                key = f"https://{host}/?p={100_000 + n}"
                title, summary, body = _article(rng, forms, cumulative)
                rows.append(
                    (outlet, key, f"https://{host}/{when:%Y/%m/%d}/{n}/", title, summary,
                     body, rng.choice(AUTHORS), "ar", sections.get(section or ""), when,
                     when + timedelta(minutes=2), when + timedelta(minutes=2),
                     hashlib.sha256(key.encode()).hexdigest())
                )  # fmt: skip
            pickle.dump(rows, out, protocol=pickle.HIGHEST_PROTOCOL)
            yield rows
    partial.rename(path)


def _queries(
    seed: int, outlet: str, dates: tuple[str, str]
) -> list[tuple[str, dict[str, str], tuple[str, ...]]]:
    """(name, /search/ parameters, the words as a LIKE baseline looks for them)."""
    stems, _, _ = vocabulary(seed)
    word, common, rare = stems[RANK_WORD], stems[RANK_COMMON], stems[RANK_RARE]
    one, two = stems[RANK_TWO[0]], stems[RANK_TWO[1]]
    since, until = dates
    return [
        ("word", {"q": word}, (word,)),
        ("word+outlet", {"q": word, "source": outlet}, (word,)),
        ("two words", {"q": f"{one} {two}"}, (one, two)),
        ("two+section", {"q": f"{one} {two}", "section": "politics"}, (one, two)),
        ("phrase", {"q": f'"{PHRASE}"'}, (PHRASE,)),
        ("phrase+dates", {"q": f'"{PHRASE}"', "from": since, "to": until}, (PHRASE,)),
        ("rare", {"q": rare}, (rare,)),
        ("rare+section", {"q": rare, "section": "society"}, (rare,)),
        ("common", {"q": common}, (common,)),
        ("common+all", {"q": common, "source": outlet, "section": "society", "from": since,
                        "to": until}, (common,)),
        ("word relevance", {"q": word, "sort": "relevance"}, (word,)),
        ("common relevance", {"q": common, "sort": "relevance"}, (common,)),
    ]  # fmt: skip


# --------------------------------------------------------------------------- build


def _build(env: dict[str, str], count: int, seed: int, corpus: Path, conn: Any) -> None:
    """Child process: fill the migrated database of ``env`` in bulk, rebuild the index
    once; send counts, timings, index sizes and the queries with their match counts."""
    django_setup(env)
    from django.db import connection, transaction
    from django.db.models import Count

    from articles.ingest.store import ARTICLE_FIELDS
    from articles.lib.sql import insert_rows
    from articles.models import Article, Category, SearchEntry, Source
    from articles.search import index
    from articles.search.words import parse_query
    from articles.site.forms import SearchForm

    outlets = [o for o in _outlets(random.Random(seed)) if o["language"] == "ar"]
    Source.objects.bulk_create(
        Source(**{k: v for k, v in o.items() if k != "weight"}) for o in outlets
    )
    ids = dict(Source.objects.values_list("slug", "id"))
    source_ids = [ids[o["slug"]] for o in outlets]
    sections = dict(Category.objects.values_list("slug", "id"))
    generate = insert = 0.0
    chunks = _corpus(corpus, count, seed, outlets, sections)
    reused = corpus.exists()
    stored = 0
    while True:
        t0 = time.perf_counter()
        rows = next(chunks, None)
        t1 = time.perf_counter()
        if rows is None:
            break
        with transaction.atomic():
            bulk_insert(insert_rows, ARTICLE_FIELDS, [(source_ids[r[0]], *r[1:]) for r in rows])
        generate, insert = generate + t1 - t0, insert + time.perf_counter() - t1
        stored += len(rows)
        progress(f"  inserted {stored}/{count} articles ...")
    progress("  rebuilding the search index ...")
    cpu0, t0 = time.process_time(), time.perf_counter()
    with transaction.atomic():
        indexed = index.rebuild()
    rebuild_s, rebuild_cpu = time.perf_counter() - t0, time.process_time() - cpu0
    t0 = time.perf_counter()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("VACUUM ANALYZE")  # autovacuum would have run in production
        else:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finish_s = time.perf_counter() - t0

    outlet, outlet_count = (
        Source.objects.annotate(n=Count("articles")).order_by("-n").values_list("slug", "n")[0]
    )
    newest = Article.objects.order_by("-published_at").values_list("published_at", flat=True)[0]
    oldest = Article.objects.order_by("published_at").values_list("published_at", flat=True)[0]
    span = newest - oldest
    dates = (
        f"{(oldest + span * 0.4):%Y-%m-%d}",
        f"{(oldest + span * 0.4 + timedelta(days=91)):%Y-%m-%d}",
    )
    queries = []
    for name, params, like in _queries(seed, outlet, dates):
        form = SearchForm(params)
        if not form.is_valid():
            raise RuntimeError(f"query {name} {params}: {form.errors.as_text()}")
        query = parse_query(form.cleaned_data["q"])
        matches = len(index.find(query, form.filters, limit=10**9))
        path = "/search/?" + urlencode(params)
        queries.append({"name": name, "params": params, "like": like, "path": path,
                        "matches": matches})  # fmt: skip
    conn.send(
        {
            "articles": Article.objects.count(),
            "entries": SearchEntry.objects.count(),
            "indexed": indexed,
            "outlets": len(outlets),
            "oldest": oldest,
            "newest": newest,
            "outlet": outlet,
            "outlet_count": outlet_count,
            "generate_s": generate,
            "corpus_reused": reused,
            "insert_s": insert,
            "insert_how": "COPY" if connection.vendor == "postgresql" else "insert_rows",
            "rebuild_s": rebuild_s,
            "rebuild_cpu": rebuild_cpu,
            "finish_s": finish_s,
            "sizes": index_sizes(),
            "queries": queries,
        }
    )
    conn.close()


def bulk_insert(
    insert_rows: Callable[..., None], fields: tuple[str, ...], rows: list[tuple[Any, ...]]
) -> None:
    """Articles in bulk: the store's own ``insert_rows`` (one executemany) on SQLite,
    COPY on PostgreSQL, where an executemany of 100,000 rows takes half a minute."""
    from django.db import connection

    from articles.models import Article

    if connection.vendor != "postgresql":
        insert_rows(Article, fields, rows, conflict=("source", "key"))
        return
    meta = Article._meta
    columns = ", ".join(str(getattr(meta.get_field(name), "column", name)) for name in fields)
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {meta.db_table} ({columns}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)


def index_sizes() -> dict[str, Any]:
    """Bytes on disk: the index's parts, and the articles table for scale."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name")
            pages = dict(cursor.fetchall())
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE tbl_name = 'articles_article' AND "
                "type IN ('table', 'index')"
            )
            article = sum(pages.get(name, 0) for (name,) in cursor.fetchall())
            parts = {
                f"FTS5 {name.removeprefix('articles_search_')}": pages.get(name, 0)
                for name in ("articles_search_data", "articles_search_idx",
                             "articles_search_content", "articles_search_docsize",
                             "articles_search_config")
            }  # fmt: skip
            parts["articles_searchentry"] = sum(
                size for name, size in pages.items() if "searchentry" in name
            )
            return {"parts": parts, "articles": article, "database": sum(pages.values())}
        cursor.execute(
            "SELECT pg_relation_size('articles_searchentry'), "
            "pg_table_size('articles_searchentry') - pg_relation_size('articles_searchentry'), "
            "(SELECT SUM(pg_column_size(document)) FROM articles_searchentry), "
            "pg_total_relation_size('articles_article'), pg_database_size(current_database())"
        )
        heap, toast, column, article, database = cursor.fetchone()
        cursor.execute(
            "SELECT c.relname, pg_relation_size(c.oid) FROM pg_index i JOIN pg_class c ON "
            "c.oid = i.indexrelid WHERE i.indrelid = 'articles_searchentry'::regclass "
            "ORDER BY c.relname"
        )
        parts = {"searchentry heap": heap, "searchentry TOAST": toast}
        parts.update({f"index {name}": size for name, size in cursor.fetchall()})
        return {
            "parts": parts,
            "document column": int(column or 0),
            "articles": article,
            "database": database,
        }


# --------------------------------------------------------------------------- pages


def percentile(samples: list[float], share: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def page_latency(base: str, path: str, worker: int, seconds: float) -> dict[str, Any]:
    """p50/p99 of one page at 1 connection (about 10 requests or more, up to 15 s),
    and the worker's CPU per request."""
    url = base + path
    t0 = time.perf_counter()
    for _ in range(3):  # warm up: templates, connection, the filter lists' querysets
        fetch(url)
    one = (time.perf_counter() - t0) / 3
    seconds = max(seconds, min(15.0, 10 * one))
    cpu0, busy0 = process_cpu(worker), machine_busy()
    children0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    if shutil.which("wrk"):
        figures = wrk(url, 1, seconds)
    else:
        samples: list[float] = []
        t0 = time.perf_counter()
        while len(samples) < 10 or time.perf_counter() - t0 < seconds:
            t1 = time.perf_counter()
            fetch(url)
            samples.append((time.perf_counter() - t1) * 1000)
        figures = {
            "p50": statistics.median(samples),
            "p99": percentile(samples, 0.99),
            "requests": len(samples),
            "errors": 0,
            "non_2xx": 0,
        }
    worker_cpu = process_cpu(worker) - cpu0
    children1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    client = (children1.ru_utime + children1.ru_stime) - (children0.ru_utime + children0.ru_stime)
    wall = max(seconds, 1e-9)
    other = max(0.0, machine_busy() - busy0 - worker_cpu - client)
    requests = figures["requests"]
    return {
        "p50": figures["p50"],
        "p99": figures["p99"],
        "requests": requests,
        "cpu_ms": 1000 * worker_cpu / requests if worker and requests else None,
        "other_share": other / (wall * (os.cpu_count() or 1)),
        "bad": figures["errors"] + figures["non_2xx"],
    }


def checked(base: str, name: str, path: str, log: Path) -> dict[str, Any]:
    """bench/web.py's ``check_page``; a page that does not answer 200 stops the run with
    the end of gunicorn's log (where a 500's traceback is)."""
    try:
        return check_page(base, name, path)
    except RuntimeError as error:
        tail = "".join(log.read_text(errors="replace").splitlines(True)[-40:])
        raise RuntimeError(f"{error}; the end of gunicorn's log:\n{tail}") from None


def server_run(
    env: dict[str, str], queries: list[dict[str, Any]], seconds: float, log: Path
) -> dict[str, Any]:
    """Check each search page once (200, results shown), then measure it."""
    results = {}
    with gunicorn(env, log) as (base, worker):
        checked(base, "form only", FORM_ONLY, log)
        results["form only"] = page_latency(base, FORM_ONLY, worker, seconds)
        for query in queries:
            check = checked(base, query["name"], query["path"], log)
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
        for column, value in (("source_id", filters.source_id),
                              ("category_id", filters.category_id),
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


def timed(
    work: Callable[[], Any], budget: float, *, at_least: int, at_most: int
) -> dict[str, Any]:
    """p50/p99 (ms) of ``work()`` after one warm-up call: ``at_least`` calls, more while
    the budget (seconds) lasts, ``at_most``."""
    work()
    samples: list[float] = []
    t0 = time.perf_counter()
    while len(samples) < at_least or (
        len(samples) < at_most and time.perf_counter() - t0 < budget
    ):
        t1 = time.perf_counter()
        work()
        samples.append((time.perf_counter() - t1) * 1000)
    return {"p50": statistics.median(samples), "p99": percentile(samples, 0.99),
            "n": len(samples)}  # fmt: skip


def plans(connection: Any, work: Callable[[], Any]) -> str:
    """The query plan of every statement ``work()`` runs: EXPLAIN QUERY PLAN on SQLite,
    EXPLAIN (ANALYZE, BUFFERS) on PostgreSQL."""
    statements: list[tuple[str, Any]] = []

    def capture(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        statements.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(capture):
        work()
    postgres = connection.vendor == "postgresql"
    prefix = "EXPLAIN (ANALYZE, BUFFERS) " if postgres else "EXPLAIN QUERY PLAN "
    lines = []
    with connection.cursor() as cursor:
        for sql, params in statements:
            lines.append(f"      {sql[:300]}")
            cursor.execute(prefix + sql, params)
            for row in cursor.fetchall():
                lines.append("        " + " | ".join(str(v) for v in row))
    return "\n".join(lines)


# --------------------------------------------------------------------------- ingest


def write_feeds(directory: Path, count: int, seed: int) -> list[Path]:
    """bench/ingest.py's feeds: ``count`` entries, FEED_ENTRIES per feed, one file each."""
    directory.mkdir(parents=True, exist_ok=True)
    writer = CorpusWriter(seed)
    paths = []
    for index in range(max(1, count // FEED_ENTRIES) + 1):  # the last one warms up
        body, _, _ = writer.feed(index, FEED_ENTRIES if index else 5)
        path = directory / f"outlet-{index:03d}.xml"
        path.write_bytes(body)
        paths.append(path)
    return paths


def _prepare_ingest(env: dict[str, str], feeds: list[Path], entries: Path, conn: Any) -> None:
    """Child process: one Source per feed in the migrated database of ``env``; each feed
    parsed with ``parse_feed`` (as ``ingest_bytes`` does) into ``entries`` (a pickle), so
    that the timed runs store the same entries. Sends the parse CPU of the timed feeds."""
    django_setup(env)
    from django.conf import settings
    from django.utils import timezone

    from articles.ingest.parse import parse_feed
    from articles.models import Source

    Source.objects.bulk_create(
        Source(name=f"منبر {path.stem}", slug=path.stem, language="ar",
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
    from articles.models import Article, SearchEntry, Source

    if not index_on:
        store.index_articles = lambda article_ids, articles=None: 0  # type: ignore[assignment]
    sources = {s.slug: s for s in Source.objects.all()}
    feeds = [(sources[slug], batch) for slug, batch in pickle.loads(entries.read_bytes())]
    pid = None
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
        if not Path(f"/proc/{pid}/stat").exists():
            pid = None
    source, batch = feeds[0]
    store.store_entries(source, batch, fetched_at=timezone.now())
    server0, wall0, cpu0 = (
        process_cpu(pid) if pid else 0.0,
        time.perf_counter(),
        time.process_time(),
    )
    for source, batch in feeds[1:]:
        store.store_entries(source, batch, fetched_at=timezone.now())
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
    databases: SqliteDatabases | PostgresDatabases,
    common: dict[str, str],
    feeds: list[Path],
) -> dict[str, Any]:
    """The first ingest, index on and off alternately, each on a pristine copy."""
    databases.create("ingest")
    env = {**common, **databases.env("ingest")}
    manage(env, "migrate")
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
    databases: SqliteDatabases | PostgresDatabases,
    common: dict[str, str],
    tmp: Path,
    feeds: list[Path],
) -> dict[str, Any]:
    env = {**common, **databases.env("search")}
    databases.create("search")
    progress(f"[{databases.kind}] migrating {databases.describe('search')} ...")
    manage(env, "migrate")
    progress(f"[{databases.kind}] loading {args.articles} articles ...")
    data = child(ctx, _build, env, args.articles, args.seed, tmp / "corpus.pickle")
    progress(f"[{databases.kind}] gunicorn: the search pages ...")
    pages = server_run(env, data["queries"], args.duration, tmp / "gunicorn.log")
    progress(f"[{databases.kind}] find() and the LIKE baseline, in-process ...")
    baseline = child(ctx, _baseline, env, data["queries"], args.budget, args.explain)
    profile = ""
    if args.profile:
        progress(f"[{databases.kind}] profiling the search pages (test client) ...")
        urls = {q["name"]: q["path"] for q in data["queries"]}
        profile = child(ctx, _profile, env, urls, args.static, 5)
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
    parser.add_argument(
        "--database-url",
        default=POSTGRES_URL,
        help=f"PostgreSQL server for the second run (default {POSTGRES_URL}); scratch "
        "databases are created there and dropped at the end",
    )
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
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
    if args.database_url and urlsplit(args.database_url).scheme not in ("postgres", "postgresql"):
        parser.error("--database-url must be a postgres:// URL")
    return args


def main() -> None:
    args = parse_args()
    ctx = mp.get_context("spawn")
    started = time.perf_counter()
    results: list[dict[str, Any]] = []
    skipped = ""
    with temp_dir("newsroom-bench-search-", args.keep) as tmp:
        var_dir = tmp / "var"
        common = server_env(var_dir)
        progress("collectstatic ...")
        manage({**common, "SQLITE_PATH": str(tmp / "unused.sqlite3")}, "collectstatic")
        args.static = static_path(var_dir)
        feeds = write_feeds(tmp / "feeds", args.ingest, args.seed) if args.ingest else []
        backends: list[Callable[[], SqliteDatabases | PostgresDatabases]] = [
            lambda: SqliteDatabases(tmp)
        ]
        if not args.no_postgres:
            skipped = postgres_reachable(args.database_url)
            if not skipped:
                backends.append(lambda: ScratchPostgres(args.database_url))
        for make in backends:
            databases = make()
            try:
                results.append(run_backend(ctx, args, databases, common, tmp, feeds))
            finally:
                databases.cleanup()
        report(args, results, skipped, time.perf_counter() - started)


# --------------------------------------------------------------------------- report


def _mb(size: float) -> str:
    return f"{size / 2**20:.1f} MB"


def report(
    args: argparse.Namespace, results: list[dict[str, Any]], skipped: str, elapsed: float
) -> None:
    import django

    client = "wrk" if shutil.which("wrk") else "a Python http.client loop (wrk not installed)"
    print()
    print(
        f"Newsroom search benchmark: {args.articles} articles (seed {args.seed}); Python "
        f"{sys.version.split()[0]}, Django {django.__version__}; {os.cpu_count()} CPUs"
    )
    print(
        f"corpus: Zipf-Mandelbrot word frequency (s={ZIPF_S:g}, q={ZIPF_Q:g}) over the real "
        f"words of aggregator-page.txt then {GENERATED_STEMS} generated stems (each in the "
        f"forms {', '.join(p + '-' for p, _ in FORMS if p)}); titles {TITLE_WORDS[0]}-"
        f"{TITLE_WORDS[1]} words, bodies {BODY_WORDS[0]}-{BODY_WORDS[1]}, summary = first "
        f'{SUMMARY_WORDS}; "{PHRASE}" written in {PHRASE_SHARE:.0%} of bodies; no images.'
    )
    print(
        f"pages: full HTTP page through gunicorn newsroom.wsgi (1 sync worker"
        f"{', pinned to CPU 1' if pinned(1) else ''}, DEBUG=0, production settings), measured "
        f"by {client} at 1 connection, {args.duration:g} s per query or 10 requests (up to "
        "15 s). find() and LIKE: in-process, SQL only, first page (newest 20 / 21 asked)."
    )
    if skipped:
        print(f"PostgreSQL skipped: {skipped}")
    for result in results:
        print_backend(args, result)
    print()
    print(f"whole run: {elapsed:.0f} s")


def print_backend(args: argparse.Namespace, result: dict[str, Any]) -> None:
    data, pages, baseline = result["data"], result["pages"], result["baseline"]
    finish = "VACUUM ANALYZE" if result["kind"] == "postgresql" else "WAL checkpoint"
    print()
    print(f"== {result['kind']} ({result['where']})")
    print(
        f"data: {data['articles']} articles from {data['outlets']} outlets, "
        f"{data['oldest']:%Y-%m-%d} .. {data['newest']:%Y-%m-%d}; {data['entries']} index "
        f"entries; biggest outlet {data['outlet']} ({data['outlet_count']} articles)"
    )
    corpus = "corpus read back" if data["corpus_reused"] else "generated"
    print(
        f"load: {corpus} {data['generate_s']:.1f} s, {data['insert_how']} "
        f"{data['insert_s']:.1f} s "
        f"({data['articles'] / data['insert_s']:.0f} articles/s), rebuild() "
        f"{data['rebuild_s']:.1f} s wall, {data['rebuild_cpu']:.1f} s CPU of this process "
        f"({data['indexed'] / data['rebuild_s']:.0f} articles/s), {finish} "
        f"{data['finish_s']:.1f} s"
    )
    sizes = data["sizes"]
    parts = ", ".join(f"{name} {_mb(size)}" for name, size in sizes["parts"].items())
    total = sum(sizes["parts"].values())
    column = (
        f"; the document column alone {_mb(sizes['document column'])}"
        if "document column" in sizes
        else ""
    )
    print(
        f"index size: {_mb(total)} = {total / data['articles'] / 1024:.1f} KB per article, "
        f"{total / sizes['articles']:.0%} of the articles table with its indexes "
        f"({_mb(sizes['articles'])}); database {_mb(sizes['database'])}"
    )
    print(f"  {parts}{column}")
    form = pages["form only"]
    print(
        f"fixed cost of the page: {FORM_ONLY} (no words: the form with its outlet and section "
        f"lists, header, footer) p50 {form['p50']:.1f} ms, p99 {form['p99']:.1f} ms, worker "
        f"CPU {form['cpu_ms'] or 0:.1f} ms per request"
    )
    header = (
        f"  {'query':<17}{'matches':>8} {'shown':>5} | {'page p50':>8} {'p99':>7} {'CPU':>6}"
        f" {'n':>4} | {'find p50':>8} {'p99':>7} | {'LIKE p50':>8} {'p99':>8} {'n':>3}"
        f" | {'page/LIKE':>9} {'find/LIKE':>9}  target"
    )
    print()
    print_header(header)
    misses, notes = [], []
    for query in data["queries"]:
        name = query["name"]
        page, found = pages[name], baseline[name]
        find, like = found["find"], found["like"]
        ok = page["p50"] <= TARGET_P50_MS
        if not ok:
            misses.append(f"{name} {page['p50']:.1f} ms")
        if page["bad"]:
            notes.append(f"{name}: {page['bad']} errors or non-2xx answers")
        cpu = f"{page['cpu_ms']:6.1f}" if page["cpu_ms"] is not None else f"{'?':>6}"
        print(
            f"  {name:<17}{query['matches']:>8} {page['stories']:>5} | {page['p50']:8.1f} "
            f"{page['p99']:7.1f} {cpu} {page['requests']:>4} | {find['p50']:8.2f} "
            f"{find['p99']:7.2f} | {like['p50']:8.1f} {like['p99']:8.1f} {like['n']:>3} | "
            f"{page['p50'] / like['p50']:9.2f} {find['p50'] / like['p50']:9.3f}  "
            f"p50<={TARGET_P50_MS:g} {'meets' if ok else 'MISSES'}"
        )
    print()
    print(
        "  ms throughout; matches = articles the index finds (newest order, no limit); shown "
        "= results on the page; CPU = gunicorn worker CPU ms per request (/proc); n = "
        "requests / runs measured; page/LIKE and find/LIKE are ratios of p50s."
    )
    print(f"  LIKE baseline, e.g.: {baseline['like_sql'][:400]}")
    for query in data["queries"]:
        print(f"  {query['name']:<17} {query['path']}")
    other = max(page["other_share"] for page in pages.values())
    backend = " (the PostgreSQL backend included)" if result["kind"] == "postgresql" else ""
    print(f"  other load during the page measurements: up to {other:.0%}{backend}")
    if other > 0.10 and result["kind"] == "sqlite":
        notes.append("the machine was busy with other work: page latencies are pessimistic")
    for note in notes:
        print(f"  !! {note}")
    print(
        "  verdict: "
        + ("every search page p50 <= 25 ms" if not misses else "MISSES: " + "; ".join(misses))
    )
    if args.explain:
        print()
        print("  query plans of find(), then of the LIKE baseline:")
        for query in data["queries"]:
            print(f"    {query['name']}:")
            print(baseline[query["name"]]["plan"])
            print(baseline[query["name"]]["like_plan"])
    if result["ingest"]:
        print_ingest(result["ingest"], result["kind"])
    if result["profile"]:
        print()
        print(f"  profile ({result['kind']}, test client):")
        print(result["profile"])


def print_ingest(ingest: dict[str, Any], kind: str) -> None:
    on, off, count = ingest["on"], ingest["off"], ingest["entries"]
    server = kind == "postgresql"

    def median(runs: list[dict[str, Any]], key: str) -> float:
        return statistics.median(run[key] or 0.0 for run in runs)

    print()
    print(
        f"  first-ingest cost: {count} entries in feeds of {FEED_ENTRIES} (bench/ingest.py's "
        f"corpus) stored with store_entries, each run on a pristine copy of an empty "
        f"database; {len(on)} runs per mode, alternating; medians. parse_feed of the same "
        f"feeds (once): {ingest['parse_cpu']:.2f} s CPU, {ingest['parse_cpu'] * 1000 / count:.2f}"
        " ms per entry."
    )
    header = (
        f"    {'':<10} {'store CPU s':>11} {'ms/entry':>8} {'wall s':>7}"
        + (f" {'backend CPU s':>13}" if server else "")
        + f"  {'articles':>8} {'indexed':>7}"
    )
    print_header(header)
    for label, runs in (("index on", on), ("index off", off)):
        store = median(runs, "store_cpu")
        wall = median(runs, "wall")
        line = f"    {label:<10} {store:11.2f} {store * 1000 / count:8.2f} {wall:7.2f}"
        if server:
            line += f" {median(runs, 'server_cpu'):13.2f}"
        print(line + f"  {runs[0]['articles']:>8} {runs[0]['indexed']:>7}")
    store_on, store_off = median(on, "store_cpu"), median(off, "store_cpu")
    ratio = store_on / store_off
    parse = ingest["parse_cpu"]
    print(
        f"    store_entries CPU, index on / off: {ratio:.2f} (target <= "
        f"{TARGET_INGEST_RATIO:g}: {'meets' if ratio <= TARGET_INGEST_RATIO else 'MISSES'}); "
        f"the index costs {(store_on - store_off) * 1000 / count:.2f} ms CPU per article"
    )
    print(
        "    the ingest after the fetch (parse_feed + store_entries), on / off: "
        f"{(parse + store_on) / (parse + store_off):.2f}"
    )
    if server:
        server_on, server_off = median(on, "server_cpu"), median(off, "server_cpu")
        print(
            "    with the PostgreSQL backend's CPU added: store on / off "
            f"{(store_on + server_on) / (store_off + server_off):.2f}, parse + store on / off "
            f"{(parse + store_on + server_on) / (parse + store_off + server_off):.2f}"
        )
    each = {label: ", ".join(f"{run['store_cpu']:.2f}" for run in runs)
            for label, runs in (("on", on), ("off", off))}  # fmt: skip
    print(f"    store CPU of each run (s), index on: {each['on']}; off: {each['off']}")


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(130)
    except (subprocess.CalledProcessError, RuntimeError) as error:
        print(f"bench/search.py: {error}", file=sys.stderr)
        sys.exit(1)
