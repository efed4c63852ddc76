"""How long the home page takes to be built again after a content change, in-process
(bench/web.py): every cached fragment and page is keyed by the content version, so
after a change the first reader's request builds the whole page (nav, ticker, the
ranked stories and every block) from the database. Measured through Django's test
client in a child process with the cache emptied before each request, so that each
one is such a first request (wall time, and this thread's CPU time, which other load
on the machine changes less); the building of the blocks alone
(``articles.site.front.home_blocks``) is timed too, and the queries of one rebuild
counted.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

from lib.env import django_setup
from lib.profiling import write_profile

TARGET_MS = 25.0


def home_rebuild(env: dict[str, str], repeat: int, conn: Any) -> None:
    """Child process: send the rebuild times (ms) of the home page and its blocks, and
    where the blocks' time goes (cProfile's top functions by own time)."""
    django_setup({**env, "PAGE_CACHE_SECONDS": "0"})
    import cProfile
    import io

    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import translation

    from articles.site.cache import forget_version
    from articles.site.front import home_blocks

    client = Client(HTTP_HOST="127.0.0.1")

    def rebuild() -> tuple[float, float]:
        """Wall and CPU (this thread's: SQLite's work included, PostgreSQL's not) ms."""
        cache.clear()
        forget_version()
        t0, c0 = time.perf_counter(), time.thread_time()
        status = client.get("/").status_code
        assert status == 200, status
        return (time.perf_counter() - t0) * 1000, (time.thread_time() - c0) * 1000

    rebuild()  # imports, templates, the database's own caches
    timed = [rebuild() for _ in range(repeat)]
    pages = [wall for wall, _ in timed]
    with CaptureQueriesContext(connection) as queries:
        rebuild()
    blocks = []
    with translation.override("ar"):
        for _ in range(repeat):
            t0 = time.perf_counter()
            home_blocks()
            blocks.append((time.perf_counter() - t0) * 1000)
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(repeat):
            home_blocks()
        profile.disable()
    out = io.StringIO()
    write_profile(out, profile, repeat, top=12)
    conn.send(
        {
            "runs": repeat,
            "median_ms": statistics.median(pages),
            "cpu_ms": statistics.median(cpu for _, cpu in timed),
            "min_ms": min(pages),
            "max_ms": max(pages),
            "blocks_ms": statistics.median(blocks),
            "queries": len(queries.captured_queries),
            "sql_ms": sum(float(q["time"]) for q in queries.captured_queries) * 1000,
            "profile": out.getvalue(),
        }
    )
    conn.close()
