"""What the worker-kill and media-full faults share: where their services are and a
modest steady reader load; the verdict is chaosload's, as for the other faults.

    services = chaos_services("worker_kill")       # StackConfig keyword arguments
    readers = Readers(stack, rate=4).start()       # home, outlet and article pages
    ...
    readers.stop(); readers.summary()              # requests, statuses, p50/p99
    verdict = chaosload.Verdict("worker_kill")
    verdict.check("nothing doubled", not doubled, f"{len(doubled)} doubled")
    return verdict.report(figures)                 # prints, writes var/chaos/; 0 or 1

Not a fault itself (the chaos runner runs the modules of faults/ only).
"""

from __future__ import annotations

import contextlib
import random
import signal
import statistics
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from typing import Any

from tests.reliability.feedserver import SoakFeeds
from tests.reliability.services import PostgresServer, RedisServer
from tests.reliability.stack import Stack


@contextlib.contextmanager
def chaos_services(name: str) -> Iterator[dict[str, Any]]:
    """StackConfig keyword arguments for one fault: the chaos run's own PostgreSQL and
    Redis servers (tests/reliability/services.py: temporary folders, spare ports), never
    the machine's shared ones; both removed when the fault ends."""
    with PostgresServer() as postgres, RedisServer() as redis:
        yield {
            "database_url": postgres.url(f"chaos_{name}"),
            "broker_url": redis.url(0),
            "cache_url": redis.url(1),
        }


class Readers:
    """A few reader threads at a fixed overall rate: the home page, outlet pages and the
    newest articles' pages (ids read from the stack's database every few seconds)."""

    def __init__(self, stack: Stack, rate: float = 4.0, threads: int = 3) -> None:
        self.stack, self.rate, self.count = stack, rate, threads
        self.records: list[tuple[str, float, int, str]] = []  # kind, seconds, status, error
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.paths: list[tuple[str, str]] = [("home", "/")]
        self.threads = [threading.Thread(target=self._read, daemon=True) for _ in range(threads)]
        self.refresher = threading.Thread(target=self._refresh, daemon=True)
        self.opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def start(self) -> Readers:
        self._load_paths()
        for thread in [*self.threads, self.refresher]:
            thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        for thread in [*self.threads, self.refresher]:
            thread.join(timeout=15)

    def _load_paths(self) -> None:
        rows = self.stack.query(
            "SELECT s.slug, a.id FROM articles_article a JOIN articles_source s "
            "ON s.id = a.source_id ORDER BY a.id DESC LIMIT 40"
        )
        outlets = {slug for slug, _ in rows}
        paths = [("home", "/")] + [("outlet", f"/{slug}/") for slug in sorted(outlets)]
        paths += [("article", f"/{slug}/{pk}/") for slug, pk in rows]
        with self.lock:
            self.paths = paths

    def _refresh(self) -> None:
        while not self.stopping.wait(5):
            with contextlib.suppress(Exception):  # the database may be the fault
                self._load_paths()

    def get(self, path: str, timeout: float = 30) -> tuple[int, bytes, str]:
        """(status, body, error) of one GET as the TLS proxy forwards it."""
        request = urllib.request.Request(
            self.stack.web_url + path, headers={"X-Forwarded-Proto": "https"}
        )
        try:
            with self.opener.open(request, timeout=timeout) as response:
                return response.status, response.read(), ""
        except urllib.error.HTTPError as error:
            return error.code, error.read(), ""
        except OSError as error:
            return 0, b"", type(error).__name__

    def _read(self) -> None:
        pause = self.count / self.rate
        rng = random.Random()
        while not self.stopping.wait(pause * rng.uniform(0.8, 1.2)):
            with self.lock:
                kind, path = rng.choice(self.paths)
            started = time.monotonic()
            status, _body, error = self.get(path)
            with self.lock:
                self.records.append((kind, time.monotonic() - started, status, error))

    def summary(self) -> dict[str, Any]:
        with self.lock:
            records = list(self.records)
        times = sorted(r[1] for r in records) or [0.0]
        statuses = Counter(str(r[2]) if r[2] else f"error:{r[3]}" for r in records)
        return {
            "requests": len(records),
            "statuses": dict(statuses),
            "server_errors": sum(1 for r in records if r[2] >= 500),
            "connection_errors": sum(1 for r in records if not r[2]),
            "p50_ms": round(statistics.median(times) * 1000, 1),
            "p99_ms": round(times[min(len(times) - 1, int(len(times) * 0.99))] * 1000, 1),
        }


def outlets(feeds: SoakFeeds) -> list[dict[str, str]]:
    """The feed server's outlets, as Stack.add_outlets takes them."""
    return [
        {
            "slug": s.slug,
            "name": s.name,
            "language": s.language,
            "feed_url": feeds.feed_url(s.slug),
        }
        for s in feeds.specs
    ]


def exit_on_sigterm() -> None:
    """SIGTERM (the chaos runner's timeout) exits through the fault's context managers:
    its stack, servers and mounts are cleaned up as after a normal end."""
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))


def log(fault: str, message: str, started: float) -> None:
    print(f"{fault} [{time.monotonic() - started:6.1f}s] {message}", flush=True)
