"""Chaos fault 2: PostgreSQL restarted mid-ingest (stopped ~20 seconds, then started),
under a steady load of readers and picture reports while the feed server publishes.

    .venv/bin/python -m tests.reliability.faults.postgres_restart

``pg_ctl stop -m fast`` ends every session (the web's persistent connections, the
workers' and the beat's) and the server refuses connections until ``pg_ctl start``.

Invariants (printed; exit 1 unless all hold):
- while it was down, pages answered 503 with the site's own error page (its look, no
  traceback, no debug text) and ``Retry-After`` (200 only from what was cached);
- no other server error (500, 502, 504), no connection error, no request hanging;
- pages answer 200 again soon after it is back;
- fetches failed while it was down (the workers' logs) and were retried by the
  schedule: the items published meanwhile are stored;
- every published item stored exactly once (by guid): nothing lost, nothing doubled;
- no lease left held once the beat is stopped and the fetches in flight are done.
"""

from __future__ import annotations

import sys
import time

from tests.reliability.chaosload import (
    PAGE_KINDS,
    ChaosStack,
    Load,
    Verdict,
    print_phases,
    summary,
)

FAULT = "postgres_restart"
DOWN_SECONDS = 20
BEFORE_SECONDS = 20
AFTER_SECONDS = 40
# Pages answer again within this long after the server is back (Django's health check
# finds each persistent connection dead and opens a new one).
RECOVERY_SECONDS = 10


def main() -> int:
    with ChaosStack(FAULT) as chaos:
        chaos.wait_for_articles(30)
        load = Load(chaos.stack).start()
        chaos.say(f"load on; {BEFORE_SECONDS} s before the fault")
        time.sleep(BEFORE_SECONDS)
        down = chaos.mark("down")
        chaos.postgres.stop("fast")
        stopped = chaos.mark("stopped")
        chaos.say(f"PostgreSQL stopped; {DOWN_SECONDS} s")
        time.sleep(DOWN_SECONDS)
        chaos.postgres.start()
        back = chaos.mark("back")
        chaos.say(f"PostgreSQL back; {AFTER_SECONDS} s after")
        time.sleep(AFTER_SECONDS)
        load.stop()
        end = time.time()
        chaos.say("load off; draining ingest")
        published_down = {
            (p.slug, p.guid)
            for p in chaos.feeds.published
            if p.guid and p.expect_stored and down <= p.at < back
        }
        items = chaos.finish_ingest()
        stored_keys = {
            tuple(k)
            for k in chaos.stack.query(
                "SELECT s.slug, a.key FROM articles_article a JOIN articles_source s "
                "ON s.id = a.source_id"
            )
        }
        leases = chaos.leases_left()
        fetch_failures = sum(
            chaos.log_count(w, "OperationalError") + chaos.log_count(w, "InterfaceError")
            for w in ("worker1", "worker2", "beat")
        )
        web_unavailable = chaos.log_count("web", "Service Unavailable")

    records = load.all()
    # The first second after the stop may still be answered from the content version a
    # process read just before (CONTENT_VERSION_RECHECK_SECONDS): judged from 2 s on.
    during = load.between(stopped + 2, back)
    after = load.between(back, end)
    pages_during = [r for r in during if r.kind in PAGE_KINDS]
    tables = print_phases(
        {
            "before": load.between(0, down),
            "during": during,
            "after": after,
        },
        items,
        "the fault",
    )

    verdict = Verdict(FAULT)
    print("\ninvariants:")
    unavailable = [r for r in during if r.status == 503]
    bad = [r for r in pages_during if r.status not in (200, 503)]
    verdict.check(
        "pages answered 503 while it was down",
        unavailable and not bad,
        f"{len(pages_during)} page requests: {dict(summary(pages_during)['all']['statuses'])}",
    )
    unkempt = [
        r
        for r in unavailable
        if not (r.site_look or r.path.startswith("/api/")) or not r.retry_after or r.debug_text
    ]
    verdict.check(
        "every 503 in the site's look, with Retry-After, no debug text",
        not unkempt,
        f"{len(unavailable)} 503s, {len(unkempt)} without; Retry-After "
        f"{sorted({r.retry_after for r in unavailable})}",
    )
    others = [r for r in records if (r.server_error() and r.status != 503) or not r.status]
    verdict.check(
        "no other server error, no connection error",
        not others,
        f"{len(others)} of {len(records)}: {[(r.kind, r.status, r.error) for r in others[:5]]}",
    )
    debug = [r for r in records if r.debug_text]
    verdict.check("no debug text shown", not debug, f"{len(debug)} responses with debug text")
    slowest = max((r.seconds for r in records), default=0.0)
    verdict.check("no request hung", slowest < 30, f"slowest {slowest:.1f} s")
    late = [
        r
        for r in load.between(back + RECOVERY_SECONDS, end)
        if r.kind in PAGE_KINDS and r.status != 200
    ]
    verdict.check(
        f"pages answer 200 from {RECOVERY_SECONDS} s after it is back",
        not late,
        f"{len(late)} not 200: {sorted({r.status for r in late})}",
    )
    verdict.check(
        "fetches failed while it was down, and were retried by the schedule",
        fetch_failures > 0 and published_down <= stored_keys,
        f"{fetch_failures} database errors in the workers' and beat's logs; "
        f"{len(published_down & stored_keys)} of {len(published_down)} items published "
        f"while it was down stored",
    )
    verdict.items_once(items)
    verdict.check(
        "no lease left held",
        not leases["outlets"] and not leases["hosts"],
        f"outlets {leases['outlets'][:5]}, hosts {leases['hosts'][:5]}",
    )
    figures = {
        "down_seconds": round(back - down, 1),
        "requests": tables,
        "items": items,
        "published_while_down": len(published_down),
        "fetch_errors_logged": fetch_failures,
        "web_503_logged": web_unavailable,
        "leases_left": leases,
    }
    return verdict.report(figures)


if __name__ == "__main__":
    sys.exit(main())
