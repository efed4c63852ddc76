"""The two configurations the worker integration tests start real processes on
(tests/support/workers.py): PostgreSQL and Redis as in production, and the embedded
default of a fresh machine."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.workers import Stack, base_env, fresh_postgres_database, fresh_redis_db


@pytest.fixture
def postgres_redis(tmp_path: Path) -> Iterator[tuple[object, object]]:
    """A migrated fresh PostgreSQL database and an empty Redis broker database.

    Tests using it carry the `redis` and `postgres_server` markers, so the service
    policy of tests/conftest.py applies (they make their own database whatever
    DATABASE_URL is)."""
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
    var = tmp_path / "var"
    stack = Stack(
        tmp_path, base_env(NEWSROOM_VAR_DIR=str(var), SQLITE_PATH=str(var / "db.sqlite3"))
    )
    try:
        stack.manage("migrate", "--noinput", "-v", "0")
        yield stack
    finally:
        stack.__exit__(None)
