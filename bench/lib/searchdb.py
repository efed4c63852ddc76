"""The search database of bench/search.py: the corpus of lib/searchdata.py written in
bulk (``articles.ingest.store.insert_rows`` on SQLite, COPY on PostgreSQL; no per-article store
call), one timed ``articles.search.index.rebuild()``, the index's size on disk, and the
queries with the number of articles each matches. ``build_search()`` runs in a child
process of its own.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from lib.env import django_setup, progress
from lib.outlets import make_outlets
from lib.searchdata import corpus_chunks, queries
from lib.sitedata import finish_database


def insert_corpus(
    chunks: Iterator[list[tuple[Any, ...]]], outlet_ids: list[int], count: int
) -> tuple[float, float]:
    """The articles, chunk by chunk, each in a transaction: (generate s, insert s)."""
    from django.db import transaction

    from articles.ingest.store import ARTICLE_FIELDS
    from articles.lib.sql import insert_rows

    generate = insert = 0.0
    stored = 0
    while True:
        t0 = time.perf_counter()
        rows = next(chunks, None)
        t1 = time.perf_counter()
        if rows is None:
            break
        with transaction.atomic():
            bulk_insert(insert_rows, ARTICLE_FIELDS, [(outlet_ids[r[0]], *r[1:]) for r in rows])
        generate, insert = generate + t1 - t0, insert + time.perf_counter() - t1
        stored += len(rows)
        progress(f"  inserted {stored}/{count} articles ...")
    return generate, insert


def measured_queries(seed: int, outlet: str, dates: tuple[str, str]) -> list[dict[str, Any]]:
    """The queries as the search page gets them, with the articles each matches."""
    from articles.search.query import find
    from articles.search.words import parse_query
    from articles.site.forms import SearchForm

    found = []
    for name, params, like in queries(seed, outlet, dates):
        form = SearchForm(params)
        if not form.is_valid():
            raise RuntimeError(f"query {name} {params}: {form.errors.as_text()}")
        query = parse_query(form.cleaned_data["q"])
        matches = len(find(query, form.filters, limit=10**9))
        path = "/search/?" + urlencode(params)
        found.append({"name": name, "params": params, "like": like, "path": path,
                      "matches": matches})  # fmt: skip
    return found


def build_search(env: dict[str, str], count: int, seed: int, corpus: Path, conn: Any) -> None:
    """Child process: fill the migrated database of ``env`` in bulk, rebuild the index
    once; send counts, timings, index sizes and the queries with their match counts."""
    django_setup(env)
    from django.db import connection, transaction
    from django.db.models import Count

    from articles.models import Article, Outlet, SearchEntry, Section
    from articles.search import index

    outlets = [o for o in make_outlets(random.Random(seed)) if o["language"] == "ar"]
    Outlet.objects.bulk_create(
        Outlet(**{k: v for k, v in o.items() if k != "weight"}) for o in outlets
    )
    ids = dict(Outlet.objects.values_list("slug", "id"))
    sections = dict(Section.objects.values_list("slug", "id"))
    reused = corpus.exists()
    chunks = corpus_chunks(corpus, count, seed, outlets, sections)
    generate, insert = insert_corpus(chunks, [ids[o["slug"]] for o in outlets], count)
    progress("  rebuilding the search index ...")
    cpu0, t0 = time.process_time(), time.perf_counter()
    with transaction.atomic():
        indexed = index.rebuild()
    rebuild_s, rebuild_cpu = time.perf_counter() - t0, time.process_time() - cpu0
    t0 = time.perf_counter()
    finish_database()  # as autovacuum would have done in production
    finish_s = time.perf_counter() - t0

    outlet, outlet_count = (
        Outlet.objects.annotate(n=Count("articles")).order_by("-n").values_list("slug", "n")[0]
    )
    newest = Article.objects.order_by("-published_at").values_list("published_at", flat=True)[0]
    oldest = Article.objects.order_by("published_at").values_list("published_at", flat=True)[0]
    span = newest - oldest
    dates = (
        f"{(oldest + span * 0.4):%Y-%m-%d}",
        f"{(oldest + span * 0.4 + timedelta(days=91)):%Y-%m-%d}",
    )
    conn.send(
        {"articles": Article.objects.count(), "entries": SearchEntry.objects.count(),
         "indexed": indexed, "outlets": len(outlets), "oldest": oldest, "newest": newest,
         "outlet": outlet, "outlet_count": outlet_count, "generate_s": generate,
         "corpus_reused": reused, "insert_s": insert,
         "insert_how": "COPY" if connection.vendor == "postgresql" else "insert_rows",
         "rebuild_s": rebuild_s, "rebuild_cpu": rebuild_cpu, "finish_s": finish_s,
         "sizes": index_sizes(), "queries": measured_queries(seed, outlet, dates)}
    )  # fmt: skip
    conn.close()


def bulk_insert(
    insert_rows: Callable[..., None], fields: tuple[str, ...], rows: list[tuple[Any, ...]]
) -> None:
    """Articles in bulk: the store's own ``insert_rows`` (one executemany) on SQLite,
    COPY on PostgreSQL, where an executemany of 100,000 rows takes half a minute."""
    from django.db import connection

    from articles.models import Article

    if connection.vendor != "postgresql":
        insert_rows(Article, fields, rows, conflict=("outlet", "key"))
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
