"""`make soak`: the production stack under steady load, and the promises it must keep.

    .venv/bin/python tests/reliability/soak.py [--seconds 600] [--rate 50] [--users 25]

Starts the feed server (feedserver.py: 20 outlets gaining items every few seconds) and
the production stack (stack.py: gunicorn, 2 Celery workers, beat, on PostgreSQL and
Redis), then locust (locustfile.py) at ``--rate`` requests a second for ``--seconds``,
while it samples every process's memory and open files and the database connections.
Then it stops publishing, waits for ingest to drain, and compares what the feed server
published with what the database holds.

Prints the figures, writes them to ``--json`` (default var/soak/soak.json) and exits 1
unless every promise held (docs/reliability.md, "Under steady load"):

- no server error (5xx) and no connection error, and no other status than the page's
  expected ones (a 4xx here means the load or the app is wrong);
- every item the feed server published is stored exactly once (by guid), the items
  meant to be rejected (``empty``: no guid, link, title or text) are not;
- the resident memory of every process at the end is at most 10% above its value
  right after the warm-up (medians of the samples in each window);
- no process's open file descriptors grow (the end window's highest count is at most
  FD_SLACK above the highest until the warm-up's end, for sockets in flight), and the
  database connections do not grow (the end window's highest <= the highest until the
  warm-up's end) and stay at most one per process of the stack;
- no process of the stack died or was replaced during the run.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.reliability.feedserver import SoakFeeds  # noqa: E402
from tests.reliability.stack import BASE_DIR, VENV_BIN, Stack, StackConfig  # noqa: E402

SAMPLE_EVERY = 5.0
MEMORY_GROWTH = 0.10
FD_SLACK = 3
# The rate the readers must get through: below it, the stack could not keep up.
RATE_HELD = 0.95
# What each kind may answer besides 200 (a reader's link gone stale for a known reason).
EXPECTED = {
    "report form": {200, 404},  # 404: the picture was hidden by readers' reports meanwhile
    "report post": {302, 404},
    # 301: the story was merged into another by the grouping since the list was read; its
    # address leads to the story it joined (articles.models.StoryMove). A 404 is a bug.
    "story": {200, 301},
}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=int(os.environ.get("SOAK_SECONDS", 600)))
    parser.add_argument("--rate", type=float, default=float(os.environ.get("SOAK_RATE", 50)))
    parser.add_argument(
        "--users", type=int, default=int(os.environ.get("SOAK_USERS", 0)),
        help="default: twice the rate (each user asks every 2 s), at most 254",
    )  # fmt: skip
    parser.add_argument("--outlets", type=int, default=20)
    parser.add_argument(
        "--publish-every", type=float, default=6.0, help="seconds between items of one outlet"
    )
    parser.add_argument("--warmup", type=float, default=None, help="default: a quarter, >= 30 s")
    parser.add_argument("--window", type=float, default=30.0, help="seconds of each sample window")
    parser.add_argument("--drain-timeout", type=float, default=180.0)
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "SOAK_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/newsroom_soak"
        ),
    )
    parser.add_argument(
        "--broker-url", default=os.environ.get("SOAK_BROKER_URL", "redis://127.0.0.1:6379/4")
    )
    parser.add_argument(
        "--cache-url", default=os.environ.get("SOAK_CACHE_URL", "redis://127.0.0.1:6379/5")
    )
    parser.add_argument("--json", type=Path, default=BASE_DIR / "var" / "soak" / "soak.json")
    return parser.parse_args()


# Sampling ------------------------------------------------------------------------


class Sampler(threading.Thread):
    """Every SAMPLE_EVERY seconds: each process's RSS and fds, and the DB connections."""

    def __init__(self, stack: Stack, start: float) -> None:
        super().__init__(daemon=True)
        self.stack, self.start_time = stack, start
        self.samples: list[dict[str, Any]] = []
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            try:
                probe = self.stack.probe()
                connections = self.stack.db_connections()
            except Exception as exc:  # noqa: BLE001 - a sampling hiccup is reported, not fatal
                print(f"soak: sampling failed: {exc!r}", file=sys.stderr)
            else:
                self.samples.append(
                    {
                        "t": time.time() - self.start_time,
                        "machine_cpu": machine_cpu(),
                        "processes": {str(pid): list(value) for pid, value in probe.items()},
                        "db_connections": connections,
                    }
                )
            self.stopped.wait(SAMPLE_EVERY)


