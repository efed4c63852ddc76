"""Shared fixtures and the service policy.

Tests that need PostgreSQL, Redis or Chromium skip with a one-line reason when the
service is absent, unless NEWSROOM_REQUIRE_SERVICES=1 (as in CI), where an absent
service fails the run instead.

Fixtures that one area of the suite uses alone are in that folder's conftest.py; helpers
shared between modules are in tests/support/.
"""

from __future__ import annotations

import functools
import os
import shutil
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import kombu.pools
import pytest
from django.conf import settings

# The helpers' asserts report their values as the tests' own do.
pytest.register_assert_rewrite("tests.support")

REQUIRE_SERVICES = os.environ.get("NEWSROOM_REQUIRE_SERVICES") == "1"
CHROMIUM = "/usr/bin/chromium"


@functools.cache
def port_open(host: str, port: int) -> bool:
    """Whether a service listens there: asked once per run (not once per marked test),
    and patiently, so that a machine busy with other work does not fail one test."""
    for _attempt in range(3):
        try:
            with socket.create_connection((host, port), timeout=3):
                return True
        except OSError:
            time.sleep(0.5)
    return False


# Markers that need a service. `postgres` tests run on the configured database and again
# in the PostgreSQL pass (`pytest -m postgres`, which itself checks that PostgreSQL is
# up); `postgres_server` tests make their own databases there.
SERVICE_MARKERS = ("postgres", "postgres_server", "redis", "redis_server", "browser", "java")


def service_missing(marker: str) -> str | None:
    """Why the service behind ``marker`` is unusable, or None if it is there."""
    if marker == "postgres" and not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        return None  # on the embedded default: SQLite is always there
    if marker in ("postgres", "postgres_server") and not port_open("127.0.0.1", 5432):
        return "PostgreSQL is not running on 127.0.0.1:5432"
    if marker == "redis" and not port_open("127.0.0.1", 6379):
        return "Redis is not running on 127.0.0.1:6379"
    if marker == "redis_server" and not shutil.which("redis-server"):
        return "redis-server is not installed (apt-get install redis-server)"
    if marker == "browser" and not shutil.which(CHROMIUM):
        return f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
    if marker == "java" and not shutil.which("java"):
        return "Java is not installed (apt-get install default-jre-headless)"
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Tests of PostgreSQL's own behaviour (concurrent writers) belong to the PostgreSQL
    # pass only: on the embedded default they are deselected, not skipped.
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        elsewhere = [item for item in items if item.get_closest_marker("postgres_only")]
        if elsewhere:
            config.hook.pytest_deselected(items=elsewhere)
            items[:] = [item for item in items if item not in elsewhere]
    for item in items:
        for marker in SERVICE_MARKERS:
            if item.get_closest_marker(marker) is None:
                continue
            reason = service_missing(marker)
            if reason and REQUIRE_SERVICES:
                item.user_properties.append(("missing_service", reason))
            elif reason:
                item.add_marker(pytest.mark.skip(reason=reason))


def pytest_runtest_setup(item: pytest.Item) -> None:
    # A hook, not a `usefixtures` mark: marks added after collection add no fixture.
    reasons = [value for key, value in item.user_properties if key == "missing_service"]
    if reasons:
        pytest.fail(f"NEWSROOM_REQUIRE_SERVICES=1 but {'; '.join(reasons)}")


def pytest_sessionstart(session: pytest.Session) -> None:
    """Under `pytest -m postgres` with DATABASE_URL=postgres://..., make sure that is
    really where the tests run (or say why not)."""
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres") and not port_open("127.0.0.1", 5432):
        message = "PostgreSQL is not running on 127.0.0.1:5432"
        if REQUIRE_SERVICES:
            pytest.exit(f"NEWSROOM_REQUIRE_SERVICES=1 but {message}", returncode=1)
        pytest.exit(f"skipping the PostgreSQL run: {message}", returncode=0)


@pytest.fixture(autouse=True)
def _allow_local_feeds(settings: object) -> Iterator[None]:
    """Tests serve feeds from 127.0.0.1; the guard's own tests turn this back off."""
    settings.FETCH_ALLOW_PRIVATE_ADDRESSES = True  # type: ignore[attr-defined]
    yield


@pytest.fixture(autouse=True)
def _fresh_site_state(settings: object) -> Iterator[None]:
    """Each test starts with an empty cache and the Arabic edition active, and reads
    the content version on every request (data changes between requests in tests): a
    transactional flush restarts the version at 0, so cached pages of another test
    could match, and a request to /fr/ leaves French active."""
    from django.core.cache import cache
    from django.utils import translation

    from articles.site.cache import forget_version

    settings.CONTENT_VERSION_RECHECK_SECONDS = 0  # type: ignore[attr-defined]
    cache.clear()
    forget_version()
    translation.activate("ar")
    yield
    cache.clear()
    forget_version()


@pytest.fixture(autouse=True)
def _media_in_tmp(settings: object, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Image copies written by a test go to a fresh folder, never into var/media."""
    settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")  # type: ignore[attr-defined]


@pytest.fixture
def _quarantine_in_tmp(settings: object, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Copies of hidden images go to a fresh folder, never into var/quarantine: for the
    modules that hide images (tests/moderation, the report pages in tests/browser, the
    concurrent reports in tests/system), through their ``pytestmark``."""
    settings.QUARANTINE_ROOT = tmp_path_factory.mktemp("quarantine")  # type: ignore[attr-defined]


@pytest.fixture
def sections(db: None) -> None:
    """The canonical sections, as the data migration loads them: a test with
    ``transaction=True`` empties every table afterwards, migration data included."""
    from articles.ingest.outlets import load_sections
    from articles.models import Section, SectionAlias

    load_sections(Section, SectionAlias)


@pytest.fixture
def make_outlet(db: None):  # type: ignore[no-untyped-def]
    from articles.models import Outlet

    counter = iter(range(1, 10_000))

    def make(**fields: object) -> Outlet:
        n = next(counter)
        fields.setdefault("name", f"مصدر {n}")
        fields.setdefault("slug", f"source-{n}")
        fields.setdefault("feed_url", f"http://127.0.0.1:9/feed-{n}.xml")
        return Outlet.objects.create(**fields)

    return make


def engine() -> str:
    return settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]


@pytest.fixture
def broker_queue(tmp_path: Path) -> Iterator[Path]:
    """The real filesystem broker, in a temp folder so the dev queue stays clean: a
    fresh producer pool with these options (another test may have closed the one the
    app holds: "Acquire on closed pool"), closed again after."""
    from newsroom.celery import app

    queue = tmp_path / "queue"
    queue.mkdir()
    # The app reads its settings with the CELERY_ namespace: Celery 5.6 takes the
    # option under its prefixed name only, 5.7 under both.
    key = "CELERY_BROKER_TRANSPORT_OPTIONS"
    original = app.conf[key]

    def fresh_pools() -> None:
        # kombu keeps its connection and producer pools in process-wide registries the
        # app's pools come from: close them and empty the registries, so that the next
        # send makes new ones for the options in force.
        kombu.pools.reset()
        app._pool = None
        app.amqp._producer_pool = None  # it holds the connection pool it was made with

    fresh_pools()
    app.conf[key] = {
        "data_folder_in": str(queue),
        "data_folder_out": str(queue),
        "processed_folder": str(tmp_path / "processed"),
        "store_processed": False,
    }
    try:
        yield queue
    finally:
        app.conf[key] = original
        fresh_pools()
