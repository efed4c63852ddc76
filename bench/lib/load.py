"""Load runs against the site under gunicorn: ``wrk`` (pinned to CPU 0) and what it
prints, ``measure()`` (requests/s at N connections, then p50/p99 at 1 connection, with
the worker's CPU per request and the other load), ``page_latency()`` (p50/p99 of one page
at 1 connection, by wrk or, without it, a Python loop), ``check_page()`` (one GET as a
browser sends it: status, size, images and report links shown) and ``timed()`` (p50/p99
of an in-process call).
"""

from __future__ import annotations

import argparse
import gzip
import math
import os
import re
import resource
import shutil
import statistics
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lib.figures import machine_busy, percentile, process_cpu
from lib.gunicorn import fetch, pinned

UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 6e4}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if match is None:
        raise ValueError(f"unexpected wrk latency {text!r}")
    return float(match[1]) * UNITS[match[2]]


def parse_wrk(output: str) -> dict[str, Any]:
    """Requests/s, p50/p99 (ms), request count and errors from ``wrk --latency``."""
    figures: dict[str, Any] = {"errors": 0, "non_2xx": 0}
    for line in output.splitlines():
        parts = line.split()
        if line.startswith("Requests/sec:"):
            figures["rps"] = float(parts[1])
        elif len(parts) == 2 and parts[0] in ("50%", "99%"):
            figures["p" + parts[0].rstrip("%")] = _ms(parts[1])
        elif " requests in " in line:
            figures["requests"] = int(parts[0])
        elif line.strip().startswith("Non-2xx or 3xx responses:"):
            figures["non_2xx"] = int(parts[-1])
        elif line.strip().startswith("Socket errors:"):
            figures["errors"] = sum(int(n) for n in re.findall(r"\d+", line))
    missing = {"rps", "p50", "p99", "requests"} - figures.keys()
    if missing:
        raise RuntimeError(f"could not read {sorted(missing)} from wrk:\n{output}")
    return figures


def wrk(url: str, connections: int, seconds: float) -> dict[str, Any]:
    command = [
        *pinned(0), "wrk", "-t1", f"-c{connections}", f"-d{max(1, math.ceil(seconds))}s",
        "--timeout", "10s", "--latency", "-H", "Accept-Encoding: gzip", url,
    ]  # fmt: skip
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return parse_wrk(output)


def measure(url: str, worker: int, args: argparse.Namespace) -> dict[str, Any]:
    """Throughput at ``--connections``, then latency at 1 connection."""
    cpu0, busy0 = process_cpu(worker), machine_busy()
    children0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    load = wrk(url, args.connections, args.duration)
    children1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    worker_cpu = process_cpu(worker) - cpu0
    wrk_cpu = (children1.ru_utime + children1.ru_stime) - (children0.ru_utime + children0.ru_stime)
    other = max(0.0, machine_busy() - busy0 - worker_cpu - wrk_cpu)
    # About 10 samples or more at 1 connection, even for a slow page (up to 10 s).
    seconds = max(args.latency_duration, min(10.0, 10 / load["rps"] if load["rps"] else 10.0))
    latency = wrk(url, 1, seconds)
    return {
        "rps": load["rps"],
        "p50": latency["p50"],
        "p99": latency["p99"],
        "p50_loaded": load["p50"],
        "latency_requests": latency["requests"],
        "cpu_ms": 1000 * worker_cpu / load["requests"] if load["requests"] and worker else None,
        "other_share": other / (args.duration * (os.cpu_count() or 1)),
        "errors": load["errors"] + latency["errors"],
        "non_2xx": load["non_2xx"] + latency["non_2xx"],
    }


LEAD_REPORT = re.compile(rb'<figure class="lead-figure"(?:(?!</figure>).)*data-report-image', re.S)