def machine_cpu() -> tuple[float, float]:
    """The whole machine's busy and idle CPU seconds so far (all cores), from /proc/stat."""
    ticks = [int(f) for f in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = ticks[3] + ticks[4]
    hertz = os.sysconf("SC_CLK_TCK")
    return (sum(ticks) - idle) / hertz, idle / hertz


def contention(samples: list[dict[str, Any]], rows: dict[str, Any]) -> dict[str, Any]:
    """How busy the machine was during the load, and how much of that was the stack: on a
    machine shared with other work the stack may not get the CPU the rate needs."""
    if len(samples) < 2:
        return {}
    (busy0, idle0), (busy1, idle1) = samples[0]["machine_cpu"], samples[-1]["machine_cpu"]
    seconds = samples[-1]["t"] - samples[0]["t"]
    stack = sum(row["cpu_seconds"] or 0 for row in rows.values())
    return {
        "cores": os.cpu_count(),
        "machine_busy_cores": round((busy1 - busy0) / seconds, 2),
        "stack_cores": round(stack / seconds, 2),
        "other_cores": round((busy1 - busy0 - stack) / seconds, 2),
        "idle_cores": round((idle1 - idle0) / seconds, 2),
    }


def window(samples: list[dict[str, Any]], start: float, end: float) -> list[dict[str, Any]]:
    return [s for s in samples if start <= s["t"] <= end]


def resources(
    samples: list[dict[str, Any]], warm: tuple[float, float], last: tuple[float, float]
) -> dict[str, Any]:
    """Per process: RSS (median) in the warm and end windows; fds and the database
    connections (highest) from the start to the warm window's end, and in the end
    window. Persistent connections are closed and opened again (DATABASE_CONN_MAX_AGE)
    and pool processes hold one only while they need it, so the count swings between
    samples (3 to 7 in a run); the highest reached by the end of the warm-up is the
    stack's own, and a leak shows as more than that, or more than one per process."""
    first, final = window(samples, *warm), window(samples, *last)
    early = window(samples, 0, warm[1])
    pids_first = set().union(*(s["processes"] for s in first)) if first else set()
    pids_final = set().union(*(s["processes"] for s in final)) if final else set()
    rows = {}
    for pid in sorted(pids_first | pids_final, key=int):

        def values(group: list[dict[str, Any]], index: int, pid: str = pid) -> list[int]:
            found = [s["processes"][pid][index] for s in group if pid in s["processes"]]
            return [value for value in found if value is not None]

        label = next(s["processes"][pid][0] for s in first + final if pid in s["processes"])
        rss0, rss1 = values(first, 1), values(final, 1)
        fd0, fd1 = values(early, 2), values(final, 2)
        cpu = [s["processes"][pid][3] for s in samples
               if pid in s["processes"] and s["processes"][pid][3] is not None]  # fmt: skip
        rows[pid] = {
            "label": label,
            "rss_kb_warm": int(statistics.median(rss0)) if rss0 else None,
            "rss_kb_end": int(statistics.median(rss1)) if rss1 else None,
            "fds_warm": max(fd0) if fd0 else None,
            "fds_end": max(fd1) if fd1 else None,
            "cpu_seconds": round(cpu[-1] - cpu[0], 1) if cpu else None,
        }
    conns0 = [s["db_connections"] for s in early]
    conns1 = [s["db_connections"] for s in final]
    return {
        "processes": rows,
        "cpu": contention(samples, rows),
        "db_connections_warm": max(conns0, default=None),
        "db_connections_end": max(conns1, default=None),
        "process_count_end": len(pids_final),
    }


# Requests ------------------------------------------------------------------------


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered) + 0.5) - 1))
    return ordered[index]


