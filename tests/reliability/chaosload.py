"""What the service faults of tests/reliability/faults/ (redis_gone, postgres_restart,
slow_database) share: the chaos run's own servers under a production stack, a modest
steady load of readers that also report pictures, and the printed verdict.

    with ChaosStack("redis_gone") as chaos:      # own PostgreSQL + Redis, feeds, stack
        load = Load(chaos.stack).start()         # ~8 requests a second, 6 reader threads
        chaos.mark("fault")                      # times of record, to split the requests
        ...
        load.stop()
        verdict = Verdict("redis_gone")
        verdict.check("no 5xx", ..., "...")
        return verdict.report(figures)           # prints, writes var/chaos/<fault>.json

The load is a small threaded client (not locust): each request's kind, start, duration,
status and what its body showed (the site's look, debug text) is kept, so a fault's
window can be judged request by request. Readers come from 127.0.N.1 (N = thread) as the
soak's do, so the API's rate limit and the report limits see distinct networks.
"""

from __future__ import annotations

import json
import random
import re
import signal
import statistics
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import requests

from tests.reliability.addresses import SourceAddressAdapter
from tests.reliability.feedserver import SoakFeeds
from tests.reliability.services import PostgresServer, RedisServer
from tests.reliability.soak import drain, items_summary
from tests.reliability.stack import BASE_DIR, Stack, StackConfig

OUT_DIR = BASE_DIR / "var" / "chaos"
# What a reader must never see: a traceback or Django's debug page.
DEBUG_MARKERS = (
    "Traceback", "Exception Value", "DEBUG = True", "django.db.utils", "OperationalError",
    "InterfaceError", "psycopg", "redis.exceptions", "Request Method:",
)  # fmt: skip
SITE_LOOK = ('class="error-page"', "/static/css/site.")  # hashed in production
REASONS = ("inappropriate", "violent", "unrelated", "copyright", "other")
# Kinds of requests that read pages (the static file and robots.txt are not pages).
PAGE_KINDS = ("home", "article", "section", "outlet", "search", "api list", "api detail")
LEASE_SECONDS = 60  # FETCH_LEASE_SECONDS here (180 s in production), for a shorter run


def started_at() -> float:
    return time.monotonic()


def say(fault: str, message: str, t0: float) -> None:
    print(f"{fault} [{time.monotonic() - t0:6.1f}s] {message}", flush=True)


