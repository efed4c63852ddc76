"""What bench/ingest.py and bench/images.py share.

Importing this module puts the repository root on ``sys.path`` (so ``articles`` and
``newsroom`` import from a script run as ``python bench/<name>.py``) and offers:

* ``REPO``, ``DEFAULT_SEED`` and ``progress()`` (a line on stderr);
* Django in a process of the run: ``base_env()`` (settings as a production worker has
  them), ``django_setup()``;
* figures: ``machine_busy()`` (CPU-seconds the whole machine spent busy, from
  /proc/stat), ``other_cpu()``, ``maxrss_mb()``;
* databases: ``clone_sqlite()``, ``SqliteDatabases`` and ``PostgresDatabases`` (a
  template database and pristine copies of it, with the settings that select each);
* ``temp_dir()``: a temp dir removed at the end unless kept;
* the separate server process: ``BenchHandler`` (a quiet request handler that answers
  the admin paths /_stats and /_shutdown), ``serve()`` (run a handler on 127.0.0.1, on
  an ephemeral port sent back over a pipe), ``server_process()`` (start such a process
  and stop it at the end) and ``ServerControl`` (the admin endpoint, over HTTP);
* worker processes released together: ``run_together()`` and, in the worker,
  ``wait_for_start()``;
* the report: ``print_header()`` and ``OtherLoad`` (the share of the machine that
  other processes used during each phase).
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import shutil
import sqlite3
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from http.client import HTTPConnection
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

DEFAULT_SEED = 20250110
BUSY_SHARE = 0.10  # other load above this share of all CPUs makes wall times suspect


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- Django


def base_env(var_dir: Path) -> dict[str, str]:
    """Settings for every Django process of the run (as a worker would have them)."""
    return {
        "DJANGO_SETTINGS_MODULE": "newsroom.settings",
        "NEWSROOM_VAR_DIR": str(var_dir),
        "FETCH_ALLOW_PRIVATE_ADDRESSES": "1",
        # A production worker runs with DEBUG off (no per-query SQL logging).
        "DEBUG": "0",
        "SECRET_KEY": "bench-only-not-secret",
        "LOG_LEVEL": "WARNING",
        "CACHE_URL": "",
        "REDIS_URL": "",
    }


def django_setup(env: Mapping[str, str]) -> None:
    os.environ.update(env)
    import django

    django.setup()


# --------------------------------------------------------------------------- figures


def machine_busy() -> float:
    """CPU-seconds the whole machine has spent busy since boot (Linux), else 0."""
    try:
        with open("/proc/stat") as stat:
            fields = [int(v) for v in stat.readline().split()[1:]]
    except (OSError, ValueError):
        return 0.0
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    busy = sum(fields[:8]) - idle  # user nice system idle iowait irq softirq steal
    return busy / os.sysconf("SC_CLK_TCK")


def other_cpu(busy: float, cpu: float, server_cpu: float = 0.0) -> float:
    """CPU-seconds other processes used: the machine's busy time less ours and the server's."""
    return max(0.0, busy - cpu - server_cpu)


def maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


# --------------------------------------------------------------------------- databases


def clone_sqlite(source: Path | str, target: Path | str) -> None:
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


class SqliteDatabases:
    """A template database file and pristine copies of it, in ``directory``."""

    kind = "sqlite"

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def path(self, name: str) -> Path:
        return self.directory / f"{name}.sqlite3"

    def env(self, name: str) -> dict[str, str]:
        return {"SQLITE_PATH": str(self.path(name)), "DATABASE_URL": ""}

    def describe(self, name: str) -> str:
        return str(self.path(name))

    def create(self, name: str) -> None:
        """Nothing to do: SQLite creates the file on the first connection."""

    def clone(self, source: str, name: str) -> None:
        clone_sqlite(self.path(source), self.path(name))

    def cleanup(self) -> None:
        pass


class PostgresDatabases:
    """Scratch databases on the server of ``url``, dropped at the end."""

    kind = "postgresql"

    def __init__(self, url: str) -> None:
        import psycopg

        self.url = url
        self.prefix = f"newsroom_bench_{os.getpid()}"
        self.created: list[str] = []
        self.admin = psycopg.connect(url, autocommit=True)

    def _name(self, name: str) -> str:
        return f"{self.prefix}_{name}"

    def env(self, name: str) -> dict[str, str]:
        parts = urlsplit(self.url)
        return {"DATABASE_URL": urlunsplit(parts._replace(path="/" + self._name(name)))}

    def describe(self, name: str) -> str:
        parts = urlsplit(self.url)
        return f"{parts.hostname}:{parts.port or 5432}/{self._name(name)}"

    def create(self, name: str) -> None:
        self.admin.execute(f'CREATE DATABASE "{self._name(name)}"')
        self.created.append(self._name(name))

    def clone(self, source: str, name: str) -> None:
        self.admin.execute(f'CREATE DATABASE "{self._name(name)}" TEMPLATE "{self._name(source)}"')
        self.created.append(self._name(name))

    def cleanup(self) -> None:
        from django.db import connections

        connections.close_all()
        for name in reversed(self.created):
            self.admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.admin.close()


@contextlib.contextmanager
def temp_dir(prefix: str, keep: bool) -> Iterator[Path]:
    """A fresh temp dir, removed at the end (or kept, and said so on stderr)."""
    tmp = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield tmp
    finally:
        if keep:
            print(f"kept {tmp}", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


# --------------------------------------------------------------------------- server


class BenchServer(ThreadingHTTPServer):
    """A ThreadingHTTPServer on 127.0.0.1 (ephemeral port) that counts what it serves."""

    daemon_threads = True

    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        super().__init__(("127.0.0.1", 0), handler)
        self.stats: Counter[str] = Counter()
        self.lock = threading.Lock()


class BenchHandler(BaseHTTPRequestHandler):
    """Base request handler of a bench server: looks like nginx, logs nothing, and
    answers the admin paths /_stats (the server's counts and CPU) and /_shutdown."""

    protocol_version = "HTTP/1.0"
    server_version = "nginx"
    sys_version = ""
    server: BenchServer

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass

    def _send(self, status: int, headers: dict[str, str], body: bytes = b"") -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        if body:
            self.wfile.write(body)

    def _json(self, data: object) -> None:
        body = json.dumps(data).encode()
        self._send(
            200, {"Content-Type": "application/json", "Content-Length": str(len(body))}, body
        )

    def count(self, increments: Mapping[str, int]) -> None:
        with self.server.lock:
            self.server.stats.update(increments)

    def admin(self, path: str) -> bool:
        """Answer an admin path; False if ``path`` is not one."""
        if path == "/_stats":
            with self.server.lock:
                data = dict(self.server.stats)
            self._json({**data, "cpu": time.process_time()})
            return True
        if path == "/_shutdown":
            self._json({"bye": True})
            threading.Thread(target=self.server.shutdown, daemon=True).start()
            return True
        return False


def serve(handler: type[BenchHandler], conn: Any, **hello: Any) -> None:
    """Server process: send {"port": ..., **hello} over ``conn``, then serve until
    /_shutdown."""
    server = BenchServer(handler)
    conn.send({"port": server.server_address[1], **hello})
    conn.close()
    server.serve_forever(poll_interval=0.2)
    server.server_close()


class ServerControl:
    """The admin endpoint of a bench server, over HTTP."""

    def __init__(self, port: int) -> None:
        self.port = port

    def get(self, path: str) -> dict[str, Any]:
        connection = HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request("GET", path)
            return json.loads(connection.getresponse().read() or b"{}")
        finally:
            connection.close()

    def stats(self) -> dict[str, Any]:
        return self.get("/_stats")


@contextlib.contextmanager
def server_process(
    ctx: Any, target: Callable[..., None], *args: Any
) -> Iterator[tuple[ServerControl, dict[str, Any]]]:
    """Run ``target(*args, conn)`` in a daemon process; it must send a hello dict with
    the "port" it serves on over ``conn`` (as ``serve()`` does). Yields the server's
    control and its hello; at the end asks it to shut down, or terminates it."""
    parent, child = ctx.Pipe(duplex=False)
    process = ctx.Process(target=target, args=(*args, child), daemon=True)
    process.start()
    child.close()
    server: ServerControl | None = None
    try:
        hello = parent.recv()
        server = ServerControl(hello["port"])
        yield server, hello
    finally:
        if server is not None:
            with contextlib.suppress(OSError):
                server.get("/_shutdown")
        process.join(5)
        if process.is_alive():
            process.terminate()


# --------------------------------------------------------------------------- workers


def wait_for_start(conn: Any, start: Any) -> None:
    """In a worker of ``run_together()``: say ready, then wait for the common start."""
    conn.send("ready")
    start.wait()


def run_together(
    ctx: Any, target: Callable[..., None], work: Iterable[tuple[Any, ...]]
) -> tuple[list[Any], float, float]:
    """Run ``target(*args, conn, start)`` in one spawned process per ``args`` in
    ``work``; once all are ready, release them at once and take one result from each.
    Returns (results, wall seconds from the release to the last result, CPU-seconds
    the machine spent busy over the same span)."""
    start = ctx.Event()
    pipes, processes = [], []
    for args in work:
        parent, child = ctx.Pipe(duplex=False)
        process = ctx.Process(target=target, args=(*args, child, start))
        process.start()
        child.close()
        pipes.append(parent)
        processes.append(process)
    for parent in pipes:
        if parent.recv() != "ready":
            raise RuntimeError("a worker did not start")
    busy0 = machine_busy()
    wall0 = time.perf_counter()
    start.set()
    results = [parent.recv() for parent in pipes]
    wall = time.perf_counter() - wall0
    busy = machine_busy() - busy0
    for process in processes:
        process.join()
    return results, wall, busy


# --------------------------------------------------------------------------- report


def print_header(header: str) -> None:
    """Print a table header and a rule under it, indented as the header is."""
    indent = header[: len(header) - len(header.lstrip(" "))]
    print(header)
    print(indent + "-" * (len(header) - len(indent)))


class OtherLoad:
    """The CPU time other processes on the machine used during each phase, as a share
    of all its CPUs; remembers the phases where it was above ``BUSY_SHARE``."""

    def __init__(self) -> None:
        self.capacity = os.cpu_count() or 1
        self.busy_phases: list[str] = []

    def share(self, label: str, other: float, wall: float) -> float:
        """The share for the phase ``label`` ("x) ..."): ``other`` CPU-seconds in ``wall``."""
        share = other / (wall * self.capacity) if wall else 0.0
        if share > BUSY_SHARE:
            self.busy_phases.append(label.split(")")[0] + ")")
        return share

    def print_note(self, which: str = "") -> None:
        """Say what "other load" is, and where the machine was busy (``which`` names
        the phases whose wall times suffer most)."""
        print(
            "other load = CPU time other processes on this machine used during the phase "
            "(/proc/stat), as a share of all its CPUs."
        )
        if self.busy_phases:
            print(
                f"!! the machine was busy with other work during "
                f"{', '.join(self.busy_phases)}: wall times there{which} are pessimistic; "
                "re-run on a quiet machine."
            )
