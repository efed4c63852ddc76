"""Chaos fault 3: a Celery worker killed (SIGKILL, its whole process group) mid-fetch,
under a steady reader load while the feed server publishes.

    .venv/bin/python -m tests.reliability.faults.worker_kill

One outlet's feed is made slow (the feed server holds its answers SLOW_SECONDS), so a
fetch of it is in flight; the worker holding that fetch's lease (the task id is the lease
owner: articles/ingest/feeds.acquire_lease) is found by its log and killed with its pool.
The outlet is claimed again by the beat only once the lease has expired
(Outlet.objects.due), so the other worker fetches it after the lease. Then the killed
worker is started again, publishing stops, ingest drains, and every published item must
be stored exactly once.

Invariants (printed; exit 1 unless all hold):
- the fetch was in flight in the killed worker (its task id held the outlet's lease);
- the outlet was fetched again, successfully, by the other worker, no earlier than the
  killed fetch's lease expiry, and within the lease plus a minute;
- every published item stored exactly once: nothing lost, nothing doubled, nothing else;
- no lease left held past its expiry at the end;
- the readers saw no server error and no connection error.

The lease is FETCH_LEASE_SECONDS=LEASE_SECONDS here (180 s in production), so the run
takes about three minutes; recovery takes the lease's remainder plus a beat round.
"""

from __future__ import annotations

import signal
import sys
import time
from datetime import UTC, datetime
from typing import Any

from tests.reliability.chaosload import Verdict
from tests.reliability.faultkit import (
    Readers,
    chaos_services,
    exit_on_sigterm,
    log,
    outlets,
)
from tests.reliability.feedserver import SoakFeeds
from tests.reliability.soak import drain, items_summary
from tests.reliability.stack import Stack, StackConfig, wait_until

FAULT = "worker_kill"
LEASE_SECONDS = 45
SLOW_SECONDS = 20  # under FETCH_TIMEOUT_SECONDS (30): the slow fetch would succeed
OUTLETS = 8
READ_RATE = 4.0


def outlet_row(stack: Stack, slug: str) -> dict[str, Any]:
    row = stack.query(
        "SELECT id, lease_owner, lease_expires_at, lease_attempts, last_status "
        "FROM articles_source WHERE slug = %s",
        (slug,),
    )[0]
    return dict(zip(("id", "owner", "expires", "attempts", "status"), row, strict=True))


def fetches_since(stack: Stack, outlet_id: int, since: datetime) -> list[tuple[Any, ...]]:
    return stack.query(
        "SELECT started_at, duration_ms, status, error_code, new_count FROM articles_fetchlog "
        "WHERE source_id = %s AND started_at > %s ORDER BY started_at",
        (outlet_id, since),
    )


def worker_of(stack: Stack, task_id: str) -> str | None:
    """The worker whose log shows the task received."""
    for name in stack.processes:
        if name.startswith("worker") and task_id in stack.log_text(name, tail=2_000_000):
            return name
    return None


