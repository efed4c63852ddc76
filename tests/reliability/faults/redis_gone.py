"""Chaos fault 1: Redis (the cache and the broker) gone for 30 seconds, under a steady
load of readers and picture reports while the feed server publishes.

    .venv/bin/python -m tests.reliability.faults.redis_gone

Redis is stopped with SHUTDOWN SAVE and started again on its folder 30 s later, as a
Redis that persists its data restarts: the tasks waiting in the broker come back with it.
Meanwhile the web's cache calls fail (articles/lib/rediscache.py answers as an empty
cache and logs each failure), the beat cannot send and the workers cannot receive.

Invariants (printed; exit 1 unless all hold):
- while Redis was gone, every page answered 200 (from the database), and after it too;
- no server error, no connection error, no debug text anywhere;
- report POSTs while Redis was gone answered the thanks (counted in the database);
- the web's cache failures are in its log (counted);
- the tasks waiting in the broker when Redis stopped, and those queued after, are all
  done once it is back: the queue empties, every picture copied (none left pending),
  every article placed in a story;
- every published item stored exactly once (by guid): nothing lost, nothing doubled.
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import redis
from celery import Celery

from tests.reliability.chaosload import (
    PAGE_KINDS,
    ChaosStack,
    Load,
    Verdict,
    print_phases,
)

FAULT = "redis_gone"
DOWN_SECONDS = 30
BEFORE_SECONDS = 20
AFTER_SECONDS = 40
CACHE_FAILURE = "answered without Redis"
TASK = "articles.tasks.fetch_source"
BURST = 30  # fetch tasks sent just before the stop, and again just after the start


def send_fetches(chaos: ChaosStack, outlet_ids: list[int], count: int) -> list[str]:
    """``count`` fetch tasks straight to the broker, as the beat sends them; their ids."""
    app = Celery(broker=chaos.redis.url(0))
    try:
        return [
            app.send_task(TASK, args=[outlet_ids[n % len(outlet_ids)]]).id for n in range(count)
        ]
    finally:
        app.close()


def done(chaos: ChaosStack, task_ids: list[str]) -> list[str]:
    """The tasks the workers' logs say ran to their end (succeeded, or a retry queued)."""
    logs = "".join(chaos.stack.log_text(w, tail=50_000_000) for w in ("worker1", "worker2"))
    return [t for t in task_ids if f"[{t}] succeeded" in logs or f"[{t}] retry" in logs]


def broker_ids(chaos: ChaosStack) -> tuple[dict[str, str], set[str]]:
    """Task ids in the broker: waiting in the queue, and delivered to a worker but not
    acknowledged (kombu keeps those in the ``unacked`` hash until the visibility
    timeout gives them back)."""
    client = redis.Redis.from_url(chaos.redis.url(0))
    try:
        headers = [json.loads(m)["headers"] for m in client.lrange("celery", 0, -1)]
        # A task with a countdown (a retry) due after the run is not expected done in it.
        due_by = datetime.now(UTC) + timedelta(seconds=AFTER_SECONDS)
        waiting = {
            h["id"]: h["task"]
            for h in headers
            if not h.get("eta") or datetime.fromisoformat(h["eta"]) <= due_by
        }
        held = {json.loads(m)[0]["headers"]["id"] for m in client.hvals("unacked")}
        return waiting, held
    finally:
        client.close()


SWEEP_LATER = """
import json
from datetime import timedelta
from django.utils import timezone
from articles.images import copy
from articles.models import Image
from articles.stories import assign
later = timezone.now() + timedelta(minutes=11)
images = list(Image.objects.stranded(later, copy.MAX_ATTEMPTS).values_list('id', flat=True))
for image_id in images:
    copy.copy_image(image_id)
articles = assign.unassigned_ids(now=later)
assign.assign(articles)
print(json.dumps({'images': len(images), 'articles': len(articles)}))
"""


def queue_length(chaos: ChaosStack) -> int:
    client = redis.Redis.from_url(chaos.redis.url(0))
    try:
        return int(client.llen("celery"))
    finally:
        client.close()


