"""PostgreSQL and Redis servers of our own, for runs that stop them (make chaos) and for
tests that need a server they may break: each in a temporary folder on a spare port,
never the machine's shared ones, and removed at the end even on failure.

    from tests.reliability.services import PostgresServer, RedisServer

    with PostgresServer() as pg, RedisServer() as redis:
        pg.url("chaos")          # postgres://postgres@127.0.0.1:<port>/chaos (trust auth)
        redis.url(1)             # redis://127.0.0.1:<port>/1
        pg.stop(); pg.start()    # or pg.restart(), redis.stop() ...

PostgreSQL refuses to run as root, so when we are root its programs (initdb, pg_ctl)
run as the ``postgres`` OS user (``runuser -u postgres --``) in a folder owned by it.
Redis keeps nothing on disk (``--save "" --appendonly no``): stopping it loses its data,
as a Redis restarted without persistence would.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

PG_BIN = Path(os.environ.get("CHAOS_PG_BIN", "/usr/lib/postgresql/15/bin"))
PG_USER = "postgres"


def spare_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def wait_for(condition, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(0.1)


def _as_postgres(command: list[str]) -> list[str]:
    """Root may not run PostgreSQL: run it as the postgres OS user."""
    return ["runuser", "-u", PG_USER, "--", *command] if os.geteuid() == 0 else command


class PostgresServer:
    """A PostgreSQL cluster in a temporary folder, listening on 127.0.0.1:<port> only,
    trust authentication for the ``postgres`` role."""

    def __init__(self, port: int = 0) -> None:
        self.port = port or spare_port()
        self.folder = Path(tempfile.mkdtemp(prefix="newsroom-pg-"))
        self.data = self.folder / "data"
        self.log = self.folder / "postgres.log"
        self.started = False

    def url(self, database: str = "postgres") -> str:
        return f"postgres://{PG_USER}@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str, timeout: float = 120) -> None:
        subprocess.run(
            _as_postgres(list(args)), check=True, capture_output=True, timeout=timeout,
            cwd=self.folder,
        )  # fmt: skip

    def init(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.folder, PG_USER, PG_USER)
        self._run(
            str(PG_BIN / "initdb"), "-D", str(self.data), "-U", PG_USER,
            "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync",
        )  # fmt: skip

    def start(self, timeout: float = 60) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.folder} "
            "-c fsync=off -c max_connections=100"
        )
        self._run(
            str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.log),
            "-o", options, "-w", "-t", str(int(timeout)), "start", timeout=timeout + 10,
        )  # fmt: skip
        self.started = True

    def stop(self, mode: str = "fast", timeout: float = 60) -> None:
        """``fast``: clients disconnected, a clean shutdown; ``immediate``: as a crash."""
        self._run(
            str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w",
            "-t", str(int(timeout)), "stop", timeout=timeout + 10,
        )  # fmt: skip
        self.started = False

    def restart(self, down_seconds: float = 0) -> None:
        self.stop()
        time.sleep(down_seconds)
        self.start()

    def answers(self) -> bool:
        return port_open(self.port)

    def close(self) -> None:
        if self.started or (self.data / "postmaster.pid").exists():
            with contextlib.suppress(subprocess.SubprocessError, OSError):
                self.stop("immediate")
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> PostgresServer:
        try:
            self.init()
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class RedisServer:
    """A Redis server on 127.0.0.1:<port>, its folder temporary, nothing persisted."""

    def __init__(self, port: int = 0) -> None:
        self.port = port or spare_port()
        self.folder = Path(tempfile.mkdtemp(prefix="newsroom-redis-"))
        self.log = self.folder / "redis.log"
        self.popen: subprocess.Popen[bytes] | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self, timeout: float = 30) -> None:
        command = [
            shutil.which("redis-server") or "redis-server",
            "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.folder),
            "--save", "", "--appendonly", "no", "--daemonize", "no",
        ]  # fmt: skip
        with self.log.open("ab") as out:
            self.popen = subprocess.Popen(
                command, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True,
            )  # fmt: skip

        def up() -> bool:
            if self.popen is not None and self.popen.poll() is not None:
                raise RuntimeError(f"redis-server exited {self.popen.returncode}: {self.log}")
            return port_open(self.port)

        wait_for(up, timeout, f"redis on port {self.port}")

    def stop(
        self, signum: int = signal.SIGTERM, timeout: float = 30, *, save: bool = False
    ) -> None:
        """SIGTERM: Redis shuts down and, saving nothing, forgets everything; SIGKILL:
        as a crash; ``save``: ``SHUTDOWN SAVE``, a snapshot in the folder that the next
        ``start`` loads, as a Redis that persists its data comes back with it."""
        if self.popen is None:
            return
        if save:
            import redis

            client = redis.Redis(port=self.port, socket_timeout=timeout)
            with contextlib.suppress(redis.exceptions.ConnectionError):
                client.shutdown(save=True)
            client.close()
        else:
            with contextlib.suppress(ProcessLookupError):
                self.popen.send_signal(signum)
        try:
            self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait(timeout=10)
        self.popen = None
        if not save:  # nor an older snapshot
            (self.folder / "dump.rdb").unlink(missing_ok=True)
        wait_for(lambda: not port_open(self.port), 10, f"port {self.port} to close")

    def restart(self, down_seconds: float = 0, *, save: bool = False) -> None:
        self.stop(save=save)
        time.sleep(down_seconds)
        self.start()

    def answers(self) -> bool:
        return self.popen is not None and self.popen.poll() is None and port_open(self.port)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.stop(signal.SIGKILL)
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> RedisServer:
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
