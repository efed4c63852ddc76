"""Ingest one outlet end to end: lease -> fetch -> skip -> parse -> store -> record.

Plain functions with no Celery and no HTTP-request objects; tasks and commands call
them. Every outcome, good or bad, is recorded on the outlet and in its fetch log, and
a failure only ever affects the one outlet it belongs to.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import random
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from articles.ingest.parse import parse_feed
from articles.ingest.store import StoreResult, store_entries
from articles.lib.http import FetchError, FetchResult, fetch_url
from articles.models import ContentVersion, FetchLog, Outlet

FetchStatus = Outlet.FetchStatus

logger = logging.getLogger(__name__)
MAX_LEASE_ATTEMPTS = 3
PAUSE_AFTER_FORBIDDEN = 3


@dataclass(frozen=True)
class IngestResult:
    outlet_id: int
    status: str
    new: int = 0
    updated: int = 0
    error_code: str = ""
    new_image_ids: tuple[int, ...] = ()
    page_ids: tuple[int, ...] = ()
    article_ids: tuple[int, ...] = ()

    @property
    def is_skipped(self) -> bool:
        return self.status == "skipped"

    def summary(self) -> dict[str, object]:
        """What a task reports of this fetch (Celery's result, the worker's log)."""
        return {
            "status": self.status,
            "new": self.new,
            "updated": self.updated,
            "error": self.error_code,
            "images": len(self.new_image_ids),
            "pages": len(self.page_ids),
        }


def new_lease_owner() -> str:
    return uuid.uuid4().hex


def claim_due_outlets(now: datetime | None = None) -> list[int]:
    """Claim every due outlet for one scheduling round and return their ids.

    The claim pushes ``next_fetch_at`` one lease period ahead with a conditional
    UPDATE, so concurrent schedulers never enqueue an outlet twice, and an outlet whose
    task is lost (worker killed, broker wiped) becomes due again on its own.
    """
    now = now or timezone.now()
    retry_at = now + timedelta(seconds=settings.FETCH_LEASE_SECONDS)
    claimed = []
    for outlet_id, next_fetch_at in Outlet.objects.due(now).values_list("id", "next_fetch_at"):
        updated = Outlet.objects.filter(id=outlet_id, next_fetch_at=next_fetch_at).update(
            next_fetch_at=retry_at
        )
        if updated:
            claimed.append(outlet_id)
    return claimed


def acquire_lease(
    outlet_id: int, owner: str, now: datetime | None = None, *, include_paused: bool = False
) -> Outlet | None:
    """Take the outlet's fetch lease; the outlet if ``owner`` now holds it, else None.

    Read, then compare-and-set on the lease as read: of two workers racing, one UPDATE
    matches. Never "already ours": two deliveries of one task (same id) must not fetch
    at once. A task redelivered after its worker died finds its lease expired (Redis
    redelivers after the visibility timeout, far longer than the lease) and counts one
    more attempt.
    """
    now = now or timezone.now()
    outlets = Outlet.objects.all() if include_paused else Outlet.objects.active()
    outlet = outlets.filter(id=outlet_id).first()
    if outlet is None or (outlet.lease_expires_at and outlet.lease_expires_at > now):
        return None
    attempts = outlet.lease_attempts + 1 if outlet.lease_owner == owner else 1
    expires_at = now + timedelta(seconds=settings.FETCH_LEASE_SECONDS)
    won = Outlet.objects.filter(
        id=outlet_id, lease_owner=outlet.lease_owner, lease_expires_at=outlet.lease_expires_at
    ).update(lease_owner=owner, lease_expires_at=expires_at, lease_attempts=attempts)
    if not won:
        return None
    outlet.lease_owner, outlet.lease_expires_at, outlet.lease_attempts = (
        owner, expires_at, attempts
    )  # fmt: skip
    return outlet


def ingest_outlet(
    outlet_id: int, *, owner: str | None = None, include_paused: bool = False
) -> IngestResult:
    """Fetch and store one outlet if its lease can be taken; never raises for bad feeds.

    Returns a "skipped" result when another worker holds the lease (or the outlet is
    paused and ``include_paused`` is off)."""
    owner = owner or new_lease_owner()
    outlet = acquire_lease(outlet_id, owner, include_paused=include_paused)
    if outlet is None:
        return IngestResult(outlet_id, "skipped")
    # Recording the outcome releases the lease in the same UPDATE. If even that fails
    # (database gone), the lease simply expires.
    try:
        if outlet.lease_attempts > MAX_LEASE_ATTEMPTS:
            # This fetch killed its worker every time (Celery #8969): stop redelivering
            # it, record the failure and let the backoff schedule the next try.
            return Attempt(outlet, owner).failed("worker_lost")
        return _ingest_leased(Attempt(outlet, owner))
    except Exception:
        # A bug, not a bad feed: record it on the outlet like any failure so staff see
        # it, log the traceback, and let the other outlets go on.
        logger.exception("ingest of source %s crashed", outlet_id)
        return Attempt(outlet, owner).failed("internal_error")


def _ingest_leased(attempt: Attempt) -> IngestResult:
    outlet = attempt.outlet
    try:
        response = fetch_url(outlet.feed_url, etag=outlet.etag, last_modified=outlet.last_modified)
    except FetchError as error:
        return attempt.failed(error.code, http_status=error.http_status)
    if response.is_not_modified:
        # A 304 may omit the validators; keep the ones we sent.
        return attempt.finished(
            FetchStatus.NOT_MODIFIED,
            response,
            etag=response.etag or outlet.etag,
            last_modified=response.last_modified or outlet.last_modified,
        )
    etag, last_modified = response.etag, response.last_modified
    body_hash = hashlib.sha256(response.body).hexdigest()
    if body_hash == outlet.body_hash:
        return attempt.finished(
            FetchStatus.UNCHANGED, response, etag=etag, last_modified=last_modified
        )
    try:
        stored = ingest_bytes(
            outlet,
            response.body,
            headers=response.headers,
            url=response.url,
            fetched_at=attempt.started_at,
        )
    except NotAFeedError as refused:
        return attempt.failed(refused.code, http_status=response.status)
    return attempt.finished(
        FetchStatus.OK,
        response,
        stored=stored,
        etag=etag,
        last_modified=last_modified,
        body_hash=body_hash,
    )


class NotAFeedError(Exception):
    """The document is no feed we can read: ``code`` is not_a_feed or unparseable_feed."""

    def __init__(self, code: str = "not_a_feed") -> None:
        super().__init__(code)
        self.code = code


def ingest_bytes(
    outlet: Outlet,
    body: bytes,
    *,
    headers: Mapping[str, str] | None = None,
    url: str = "",
    fetched_at: datetime | None = None,
) -> StoreResult:
    """Parse and store a feed document for ``outlet``: the part of an ingest after the
    fetch, shared by the worker, the demo loader and the tests."""
    fetched_at = fetched_at or timezone.now()
    parsed = parse_feed(
        body,
        url=url or outlet.feed_url,
        headers=headers,
        fetched_at=fetched_at,
        language=outlet.language,
        max_entries=settings.FETCH_MAX_ENTRIES,
    )
    if parsed.error_code:
        raise NotAFeedError(parsed.error_code)
    stored = store_entries(outlet, parsed.entries, fetched_at=fetched_at)
    if not parsed.dropped:
        return stored
    logger.warning(
        "%s: %d entries could not be read %s", outlet.slug, parsed.dropped_count, parsed.dropped
    )
    main_code = max(parsed.dropped, key=lambda pair: pair[1])[0]
    return dataclasses.replace(stored, dropped=parsed.dropped_count, dropped_code=main_code)


def next_fetch_delay(consecutive_failures: int) -> timedelta:
    """The regular interval after a success; exponential backoff with jitter, capped,
    after failures. Never infinite: a failing outlet is always probed again."""
    base = settings.FETCH_INTERVAL_SECONDS
    if consecutive_failures:
        exponent = min(consecutive_failures - 1, 16)
        base = min(base * 2**exponent, settings.FETCH_MAX_BACKOFF_SECONDS)
    return timedelta(seconds=base * random.uniform(0.9, 1.1))


class Attempt:
    """One fetch of one outlet, timed from its creation, and how it ended."""

    def __init__(self, outlet: Outlet, lease_owner: str) -> None:
        self.outlet = outlet
        self.lease_owner = lease_owner
        self.started_at = timezone.now()
        self.clock = time.monotonic()

    def failed(self, code: str, *, http_status: int | None = None) -> IngestResult:
        logger.info("fetch of %s failed: %s", self.outlet.slug, code)
        return self._record(FetchStatus.ERROR, http_status, 0, StoreResult(), {}, error_code=code)

    def finished(
        self,
        status: str,
        response: FetchResult,
        *,
        stored: StoreResult | None = None,
        **state: str,
    ) -> IngestResult:
        """A fetch that reached the server's content; ``state`` holds the fetch-state
        fields (etag, last_modified, body_hash) to save on the outlet."""
        return self._record(
            status, response.status, response.bytes_received, stored or StoreResult(), state
        )

    def _record(
        self,
        status: str,
        http_status: int | None,
        bytes_received: int,
        stored: StoreResult,
        state: Mapping[str, str],
        error_code: str = "",
    ) -> IngestResult:
        outlet = self.outlet
        failures = outlet.consecutive_failures + 1 if status == FetchStatus.ERROR else 0
        now = timezone.now()
        fields: dict[str, object] = {
            "last_status": status,
            "last_error_code": error_code,
            "consecutive_failures": failures,
            "last_fetched_at": now,
            "next_fetch_at": now + next_fetch_delay(failures),
            **state,
        }
        if status != FetchStatus.ERROR:
            fields["last_success_at"] = now
        refused_again = error_code == outlet.last_error_code == "http_403"
        if refused_again and failures >= PAUSE_AFTER_FORBIDDEN:
            # An outlet that keeps refusing us (bot challenge): pause, never bypass;
            # staff see why in admin and can activate it again.
            fields["status"] = Outlet.Status.PAUSED
            logger.warning("source %s paused after %d refusals", outlet.slug, failures)
        with transaction.atomic():
            # Free the lease in the same UPDATE, unless it expired and is someone else's.
            ours = Outlet.objects.filter(id=outlet.id, lease_owner=self.lease_owner)
            if not ours.update(**fields, lease_owner="", lease_expires_at=None, lease_attempts=0):
                Outlet.objects.filter(id=outlet.id).update(**fields)
            FetchLog.objects.create(
                outlet=outlet,
                started_at=self.started_at,
                duration_ms=int((time.monotonic() - self.clock) * 1000),
                status=status,
                http_status=http_status,
                bytes_received=bytes_received,
                new_count=stored.new,
                updated_count=stored.updated,
                dropped_count=stored.dropped,
                dropped_code=stored.dropped_code,
                error_code=error_code,
            )
            if fields.get("status") == Outlet.Status.PAUSED:
                ContentVersion.objects.bump()  # the outlet leaves the reader's lists
        return IngestResult(
            outlet.id,
            status,
            stored.new,
            stored.updated,
            error_code,
            stored.new_image_ids,
            stored.page_ids,
            stored.article_ids,
        )


def trim_fetch_logs() -> int:
    """Delete every outlet's fetch-log rows beyond its newest ``FETCH_LOG_KEEP``, in one
    statement; the scheduler runs it every minute, off the per-fetch path."""
    ranked = FetchLog.objects.annotate(
        rank=Window(
            RowNumber(),
            partition_by=F("outlet_id"),
            order_by=[F("started_at").desc(), F("id").desc()],
        )
    ).filter(rank__gt=settings.FETCH_LOG_KEEP)
    deleted, _ = FetchLog.objects.filter(id__in=ranked.values("id")).delete()
    return deleted