class ChaosStack:
    """The fault's own PostgreSQL and Redis (tests/reliability/services.py), the feed
    server publishing to ``outlets`` outlets, and the production stack on them."""

    def __init__(self, fault: str, outlets: int = 8, publish_every: float = 5.0) -> None:
        self.fault = fault
        self.outlets, self.publish_every = outlets, publish_every
        self.marks: dict[str, float] = {}
        self.t0 = time.monotonic()

    def __enter__(self) -> ChaosStack:
        # SIGTERM (the chaos runner's timeout) leaves through __exit__: nothing outlives us.
        signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
        self.postgres = PostgresServer().__enter__()
        try:
            self.redis = RedisServer().__enter__()
            self.feeds = SoakFeeds(outlets=self.outlets, interval=self.publish_every).start()
            self.stack = Stack(
                StackConfig(
                    database_url=self.postgres.url(f"chaos_{self.fault}"),
                    broker_url=self.redis.url(0),
                    cache_url=self.redis.url(1),
                    env={"FETCH_LEASE_SECONDS": str(LEASE_SECONDS)},
                )
            )
            self.say(f"services: PostgreSQL :{self.postgres.port}, Redis :{self.redis.port}; "
                     f"stack in {self.stack.workdir}")  # fmt: skip
            self.stack.start()
            self.stack.add_outlets([
                {"slug": s.slug, "name": s.name, "language": s.language,
                 "feed_url": self.feeds.feed_url(s.slug)} for s in self.feeds.specs
            ])  # fmt: skip
            self.feeds.start_publishing()
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        for step in ("feeds", "stack", "redis", "postgres"):
            part = getattr(self, step, None)
            if part is None:
                continue
            try:
                if step == "stack":
                    logs = OUT_DIR / self.fault / "logs"
                    part.stop()
                    import shutil

                    shutil.copytree(part.workdir / "logs", logs, dirs_exist_ok=True)
                    part.close()
                elif step == "feeds":
                    part.stop()
                else:
                    part.close()
            except Exception as error:  # noqa: BLE001 - tear everything down regardless
                print(f"{self.fault}: stopping {step} failed: {error!r}", flush=True)

    def say(self, message: str) -> None:
        say(self.fault, message, self.t0)

    def mark(self, name: str) -> float:
        self.marks[name] = time.time()
        return self.marks[name]

    def wait_for_articles(self, count: int, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.stack.query("SELECT count(*) FROM articles_article")[0][0] >= count:
                return
            time.sleep(1)
        raise TimeoutError(f"fewer than {count} articles after {timeout:.0f}s")

    # After the fault ------------------------------------------------------------------

    def finish_ingest(self, timeout: float = 240) -> dict[str, Any]:
        """Stop publishing, wait until every published item is stored (or the timeout),
        and compare by guid: the soak's own check (soak.drain, soak.items_summary)."""
        self.feeds.stop_publishing()
        seconds, stored = drain(self.stack, self.feeds, timeout)
        items = items_summary(self.feeds, stored)
        items["drain_seconds"] = round(seconds, 1)
        return items

    def leases_left(self, timeout: float = 60) -> dict[str, Any]:
        """Stop the beat (no new fetch), wait for the fetches in flight, then the leases
        still held: fetch leases on outlets, page leases on hosts."""
        self.stack.kill("beat", 15)
        deadline = time.monotonic() + timeout
        while True:
            outlets = self.stack.query(
                "SELECT slug, lease_owner, lease_expires_at FROM articles_source "
                "WHERE lease_owner <> '' OR lease_expires_at IS NOT NULL"
            )
            hosts = self.stack.query("SELECT name FROM articles_pagehost WHERE lease_owner <> ''")
            if (not outlets and not hosts) or time.monotonic() > deadline:
                return {"outlets": [list(map(str, r)) for r in outlets],
                        "hosts": [r[0] for r in hosts]}  # fmt: skip
            time.sleep(2)

    def work_left(self, timeout: float = 120) -> dict[str, int]:
        """The tasks that follow a fetch, not done: pictures whose copy was never tried
        (a tried one that failed, e.g. the hostile items' unreachable ``src``, waits for
        its retry, 60 s and more later: counted apart), articles without their place in
        the stories. Waited for until none is left, or the timeout."""
        deadline = time.monotonic() + timeout
        while True:
            left = {
                "images_never_tried": self.stack.query(
                    "SELECT count(*) FROM articles_image WHERE status = 'pending' AND attempts = 0"
                )[0][0],
                "articles_without_story": self.stack.query(
                    "SELECT count(*) FROM articles_article a WHERE NOT EXISTS "
                    "(SELECT 1 FROM articles_storyprint p WHERE p.article_id = a.id)"
                )[0][0],
            }
            if not any(left.values()) or time.monotonic() > deadline:
                left["images_waiting_retry"] = self.stack.query(
                    "SELECT count(*) FROM articles_image WHERE status = 'pending' AND attempts > 0"
                )[0][0]
                left["waited_seconds"] = round(timeout - max(0, deadline - time.monotonic()))
                return left
            time.sleep(2)

    def log_count(self, name: str, needle: str) -> int:
        return self.stack.log_text(name, tail=50_000_000).count(needle)


@dataclass
class Record:
    kind: str
    start: float  # time.time()
    seconds: float
    status: int
    error: str = ""
    path: str = ""
    retry_after: str = ""
    debug_text: bool = False
    site_look: bool = False
    message: str = ""  # the report's answer: the thanks, or the page's heading

    def server_error(self) -> bool:
        return self.status >= 500


class Load:
    """``threads`` readers, ``rate`` requests a second between them: home, articles,
    sections, outlets, search, the API, a static file, robots.txt, and picture reports
    (the form, then its POST with the CSRF token, as a browser)."""

    MIX = (
        ("home", 14), ("article", 22), ("section", 8), ("outlet", 8), ("search", 6),
        ("api list", 8), ("api detail", 6), ("static", 4), ("health", 4), ("report", 10),
    )  # fmt: skip

    def __init__(self, stack: Stack, rate: float = 8.0, threads: int = 6, timeout: float = 60):
        self.stack, self.rate, self.count, self.timeout = stack, rate, threads, timeout
        self.records: list[Record] = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.articles: list[str] = []
        self.images: list[int] = []
        self.targets = self._targets()
        self.threads = [
            threading.Thread(target=self._reader, args=(n,), daemon=True, name=f"reader{n}")
            for n in range(1, threads + 1)
        ]

    def _targets(self) -> dict[str, list[str]]:
        sections = self.stack.query(
            "SELECT slug FROM articles_category WHERE slug <> 'regions' ORDER BY slug"
        )
        outlets = self.stack.query("SELECT slug FROM articles_source ORDER BY slug")
        return {"sections": [r[0] for r in sections], "outlets": [r[0] for r in outlets]}

    def start(self) -> Load:
        for thread in self.threads:
            thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=self.timeout + 5)

    # One reader ----------------------------------------------------------------------

    def _reader(self, n: int) -> None:
        session = requests.Session()
        session.trust_env = False
        session.mount("http://", SourceAddressAdapter(f"127.0.{n}.1"))
        rng = random.Random(n)
        cookies: dict[str, str] = {}
        kinds, weights = zip(*self.MIX, strict=True)
        pause = self.count / self.rate
        static = ""
        while not self.stopping.wait(pause * rng.uniform(0.7, 1.3)):
            kind = rng.choices(kinds, weights)[0]
            try:
                static = self._turn(session, rng, cookies, kind, static)
            except Exception as error:  # noqa: BLE001 - a reader's bug must not end the load
                self._keep(Record(kind, time.time(), 0.0, 0, f"client:{error!r}"))

    def _turn(self, session: requests.Session, rng: random.Random, cookies: dict[str, str],
              kind: str, static: str) -> str:  # fmt: skip
        fr = "/fr" if rng.random() < 0.2 else ""
        if kind == "home":
            response = self.get(session, "home", fr + "/", cookies)
            found = re.findall(r'(/static/[^"\']+\.css)', response.text if response else "")
            return found[0] if found else static
        if kind == "article" and self.articles:
            response = self.get(session, "article", rng.choice(self.articles), cookies)
            if response is not None and response.status_code == 200:
                found = [int(i) for i in re.findall(r"/images/(\d+)/", response.text)]
                with self.lock:
                    self.images = (found + self.images)[:40]
            return static
        if kind == "section" and self.targets["sections"]:
            self.get(
                session, kind, f"{fr}/section/{rng.choice(self.targets['sections'])}/", cookies
            )
        elif kind == "outlet":
            self.get(session, kind, f"{fr}/{rng.choice(self.targets['outlets'])}/", cookies)
        elif kind == "search":
            query = rng.choice(("المغرب", "الرباط", "Maroc", "الحكومة", "كأس"))
            self.get(session, kind, f"{fr}/search/?q={query}", cookies)
        elif kind == "api detail" and self.articles:
            article_id = rng.choice(self.articles).rstrip("/").rsplit("/", 1)[1]
            self.get(session, kind, f"/api/v1/articles/{article_id}", cookies)
        elif kind == "static" and static:
            self.get(session, kind, static, cookies)
        elif kind == "health":
            self.get(session, kind, "/robots.txt", cookies)
        elif kind == "report" and self.images:
            self._report(session, rng, cookies)
        else:
            self._api_list(session, cookies)
        return static

    def _api_list(self, session: requests.Session, cookies: dict[str, str]) -> None:
        response = self.get(session, "api list", "/api/v1/articles?limit=50", cookies)
        if response is not None and response.status_code == 200:
            paths = ["/" + i["url"].split("://", 1)[1].split("/", 1)[1]
                     for i in response.json()["items"]]  # fmt: skip
            if paths:
                self.articles = paths

    def _report(
        self, session: requests.Session, rng: random.Random, cookies: dict[str, str]
    ) -> None:
        image_id = rng.choice(self.images)
        form = self.get(session, "report form", f"/images/{image_id}/?next=/", cookies)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text if form else "")
        if form is None or form.status_code != 200 or not token:
            return
        host = self.stack.web_url.split("://", 1)[1]
        self.get(
            session, "report post", f"/images/{image_id}/report/", cookies, method="POST",
            data={"csrfmiddlewaretoken": token.group(1), "reason": rng.choice(REASONS),
                  "note": "chaos", "next": "/"},
            headers={"Origin": f"https://{host}", "Referer": f"https://{host}/",
                     "Accept": "application/json"},
        )  # fmt: skip

    def get(
        self, session: requests.Session, kind: str, path: str, cookies: dict[str, str],
        method: str = "GET", **kwargs: Any,
    ) -> requests.Response | None:  # fmt: skip
        headers = {"X-Forwarded-Proto": "https", "Accept-Language": "ar",
                   **kwargs.pop("headers", {})}  # fmt: skip
        if cookies:  # Secure cookies, sent back by hand (the TLS proxy's side is https)
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
        started, clock = time.time(), time.monotonic()
        try:
            response = session.request(
                method, self.stack.web_url + path, headers=headers, allow_redirects=False,
                timeout=self.timeout, **kwargs,
            )  # fmt: skip
        except requests.RequestException as error:
            self._keep(
                Record(kind, started, time.monotonic() - clock, 0, type(error).__name__, path)
            )
            return None
        seconds = time.monotonic() - clock
        for name in ("csrftoken", "newsroom_reader"):
            value = response.cookies.get(name)
            if value:
                cookies[name] = value
        text = response.text if "text" in response.headers.get("Content-Type", "") or \
            "json" in response.headers.get("Content-Type", "") else ""  # fmt: skip
        self._keep(Record(
            kind, started, seconds, response.status_code, "", path,
            retry_after=response.headers.get("Retry-After", ""),
            debug_text=any(marker in text for marker in DEBUG_MARKERS),
            site_look=all(part in text for part in SITE_LOOK),
            message=_message(kind, response),
        ))  # fmt: skip
        return response

    def _keep(self, record: Record) -> None:
        with self.lock:
            self.records.append(record)

    # Figures --------------------------------------------------------------------------

    def between(self, start: float, end: float) -> list[Record]:
        with self.lock:
            return [r for r in self.records if start <= r.start < end]

    def all(self) -> list[Record]:
        with self.lock:
            return list(self.records)


