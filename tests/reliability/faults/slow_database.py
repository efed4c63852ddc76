"""Chaos fault 5: a slow database: another session holds ``LOCK TABLE articles_article IN
ACCESS EXCLUSIVE MODE`` for 10 seconds (every read of the articles waits), under a steady
load of readers and picture reports while the feed server publishes.

    .venv/bin/python -m tests.reliability.faults.slow_database

The web's connections give up on a lock after WEB_LOCK_TIMEOUT_MS (3 s) and on a
statement after WEB_STATEMENT_TIMEOUT_MS (10 s): newsroom/wsgi.py. The workers have no
such limit: their ingest waits for the lock and goes on.

Invariants (printed; exit 1 unless all hold):
- while the lock was held, pages answered 200 or a 503 in the site's look (with
  Retry-After, no debug text), each within the statement timeout;
- no request hung (none took longer than the statement timeout plus a margin), no other
  server error, no connection error;
- gunicorn's workers were not all stuck: the static file and /robots.txt, asked every
  half second by a probe of their own, answered 200 throughout, quickly;
- pages answer 200 again once the lock is released;
- every published item stored exactly once (by guid).
"""

from __future__ import annotations

import sys
import threading
import time
from urllib.parse import urlsplit, urlunsplit

import psycopg
import requests

from tests.reliability.chaosload import (
    PAGE_KINDS,
    ChaosStack,
    Load,
    Record,
    Verdict,
    print_phases,
    summary,
)

FAULT = "slow_database"
LOCK_SECONDS = 10
BEFORE_SECONDS = 20
AFTER_SECONDS = 30
STATEMENT_TIMEOUT = 10.0  # WEB_STATEMENT_TIMEOUT_MS's default, in seconds
PAGE_LIMIT = STATEMENT_TIMEOUT + 5  # a page's queries cancelled, plus its rendering
PROBE_LIMIT = 5.0  # the lock timeout (3 s) a busy worker may wait, and a margin


def hold_lock(chaos: ChaosStack, marks: dict[str, float]) -> None:
    url = urlsplit(chaos.stack.config.database_url)
    with psycopg.connect(urlunsplit(url._replace(scheme="postgresql"))) as conn:
        conn.execute("LOCK TABLE articles_article IN ACCESS EXCLUSIVE MODE")
        marks["locked"] = time.time()
        time.sleep(LOCK_SECONDS)
        conn.rollback()
        marks["released"] = time.time()


def probe(chaos: ChaosStack, static: str, stop: threading.Event, out: list[Record]) -> None:
    """The static file and robots.txt every half second (WhiteNoise, and a view that
    reads only the content version): answered only if some gunicorn worker is free."""
    session = requests.Session()
    session.trust_env = False
    while not stop.wait(0.5):
        for kind, path in (("probe static", static), ("probe health", "/robots.txt")):
            started, clock = time.time(), time.monotonic()
            try:
                response = session.get(
                    chaos.stack.web_url + path, timeout=60, headers={"X-Forwarded-Proto": "https"}
                )
                out.append(
                    Record(
                        kind, started, time.monotonic() - clock, response.status_code, path=path
                    )
                )
            except requests.RequestException as error:
                out.append(
                    Record(kind, started, time.monotonic() - clock, 0, type(error).__name__, path)
                )


def static_path(chaos: ChaosStack) -> str:
    import re

    page = requests.get(
        chaos.stack.web_url + "/", headers={"X-Forwarded-Proto": "https"}, timeout=60
    )
    found = re.findall(r'(/static/[^"\']+\.css)', page.text)
    return found[0] if found else "/static/css/site.css"


