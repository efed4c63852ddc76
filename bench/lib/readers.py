"""Readers of the site, for bench/reports.py: ``Reader`` (one reader's own cookies and own
network: its ``http.client`` socket bound to 127.0.N.1, so the server sees a /24 of its
own; it opens report forms, keeps their CSRF token and POSTs reports as report.js does)
and ``run_phase()`` (every reader at once, one thread each, each request timed).
"""

from __future__ import annotations

import gzip
import http.client
import os
import re
import threading
import time
from typing import Any
from urllib.parse import urlencode

from lib.figures import machine_busy, process_cpu


def form_path(image: int, back: str) -> str:
    """The report form of ``image`` as a page's report link gives it."""
    return f"/images/{image}/?{urlencode({'next': back})}"


TOKEN = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


class Reader:
    """One reader: their own cookies, and their own network (the client socket bound
    to ``source``, 127.0.N.1, so the server sees a /24 of its own)."""

    def __init__(self, port: int, source: str) -> None:
        self.source = source
        self.connection = http.client.HTTPConnection(
            "127.0.0.1", port, timeout=60, source_address=(source, 0)
        )
        self.cookies: dict[str, str] = {}
        self.token = ""

    def request(
        self,
        method: str,
        path: str,
        body: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, bytes, float]:
        """(status, body decompressed, seconds from sending to the last byte). gunicorn's
        sync worker closes every connection, so each request connects anew (as wrk's)."""
        sent = {"Accept-Encoding": "gzip", **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        t0 = time.perf_counter()
        try:
            self.connection.request(method, path, body=body, headers=sent)
            response = self.connection.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException):
            self.connection.close()
            return 0, b"", time.perf_counter() - t0
        seconds = time.perf_counter() - t0
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, value = header.split(";", 1)[0].partition("=")
            if value and "max-age=0" not in header.lower():
                self.cookies[name.strip()] = value.strip()
            else:
                self.cookies.pop(name.strip(), None)
        if response.getheader("Content-Encoding") == "gzip":
            data = gzip.decompress(data)
        return response.status, data, seconds

    def open_form(self, path: str) -> tuple[bool, float]:
        """GET a report form page; keep its CSRF token (the cookie comes with it)."""
        status, body, seconds = self.request("GET", path)
        token = TOKEN.search(body)
        if token:
            self.token = token.group(1).decode()
        return (
            status == 200 and token is not None and "csrftoken" in self.cookies,
            seconds,
        )

    def report(self, image: int, reason: str, back: str, note: str = "") -> tuple[bool, float]:
        """POST one report as report.js does (the JSON answer: the thanks)."""
        body = urlencode(
            {
                "reason": reason,
                "note": note,
                "next": back,
                "csrfmiddlewaretoken": self.token,
            }
        )
        status, data, seconds = self.request(
            "POST",
            f"/images/{image}/report/",
            body,
            {
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/json",
            },
        )
        return status == 200 and b'"message"' in data, seconds

    def page(self, path: str) -> tuple[bool, float]:
        status, _body, seconds = self.request("GET", path)
        return status == 200, seconds


def run_phase(
    readers: list[Reader], work: list[list[int]], action: Any, worker: int
) -> dict[str, Any]:
    """Every reader at once (one thread each, started together): ``action(reader, image,
    n)`` for each image of its list. Latencies, failures, wall, and the CPU the worker,
    this process and the rest of the machine used meanwhile."""
    results: list[list[tuple[bool, float]]] = [[] for _ in readers]
    start = threading.Barrier(len(readers) + 1)

    def run(index: int) -> None:
        start.wait()
        for n, image in enumerate(work[index]):
            results[index].append(action(readers[index], image, n))

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(len(readers))]
    for thread in threads:
        thread.start()
    cpu0, busy0, own0 = process_cpu(worker), machine_busy(), time.process_time()
    t0 = time.perf_counter()
    start.wait()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - t0
    worker_cpu = process_cpu(worker) - cpu0 if worker else 0.0
    own = time.process_time() - own0
    other = max(0.0, machine_busy() - busy0 - worker_cpu - own)
    flat = [r for rs in results for r in rs]
    return {
        "readers": len(readers),
        "latencies": sorted(seconds for _ok, seconds in flat),
        "failed": sum(1 for ok, _seconds in flat if not ok),
        "wall": wall,
        "worker_cpu": worker_cpu if worker else None,
        "client_cpu": own,
        "other_share": other / (wall * (os.cpu_count() or 1)) if wall else 0.0,
    }
