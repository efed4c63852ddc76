"""Politeness towards the outlets whose pages we fetch: one request per host at a time
across every worker, a delay between requests, and their robots.txt.

The turn is a lease on the host's ``PageHost`` row, taken with one conditional UPDATE
(on SQLite and PostgreSQL alike) and given back with the time before which nobody may
ask again; a worker that dies holding it frees it when the lease expires. robots.txt is
fetched through the guarded client inside the turn, kept for a day, and read as RFC 9309
says: a 4xx means no rules (everything allowed), a 5xx or a network failure means
"disallow everything" until it is tried again an hour later.
"""

from __future__ import annotations

import contextlib
import functools
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from protego import Protego

from articles.lib.http import FetchError, fetch_url
from articles.models import PageHost

Robots = PageHost.Robots
ROBOTS_MAX_BYTES = 500 * 1024  # RFC 9309: at least 500 KiB must be read
ROBOTS_TIMEOUT_SECONDS = 10
ROBOTS_ACCEPT = "text/plain, */*;q=0.5"
# How often a worker waiting for a held host looks again (beside the host's delay).
HELD_POLL_SECONDS = 0.5


class HostBusy(Exception):
    """Another worker holds the host's turn, or its delay has not passed: try again in
    ``wait`` seconds."""

    def __init__(self, wait: float) -> None:
        super().__init__(f"host busy for {wait:.1f} s")
        self.wait = wait


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


def try_turn(host: str, owner: str, now: datetime | None = None) -> float:
    """Take ``host``'s turn for ``owner``: 0.0 if taken, else seconds to wait."""
    now = now or timezone.now()
    _ensure_row(host)
    free = Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lte=now)
    due = Q(next_request_at__isnull=True) | Q(next_request_at__lte=now)
    lease = timedelta(seconds=settings.FULLTEXT_TIMEOUT_SECONDS + ROBOTS_TIMEOUT_SECONDS + 30)
    if PageHost.objects.filter(free, due, name=host).update(
        lease_owner=owner, lease_expires_at=now + lease
    ):
        return 0.0
    row = PageHost.objects.filter(name=host).values("lease_expires_at", "next_request_at").get()
    if row["lease_expires_at"] and row["lease_expires_at"] > now:
        # Held: its holder gives it back when its request ends, then the delay runs.
        # Come back then, not at the lease's far end (it only frees a dead holder).
        held = (row["lease_expires_at"] - now).total_seconds()
        return min(held, settings.FULLTEXT_HOST_DELAY_SECONDS + HELD_POLL_SECONDS)
    due_at = row["next_request_at"] or now
    return max((due_at - now).total_seconds(), 0.05)


def release_turn(host: str, owner: str, delay: float, now: datetime | None = None) -> None:
    """Give the turn back; the next request to ``host`` waits ``delay`` seconds."""
    now = now or timezone.now()
    PageHost.objects.filter(name=host, lease_owner=owner).update(
        lease_owner="", lease_expires_at=None, next_request_at=now + timedelta(seconds=delay)
    )


@contextlib.contextmanager
def host_turn(host: str, owner: str, *, wait: float | None = None) -> Iterator[None]:
    """Hold ``host``'s turn for the block, waiting up to ``wait`` seconds for it
    (``FULLTEXT_HOST_WAIT_SECONDS`` by default); raise HostBusy past that."""
    budget = settings.FULLTEXT_HOST_WAIT_SECONDS if wait is None else wait
    give_up = time.monotonic() + budget
    while True:
        left = try_turn(host, owner)
        if not left:
            break
        if time.monotonic() + left > give_up:
            raise HostBusy(left)
        time.sleep(left)
    try:
        yield
    finally:
        release_turn(host, owner, crawl_delay(host))


def _ensure_row(host: str) -> None:
    if PageHost.objects.filter(name=host).exists():
        return
    try:
        with transaction.atomic():
            PageHost.objects.create(name=host)
    except IntegrityError:
        pass  # another worker created it first


# ---------------------------------------------------------------------------------------
# robots.txt
# ---------------------------------------------------------------------------------------


def robots_agent() -> str:
    """Our product token (the User-Agent's first word, without its version)."""
    return settings.FETCH_USER_AGENT.split("/", 1)[0].split()[0] or "NewsroomBot"


def allowed_by_robots(url: str, now: datetime | None = None) -> bool:
    """May we fetch ``url``? Reads the host's robots.txt, fetching it if ours is stale
    (call it while holding the host's turn: the fetch is a request to the host).
    Raises FetchError only when the host itself is refused (a private address)."""
    now = now or timezone.now()
    host, origin = host_of(url), origin_of(url)
    _ensure_row(host)
    row = PageHost.objects.get(name=host)
    fresh = row.robots_expires_at is not None and row.robots_expires_at > now
    if not fresh or row.robots_origin != origin:
        row = _refresh_robots(row, origin, now)
    if row.robots_status == Robots.ALLOW_ALL:
        return True
    if row.robots_status != Robots.RULES:
        return False
    return bool(_rules(row.robots_txt).can_fetch(url, robots_agent()))


@functools.lru_cache(maxsize=64)
def _rules(robots_txt: str) -> Protego:
    """Parsed once per text: the check before a page and the delay after it read the
    same rules."""
    return Protego.parse(robots_txt)


def crawl_delay(host: str) -> float:
    """Seconds between two requests to ``host``: ours, or its robots.txt Crawl-delay if
    longer (capped by FULLTEXT_MAX_CRAWL_DELAY)."""
    delay = float(settings.FULLTEXT_HOST_DELAY_SECONDS)
    row = PageHost.objects.filter(name=host, robots_status=Robots.RULES).first()
    if row is None:
        return delay
    asked = _rules(row.robots_txt).crawl_delay(robots_agent())
    if asked:
        delay = max(delay, min(float(asked), float(settings.FULLTEXT_MAX_CRAWL_DELAY)))
    return delay


def _refresh_robots(row: PageHost, origin: str, now: datetime) -> PageHost:
    ttl = settings.FULLTEXT_ROBOTS_TTL_SECONDS
    try:
        response = fetch_url(
            f"{origin}/robots.txt",
            accept=ROBOTS_ACCEPT,
            timeout=ROBOTS_TIMEOUT_SECONDS,
            max_bytes=ROBOTS_MAX_BYTES,
        )
    except FetchError as error:
        if error.code in ("blocked_address", "bad_url", "bad_scheme"):
            raise  # the page would be refused the same way: say so, do not cache
        status = error.http_status or 0
        if 400 <= status < 500 and status != 429:
            row.robots_status, row.robots_txt = Robots.ALLOW_ALL, ""
        else:
            # Unreachable (5xx, 429, network, too large): assume complete disallow.
            row.robots_status, row.robots_txt = Robots.DISALLOW_ALL, ""
            ttl = settings.FULLTEXT_ROBOTS_RETRY_SECONDS
    else:
        row.robots_status = Robots.RULES
        row.robots_txt = response.body.decode("utf-8", errors="replace")
    row.robots_origin = origin
    row.robots_expires_at = now + timedelta(seconds=ttl)
    PageHost.objects.filter(pk=row.pk).update(
        robots_status=row.robots_status,
        robots_txt=row.robots_txt,
        robots_origin=row.robots_origin,
        robots_expires_at=row.robots_expires_at,
    )
    return row
