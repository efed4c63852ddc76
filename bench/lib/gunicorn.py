"""The Django site under gunicorn, as production serves it: ``Gunicorn`` (newsroom.wsgi
on 127.0.0.1, a free port, sync workers, its output in a log file the caller can read
back), ``gunicorn()`` (one sync worker pinned to CPU 1, for the load runs: yields its
base URL and the worker's pid), ``fetch()`` (one GET), ``free_port()`` and ``pinned()``
(``taskset`` when there are two CPUs or more).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from pathlib import Path

from lib import REPO

GZIP = {"Accept-Encoding": "gzip"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def pinned(cpu: int) -> list[str]:
    """``taskset -c cpu`` when there are 2+ CPUs and taskset exists, else nothing."""
    if (os.cpu_count() or 1) < 2 or not shutil.which("taskset"):
        return []
    return ["taskset", "-c", str(cpu)]


def fetch(
    url: str, headers: Mapping[str, str] = GZIP, timeout: float = 30
) -> tuple[int, dict[str, str], bytes]:
    """GET ``url``: (status, response headers, body as sent)."""
    request = urllib.request.Request(url, headers=dict(headers))
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def gunicorn_binary() -> Path:
    binary = REPO / ".venv" / "bin" / "gunicorn"
    return binary if binary.exists() else Path(sys.executable).parent / "gunicorn"


class Gunicorn:
    """gunicorn serving newsroom.wsgi on 127.0.0.1 (a free port) with ``env`` as its
    whole environment, its output appended to ``log``; ``cpu`` pins it to one CPU,
    ``access_log`` logs every request too. Start it with ``start()`` or ``with``."""

    def __init__(
        self,
        env: Mapping[str, str],
        log: Path,
        *,
        workers: int = 1,
        cpu: int | None = None,
        access_log: bool = False,
    ) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.command = [
            *(pinned(cpu) if cpu is not None else []), str(gunicorn_binary()),
            "newsroom.wsgi:application", "--bind", f"127.0.0.1:{self.port}",
            "--workers", str(workers), "--worker-class", "sync", "--chdir", str(REPO),
            "--log-level", "warning", "--error-logfile", "-",
            *(["--access-logfile", "-"] if access_log else []),
        ]  # fmt: skip
        self.env = dict(env)
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60) -> Gunicorn:
        """Start it and wait until it answers (any status) on /robots.txt."""
        self.log_file = self.log.open("ab")
        self.process = subprocess.Popen(
            self.command, env=self.env, cwd=REPO, stdout=self.log_file, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                self.stop()
                raise RuntimeError(
                    f"gunicorn exited with {self.process.returncode}; its log:\n{self.tail()}"
                )
            with contextlib.suppress(OSError):
                fetch(self.base + "/robots.txt", timeout=5)
                return self
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(
                    f"gunicorn did not answer within {timeout:.0f} s; its log:\n{self.tail()}"
                )
            time.sleep(0.2)

    def __enter__(self) -> Gunicorn:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def worker(self) -> int:
        """The pid of the only worker process (0 if there are several, or unknown)."""
        assert self.process is not None
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        workers = children.read_text().split() if children.exists() else []
        return int(workers[0]) if len(workers) == 1 else 0

    def mark(self) -> int:
        """Where the log ends now (for ``since()``)."""
        if not self.log_file.closed:
            self.log_file.flush()
        return self.log.stat().st_size

    def since(self, offset: int) -> str:
        """The log from ``offset`` on."""
        with self.log.open("rb") as log:
            log.seek(offset)
            return log.read().decode(errors="replace")

    def tail(self, chars: int = 6000) -> str:
        return self.since(max(0, self.mark() - chars))

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log_file.close()


@contextlib.contextmanager
def gunicorn(env: Mapping[str, str], log: Path) -> Iterator[tuple[str, int]]:
    """One sync gunicorn worker pinned to CPU 1 (when there are two); yields (base URL,
    worker pid) for the load runs."""
    with Gunicorn(env, log, cpu=1) as server:
        yield server.base, server.worker