def main() -> int:
    with ChaosStack(FAULT) as chaos:
        chaos.wait_for_articles(30)
        load = Load(chaos.stack).start()
        chaos.say(f"load on; {BEFORE_SECONDS} s before the fault")
        time.sleep(BEFORE_SECONDS)
        outlet_ids = [r[0] for r in chaos.stack.query("SELECT id FROM articles_source")]
        before = send_fetches(chaos, outlet_ids, BURST)
        waiting = queue_length(chaos)
        down = chaos.mark("down")
        chaos.redis.stop(save=True)
        chaos.say(f"Redis stopped ({waiting} tasks waiting in the broker); {DOWN_SECONDS} s")
        time.sleep(DOWN_SECONDS)
        chaos.redis.start()
        back = chaos.mark("back")
        waiting_ids, held_ids = broker_ids(chaos)
        chaos.say(
            f"Redis back with {len(waiting_ids)} tasks waiting, {len(held_ids)} held "
            f"unacknowledged; {AFTER_SECONDS} s after"
        )
        after_ids = send_fetches(chaos, outlet_ids, BURST)
        time.sleep(AFTER_SECONDS)
        load.stop()
        end = time.time()
        chaos.say("load off; draining ingest")
        items = chaos.finish_ingest()
        left = chaos.work_left(timeout=60)
        # What the workers held when Redis went away comes back after the visibility
        # timeout (an hour); the stranded-work sweep redoes it after 10 minutes: run what
        # it will run then, now, and see that it leaves nothing undone.
        swept = chaos.stack.shell(SWEEP_LATER)
        left_after_sweep = chaos.work_left(timeout=30)
        queued_at_end = queue_length(chaos)
        done_before, done_after = done(chaos, before), done(chaos, after_ids)
        done_waiting = done(chaos, sorted(waiting_ids))
        failures_logged = chaos.log_count("web", CACHE_FAILURE)
        worker_errors = sum(chaos.log_count(w, "Error") for w in ("worker1", "worker2"))
        stored_reports = chaos.stack.query("SELECT count(*) FROM articles_imagereport")[0][0]

    records = load.all()
    during = [r for r in load.between(down, back)]
    after = [r for r in load.between(back, end)]
    pages_during = [r for r in during if r.kind in PAGE_KINDS]
    pages_after = [r for r in after if r.kind in PAGE_KINDS]
    posts_during = [r for r in during if r.kind == "report post"]
    tables = print_phases(
        {
            "before": load.between(0, down),
            "during": during,
            "after": after,
        },
        items,
        "the fault",
        f"; work left {left}",
    )

    verdict = Verdict(FAULT)
    print("\ninvariants:")
    bad = [r for r in pages_during if r.status != 200]
    verdict.check(
        "pages served while Redis was gone",
        pages_during and not bad,
        f"{len(pages_during)} page requests, {len(bad)} not 200 {sorted({r.status for r in bad})}",
    )
    bad_after = [r for r in pages_after if r.status != 200]
    verdict.check(
        "pages served after",
        pages_after and not bad_after,
        f"{len(pages_after)} page requests, {len(bad_after)} not 200",
    )
    errors = [r for r in records if r.server_error() or not r.status]
    verdict.check(
        "no server error, no connection error",
        not errors,
        f"{len(errors)} of {len(records)}: {[(r.kind, r.status, r.error) for r in errors[:5]]}",
    )
    debug = [r for r in records if r.debug_text]
    verdict.check("no debug text shown", not debug, f"{len(debug)} responses with debug text")
    answered = [r for r in posts_during if r.status == 200 and r.message.startswith("شكرا")]
    verdict.check(
        "report POSTs answered the thanks while Redis was gone",
        posts_during and len(answered) == len(posts_during),
        f"{len(answered)} of {len(posts_during)} thanked; {stored_reports} reports stored in all",
    )
    verdict.check(
        "cache failures counted in the web's log",
        failures_logged > 0,
        f"{failures_logged} lines '{CACHE_FAILURE}'",
    )
    held_of_burst = len(held_ids & set(before))
    not_done = sorted(f"{waiting_ids[t]}[{t}]" for t in set(waiting_ids) - set(done_waiting))
    kinds = Counter(waiting_ids.values())
    verdict.check(
        "tasks waiting in the broker when it stopped all done once it was back",
        waiting_ids and not not_done,
        f"{len(done_waiting)} of {len(waiting_ids)} done {dict(kinds)}, not done "
        f"{not_done[:3]} ({len(done_before)} of the "
        f"{len(before)} fetches sent just before the stop; {len(held_ids)} tasks were held "
        f"unacknowledged by a worker, {held_of_burst} of them of the burst)",
    )
    verdict.check(
        "tasks queued after it was back all done",
        len(done_after) == len(after_ids),
        f"{len(done_after)} of {len(after_ids)} fetches sent right after the start",
    )
    verdict.check(
        "the work that follows the fetches all done (what a worker held: by the sweep)",
        queued_at_end == 0
        and not left_after_sweep["images_never_tried"]
        and not left_after_sweep["articles_without_story"],
        f"{queued_at_end} in the queue at the end; before the sweep "
        f"{left['images_never_tried']} pictures never tried and "
        f"{left['articles_without_story']} articles without a story; the sweep (as 10 "
        f"minutes later) took {swept}; after it {left_after_sweep['images_never_tried']} and "
        f"{left_after_sweep['articles_without_story']} ({left['images_waiting_retry']} "
        f"pictures tried and waiting for their retry, e.g. unreachable hosts)",
    )
    verdict.items_once(items)
    figures = {
        "down_seconds": round(back - down, 1),
        "tasks_waiting_at_stop": waiting,
        "fetches_sent_before": len(before),
        "fetches_done_before": len(done_before),
        "fetches_sent_after": len(after_ids),
        "fetches_done_after": len(done_after),
        "tasks_waiting_at_back": len(waiting_ids),
        "tasks_waiting_done": len(done_waiting),
        "tasks_held_unacked": len(held_ids),
        "sweep": swept,
        "work_left_after_sweep": left_after_sweep,
        "requests": tables,
        "items": items,
        "work_left": left,
        "cache_failures_logged": failures_logged,
        "worker_error_lines": worker_errors,
        "reports_stored": stored_reports,
    }
    return verdict.report(figures)


if __name__ == "__main__":
    sys.exit(main())
