"""Fixtures of the full-text tests: no delay between a host's pages, and a full-text
outlet served by ``httpserver``."""

from __future__ import annotations

import pytest
from pytest_httpserver import HTTPServer


@pytest.fixture(autouse=True)
def _no_host_delay(settings: object) -> None:
    settings.FULLTEXT_HOST_DELAY_SECONDS = 0  # type: ignore[attr-defined]


@pytest.fixture
def outlet(make_outlet, httpserver: HTTPServer):  # type: ignore[no-untyped-def]
    """A full-text outlet served by ``httpserver``, whose robots.txt allows all."""
    httpserver.expect_request("/robots.txt").respond_with_data(
        "User-agent: *\nDisallow: /private/\n", content_type="text/plain"
    )
    return make_outlet(full_text=True, feed_url=httpserver.url_for("/feed.xml"))