def main() -> int:
    marks: dict[str, float] = {}
    probes: list[Record] = []
    with ChaosStack(FAULT) as chaos:
        chaos.wait_for_articles(30)
        load = Load(chaos.stack).start()
        stop_probe = threading.Event()
        prober = threading.Thread(
            target=probe, args=(chaos, static_path(chaos), stop_probe, probes), daemon=True
        )
        prober.start()
        chaos.say(f"load on; {BEFORE_SECONDS} s before the fault")
        time.sleep(BEFORE_SECONDS)
        asked = chaos.mark("asked")
        holder = threading.Thread(target=hold_lock, args=(chaos, marks))
        holder.start()
        holder.join(timeout=LOCK_SECONDS + 60)
        chaos.say(
            f"lock held {marks['released'] - marks['locked']:.1f} s "
            f"(waited {marks['locked'] - asked:.1f} s for it); {AFTER_SECONDS} s after"
        )
        time.sleep(AFTER_SECONDS)
        stop_probe.set()
        prober.join(timeout=70)
        load.stop()
        end = time.time()
        chaos.say("load off; draining ingest")
        items = chaos.finish_ingest()
        web_unavailable = chaos.log_count("web", "Service Unavailable")
        worker_timeouts = chaos.log_count("web", "WORKER TIMEOUT")

    locked, released = marks["locked"], marks["released"]
    records = load.all()
    during = load.between(locked, released)
    pages_during = [r for r in during if r.kind in PAGE_KINDS]
    probes_during = [r for r in probes if locked <= r.start < released]
    tables = print_phases(
        {
            "before": load.between(0, locked),
            "during": during,
            "after": load.between(released, end),
            "probes during": probes_during,
        },
        items,
        "the lock",
    )

    verdict = Verdict(FAULT)
    print("\ninvariants:")
    bad = [
        r
        for r in pages_during
        if r.status != 200
        and not (r.status == 503 and r.retry_after and (r.site_look or r.path.startswith("/api/")))
    ]
    slow = [r for r in pages_during if r.seconds > PAGE_LIMIT]
    verdict.check(
        "pages answered 200 or a 503 in the site's look, within the timeout",
        pages_during and not bad and not slow,
        f"{len(pages_during)} page requests {summary(pages_during)['all']['statuses']}, "
        f"slowest {max((r.seconds for r in pages_during), default=0):.1f} s "
        f"(limit {PAGE_LIMIT:.0f} s); {len(bad)} other answers",
    )
    slowest = max((r.seconds for r in records), default=0.0)
    verdict.check(
        "no request hung",
        slowest < PAGE_LIMIT and not worker_timeouts,
        f"slowest {slowest:.1f} s; {worker_timeouts} gunicorn worker timeouts",
    )
    others = [r for r in records if (r.server_error() and r.status != 503) or not r.status]
    verdict.check(
        "no other server error, no connection error",
        not others,
        f"{len(others)} of {len(records)}: {[(r.kind, r.status, r.error) for r in others[:5]]}",
    )
    debug = [r for r in records if r.debug_text]
    verdict.check("no debug text shown", not debug, f"{len(debug)} responses with debug text")
    failed_probes = [r for r in probes_during if r.status != 200 or r.seconds > PROBE_LIMIT]
    verdict.check(
        "gunicorn workers not all stuck: static file and robots.txt answered",
        probes_during and not failed_probes,
        f"{len(probes_during)} probes during the lock, slowest "
        f"{max((r.seconds for r in probes_during), default=0):.2f} s, {len(failed_probes)} "
        f"failed or slower than {PROBE_LIMIT:.0f} s",
    )
    late = [r for r in load.between(released + 5, end) if r.kind in PAGE_KINDS and r.status != 200]
    verdict.check("pages answer 200 after the lock", not late, f"{len(late)} not 200")
    verdict.items_once(items)
    figures = {
        "lock_seconds": round(released - locked, 1),
        "lock_wait_seconds": round(locked - asked, 1),
        "requests": tables,
        "items": items,
        "web_503_logged": web_unavailable,
        "gunicorn_worker_timeouts": worker_timeouts,
    }
    return verdict.report(figures)


if __name__ == "__main__":
    sys.exit(main())
