"""Helpers for the worker integration tests: real processes, real services, no mocks.

A threaded local feed server, throwaway PostgreSQL databases and Redis db numbers,
``manage.py`` in a subprocess, and ``celery worker`` processes that each run in their
own process group so that a test can SIGKILL a whole worker (parent and pool children)
and teardown can be sure nothing is left running.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, TypeVar
from xml.sax.saxutils import escape

BASE_DIR = Path(__file__).resolve().parents[2]
PYTHON = str(BASE_DIR / ".venv" / "bin" / "python")
CELERY = str(BASE_DIR / ".venv" / "bin" / "celery")
WORKER_ARGS = (
    "-A",
    "newsroom",
    "worker",
    "--pool",
    "prefork",
    "--concurrency",
    "2",
    "--loglevel",
    "INFO",
) + ("--without-gossip", "--without-mingle", "--without-heartbeat")
POSTGRES_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
# Variables of the parent environment that would point a child at the wrong services.
SCRUBBED_ENV = (
    "DATABASE_URL",
    "SQLITE_PATH",
    "NEWSROOM_VAR_DIR",
    "CELERY_BROKER_URL",
    "CELERY_VISIBILITY_TIMEOUT",
    "REDIS_URL",
    "CACHE_URL",
    "FETCH_LEASE_SECONDS",
    "FETCH_INTERVAL_SECONDS",
)

# Real headlines from a public Moroccan aggregator page.
HEADLINES = (
    "الإحصائيات تعترف للركراكي بالتميز",
    'اتباتو يتتبع "تمرحل الفيلم الأمازيغي"',
    "الكاميرون تتعادل مع كوت ديفوار",
    "الأمطار تغرق خيام النازحين في غزة",
    "الأقمار الصناعية تكشف تفاصيل جديدة عن البنية المعدنية الخفية في الأطلس الصغير",
    "كرة القدم نص مفتوح على احتمالات متعددة",
    "المنتخب الوطني مطالب بالفوز على زامبيا للبقاء في الرباط",
    "السودان تحقق فوزا مهما على غينيا الاستوائية في كأس إفريقيا",
    "بحضور فوزي لقجع .. المنتخب المغربي يختتم الاستعداد لمواجهة زامبيا",
    'جبال خنيفرة تلبس "الرداء الأبيض"',
    'بوصوف: المخطوطات "رأسمال سيادي"',
    "عبد الكبير الركاكنة يتوج بجائزة النجم المغربي 2025",
    "السينما والأدب: الخصوصية.. والحوار الممكن",
    "أمن العروي يطيح بسائق سيارة أجرة وبحوزته قرابة 5000 قرص طبي مهرب",
    "ميناء طنجة المتوسط يخطط لتوسعة كبرى لمحطة المسافرين استعدادًا لمونديال 2030",
    "فيضانات تجتاح جنوب إسبانيا بعد تساقطات ليلية كثيفة",
    'تأخر الإشهاد ونقص السيولة يرجئان صرف منحة "الريادة" إلى مطلع 2026',
    "نشرة إنذارية.. زخات رعدية محليا قوية وتساقطات ثلجية",
    "طنجة تتصدر مقاييس التساقطات المطرية بالمملكة خلال ال24 ساعة الماضية",
    "سلطات آسفي تدقق في لوائح المتضررين من الفيضانات",
)

T = TypeVar("T")


# Feeds -------------------------------------------------------------------------------


def make_feed(slug: str, entries: int = 20) -> bytes:
    """An RSS 2.0 document with ``entries`` items, each with a guid and a date."""
    newest = datetime(2025, 12, 22, 10, 0, tzinfo=UTC)
    items = []
    for i in range(entries):
        title = f"{HEADLINES[i % len(HEADLINES)]} ({slug} {i})"
        url = f"https://{slug}.example.ma/news/{i}.html?utm_source=rss"
        items.append(
            f"<item><title>{escape(title)}</title><link>{escape(url)}</link>"
            f'<guid isPermaLink="false">https://{slug}.example.ma/?p={i}</guid>'
            f"<pubDate>{format_datetime(newest - timedelta(hours=i))}</pubDate>"
            f"<category>رياضة</category>"
            f"<description>{escape(f'<p>{title}: تفاصيل الخبر.</p>')}</description></item>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{slug}</title><link>https://{slug}.example.ma/</link>"
        f"{''.join(items)}</channel></rss>"
    ).encode()


class FeedServer:
    """A threaded HTTP server for feeds; records hits and concurrent requests per path.

    ``delays[path]`` holds a response back that many seconds; ``first_delays[path]``
    does so for the first request only. ``arrived[path]`` is set when a request comes in.
    ``content_types[path]`` overrides the RSS Content-Type (pages, robots.txt, images);
    ``requests`` lists (path, start, end) of every request answered, in wall-clock
    seconds (``time.time()``, the clock the workers' ``timezone.now()`` reads).
    """

    RSS_TYPE = "application/rss+xml; charset=utf-8"

    def __init__(self) -> None:
        self.feeds: dict[str, bytes] = {}
        self.content_types: dict[str, str] = {}
        self.requests: list[tuple[str, float, float]] = []
        self.delays: dict[str, float] = {}
        self.first_delays: dict[str, float] = {}
        self.hits: dict[str, int] = defaultdict(int)
        self.in_flight: dict[str, int] = defaultdict(int)
        self.max_in_flight: dict[str, int] = defaultdict(int)
        self.arrived: dict[str, threading.Event] = defaultdict(threading.Event)
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                server.handle(self)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"

    def add_feed(self, path: str, body: bytes, content_type: str | None = None) -> str:
        self.feeds[path] = body
        if content_type is not None:
            self.content_types[path] = content_type
        return self.url(path)

    def requests_to(self, prefix: str) -> list[tuple[str, float, float]]:
        """The recorded requests whose path starts with ``prefix``, by start time."""
        with self.lock:
            return sorted(
                (r for r in self.requests if r[0].startswith(prefix)), key=lambda r: r[1]
            )

    def handle(self, request: BaseHTTPRequestHandler) -> None:
        path = request.path
        start = time.time()
        with self.lock:
            self.hits[path] += 1
            first = self.hits[path] == 1
            self.in_flight[path] += 1
            self.max_in_flight[path] = max(self.max_in_flight[path], self.in_flight[path])
        self.arrived[path].set()
        try:
            time.sleep(self.delays.get(path, 0) + (self.first_delays.get(path, 0) if first else 0))
            body = self.feeds.get(path)
            with contextlib.suppress(OSError):  # the worker may have been killed meanwhile
                if body is None:
                    request.send_error(404)
                    return
                request.send_response(200)
                request.send_header("Content-Type", self.content_types.get(path, self.RSS_TYPE))
                request.send_header("Content-Length", str(len(body)))
                request.end_headers()
                request.wfile.write(body)
        finally:
            with self.lock:
                self.in_flight[path] -= 1
                self.requests.append((path, start, time.time()))

    def __enter__(self) -> FeedServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


def expected_rows(feeds: dict[str, tuple[str, bytes]]) -> list[tuple[str, ...]]:
    """(slug, key, title, url, content_hash) that one clean ingest of ``feeds`` stores;
    ``feeds`` maps a source slug to (feed URL, body). Uses the app's own parser."""
    from articles.ingest.parse import parse_feed

    rows = []
    for slug, (url, body) in feeds.items():
        parsed = parse_feed(body, url=url, fetched_at=datetime.now(UTC))
        assert not parsed.error_code, (slug, parsed.error_code)
        rows += [(slug, e.key, e.title, e.url, e.content_hash) for e in parsed.entries]
    return sorted(rows)


# Services ----------------------------------------------------------------------------


@contextlib.contextmanager
def fresh_postgres_database() -> Iterator[str]:
    """A new, empty PostgreSQL database for one test, dropped afterwards."""
    import psycopg

    name = f"newsroom_worker_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgres://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


LOCK_KEY = "newsroom-worker-test:lock"


@contextlib.contextmanager
def fresh_redis_db() -> Iterator[tuple[str, Any]]:
    """An empty Redis database number nobody else is using; flushed afterwards.

    Yields the broker URL and a redis client on that database. Claims the number with
    a lock key so that two test runs on one machine never share a broker."""
    import redis

    for db in range(15, 7, -1):
        client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=db)
        if client.set(LOCK_KEY, uuid.uuid4().hex, nx=True, ex=900):
            if client.dbsize() == 1:
                break
            client.delete(LOCK_KEY)  # someone else's data lives here; leave it alone
        client.close()
    else:
        raise RuntimeError("no free Redis database among 8..15")
    try:
        yield f"redis://{REDIS_HOST}:{REDIS_PORT}/{db}", client
    finally:
        client.flushdb()
        client.close()


