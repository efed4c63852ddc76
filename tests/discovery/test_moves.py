"""A known feed that moved: the fetch records its failure as before, then the search
(articles.discovery) finds the new address from the site and proposes it, or takes it
for an outlet that follows moves. Real local sites, real fetches, no mocks."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from articles.discovery import moves
from articles.ingest.feeds import ingest_outlet
from articles.models import Article, FeedChange, FetchLog, Outlet
from tests.support.discovery import requested_paths, serve_site

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def moved_outlet(make_outlet, server: HTTPServer, **fields: object) -> Outlet:  # type: ignore[no-untyped-def]
    return make_outlet(feed_url=server.url_for("/feed/"), site_url=server.url_for("/"), **fields)


def test_a_wordpress_feed_that_moved_to_rss_is_proposed(
    moved_site: HTTPServer, make_outlet
) -> None:  # type: ignore[no-untyped-def]
    outlet = moved_outlet(make_outlet, moved_site)

    result = ingest_outlet(outlet.id)
    assert (result.status, result.error_code) == ("error", "http_404")
    assert FetchLog.objects.get(outlet=outlet).error_code == "http_404"  # as before
    assert moves.wants_search(result)

    change = moves.search_moved_feed(outlet.id)

    assert change is not None
    assert (change.old_url, change.new_url) == (outlet.feed_url, moved_site.url_for("/rss/"))
    assert (change.state, change.found_by) == ("proposed", "link")
    outlet.refresh_from_db()
    assert outlet.feed_url == moved_site.url_for("/feed/")  # staff decide
    assert outlet.feed_search_note.startswith(f"found {moved_site.url_for('/rss/')}")
    # The comments feed is advertised first but tried only after the site's feed.
    assert "/comments/feed/" not in requested_paths(moved_site)


def test_a_search_runs_once_per_interval_per_outlet(
    moved_site: HTTPServer, make_outlet, settings
) -> None:  # type: ignore[no-untyped-def]
    outlet = moved_outlet(make_outlet, moved_site)
    result = ingest_outlet(outlet.id)
    assert moves.search_moved_feed(outlet.id) is not None
    requests = len(moved_site.log)

    assert not moves.wants_search(result)
    assert moves.search_moved_feed(outlet.id) is None
    assert len(moved_site.log) == requests  # not one request more

    later = timezone.now() + timedelta(seconds=settings.DISCOVERY_INTERVAL_SECONDS + 1)
    assert moves.wants_search(result, now=later)
    # Found again, still pending: no second proposal of the same address.
    Outlet.objects.filter(id=outlet.id).update(feed_search_at=None)
    assert moves.search_moved_feed(outlet.id) is None
    assert FeedChange.objects.filter(outlet=outlet).count() == 1
    outlet.refresh_from_db()
    assert outlet.feed_search_note.startswith("already_proposed")


def test_an_outlet_that_follows_moves_takes_the_new_address_and_fetches_it(
    moved_site: HTTPServer, make_outlet, sections
) -> None:  # type: ignore[no-untyped-def]
    outlet = moved_outlet(make_outlet, moved_site, follow_feed_moves=True)
    ingest_outlet(outlet.id)
    Outlet.objects.filter(id=outlet.id).update(etag='"old"', body_hash="f" * 64)

    change = moves.search_moved_feed(outlet.id)

    assert change is not None and change.state == "automatic"
    outlet.refresh_from_db()
    assert outlet.feed_url == moved_site.url_for("/rss/")
    assert (outlet.etag, outlet.last_modified, outlet.body_hash) == ("", "", "")
    assert outlet.consecutive_failures == 0
    assert outlet.next_fetch_at <= timezone.now()

    result = ingest_outlet(outlet.id)
    assert (result.status, result.new) == ("ok", 2)
    assert Article.objects.filter(outlet=outlet).count() == 2


def test_an_html_page_at_the_feed_address_starts_a_search(
    httpserver: HTTPServer, make_outlet
) -> None:  # type: ignore[no-untyped-def]
    httpserver.expect_request("/feed/").respond_with_data(
        "<!doctype html><html><body><p>الصفحة الرئيسية</p></body></html>",
        content_type="text/html",
    )
    serve_site(httpserver, feeds=["/rss.xml"])  # nothing advertised: the usual paths
    outlet = moved_outlet(make_outlet, httpserver)

    result = ingest_outlet(outlet.id)
    assert result.error_code == "not_a_feed"
    assert moves.wants_search(result)
    change = moves.search_moved_feed(outlet.id)

    assert change is not None
    assert (change.new_url, change.found_by) == (httpserver.url_for("/rss.xml"), "path")
    # The failing address itself is no candidate.
    assert requested_paths(httpserver).count("/feed/") == 1


def test_a_candidate_robots_txt_forbids_is_not_taken_and_is_reported(
    httpserver: HTTPServer, make_outlet
) -> None:  # type: ignore[no-untyped-def]
    serve_site(
        httpserver, advertise=["/rss/"], feeds=["/rss/"], gone=["/feed/"],
        robots="User-agent: *\nDisallow: /rss/\n",
    )  # fmt: skip
    outlet = moved_outlet(make_outlet, httpserver)
    ingest_outlet(outlet.id)

    assert moves.search_moved_feed(outlet.id) is None

    assert "/rss/" not in requested_paths(httpserver)
    assert not FeedChange.objects.exists()
    outlet.refresh_from_db()
    assert outlet.feed_search_note.startswith("no_feed")
    assert f"robots_disallowed {httpserver.url_for('/rss/')}" in outlet.feed_search_note


def test_no_feed_anywhere_is_recorded_without_a_proposal_and_the_others_go_on(
    httpserver: HTTPServer, make_outlet, sections
) -> None:  # type: ignore[no-untyped-def]
    serve_site(httpserver, gone=["/feed/"], feeds=["/other.xml"])
    httpserver.expect_request("/rss.xml").respond_with_data(
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>',
        content_type="application/rss+xml",
    )  # a feed, but an empty one: not taken
    lost = moved_outlet(make_outlet, httpserver)
    other = make_outlet(feed_url=httpserver.url_for("/other.xml"))

    assert ingest_outlet(lost.id).error_code == "http_404"
    assert moves.search_moved_feed(lost.id) is None
    searched = [p for p in requested_paths(httpserver) if p not in ("/robots.txt", "/feed/")]
    assert ingest_outlet(other.id).new == 2

    lost.refresh_from_db()
    assert lost.feed_search_at is not None
    assert lost.feed_search_note.startswith("no_feed")
    assert f"no_entries {httpserver.url_for('/rss.xml')}" in lost.feed_search_note
    assert "not_a_feed" in lost.feed_search_note  # /?feed=rss2 answers the home page
    assert not FeedChange.objects.exists()
    # The home page, then every usual path but the failing /feed/.
    assert searched == ["/", "/?feed=rss2", "/rss.xml", "/feed.xml", "/atom.xml", "/rss/",
                        "/index.xml", "/feed"]  # fmt: skip


def test_accepting_a_proposal_moves_the_feed_and_resets_its_fetch_state(
    moved_site: HTTPServer, make_outlet, admin_user
) -> None:  # type: ignore[no-untyped-def]
    outlet = moved_outlet(make_outlet, moved_site)
    ingest_outlet(outlet.id)
    change = moves.search_moved_feed(outlet.id)
    assert change is not None
    Outlet.objects.filter(id=outlet.id).update(etag='"x"', last_modified="Mon", body_hash="a" * 64)

    moves.accept(change, admin_user)

    change.refresh_from_db()
    outlet.refresh_from_db()
    assert (change.state, change.decided_by) == ("accepted", admin_user)
    assert outlet.feed_url == moved_site.url_for("/rss/")
    assert (outlet.etag, outlet.last_modified, outlet.body_hash) == ("", "", "")
    with pytest.raises(moves.MoveRefused):
        moves.reject(change, admin_user)


def test_a_rejected_address_is_not_proposed_again(
    moved_site: HTTPServer, make_outlet, admin_user
) -> None:  # type: ignore[no-untyped-def]
    outlet = moved_outlet(make_outlet, moved_site)
    ingest_outlet(outlet.id)
    change = moves.search_moved_feed(outlet.id)
    assert change is not None
    moves.reject(change, admin_user)
    Outlet.objects.filter(id=outlet.id).update(feed_search_at=None)

    assert moves.search_moved_feed(outlet.id) is None

    assert list(FeedChange.objects.values_list("state", flat=True)) == ["rejected"]
    outlet.refresh_from_db()
    assert outlet.feed_url == moved_site.url_for("/feed/")
    assert outlet.feed_search_note.startswith("already_rejected")


def test_an_address_another_outlet_has_is_neither_proposed_nor_taken(
    moved_site: HTTPServer, make_outlet
) -> None:  # type: ignore[no-untyped-def]
    make_outlet(feed_url=moved_site.url_for("/rss/"), slug="twin")
    outlet = moved_outlet(make_outlet, moved_site, follow_feed_moves=True)
    ingest_outlet(outlet.id)

    assert moves.search_moved_feed(outlet.id) is None

    outlet.refresh_from_db()
    assert outlet.feed_url == moved_site.url_for("/feed/")
    assert outlet.feed_search_note.startswith("taken_by twin")


def test_a_search_keeps_to_the_hosts_spacing(
    httpserver: HTTPServer, make_outlet, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.FULLTEXT_HOST_DELAY_SECONDS = 0.4
    times: list[float] = []

    def not_found(request: Request) -> Response:
        times.append(time.monotonic())
        return Response("Not Found", status=404)

    for path in ("/", "/feed/", "/rss.xml", "/feed.xml"):
        httpserver.expect_request(path).respond_with_handler(not_found)
    httpserver.expect_request("/robots.txt").respond_with_data("", content_type="text/plain")
    httpserver.no_handler_status_code = 404
    settings.DISCOVERY_MAX_CANDIDATES = 3

    outlet = make_outlet(feed_url=httpserver.url_for("/old.xml"), site_url=httpserver.url_for("/"))
    assert moves.search_moved_feed(outlet.id) is None

    assert len(times) == 4  # home, /feed/, ?feed=rss2 (the home handler), /rss.xml
    gaps = [later - earlier for earlier, later in zip(times, times[1:], strict=False)]
    assert min(gaps) >= 0.35, gaps


def test_the_search_never_reaches_a_private_address_in_production(
    settings, make_outlet, httpserver: HTTPServer
) -> None:  # type: ignore[no-untyped-def]
    serve_site(httpserver, advertise=["/rss/"], feeds=["/rss/"], gone=["/feed/"])
    outlet = moved_outlet(make_outlet, httpserver)
    settings.FETCH_ALLOW_PRIVATE_ADDRESSES = False

    assert moves.search_moved_feed(outlet.id) is None

    assert httpserver.log == []
    outlet.refresh_from_db()
    assert outlet.feed_search_note == f"no_feed; blocked_address {httpserver.url_for('/')}"