def check_page(base: str, name: str, path: str, log: Path | None = None) -> dict[str, Any]:
    """GET ``path`` once as a browser would: status, gzip, size, images shown. A page
    that does not answer 200 stops the run (with the end of gunicorn's ``log``)."""
    status, headers, body = fetch(base + path)
    if status != 200:
        tail = ""
        if log is not None:  # where a 500's traceback is
            lines = log.read_text(errors="replace").splitlines(True)[-40:]
            tail = "; the end of gunicorn's log:\n" + "".join(lines)
        raise RuntimeError(f"{name} {path} answered {status}{tail}")
    encoding = headers.get("Content-Encoding", "")
    text = gzip.decompress(body) if encoding == "gzip" else body
    return {
        "bytes": len(body),
        "raw_bytes": len(text),
        "gzip": encoding == "gzip",
        "images": len(re.findall(rb'src="/media/images/', text)),
        "stories": text.count(b'<article class="story'),
        "items": text.count(b"<item>"),
        "media": re.search(rb'src="(/media/images/[^"]+)"', text),
        # The report control: one plain link per image shown, the lead's in its figure;
        # no per-reader CSRF token in a page that may be cached.
        "report_links": text.count(b"data-report-image"),
        "lead_report": bool(LEAD_REPORT.search(text)),
        "csrf_tokens": text.count(b"csrfmiddlewaretoken"),
    }


def http_loop(url: str, seconds: float) -> dict[str, Any]:
    """wrk's figures at 1 connection from a Python loop: at least 10 requests, and more
    while ``seconds`` last."""
    samples: list[float] = []
    t0 = time.perf_counter()
    while len(samples) < 10 or time.perf_counter() - t0 < seconds:
        t1 = time.perf_counter()
        fetch(url)
        samples.append((time.perf_counter() - t1) * 1000)
    return {
        "p50": statistics.median(samples),
        "p99": percentile(samples, 0.99),
        "requests": len(samples),
        "errors": 0,
        "non_2xx": 0,
    }


def page_latency(base: str, path: str, worker: int, seconds: float) -> dict[str, Any]:
    """p50/p99 of one page at 1 connection (about 10 requests or more, up to 15 s),
    and the worker's CPU per request."""
    url = base + path
    t0 = time.perf_counter()
    for _ in range(3):  # warm up: templates, connection, the filter lists' querysets
        fetch(url)
    one = (time.perf_counter() - t0) / 3
    seconds = max(seconds, min(15.0, 10 * one))
    cpu0, busy0 = process_cpu(worker), machine_busy()
    children0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    figures = wrk(url, 1, seconds) if shutil.which("wrk") else http_loop(url, seconds)
    worker_cpu = process_cpu(worker) - cpu0
    children1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    client = (children1.ru_utime + children1.ru_stime) - (children0.ru_utime + children0.ru_stime)
    wall = max(seconds, 1e-9)
    other = max(0.0, machine_busy() - busy0 - worker_cpu - client)
    requests = figures["requests"]
    return {
        "p50": figures["p50"],
        "p99": figures["p99"],
        "requests": requests,
        "cpu_ms": 1000 * worker_cpu / requests if worker and requests else None,
        "other_share": other / (wall * (os.cpu_count() or 1)),
        "bad": figures["errors"] + figures["non_2xx"],
    }


def timed(
    work: Callable[[], Any], budget: float, *, at_least: int, at_most: int
) -> dict[str, Any]:
    """p50/p99 (ms) of ``work()`` after one warm-up call: ``at_least`` calls, more while
    the budget (seconds) lasts, ``at_most``."""
    work()
    samples: list[float] = []
    t0 = time.perf_counter()
    while len(samples) < at_least or (
        len(samples) < at_most and time.perf_counter() - t0 < budget
    ):
        t1 = time.perf_counter()
        work()
        samples.append((time.perf_counter() - t1) * 1000)
    return {"p50": statistics.median(samples), "p99": percentile(samples, 0.99),
            "n": len(samples)}  # fmt: skip
