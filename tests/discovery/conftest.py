"""Fixtures of the discovery tests: local sites whose feed moved, served by
``httpserver`` on 127.0.0.1 (tests/conftest.py allows private addresses; the guard's
test turns that back off), and no delay between one host's requests unless a test
measures it."""

from __future__ import annotations

import pytest
from pytest_httpserver import HTTPServer

from tests.support.discovery import serve_site


@pytest.fixture(autouse=True)
def _no_host_delay(settings: object) -> None:
    settings.FULLTEXT_HOST_DELAY_SECONDS = 0  # type: ignore[attr-defined]


@pytest.fixture
def moved_site(httpserver: HTTPServer) -> HTTPServer:
    """A WordPress-like site whose /feed/ now answers 404; its home page advertises the
    feed's new address, /rss/ (and its comments feed, which is never the one taken)."""
    serve_site(
        httpserver, advertise=["/comments/feed/", "/rss/"], feeds=["/rss/"], gone=["/feed/"]
    )
    return httpserver