def run(stack: Stack, feeds: SoakFeeds, verdict: Verdict, t0: float) -> dict[str, Any]:
    stack.start()
    stack.add_outlets(outlets(feeds))
    feeds.start_publishing()
    log(FAULT, f"stack up ({stack.web_url}); waiting for every outlet's first fetch", t0)
    wait_until(
        lambda: not stack.query("SELECT 1 FROM articles_source WHERE last_fetched_at IS NULL"),
        180, "every outlet's first fetch",
    )  # fmt: skip
    readers = Readers(stack, rate=READ_RATE).start()
    time.sleep(10)
    victim = feeds.specs[0].slug
    feeds.slow_down(victim, SLOW_SECONDS)
    wait_until(lambda: feeds.waiting_requests(victim) > 0, 120, f"a fetch of {victim} in flight")
    lease = outlet_row(stack, victim)
    held_by = wait_until(lambda: worker_of(stack, lease["owner"]), 15, "the fetch's worker")
    log(FAULT, f"{victim} fetched by {held_by} (task {lease['owner']}); SIGKILL its group", t0)
    in_flight_at_kill = feeds.waiting_requests(victim)
    stack.kill(held_by, signal.SIGKILL)
    killed_at = datetime.now(UTC)
    feeds.slow_down(victim, 0)
    verdict.check(
        "the fetch was in flight in the killed worker",
        bool(lease["owner"]) and in_flight_at_kill > 0 and not stack.processes[held_by].alive(),
        f"{held_by} held the lease of {victim} (task {lease['owner']}), its request open",
    )
    # The other worker takes the outlet once the lease has expired.
    owners: set[str] = set()

    def refetched() -> list[tuple[Any, ...]] | None:
        row = outlet_row(stack, victim)
        if row["owner"] and row["owner"] != lease["owner"]:
            owners.add(row["owner"])
        done = fetches_since(stack, row["id"], killed_at)
        return done or None

    fetched = wait_until(refetched, LEASE_SECONDS + 90, f"{victim} fetched again", every=0.2)
    started_at, duration_ms, status, error_code, new = fetched[0]
    finished_at = started_at.timestamp() + duration_ms / 1000
    recovery = finished_at - killed_at.timestamp()
    taken = lease["expires"].timestamp() - LEASE_SECONDS
    others = {worker_of(stack, owner) for owner in owners} - {None}
    seen = "its task seen holding the lease" if others else "the only worker alive"
    if not others:  # the lease was taken and released between two looks
        others = {n for n, p in stack.processes.items() if n.startswith("worker") and p.alive()}
    log(FAULT, f"{victim} fetched again at {started_at:%H:%M:%S.%f} by {sorted(others)}", t0)
    verdict.check(
        "the outlet was fetched again by the other worker after the lease",
        status in {"ok", "unchanged", "not_modified"}
        and started_at >= lease["expires"]
        and others
        and held_by not in others,
        f"lease taken {datetime.fromtimestamp(taken, UTC):%H:%M:%S.%f}, expired "
        f"{lease['expires']:%H:%M:%S.%f}; killed {killed_at:%H:%M:%S.%f}; fetched again "
        f"{started_at:%H:%M:%S.%f} ({status}{' ' + error_code if error_code else ''}, "
        f"{new} new) by {sorted(others)} ({seen})",
    )
    verdict.check(
        "recovery within the lease and a minute",
        recovery <= LEASE_SECONDS + 60,
        f"{recovery:.1f} s from the kill to the outlet's items stored again "
        f"(lease {LEASE_SECONDS} s, {killed_at.timestamp() - taken:.1f} s of it used at the kill)",
    )
    stack.start_process(held_by)
    log(FAULT, f"{held_by} started again; publishing 15 s more, then draining", t0)
    time.sleep(15)
    feeds.stop_publishing()
    drain_seconds, stored = drain(stack, feeds, 180)
    readers.stop()
    items = items_summary(feeds, stored)
    verdict.check(
        "nothing lost",
        items["missing_count"] == 0,
        f"{items['stored']} of {items['expected']} published items stored "
        f"(drained in {drain_seconds:.0f} s); missing {items['missing'][:3]}",
    )
    verdict.check("nothing doubled", not items["doubled"], f"doubled: {items['doubled'][:3]}")
    verdict.check(
        "nothing else stored", not items["unexpected_count"], f"{items['unexpected'][:3]}"
    )
    stale = stack.query(
        "SELECT slug FROM articles_source WHERE lease_owner <> '' AND lease_expires_at < now()"
    )
    verdict.check("no lease left held past its expiry", not stale, f"{[r[0] for r in stale]}")
    reads = readers.summary()
    verdict.check(
        "readers: no server error, no connection error",
        reads["requests"] > 0 and not reads["server_errors"] and not reads["connection_errors"],
        f"{reads['requests']} requests, statuses {reads['statuses']}, "
        f"p50 {reads['p50_ms']} ms, p99 {reads['p99_ms']} ms",
    )
    return {
        "victim": victim,
        "killed_worker": held_by,
        "lease_seconds": LEASE_SECONDS,
        "lease_taken_at": datetime.fromtimestamp(taken, UTC).isoformat(),
        "lease_expired_at": lease["expires"].isoformat(),
        "killed_at": killed_at.isoformat(),
        "refetch_started_at": started_at.isoformat(),
        "refetch_status": status,
        "recovery_seconds": round(recovery, 1),
        "refetched_by": sorted(others),
        "items": {k: v for k, v in items.items() if k != "missing"},
        "drain_seconds": round(drain_seconds, 1),
        "readers": reads,
    }


def main() -> int:
    exit_on_sigterm()
    t0 = time.monotonic()
    verdict = Verdict(FAULT)
    print(f"{FAULT}: SIGKILL a worker mid-fetch (lease {LEASE_SECONDS} s)", flush=True)
    figures: dict[str, Any] = {}
    with chaos_services(FAULT) as services, SoakFeeds(outlets=OUTLETS, interval=5.0) as feeds:
        config = StackConfig(**services, env={"FETCH_LEASE_SECONDS": str(LEASE_SECONDS)})
        with Stack(config) as stack:
            try:
                figures = run(stack, feeds, verdict, t0)
            except Exception as error:  # noqa: BLE001 - a fault that cannot run fails
                verdict.check("the fault ran to its end", False, repr(error))
                print(f"(the processes' logs: {stack.workdir / 'logs'})")
                for name in stack.processes:
                    print(f"--- {name} ---\n{stack.log_text(name, tail=1500)}")
    figures["seconds"] = round(time.monotonic() - t0, 1)
    return verdict.report(figures)  # written to var/chaos/<fault>.json


if __name__ == "__main__":
    sys.exit(main())
