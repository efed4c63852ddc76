"""What bench/reports.py prints: the header, then per database the data and load times
(as bench/web.py prints them), the counted run (one row per request kind, ratios, what
the database holds after), the hiding run, and with --profile the report view's profile.
"""

from __future__ import annotations

import argparse
import os
from typing import Any

from lib.figures import percentile
from lib.gunicorn import pinned
from lib.moderation import COUNTED_RATE, COUNTED_THRESHOLD, LOOKALIKES
from lib.printing.web import print_site, print_versions
from lib.report import ordinal, print_header


def pct(values: list[float], q: float) -> float:
    """The q-quantile (nearest rank) of ``values`` (seconds), in ms."""
    return 1000 * percentile(values, q)


def print_counted(result: dict[str, Any], args: argparse.Namespace, notes: list[str]) -> None:
    """The counted run: one row per phase, the ratios, what the database holds after."""
    counted = result["reports"]["counted"]
    phases = counted["phases"]
    print()
    print(
        f"  report this image: POST /images/<id>/report/ (reason, note, next, "
        "csrfmiddlewaretoken; Accept: application/json), "
        f"{phases['report']['readers']} readers at once, each with its own cookies and "
        f"network (client socket bound to 127.0.1.1 .. 127.0.{phases['report']['readers']}.1), "
        f"{args.reports} requests each, {counted['distinct']} distinct stored images; server "
        f"env IMAGE_REPORT_RATE={COUNTED_RATE} and IMAGE_REPORT_THRESHOLD={COUNTED_THRESHOLD}: "
        "every report takes the counted path (rate check on the cache, image row lock, "
        "insert with its unique hashes, window count) and none hides. Same gunicorn "
        "(1 sync worker), page cache on; each reader opened one form page first, untimed."
    )
    header = (
        f"    {'request':<28} {'n':>5} {'req/s':>7} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'CPU ms':>7} {'failed':>6} {'other':>6}"
    )
    print_header(header)
    labels = {
        "form": "form page GET /images/<id>/",
        "report": "report POST",
        "page": "cached page GET (article)",
        "form_alone": "form page GET, 1 reader",
        "report_alone": "report POST, 1 reader",
    }
    for key, label in labels.items():
        phase = phases[key]
        n = len(phase["latencies"])
        cpu = phase["worker_cpu"]
        cpu_text = f"{1000 * cpu / n:7.2f}" if cpu is not None and n else f"{'?':>7}"
        p50, p99 = pct(phase["latencies"], 0.5), pct(phase["latencies"], 0.99)
        print(
            f"    {label:<28} {n:>5} {n / phase['wall']:7.1f} {p50:8.2f} {p99:8.2f} "
            f"{cpu_text} {phase['failed']:>6} {phase['other_share']:6.0%}"
        )
        if phase["failed"]:
            notes.append(f"{label}: {phase['failed']} requests failed (not 200 / no thanks)")
        if phase["other_share"] > 0.10:
            notes.append(
                f"{label}: other processes used {phase['other_share']:.0%} of the machine"
            )

    print_ratios(phases)
    print_counts(counted, args, notes)


def print_ratios(phases: dict[str, Any]) -> None:
    """POST against form GET and against cached page GET: latency and worker CPU."""

    def ratio(key: str, base: str, q: float) -> str:
        return f"{pct(phases[key]['latencies'], q) / pct(phases[base]['latencies'], q):.2f}"

    def cpu_ratio(key: str, base: str) -> str:
        a, b = phases[key], phases[base]
        if not a["worker_cpu"] or not b["worker_cpu"]:
            return "?"
        per_a, per_b = a["worker_cpu"] / len(a["latencies"]), b["worker_cpu"] / len(b["latencies"])
        return f"{per_a / per_b:.2f}"

    versus = [
        f"POST / {label}: p50 x{ratio('report', base, 0.5)}, p99 x{ratio('report', base, 0.99)}, "
        f"worker CPU x{cpu_ratio('report', base)}"
        for base, label in (("form", "form GET"), ("page", "cached page GET"))
    ]
    versus.append(f"1 reader: POST / form GET p50 x{ratio('report_alone', 'form_alone', 0.5)}")
    print("    " + "; ".join(versus))
    print(
        "    CPU ms = gunicorn worker CPU per request (/proc; the PostgreSQL backend is in "
        "'other'); one sync worker serves one request at a time, so at 20 readers a "
        "request waits for those ahead of it: p50 there is about 20 x the request's own "
        "time, the 1-reader rows show that time."
    )


def print_counts(counted: dict[str, Any], args: argparse.Namespace, notes: list[str]) -> None:
    """What the counted run left in the database."""
    state = counted["state"]
    hidden = sum(n for v, n in state["visibility"].items() if v in ("auto_hidden", "staff_hidden"))
    print(
        f"    database after: {state['reports']} reports counted (expected {counted['expected']}: "
        f"{counted['sent']} + {args.reports} of the lone reader + 1 warm-up), {hidden} images "
        f"hidden (expected 0); warm-up failures {counted['warm_failed']}"
    )
    if state["reports"] != counted["expected"] or hidden:
        notes.append("the counted run did not count every report, or hid an image")