def requests_summary(records: list[list[Any]]) -> dict[str, Any]:
    by_kind: dict[str, list[list[Any]]] = defaultdict(list)
    for record in records:
        by_kind[record[0]].append(record)
    kinds = {}
    for kind, rows in sorted(by_kind.items()):
        times = [r[2] for r in rows]
        statuses: dict[str, int] = defaultdict(int)
        for r in rows:
            statuses[str(r[3]) if r[3] else f"error:{r[4]}"] += 1
        expected = EXPECTED.get(kind, {200})
        kinds[kind] = {
            "count": len(rows),
            "p50_ms": round(percentile(times, 0.50), 1),
            "p99_ms": round(percentile(times, 0.99), 1),
            "max_ms": round(max(times), 1),
            "statuses": dict(statuses),
            "server_errors": sum(1 for r in rows if r[3] >= 500),
            "connection_errors": sum(1 for r in rows if not r[3]),
            "unexpected": sum(1 for r in rows if r[3] and r[3] < 500 and r[3] not in expected),
            "examples": sorted({f"{r[3] or r[4]} {r[5]}" for r in rows
                                if not r[3] or r[3] >= 500 or r[3] not in expected})[:5],
        }  # fmt: skip
    total = len(records)
    span = max((r[1] for r in records), default=0) - min((r[1] for r in records), default=0)
    return {
        "total": total,
        "rate_per_s": round(total / span, 1) if span else 0.0,
        "server_errors": sum(k["server_errors"] for k in kinds.values()),
        "connection_errors": sum(k["connection_errors"] for k in kinds.values()),
        "unexpected": sum(k["unexpected"] for k in kinds.values()),
        "kinds": kinds,
    }


# Items ---------------------------------------------------------------------------


def stored_keys(stack: Stack) -> dict[tuple[str, str], int]:
    rows = stack.query(
        "SELECT s.slug, a.key, count(*) FROM articles_article a "
        "JOIN articles_source s ON s.id = a.source_id GROUP BY s.slug, a.key"
    )
    return {(slug, key): count for slug, key, count in rows}


def drain(
    stack: Stack, feeds: SoakFeeds, timeout: float
) -> tuple[float, dict[tuple[str, str], int]]:
    """Wait until every expected item is stored (or the timeout); seconds waited."""
    expected = feeds.expected()
    started = time.monotonic()
    while True:
        stored = stored_keys(stack)
        if expected <= stored.keys() or time.monotonic() - started > timeout:
            return time.monotonic() - started, stored
        time.sleep(2)


def items_summary(feeds: SoakFeeds, stored: dict[tuple[str, str], int]) -> dict[str, Any]:
    expected = feeds.expected()
    missing = sorted(expected - stored.keys())
    doubled = sorted(key for key, count in stored.items() if count > 1)
    unexpected = sorted(key for key in stored if key not in expected)
    return {
        "published": feeds.counts(),
        "expected": len(expected),
        "stored": sum(1 for key in stored if key in expected),
        "missing": [list(k) for k in missing[:50]],
        "missing_count": len(missing),
        "doubled": [list(k) for k in doubled[:50]],
        "unexpected": [list(k) for k in unexpected[:50]],
        "unexpected_count": len(unexpected),
    }


def media_summary(stack: Stack) -> dict[str, Any]:
    rows = stack.query("SELECT status, count(*) FROM articles_image GROUP BY status")
    reports = stack.query("SELECT count(*) FROM articles_imagereport")
    return {"images": dict(rows), "reports": reports[0][0] if reports else 0}


# Verdict -------------------------------------------------------------------------


