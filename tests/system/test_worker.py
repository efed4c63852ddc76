"""Real `celery worker` processes ingesting local feeds, on both configurations.

No eager mode and no mocks: every test starts ``.venv/bin/celery -A newsroom worker``
in its own process group against a fresh database and broker, serves feeds from a
threaded local HTTP server, and reads the stored rows back through ``manage.py shell``.
The crash and duplicate-delivery tests answer "lost or doubled ingestion" (docs/security.md):
the stored articles must equal one clean run, nothing missing, nothing doubled.
"""

from __future__ import annotations

import io
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image as PILImage

from tests.support.workers import (
    FeedServer,
    Stack,
    expected_rows,
    make_feed,
    wait_until,
)

SOURCES = 8
ENTRIES = 20
ENQUEUE_DUE = (
    "import json; from articles.tasks import schedule_due_outlets\n"
    "print(json.dumps(schedule_due_outlets()))"
)
Feeds = dict[str, tuple[str, bytes]]


@pytest.fixture
def feed_server() -> Iterator[tuple[FeedServer, Feeds]]:
    with FeedServer() as server:
        feeds = {}
        for n in range(1, SOURCES + 1):
            slug = f"outlet-{n}"
            body = make_feed(slug, ENTRIES)
            feeds[slug] = (server.add_feed(f"/{slug}.xml", body), body)
        yield server, feeds


def succeeded_tasks(stack: Stack) -> int:
    """Fetches that succeeded (each fetch also queues a story assignment, not counted)."""
    return len(re.findall(r"fetch_source\[[^\]]+\] succeeded in ", stack.logs()))


@pytest.mark.redis
@pytest.mark.postgres_server
@pytest.mark.slow
def test_worker_on_postgres_and_redis_stores_every_entry_once(
    postgres_redis: tuple[Stack, Any], feed_server: tuple[FeedServer, Feeds]
) -> None:
    stack, _redis = postgres_redis
    server, feeds = feed_server
    with stack:
        stack.create_outlets(feeds)
        stack.start_worker()
        assert stack.shell(ENQUEUE_DUE) == SOURCES
        states = stack.wait_all_ok()

        rows = stack.article_rows()
        assert len(rows) == SOURCES * ENTRIES
        assert rows == expected_rows(feeds)
        assert {slug: s["fetches"] for slug, s in states.items()} == dict.fromkeys(feeds, 1)
        assert all(server.hits[f"/{slug}.xml"] == 1 for slug in feeds)


@pytest.mark.slow
def test_worker_with_beat_on_sqlite_and_filesystem_broker_stores_every_entry_once(
    embedded: Stack, feed_server: tuple[FeedServer, Feeds]
) -> None:
    stack = embedded
    _server, feeds = feed_server
    with stack:
        stack.create_outlets(feeds)
        stack.start_worker("--beat")  # as `make run` does
        assert stack.shell(ENQUEUE_DUE) == SOURCES
        states = stack.wait_all_ok()

        rows = stack.article_rows()
        assert len(rows) == SOURCES * ENTRIES
        assert rows == expected_rows(feeds)
        assert {slug: s["fetches"] for slug, s in states.items()} == dict.fromkeys(feeds, 1)


@pytest.mark.redis
@pytest.mark.postgres_server
@pytest.mark.slow
def test_worker_killed_mid_fetch_loses_and_doubles_nothing(
    postgres_redis: tuple[Stack, Any], feed_server: tuple[FeedServer, Feeds]
) -> None:
    stack, redis = postgres_redis
    server, feeds = feed_server
    slow = "/outlet-1.xml"
    server.first_delays[slow] = 5.0
    visibility = 5
    with stack:
        stack.create_outlets(feeds)
        # As in production, the lease is shorter than the visibility timeout (180 s vs
        # 3600 s by default), so a redelivered task finds its dead worker's lease expired.
        lease = str(visibility - 1)
        first = stack.start_worker(FETCH_LEASE_SECONDS=lease)
        assert stack.shell(ENQUEUE_DUE) == SOURCES
        assert server.arrived[slow].wait(30), "the slow feed was never requested"
        stack.kill(first)  # SIGKILL the whole group while outlet-1's fetch is in flight

        killed = stack.outlet_states()["outlet-1"]
        assert (killed["status"], killed["fetches"]) == ("never", 0)
        assert killed["lease_owner"], "the killed fetch held no lease"
        unacked = redis.zrange("unacked_index", 0, -1, withscores=True)
        assert unacked, "the killed worker's task was acknowledged before it finished"
        # A worker restores unacked messages older than the visibility timeout when it
        # starts polling; start the new one once the killed worker's are that old.
        time.sleep(max(0.0, max(score for _tag, score in unacked) + visibility + 1 - time.time()))
        stack.start_worker(CELERY_VISIBILITY_TIMEOUT=str(visibility), FETCH_LEASE_SECONDS=lease)
        wait_until(
            lambda: redis.llen("celery") == 0 and redis.zcard("unacked_index") == 0,
            60,
            "the new worker to run everything queued and restored",
            interval=0.5,
        )
        assert stack.outlet_states()["outlet-1"]["status"] == "ok"
        # A message the killed worker had popped (BRPOP) but not yet recorded as unacked
        # died with it: kombu's Redis transport cannot hand a message over atomically. Its
        # outlet's claim ran out with the lease, so the next scheduling round (the beat's,
        # every minute in production) gives it another task, and only it.
        lost = [slug for slug, state in stack.outlet_states().items() if state["fetches"] == 0]
        assert stack.shell(ENQUEUE_DUE) == len(lost)
        states = stack.wait_all_ok()
        wait_until(lambda: redis.zcard("unacked_index") == 0, 20, "every task to be acked")

        rows = stack.article_rows()
        assert rows == expected_rows(feeds)
        assert len(rows) == SOURCES * ENTRIES
        # The killed task itself was redelivered (its id is the lease owner) and resumed.
        assert f"fetch_source[{killed['lease_owner']}] succeeded" in stack.logs()
        assert server.hits[slow] == 2
        assert all(s["lease_owner"] == "" for s in states.values())


