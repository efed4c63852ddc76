"""The task path: fetch_outlet queues look_for_feed (on the real filesystem broker)
after a fetch that found the feed gone, and only then; look_for_feed proposes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from articles.models import FeedChange
from articles.tasks import fetch_outlet, look_for_feed

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def queued(queue: Path) -> list[tuple[str, str]]:
    messages = [json.loads(path.read_text()) for path in queue.iterdir()]
    return [(m["headers"]["task"], m["headers"]["argsrepr"]) for m in messages]


def test_a_feed_gone_queues_one_search_which_proposes(
    moved_site: HTTPServer, make_outlet, broker_queue: Path, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    outlet = make_outlet(feed_url=moved_site.url_for("/feed/"), site_url=moved_site.url_for("/"))

    with django_capture_on_commit_callbacks(execute=True):
        assert fetch_outlet.apply(args=(outlet.id,)).get()["error"] == "http_404"

    assert queued(broker_queue) == [("articles.tasks.look_for_feed", f"({outlet.id},)")]
    assert look_for_feed.apply(args=(outlet.id,)).get() == {
        "state": "proposed",
        "url": moved_site.url_for("/rss/"),
    }
    assert FeedChange.objects.get().outlet == outlet


def test_a_server_error_queues_no_search(
    httpserver: HTTPServer, make_outlet, broker_queue: Path, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    httpserver.expect_request("/feed/").respond_with_data("down", status=503)
    outlet = make_outlet(feed_url=httpserver.url_for("/feed/"))

    with django_capture_on_commit_callbacks(execute=True):
        assert fetch_outlet.apply(args=(outlet.id,)).get()["error"] == "http_503"

    assert queued(broker_queue) == []