def print_hiding(result: dict[str, Any], notes: list[str]) -> None:
    """The hiding run: each report's time, counted against hiding, what it left."""
    reports = result["reports"]
    hiding, phases = reports["hiding"], reports["counted"]["phases"]
    prep, rows = hiding["prep"], hiding["rows"]
    threshold = prep["threshold"]
    hides = [r for r in rows if r["nth"] == threshold]
    others = [r for r in rows if r["nth"] < threshold]
    print()
    print(
        f"  hiding path: default settings (IMAGE_REPORT_THRESHOLD={threshold}, "
        f"IMAGE_REPORT_RATE={prep['rate']}, IMAGE_HIDE_BREAKER={prep['breaker']}, "
        f"IMAGE_LOOKALIKE_DISTANCE={prep['distance']}), one request at a time: {len(hides)} "
        f"images, each reported by {threshold} readers from {threshold} networks; the "
        f"{ordinal(threshold)} report hides it, with the look-alike scan (lookalikes()) "
        f"over the {prep['candidates']} of {prep['rows']} stored images that "
        f"{'are not plain' if prep['traits'] else 'have a phash'}. Before the run every "
        f"stored image was made a picture of its own (own sha256, random phash; "
        f"{prep['seconds']:.1f} s), each target with {LOOKALIKES} look-alikes (phash 2-4 "
        "bits away, same tone) and files of its own."
    )

    def summary(items: list[dict[str, Any]]) -> str:
        seconds = sorted(r["seconds"] for r in items)
        cpus = [r["cpu"] for r in items if r["cpu"] is not None]
        tick = 1000 / os.sysconf("SC_CLK_TCK")
        cpu = (
            f", worker CPU {1000 * sum(cpus) / len(cpus):.1f} ms mean (/proc, {tick:g} ms ticks)"
            if cpus
            else ""
        )
        return (
            f"p50 {pct(seconds, 0.5):.1f} ms (min {1000 * seconds[0]:.1f}, max "
            f"{1000 * seconds[-1]:.1f}, n {len(seconds)}){cpu}"
        )

    first = f"counted reports (1st .. {ordinal(threshold - 1)} of an image):"
    print(f"    {first:<42} {summary(others)}")
    print(f"    {f'hiding report ({ordinal(threshold)}):':<42} {summary(hides)}")
    hide_p50 = pct(sorted(r["seconds"] for r in hides), 0.5)
    counted_p50 = pct(sorted(r["seconds"] for r in others), 0.5)
    form_p50 = pct(phases["form_alone"]["latencies"], 0.5)
    print(
        f"    hiding / counted p50 x{hide_p50 / counted_p50:.1f}; hiding report / form GET "
        f"(1 reader, counted run) p50 x{hide_p50 / form_p50:.1f}"
    )
    before, after = hiding["before"], hiding["state"]
    auto = after["visibility"].get("auto_hidden", 0) - before["visibility"].get("auto_hidden", 0)
    events = after["events"].get("auto_hide", 0) - before["events"].get("auto_hide", 0)
    twins = len(hides) * LOOKALIKES
    print(
        f"    database after: {auto} images hidden automatically (expected {len(hides)} + "
        f"{twins} look-alikes), {events} auto_hide events (expected {len(hides)}); failed "
        f"requests {sum(1 for r in rows if not r['ok'])}"
    )
    if auto != len(hides) + twins or events != len(hides):
        notes.append("the hiding run did not hide exactly the targets and their look-alikes")
    if any(not r["ok"] for r in rows) or not hiding["warm_ok"]:
        notes.append("the hiding run had failed requests")


def print_reports(result: dict[str, Any], args: argparse.Namespace) -> None:
    reports = result["reports"]
    notes: list[str] = []
    print_counted(result, args, notes)
    print_hiding(result, notes)
    for note in notes:
        print(f"  !! {note}")
    if reports["profile"]:
        print()
        print(f"  report view profile ({result['kind']}, test client):")
        print(reports["profile"])


def report(
    args: argparse.Namespace, results: list[dict[str, Any]], skipped: str, elapsed: float
) -> None:
    print_versions(args, "Newsroom report benchmark", wrk=False)
    print(
        "server: gunicorn newsroom.wsgi, 1 sync worker"
        f"{' pinned to CPU 1' if pinned(1) else ''}; DEBUG=0, WhiteNoise + manifest static "
        "files, SERVE_MEDIA=1, local-memory cache (CACHE_URL empty), page cache on."
    )
    print(
        f"client: one spawned process{' pinned to CPU 0' if pinned(0) else ''}, a thread "
        "per reader, http.client; every request timed from sending it to its last byte."
    )
    if skipped:
        print(f"PostgreSQL skipped: {skipped}")
    for result in results:
        print_site(result)
        print_reports(result, args)
    print()
    print(f"whole run: {elapsed:.0f} s")