def failures(report: dict[str, Any]) -> list[str]:
    found = []
    req = report["requests"]
    if not req["total"]:
        found.append("no request was made")
    if req["rate_per_s"] < report["rate"] * RATE_HELD:
        found.append(
            f"the load held {req['rate_per_s']}/s of the {report['rate']}/s asked (CPU: "
            f"{report['resources']['cpu']})"
        )
    for name in ("server_errors", "connection_errors", "unexpected"):
        if req[name]:
            found.append(f"{req[name]} {name.replace('_', ' ')}")
    items = report["items"]
    if items["missing_count"]:
        found.append(
            f"{items['missing_count']} published items not stored, e.g. {items['missing'][:3]}"
        )
    if items["doubled"]:
        found.append(f"items stored more than once: {items['doubled'][:3]}")
    if items["unexpected_count"]:
        found.append(
            f"{items['unexpected_count']} stored items never published (or meant to be "
            f"rejected): {items['unexpected'][:3]}"
        )
    res = report["resources"]
    for pid, row in res["processes"].items():
        name = f"{row['label']} (pid {pid})"
        if row["rss_kb_warm"] is None or row["rss_kb_end"] is None:
            found.append(f"{name} was not there for the whole run")
            continue
        if row["rss_kb_end"] > row["rss_kb_warm"] * (1 + MEMORY_GROWTH):
            found.append(f"{name}: RSS {row['rss_kb_warm']} -> {row['rss_kb_end']} kB (> +10%)")
        if row["fds_end"] > row["fds_warm"] + FD_SLACK:
            found.append(f"{name}: open fds {row['fds_warm']} -> {row['fds_end']}")
    c0, c1 = res["db_connections_warm"], res["db_connections_end"]
    if c0 is None or c1 is None or c1 > c0:
        found.append(f"database connections {c0} -> {c1}")
    if c1 is not None and c1 > res["process_count_end"]:
        found.append(f"{c1} database connections for {res['process_count_end']} processes")
    found += [f"{name} died during the run" for name in report["dead_processes"]]
    return found


def print_report(report: dict[str, Any]) -> None:
    req = report["requests"]
    print(f"\nrequests: {req['total']} in {report['seconds']} s ({req['rate_per_s']}/s); "
          f"5xx {req['server_errors']}, connection errors {req['connection_errors']}, "
          f"unexpected statuses {req['unexpected']}")  # fmt: skip
    print(f"{'kind':<12} {'count':>7} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}  statuses")
    for kind, row in req["kinds"].items():
        print(f"{kind:<12} {row['count']:>7} {row['p50_ms']:>8} {row['p99_ms']:>8} "
              f"{row['max_ms']:>8}  {row['statuses']}")  # fmt: skip
        for example in row["examples"]:
            print(f"{'':<12} e.g. {example}")
    items = report["items"]
    print(f"\nitems: published {items['published']}; expected stored {items['expected']}, "
          f"stored {items['stored']}, missing {items['missing_count']}, doubled "
          f"{len(items['doubled'])}, unexpected {items['unexpected_count']} "
          f"(drained in {report['drain_seconds']:.0f} s)")  # fmt: skip
    print(f"media: {report['media']}")
    res = report["resources"]
    print(f"\n{'process':<16} {'pid':>8} {'RSS warm':>9} {'RSS end':>9} {'growth':>7} "
          f"{'fds':>9} {'CPU s':>7}")  # fmt: skip
    for pid, row in res["processes"].items():
        w, e = row["rss_kb_warm"], row["rss_kb_end"]
        growth = f"{(e - w) / w * 100:+.1f}%" if w and e else "-"
        print(f"{row['label']:<16} {pid:>8} {w or '-':>9} {e or '-':>9} {growth:>7} "
              f"{row['fds_warm']:>4}->{row['fds_end']:<4} {row['cpu_seconds']:>7}")  # fmt: skip
    print(f"database connections: {res['db_connections_warm']} -> {res['db_connections_end']}")
    cpu = res["cpu"]
    if cpu:
        print(f"CPU during the load ({cpu['cores']} cores): machine {cpu['machine_busy_cores']} "
              f"cores busy, the stack {cpu['stack_cores']} (PostgreSQL, Redis and locust not "
              f"counted), other work {cpu['other_cores']}, idle {cpu['idle_cores']}")  # fmt: skip


# The run -------------------------------------------------------------------------


