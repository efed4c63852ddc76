"""A Celery worker outlives its Redis broker restarting (make chaos's redis_gone, here on
one worker): Celery 5.7.0's worker died of the broker going away while it held an
unacknowledged task ("Unrecoverable error: AttributeError: 'NoneType' object has no
attribute 'hostname'", closing the connection after collecting it), so pyproject.toml
keeps Celery below 5.7. The broker is a Redis server of the test's own
(tests/reliability/services.py), never the machine's shared one."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.reliability.services import RedisServer
from tests.support.workers import FeedServer, Stack, base_env, make_feed, wait_until

pytestmark = [pytest.mark.slow, pytest.mark.redis_server]
SLOW_FEED_SECONDS = 6


@pytest.fixture
def own_redis() -> Iterator[RedisServer]:
    with RedisServer() as server:
        yield server


def test_a_worker_holding_a_task_survives_the_broker_restarting(
    tmp_path: Path, own_redis: RedisServer
) -> None:
    var = tmp_path / "var"
    env = base_env(
        NEWSROOM_VAR_DIR=str(var), SQLITE_PATH=str(var / "db.sqlite3"),
        CELERY_BROKER_URL=own_redis.url(0),
    )  # fmt: skip
    with FeedServer() as server, Stack(tmp_path, env) as stack:
        stack.manage("migrate", "--noinput", "-v", "0")
        slow = server.add_feed("/slow.xml", make_feed("slow", 3))
        fast = server.add_feed("/fast.xml", make_feed("fast", 3))
        server.delays["/slow.xml"] = SLOW_FEED_SECONDS
        ids = stack.create_outlets({"slow": (slow, b""), "fast": (fast, b"")})
        worker = stack.start_worker()
        send = "from articles.tasks import fetch_outlet; fetch_outlet.delay({}); print(1)"
        stack.shell(send.format(ids["slow"]))
        # The fetch is in flight: its message delivered, not acknowledged (acks_late).
        assert server.arrived["/slow.xml"].wait(30)

        own_redis.stop()
        wait_until(lambda: "Connection to broker lost" in stack.logs(), 30, "the loss", 0.2)
        own_redis.start()
        wait_until(lambda: stack.logs().count("Connected to redis://") >= 2, 60,
                   "the worker to reconnect", 0.5)  # fmt: skip

        assert worker.poll() is None, stack.logs()[-3000:]
        assert "Unrecoverable error" not in stack.logs()
        # And it works: a task sent after the restart is done.
        stack.shell(send.format(ids["fast"]))
        wait_until(lambda: stack.outlet_states()["fast"]["fetches"] >= 1, 60, "the next fetch")
