"""Where a request goes, through Django's test client in a child process: SQL queries
(count, time, the slowest) and cProfile's top functions by own time per request, for the
site's pages (``profile_pages()``, bench/web.py and bench/search.py) and for the report
view (``profile_reports()``, bench/reports.py); ``plans()``, the query plan of every
statement a call runs (bench/search.py --explain).
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lib.env import django_setup
from lib.moderation import COUNTED_RATE, COUNTED_THRESHOLD


def write_profile(out: Any, profile: Any, per: int, *, top: int) -> None:
    """The ``top`` functions of a cProfile by own time, per request (``per`` of them)."""
    import pstats

    raw = pstats.Stats(profile, stream=io.StringIO()).stats  # type: ignore[attr-defined]
    rows = sorted(raw.items(), key=lambda kv: kv[1][2], reverse=True)
    for (filename, line, func), (_cc, calls, own, cum, _callers) in rows[:top]:
        where = "/".join(Path(filename).parts[-2:]) if filename != "~" else "~"
        out.write(
            f"   {own / per * 1000:7.2f} own {cum / per * 1000:7.2f} cum "
            f"{calls / per:>7.0f} calls  {where}:{line}({func})\n"
        )


def profile_pages(
    env: dict[str, str], urls: dict[str, str], static: str, repeat: int, conn: Any
) -> None:
    """Child process: each page through Django's test client with the page cache off:
    SQL queries (count, time, the slowest) and cProfile's top functions by own time;
    then a cached home page hit and the static file, for the cached-home ratio."""
    env = {**env, "PAGE_CACHE_SECONDS": "0"}
    django_setup(env)
    import cProfile

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings

    client = Client(HTTP_HOST="127.0.0.1", HTTP_ACCEPT_ENCODING="gzip")
    out = io.StringIO()

    def one(label: str, path: str, requests: int) -> None:
        client.get(path)  # warm: fragments, templates, imports, the page cache
        with CaptureQueriesContext(connection) as queries:
            t0 = time.perf_counter()
            status = client.get(path).status_code
            wall = time.perf_counter() - t0
        timed = sorted(
            ((float(q["time"]), q["sql"]) for q in queries.captured_queries), reverse=True
        )
        out.write(
            f"\n{label} {path}: status {status}, {wall * 1000:.1f} ms with SQL capture, "
            f"{len(timed)} queries, {sum(t for t, _ in timed) * 1000:.1f} ms in SQL\n"
        )
        for seconds, sql in timed[:3]:
            out.write(f"   {seconds * 1000:7.2f} ms  {sql[:150]}\n")
        profile = cProfile.Profile()
        t0 = time.perf_counter()
        profile.enable()
        for _ in range(requests):
            client.get(path)
        profile.disable()
        out.write(
            f"   cProfile, {requests} requests: "
            f"{(time.perf_counter() - t0) * 1000 / requests:.2f} ms/request under the "
            "profiler; top functions by own time (per request):\n"
        )
        write_profile(out, profile, requests, top=8)

    for name, path in urls.items():
        one(name, path, repeat)
    with override_settings(PAGE_CACHE_SECONDS=600):
        one("home, page cache on (hits)", "/", repeat * 20)
    one("static file", static, repeat * 20)
    conn.send(out.getvalue())
    conn.close()


def profile_reports(
    env: dict[str, str], counted: list[int], hiding: list[int], repeat: int, conn: Any
) -> None:
    """Child process: the report view through Django's test client: one counted report
    (threshold out of reach) and one hiding report (threshold 1) with their SQL, and
    cProfile's top functions over ``repeat`` counted reports and over the other hiding
    report."""
    django_setup(env)
    import cProfile

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings

    client = Client(HTTP_HOST="127.0.0.1", HTTP_ACCEPT="application/json")
    out = io.StringIO()
    addresses = iter(f"127.0.{n // 250 + 100}.{n % 250 + 1}" for n in range(10**6))

    def post(image: int) -> int:
        data = {"reason": "other", "note": "", "next": "/"}
        path = f"/images/{image}/report/"
        return client.post(path, data, REMOTE_ADDR=next(addresses)).status_code

    def queries(label: str, image: int) -> None:
        with CaptureQueriesContext(connection) as captured:
            t0 = time.perf_counter()
            status = post(image)
            wall = time.perf_counter() - t0
        timed = [(float(q["time"]), q["sql"]) for q in captured.captured_queries]
        out.write(
            f"\n{label}: status {status}, {wall * 1000:.1f} ms with SQL capture, "
            f"{len(timed)} queries, {sum(t for t, _ in timed) * 1000:.1f} ms in SQL\n"
        )
        for seconds, sql in sorted(timed, reverse=True)[:6]:
            out.write(f"   {seconds * 1000:7.2f} ms  {sql[:150]}\n")

    def profiled(label: str, images: list[int]) -> None:
        profile = cProfile.Profile()
        t0 = time.perf_counter()
        profile.enable()
        for image in images:
            post(image)
        profile.disable()
        out.write(
            f"   cProfile, {label}: {(time.perf_counter() - t0) * 1000 / len(images):.1f} "
            "ms/report under the profiler; top functions by own time (per report):\n"
        )
        write_profile(out, profile, len(images), top=10)

    with override_settings(
        IMAGE_REPORT_RATE=COUNTED_RATE, IMAGE_REPORT_THRESHOLD=COUNTED_THRESHOLD
    ):
        post(counted[0])  # warm: imports, templates, connections
        queries("counted report", counted[1])
        profiled(f"{len(counted) - 2} counted reports", counted[2:])
    with override_settings(IMAGE_REPORT_RATE=COUNTED_RATE, IMAGE_REPORT_THRESHOLD=1):
        queries("hiding report (threshold 1)", hiding[0])
        profiled("1 hiding report", hiding[1:2])
    conn.send(out.getvalue())
    conn.close()


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