def run_locust(stack: Stack, args: argparse.Namespace, targets: Path, results: Path) -> int:
    env = {
        **os.environ,
        "SOAK_TARGETS": str(targets),
        "SOAK_RATE": str(args.rate),
        "SOAK_USERS": str(args.users),
        "SOAK_RESULTS": str(results),
        # The locustfile imports tests.reliability.addresses from the repository.
        "PYTHONPATH": str(BASE_DIR),
    }
    command = [
        str(VENV_BIN / "locust"), "-f", str(Path(__file__).with_name("locustfile.py")),
        "--headless", "--only-summary", "--host", stack.web_url,
        "-u", str(args.users), "-r", str(args.users), "-t", f"{args.seconds}s",
        "--stop-timeout", "10", "--exit-code-on-error", "0", "--loglevel", "WARNING",
    ]  # fmt: skip
    log = stack.workdir / "logs" / "locust.log"
    with log.open("wb") as out:
        return subprocess.run(
            command, cwd=BASE_DIR, env=env, stdout=out, stderr=subprocess.STDOUT
        ).returncode


def targets_file(stack: Stack, feeds: SoakFeeds) -> Path:
    # "regions" is the menu's way to /regions/ (a 301), not a section page.
    sections = [
        r[0] for r in stack.query("SELECT slug FROM articles_category WHERE slug <> 'regions'")
    ]
    regions = [r[0] for r in stack.query("SELECT slug FROM articles_region ORDER BY slug")]
    path = stack.workdir / "targets.json"
    path.write_text(json.dumps({
        "outlets": [s.slug for s in feeds.specs], "sections": sections, "regions": regions,
    }))  # fmt: skip
    return path


def main() -> int:
    args = parse_args()
    args.users = args.users or min(254, max(1, round(args.rate * 2)))
    warmup = args.warmup if args.warmup is not None else max(30.0, args.seconds / 4)
    config = StackConfig(
        database_url=args.database_url, broker_url=args.broker_url, cache_url=args.cache_url,
    )  # fmt: skip
    feeds = SoakFeeds(outlets=args.outlets, interval=args.publish_every).start()
    stack = Stack(config)
    print(
        f"soak: {args.seconds} s at {args.rate}/s, {args.users} readers; stack in {stack.workdir}"
    )
    try:
        stack.start()
        stack.add_outlets(
            [
                {"slug": s.slug, "name": s.name, "language": s.language, "feed_url": url}
                for s in feeds.specs
                for url in [feeds.feed_url(s.slug)]
            ]
        )
        targets = targets_file(stack, feeds)
        feeds.start_publishing()
        started = time.time()
        sampler = Sampler(stack, started)
        sampler.start()
        pids_at_start = stack.pids()
        print(f"soak: {len(pids_at_start)} processes up; load for {args.seconds} s", flush=True)
        results = stack.workdir / "requests.json"
        locust_status = run_locust(stack, args, targets, results)
        load_seconds = time.time() - started
        pids_at_end = stack.pids()
        sampler.stopped.set()
        feeds.stop_publishing()
        print(f"soak: load done (locust exit {locust_status}); draining ingest", flush=True)
        drain_seconds, stored = drain(stack, feeds, args.drain_timeout)
        records = json.loads(results.read_text())["requests"] if results.exists() else []
        last = (load_seconds - args.window, load_seconds)
        report = {
            "seconds": args.seconds,
            "rate": args.rate,
            "users": args.users,
            "warmup_seconds": warmup,
            "window_seconds": args.window,
            "requests": requests_summary(records),
            "items": items_summary(feeds, stored),
            "drain_seconds": round(drain_seconds, 1),
            "media": media_summary(stack),
            "resources": resources(sampler.samples, (warmup, warmup + args.window), last),
            "dead_processes": [
                f"{label} (pid {pid})"
                for pid, label in pids_at_start.items()
                if pid not in pids_at_end
            ],
            "samples": sampler.samples,
            "locust_exit": locust_status,
        }
    finally:
        stack.stop()
        feeds.stop()
        logs = args.json.parent / "logs"
        shutil.copytree(stack.workdir / "logs", logs, dirs_exist_ok=True)
        stack.close()
    report["failures"] = failures(report)
    print_report(report)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=1, ensure_ascii=False))
    print(f"\nfigures written to {args.json}")
    if report["failures"]:
        print("\nSOAK FAILED:\n  " + "\n  ".join(report["failures"]))
        print(f"(the processes' logs: {logs})")
        return 1
    print("\nsoak passed: every promise held")
    return 0


if __name__ == "__main__":
    sys.exit(main())
