"""Shared fixtures and the service policy.

Tests that need PostgreSQL, Redis or Chromium skip with a one-line reason when the
service is absent, unless NEWSROOM_REQUIRE_SERVICES=1 (as in CI), where an absent
service fails the run instead.
"""

from __future__ import annotations

import functools
import os
import shutil
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

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
SERVICE_MARKERS = ("postgres", "postgres_server", "redis", "browser", "java")


def service_missing(marker: str) -> str | None:
    """Why the service behind ``marker`` is unusable, or None if it is there."""
    if marker == "postgres" and not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        return None  # on the embedded default: SQLite is always there
    if marker in ("postgres", "postgres_server") and not port_open("127.0.0.1", 5432):
        return "PostgreSQL is not running on 127.0.0.1:5432"
    if marker == "redis" and not port_open("127.0.0.1", 6379):
        return "Redis is not running on 127.0.0.1:6379"
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


CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def _sync_orm_beside_playwright() -> Iterator[None]:
    """Playwright's sync API runs an event loop in this thread; the ORM calls the tests
    make between page actions are still synchronous (Django's documented escape hatch),
    for the browser modules' tests only."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


@pytest.fixture(scope="module")
def browser(_sync_orm_beside_playwright: None) -> Iterator[object]:
    """One headless Debian Chromium per browser test module."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(autouse=True)
def _media_in_tmp(settings: object, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Image copies written by a test go to a fresh folder, never into var/media."""
    settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")  # type: ignore[attr-defined]


@pytest.fixture
def sections(db: None) -> None:
    """The canonical sections, as the data migration loads them: a test with
    ``transaction=True`` empties every table afterwards, migration data included."""
    from articles.ingest.outlets import load_sections
    from articles.models import Category, CategoryAlias

    load_sections(Category, CategoryAlias)


@pytest.fixture
def make_source(db: None):  # type: ignore[no-untyped-def]
    from articles.models import Source

    counter = iter(range(1, 10_000))

    def make(**fields: object) -> Source:
        n = next(counter)
        fields.setdefault("name", f"مصدر {n}")
        fields.setdefault("slug", f"source-{n}")
        fields.setdefault("feed_url", f"http://127.0.0.1:9/feed-{n}.xml")
        return Source.objects.create(**fields)

    return make


def engine() -> str:
    return settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]


# The two configurations the worker integration tests start real processes on
# (tests/workerlib.py): fixtures here, for every module that runs workers.


@pytest.fixture
def postgres_redis(tmp_path: Path) -> Iterator[tuple[object, object]]:
    """A migrated fresh PostgreSQL database and an empty Redis broker database.

    Tests using it carry the `redis` and `postgres_server` markers, so the service
    policy above applies (they make their own database whatever DATABASE_URL is)."""
    from workerlib import Stack, base_env, fresh_postgres_database, fresh_redis_db

    with fresh_postgres_database() as database_url, fresh_redis_db() as (broker_url, redis):
        env = base_env(
            DATABASE_URL=database_url,
            DATABASE_CONN_MAX_AGE="0",
            CELERY_BROKER_URL=broker_url,
            NEWSROOM_VAR_DIR=str(tmp_path / "var"),
        )
        stack = Stack(tmp_path, env)
        try:
            stack.manage("migrate", "--noinput", "-v", "0")
            yield stack, redis
        finally:
            stack.__exit__(None)  # no worker may outlive the test, nor hold the database


@pytest.fixture
def embedded(tmp_path: Path) -> Iterator[object]:
    """The fresh-machine default: SQLite file and kombu's filesystem broker in var/."""
    from workerlib import Stack, base_env

    var = tmp_path / "var"
    stack = Stack(
        tmp_path, base_env(NEWSROOM_VAR_DIR=str(var), SQLITE_PATH=str(var / "db.sqlite3"))
    )
    try:
        stack.manage("migrate", "--noinput", "-v", "0")
        yield stack
    finally:
        stack.__exit__(None)