def deliver_each_fetch_twice(stack: Stack, server: FeedServer, feeds: Feeds) -> None:
    """Queue fetch_source(id) twice per source under one task id, back to back, then
    start a worker, whose two pool processes take both copies at the same time."""
    for slug in feeds:
        server.delays[f"/{slug}.xml"] = 1.0  # long enough for the copies to overlap
    stack.create_outlets(feeds)
    enqueued = stack.shell(
        "import json, uuid; from articles.models import Outlet\n"
        "from articles.tasks import fetch_outlet\n"
        "ids = list(Outlet.objects.order_by('id').values_list('id', flat=True))\n"
        "for outlet_id in ids:\n"
        "    task_id = str(uuid.uuid4())\n"
        "    fetch_outlet.apply_async((outlet_id,), task_id=task_id)\n"
        "    fetch_outlet.apply_async((outlet_id,), task_id=task_id)\n"
        "print(json.dumps(len(ids) * 2))"
    )
    assert enqueued == 2 * SOURCES
    stack.start_worker()
    wait_until(lambda: succeeded_tasks(stack) == enqueued, 60, "both copies of every task")
    stack.wait_all_ok(timeout=10)


@pytest.mark.redis
@pytest.mark.postgres_server
@pytest.mark.slow
def test_same_task_delivered_twice_stores_the_rows_of_one_run(
    postgres_redis: tuple[Stack, Any], feed_server: tuple[FeedServer, Feeds]
) -> None:
    stack, _redis = postgres_redis
    server, feeds = feed_server
    with stack:
        deliver_each_fetch_twice(stack, server, feeds)

        rows = stack.article_rows()
        assert rows == expected_rows(feeds)
        assert len(rows) == SOURCES * ENTRIES
        assert all(s["lease_owner"] == "" for s in stack.outlet_states().values())


@pytest.mark.redis
@pytest.mark.postgres_server
@pytest.mark.slow
def test_same_task_delivered_twice_never_fetches_an_outlet_twice_at_once(
    postgres_redis: tuple[Stack, Any], feed_server: tuple[FeedServer, Feeds]
) -> None:
    """A lease, so two workers never fetch one outlet at once; the second
    copy of a task must skip (or wait), not share the first copy's lease."""
    stack, _redis = postgres_redis
    server, feeds = feed_server
    with stack:
        deliver_each_fetch_twice(stack, server, feeds)

        concurrent = {path: n for path, n in server.max_in_flight.items() if n > 1}
        assert concurrent == {}, f"fetched by both copies at once: {concurrent}"


@pytest.mark.slow
def test_worker_copies_the_images_of_new_articles(embedded: Stack, tmp_path: Path) -> None:
    """fetch_source enqueues copy_image once its rows are committed; the worker then
    downloads, verifies and stores our copy, on the embedded default."""
    stack = embedded
    photo = io.BytesIO()
    PILImage.radial_gradient("L").convert("RGB").resize((1600, 900)).save(photo, "JPEG")
    with FeedServer() as server:
        image_url = server.add_feed("/wp-content/uploads/photo.jpg", photo.getvalue())
        feed = make_feed("pictures", 1).replace(
            b"</description>",
            f'</description><enclosure url="{image_url}" type="image/jpeg" length="1"/>'.encode(),
        )
        stack.create_outlets({"pictures": (server.add_feed("/pictures.xml", feed), feed)})
        stack.start_worker()
        assert stack.shell(ENQUEUE_DUE) == 1
        stack.wait_all_ok()
        wait_until(
            lambda: stack.shell(STORED_IMAGES) == [[1200, 675]], 30, "the image to be copied"
        )

        assert server.hits["/wp-content/uploads/photo.jpg"] == 1
        stored = sorted(p.name for p in (tmp_path / "var" / "media").rglob("*.webp"))
        assert [name.rsplit("-", 1)[1] for name in stored] == ["1200.webp", "400.webp"]


STORED_IMAGES = (
    "import json; from articles.models import Image\n"
    "print(json.dumps([[i.copy_width, i.copy_height] for i in Image.objects.stored()]))"
)
