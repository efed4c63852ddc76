"""Politeness towards the outlets' hosts: robots.txt (fetched once per host and kept,
read as RFC 9309 says when it cannot be fetched, our agent's rules and crawl delay), and
one request per host at a time with a delay after it, across threads. Pages are served
by pytest-httpserver; nothing reaches the internet."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.utils import timezone
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from articles.fulltext.hosts import allowed_by_robots, release_turn, try_turn
from articles.fulltext.pages import fill_article
from articles.models import FullTextStatus, Outlet, PageHost
from tests.support.fulltext import TEASER, article_page, html_response, refreshed, stored_article

# A host's robots.txt record and its turn are rows: run on both databases.
pytestmark = pytest.mark.postgres


# ---------------------------------------------------------------------------------------
# Politeness: robots.txt and one request per host
# ---------------------------------------------------------------------------------------


def test_a_path_robots_txt_disallows_is_never_requested(
    outlet: Outlet, httpserver: HTTPServer
) -> None:
    article = stored_article(outlet, httpserver, "/private/1.html")
    result = fill_article(article.id)
    assert (result.status, result.code) == (FullTextStatus.FAILED, "robots_disallowed")
    assert "/private/1.html" not in [request.path for request, _ in httpserver.log]
    article = refreshed(article)
    assert article.fulltext_code == "robots_disallowed"
    assert article.body_html == f"<p>{TEASER}</p>" and article.summary == TEASER


def test_robots_txt_is_fetched_once_per_host_and_kept(
    outlet: Outlet, httpserver: HTTPServer
) -> None:
    for n in range(3):
        httpserver.expect_request(f"/news/{n}.html").respond_with_response(
            html_response(article_page())
        )
    for n in range(3):
        assert (
            fill_article(stored_article(outlet, httpserver, f"/news/{n}.html").id).code
            == "extracted"
        )
    paths = [request.path for request, _ in httpserver.log]
    assert paths.count("/robots.txt") == 1
    assert paths.count("/news/0.html") == 1
    host = PageHost.objects.get()
    assert host.robots_status == PageHost.Robots.RULES
    assert host.robots_expires_at > timezone.now() + timedelta(hours=23)


@pytest.mark.parametrize(
    ("status", "allowed"),
    [(404, True), (410, True), (403, True), (500, False), (503, False), (429, False)],
)
def test_a_robots_txt_that_cannot_be_fetched_is_read_as_rfc_9309_says(
    make_outlet, httpserver: HTTPServer, status: int, allowed: bool
) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data("", status=status)
    url = httpserver.url_for("/news/1.html")
    assert allowed_by_robots(url) is allowed
    host = PageHost.objects.get()
    # Unreachable: "disallow all", but tried again within the hour, not a day.
    expected_ttl = timedelta(hours=24) if allowed else timedelta(hours=1)
    assert host.robots_expires_at - timezone.now() == pytest.approx(
        expected_ttl, abs=timedelta(minutes=1)
    )


def test_a_robots_txt_that_times_out_disallows(
    settings, make_outlet, httpserver: HTTPServer
) -> None:  # type: ignore[no-untyped-def]
    def slow(request: Request) -> Response:
        time.sleep(1.5)
        return Response("User-agent: *\nAllow: /\n")

    httpserver.expect_request("/robots.txt").respond_with_handler(slow)
    from articles.fulltext import hosts

    original = hosts.ROBOTS_TIMEOUT_SECONDS
    hosts.ROBOTS_TIMEOUT_SECONDS = 0.5  # type: ignore[assignment]
    try:
        assert allowed_by_robots(httpserver.url_for("/news/1.html")) is False
    finally:
        hosts.ROBOTS_TIMEOUT_SECONDS = original


def test_robots_rules_for_our_agent_and_crawl_delay(
    settings, make_outlet, httpserver: HTTPServer
) -> None:  # type: ignore[no-untyped-def]
    settings.FULLTEXT_HOST_DELAY_SECONDS = 1
    httpserver.expect_request("/robots.txt").respond_with_data(
        "User-agent: NewsroomBot\nDisallow: /amp/\nCrawl-delay: 7\n\nUser-agent: *\nDisallow: /\n"
    )
    assert allowed_by_robots(httpserver.url_for("/news/1.html")) is True
    assert allowed_by_robots(httpserver.url_for("/amp/1.html")) is False
    from articles.fulltext.hosts import crawl_delay, host_of

    assert crawl_delay(host_of(httpserver.url_for("/"))) == 7


def test_a_host_has_one_turn_at_a_time_and_a_delay_after_it(settings, db: None) -> None:  # type: ignore[no-untyped-def]
    settings.FULLTEXT_HOST_DELAY_SECONDS = 2
    now = timezone.now()
    assert try_turn("example.ma", "worker-a", now) == 0
    # Held: look again after the delay and a poll, not at the lease's far end.
    assert try_turn("example.ma", "worker-b", now) == pytest.approx(2.5)
    release_turn("example.ma", "worker-a", 2.0, now)
    assert try_turn("example.ma", "worker-b", now) == pytest.approx(2.0, abs=0.01)
    assert try_turn("example.ma", "worker-b", now + timedelta(seconds=2)) == 0
    # Another host is not held up; a lease nobody gave back expires.
    assert try_turn("other.example.ma", "worker-c", now) == 0
    assert try_turn("example.ma", "worker-d", now + timedelta(minutes=5)) == 0


@pytest.mark.django_db(transaction=True)
def test_two_threads_never_request_one_host_at_once(
    settings, outlet: Outlet, httpserver: HTTPServer
) -> None:  # type: ignore[no-untyped-def]
    settings.FULLTEXT_HOST_DELAY_SECONDS = 0.05
    in_flight, most = [0], [0]
    lock = threading.Lock()

    def page(request: Request) -> Response:
        with lock:
            in_flight[0] += 1
            most[0] = max(most[0], in_flight[0])
        time.sleep(0.1)
        with lock:
            in_flight[0] -= 1
        return html_response(article_page())

    ids = []
    for n in range(6):
        httpserver.expect_request(f"/news/{n}.html").respond_with_handler(page)
        ids.append(stored_article(outlet, httpserver, f"/news/{n}.html").id)
    results: list[str] = []

    def work(article_ids: list[int]) -> None:
        from django.db import connection

        try:
            for article_id in article_ids:
                results.append(fill_article(article_id, wait=30).code)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(ids[i::2],)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(results) == ["extracted"] * 6
    assert most[0] == 1