def _message(kind: str, response: requests.Response) -> str:
    if kind != "report post":
        return ""
    if "json" in response.headers.get("Content-Type", ""):
        try:
            return str(response.json().get("message") or response.json().get("detail") or "")
        except ValueError:
            return ""
    heading = re.search(r"<h1>([^<]+)</h1>", response.text)
    return heading.group(1) if heading else ""


def summary(records: list[Record]) -> dict[str, Any]:
    """Counts, statuses and times of some requests, by kind and in all."""
    by_kind: dict[str, list[Record]] = {}
    for record in records:
        by_kind.setdefault(record.kind, []).append(record)

    def figures(rows: list[Record]) -> dict[str, Any]:
        times = sorted(r.seconds * 1000 for r in rows) or [0.0]
        return {
            "count": len(rows),
            "statuses": dict(
                Counter(str(r.status) if r.status else f"error:{r.error}" for r in rows)
            ),  # fmt: skip
            "p50_ms": round(statistics.median(times), 1),
            "p99_ms": round(times[min(len(times) - 1, int(len(times) * 0.99))], 1),
            "max_ms": round(times[-1], 1),
        }

    return {"all": figures(records), **{k: figures(v) for k, v in sorted(by_kind.items())}}


@dataclass
class Verdict:
    """The fault's invariants, each printed with what was measured."""

    fault: str
    results: list[tuple[str, bool, str]] = field(default_factory=list)

    def check(self, name: str, held: object, detail: str = "") -> bool:
        self.results.append((name, bool(held), detail))
        mark = "ok" if held else "FAILED"
        print(f"  [{mark}] {name}{': ' + detail if detail else ''}", flush=True)
        return bool(held)

    def items_once(self, items: dict[str, Any]) -> bool:
        """Every item the feed server published stored exactly once (by guid)."""
        return self.check(
            "every published item stored exactly once",
            not items["missing_count"] and not items["doubled"] and not items["unexpected_count"],
            f"expected {items['expected']}, stored {items['stored']}, missing "
            f"{items['missing_count']}, doubled {len(items['doubled'])}, unexpected "
            f"{items['unexpected_count']}",
        )

    def report(self, figures: dict[str, Any]) -> int:
        failed = [name for name, held, _ in self.results if not held]
        figures["invariants"] = [
            {"name": n, "held": h, "detail": d} for n, h, d in self.results
        ]  # fmt: skip
        OUT_DIR.mkdir(parents=True, exist_ok=True)
        path = OUT_DIR / f"{self.fault}.json"
        path.write_text(json.dumps(figures, indent=1, ensure_ascii=False, default=str))
        print(f"\nfigures written to {path}")
        if failed:
            print(f"{self.fault}: FAILED ({len(failed)} of {len(self.results)}): "
                  f"{'; '.join(failed)}")  # fmt: skip
            return 1
        print(f"{self.fault}: passed, {len(self.results)} invariants held")
        return 0


def print_phases(
    phases: dict[str, list[Record]], items: dict[str, Any], what: str, more: str = ""
) -> dict[str, Any]:
    """The requests of each phase of the fault as a table, and the items published and
    stored; returns the tables."""
    tables = {phase: summary(records) for phase, records in phases.items()}
    for phase, table in tables.items():
        print_table(f"requests {phase}" + ("" if "probes" in phase else f" {what}"), table)
    print(
        f"\nitems: published {items['published']}, expected {items['expected']}, stored "
        f"{items['stored']} (drained in {items['drain_seconds']} s){more}"
    )
    return tables


def print_table(title: str, table: dict[str, Any]) -> None:
    print(f"\n{title}")
    print(f"  {'kind':<12} {'count':>6} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}  statuses")
    for kind, row in table.items():
        print(f"  {kind:<12} {row['count']:>6} {row['p50_ms']:>8} {row['p99_ms']:>8} "
              f"{row['max_ms']:>8}  {row['statuses']}")  # fmt: skip