def base_env(**values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in SCRUBBED_ENV}
    env.update(
        DJANGO_SETTINGS_MODULE="newsroom.settings",
        FETCH_ALLOW_PRIVATE_ADDRESSES="1",
        PYTHONUNBUFFERED="1",
        LOG_LEVEL="INFO",
    )
    env.update(values)
    return env


# Processes ---------------------------------------------------------------------------


def wait_until(
    probe: Callable[[], T | None], timeout: float, what: str, interval: float = 0.5
) -> T:
    """Call ``probe`` until it returns something truthy; fail after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(interval)


def group_members(pgid: int) -> list[int]:
    """Pids of live (non-zombie) processes in process group ``pgid``."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        state, pgrp = fields[0], int(fields[2])
        if pgrp == pgid and state not in {"Z", "X"}:
            members.append(int(entry.name))
    return members


class Stack:
    """The processes of one test: ``manage.py`` commands and celery workers.

    Use it as a context manager: leaving it SIGKILLs every worker's process group,
    checks that no process of theirs survives, and prints the worker logs when the
    test failed (pytest shows them with the failure)."""

    def __init__(self, tmp_path: Path, env: dict[str, str]) -> None:
        self.tmp_path = tmp_path
        self.env = env
        self.workers: list[tuple[subprocess.Popen[bytes], Path]] = []

    def manage(self, *args: str, timeout: float = 60) -> str:
        result = subprocess.run(
            [PYTHON, "manage.py", *args],
            cwd=BASE_DIR,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if result.returncode:
            raise AssertionError(
                f"manage.py {' '.join(args)} exited {result.returncode}:\n"
                f"{result.stdout}\n{result.stderr}"
            )
        return result.stdout

    def shell(self, code: str) -> Any:
        """Run ``code`` in ``manage.py shell``; it must print one JSON document last."""
        out = self.manage("shell", "-c", code)
        return json.loads(out.strip().splitlines()[-1])

    def start_worker(self, *extra: str, **env: str) -> subprocess.Popen[bytes]:
        """Start ``celery worker`` in its own session and wait until it is ready."""
        n = len(self.workers) + 1
        log = self.tmp_path / f"worker-{n}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                [CELERY, *WORKER_ARGS, "-n", f"w{n}-{uuid.uuid4().hex[:8]}@%h", *extra],
                cwd=BASE_DIR,
                env={**self.env, **env},
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.workers.append((process, log))

        def ready() -> bool:
            if process.poll() is not None:
                raise AssertionError(f"worker {n} exited with {process.returncode}")
            return " ready." in log.read_text(errors="replace")

        wait_until(ready, 30, f"worker {n} to be ready", interval=0.2)
        return process

    def kill(self, process: subprocess.Popen[bytes]) -> None:
        """SIGKILL the worker's whole process group (parent, pool children, beat)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
        wait_until(lambda: not group_members(process.pid), 10, "the killed worker to die", 0.1)

    def logs(self) -> str:
        return "\n".join(
            f"----- {log.name} -----\n{log.read_text(errors='replace')[-20_000:]}"
            for _process, log in self.workers
        )

    def __enter__(self) -> Stack:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *exc: object) -> None:
        for process, _log in self.workers:
            self.kill(process)
        if exc_type is not None:
            sys.stdout.write(self.logs())

    # Reading the database ----------------------------------------------------------

    def create_outlets(self, feeds: dict[str, tuple[str, bytes]]) -> dict[str, int]:
        """One active, due source per feed; returns slug -> id."""
        spec = {slug: url for slug, (url, _body) in feeds.items()}
        return self.shell(
            "import json; from articles.models import Outlet\n"
            f"spec = json.loads({json.dumps(json.dumps(spec))})\n"
            "ids = {s: Outlet.objects.create(name=s, slug=s, feed_url=u).id"
            " for s, u in spec.items()}\n"
            "print(json.dumps(ids))"
        )

    def outlet_states(self) -> dict[str, dict[str, Any]]:
        return self.shell(
            "import json; from articles.models import Outlet\n"
            "print(json.dumps({s.slug: {'status': s.last_status, 'error': s.last_error_code,"
            " 'lease_owner': s.lease_owner, 'fetches': s.fetch_logs.count()}"
            " for s in Outlet.objects.all()}))"
        )

    def article_rows(self) -> list[tuple[str, ...]]:
        rows = self.shell(
            "import json; from articles.models import Article\n"
            "print(json.dumps(list(Article.objects.values_list("
            "'outlet__slug', 'key', 'title', 'url', 'content_hash'))))"
        )
        return sorted(tuple(row) for row in rows)

    HEALTHY = frozenset({"ok", "unchanged", "not_modified"})

    def wait_all_ok(self, timeout: float = 60) -> dict[str, dict[str, Any]]:
        def all_ok() -> dict[str, dict[str, Any]] | None:
            states = self.outlet_states()
            # A later fetch of an already stored feed ends "unchanged": still healthy.
            healthy = all(s["status"] in self.HEALTHY for s in states.values())
            return states if healthy else None

        try:
            return wait_until(all_ok, timeout, "every outlet to be fetched ok", interval=0.5)
        except AssertionError as error:
            raise AssertionError(f"{error}; outlets: {self.outlet_states()}") from None
