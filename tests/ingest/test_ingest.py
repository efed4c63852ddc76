"""The ingest pipeline end to end against a local HTTP server."""

from __future__ import annotations

import threading
import time

import pytest
from django.utils import timezone
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from articles.ingest.feeds import (
    MAX_LEASE_ATTEMPTS,
    PAUSE_AFTER_FORBIDDEN,
    acquire_lease,
    claim_due_outlets,
    ingest_outlet,
    next_fetch_delay,
    trim_fetch_logs,
)
from articles.models import Article, FetchLog, Outlet
from tests.support.rows import article_rows

FEED = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>اختبار</title><link>https://example.ma/</link>
<item><title>الكاميرون تتعادل مع كوت ديفوار</title><link>https://example.ma/a/1</link>
<guid isPermaLink="false">https://example.ma/?p=1</guid>
<pubDate>Mon, 22 Dec 2025 10:00:00 +0100</pubDate><category>رياضة</category>
<description>&lt;p&gt;ملخص&lt;/p&gt;</description></item>
<item><title>جبال خنيفرة تلبس الرداء الأبيض</title><link>https://example.ma/a/2</link>
<guid isPermaLink="false">https://example.ma/?p=2</guid>
<pubDate>Mon, 22 Dec 2025 09:00:00 +0100</pubDate></item>
</channel></rss>""".encode()


pytestmark = [pytest.mark.postgres]


@pytest.mark.usefixtures("sections")
@pytest.mark.django_db(transaction=True)
def test_ingesting_twice_leaves_identical_rows(httpserver: HTTPServer, make_outlet) -> None:
    httpserver.expect_request("/feed").respond_with_data(FEED, content_type="application/rss+xml")
    outlet = make_outlet(feed_url=httpserver.url_for("/feed"))

    first = ingest_outlet(outlet.id)
    rows = article_rows()
    outlet.refresh_from_db()
    outlet.body_hash = ""  # force a full re-parse and re-store, not just the hash skip
    outlet.save(update_fields=["body_hash"])
    second = ingest_outlet(outlet.id)

    assert (first.status, first.new) == ("ok", 2)
    assert (second.status, second.new, second.updated) == ("ok", 0, 0)
    assert article_rows() == rows
    assert Article.objects.get(key="https://example.ma/?p=1").section.slug == "sports"


@pytest.mark.django_db(transaction=True)
def test_two_workers_on_one_outlet_fetch_it_once(httpserver: HTTPServer, make_outlet) -> None:
    hits: list[float] = []

    def slow_feed(request: Request) -> Response:
        hits.append(time.monotonic())
        time.sleep(1.0)
        return Response(FEED, content_type="application/rss+xml")

    httpserver.expect_request("/feed").respond_with_handler(slow_feed)
    outlet = make_outlet(feed_url=httpserver.url_for("/feed"))
    results = []

    def worker() -> None:
        from django.db import connection

        try:
            results.append(ingest_outlet(outlet.id))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(hits) == 1
    assert sorted(r.status for r in results) == ["ok", "skipped"]
    assert Article.objects.count() == 2
    assert FetchLog.objects.filter(outlet=outlet).count() == 1


@pytest.mark.django_db(transaction=True)
def test_scheduler_claims_a_due_outlet_once(make_outlet) -> None:
    due = make_outlet()
    make_outlet(status=Outlet.Status.PAUSED)

    assert claim_due_outlets() == [due.id]
    assert claim_due_outlets() == []


@pytest.mark.django_db(transaction=True)
def test_a_fetch_that_keeps_killing_its_worker_is_given_up_and_backed_off(
    httpserver: HTTPServer, make_outlet
) -> None:
    httpserver.expect_request("/feed").respond_with_data(FEED, content_type="application/rss+xml")
    outlet = make_outlet(feed_url=httpserver.url_for("/feed"))
    # The same task id taking its expired lease back = a redelivery after its worker died.
    for _ in range(MAX_LEASE_ATTEMPTS):
        assert acquire_lease(outlet.id, "task-1")
        assert not acquire_lease(outlet.id, "task-1")  # a second delivery, at the same time
        Outlet.objects.filter(id=outlet.id).update(lease_expires_at=timezone.now())

    result = ingest_outlet(outlet.id, owner="task-1")

    outlet.refresh_from_db()
    assert (result.status, result.error_code) == ("error", "worker_lost")
    assert outlet.consecutive_failures == 1
    assert outlet.lease_owner == "" and outlet.lease_attempts == 0
    assert len(httpserver.log) == 0
    # A new task (new id) fetches normally.
    assert ingest_outlet(outlet.id, owner="task-2").status == "ok"


def test_backoff_grows_exponentially_with_jitter_and_is_capped(settings) -> None:
    settings.FETCH_INTERVAL_SECONDS = 600
    settings.FETCH_MAX_BACKOFF_SECONDS = 6 * 3600

    delays = [next_fetch_delay(n).total_seconds() for n in range(0, 12)]

    assert 540 <= delays[0] <= 660  # healthy: the regular interval, +-10 %
    assert 540 <= delays[1] <= 660  # first failure: retry after one interval
    assert 1080 <= delays[2] <= 1320
    assert 2160 <= delays[3] <= 2640
    assert all(d <= 6 * 3600 * 1.1 for d in delays)
    assert delays[-1] >= 6 * 3600 * 0.9  # capped, but never given up


@pytest.mark.django_db(transaction=True)
def test_a_crash_inside_ingest_is_recorded_and_the_lease_released(
    httpserver: HTTPServer, make_outlet, monkeypatch
) -> None:
    httpserver.expect_request("/feed").respond_with_data(FEED, content_type="application/rss+xml")
    outlet = make_outlet(feed_url=httpserver.url_for("/feed"))

    def parser_bug(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug in our parsing code")

    # Fault injection: no feed we could write makes our own code raise, by design.
    monkeypatch.setattr("articles.ingest.feeds.parse_feed", parser_bug)
    result = ingest_outlet(outlet.id)

    outlet.refresh_from_db()
    assert (result.status, result.error_code) == ("error", "internal_error")
    assert (outlet.last_error_code, outlet.consecutive_failures) == ("internal_error", 1)
    assert outlet.lease_owner == "" and outlet.lease_expires_at is None
    assert FetchLog.objects.get(outlet=outlet).error_code == "internal_error"


@pytest.mark.django_db(transaction=True)
def test_fetch_log_keeps_the_newest_rows_per_outlet(
    httpserver: HTTPServer, make_outlet, settings
) -> None:
    settings.FETCH_LOG_KEEP = 3
    httpserver.expect_request("/feed").respond_with_data(FEED, content_type="application/rss+xml")
    outlet = make_outlet(feed_url=httpserver.url_for("/feed"))
    other = make_outlet(feed_url=httpserver.url_for("/feed") + "?other")

    for _ in range(5):
        ingest_outlet(outlet.id)
    ingest_outlet(other.id)
    assert FetchLog.objects.filter(outlet=outlet).count() == 5  # trimmed off the fetch path
    assert trim_fetch_logs() == 2

    statuses = list(
        FetchLog.objects.filter(outlet=outlet)
        .order_by("started_at")
        .values_list("status", flat=True)
    )
    assert statuses == ["unchanged", "unchanged", "unchanged"]  # the first "ok" is gone
    assert FetchLog.objects.filter(outlet=other).count() == 1


@pytest.mark.django_db
def test_an_outlet_that_keeps_refusing_us_is_paused_not_bypassed(
    httpserver: HTTPServer, make_outlet
) -> None:
    httpserver.expect_request("/feed").respond_with_data("Just a moment...", status=403)
    outlet = make_outlet(feed_url=httpserver.url_for("/feed"))

    results = []
    for _ in range(PAUSE_AFTER_FORBIDDEN):
        results.append(ingest_outlet(outlet.id).error_code)
        Outlet.objects.filter(id=outlet.id).update(next_fetch_at=None)

    outlet.refresh_from_db()
    assert results == ["http_403"] * PAUSE_AFTER_FORBIDDEN
    assert outlet.status == Outlet.Status.PAUSED
    assert (outlet.last_error_code, outlet.consecutive_failures) == ("http_403", 3)
    assert ingest_outlet(outlet.id).is_skipped  # the scheduler leaves it alone
    # Every request carried our own User-Agent: nothing tried to look like a browser.
    assert all("NewsroomBot" in request.headers["User-Agent"] for request, _ in httpserver.log)
