"""The production stack on one machine, as the README's "Production on PostgreSQL and
Redis" runs it: gunicorn with several workers, PostgreSQL, Redis as cache and broker,
Celery workers and one beat, settings from the environment (DEBUG off).

    from tests.reliability.stack import Stack, StackConfig

    with Stack(StackConfig(database_url=..., broker_url=..., cache_url=...)) as stack:
        stack.start()                     # fresh database, migrate, collectstatic, processes
        stack.web_url                     # http://127.0.0.1:<port>
        stack.kill("worker1")             # SIGKILL a whole process group
        stack.start_process("worker1")    # and start it again
        stack.probe()                     # pid -> (label, RSS kB, open fds) of every process
        stack.db_connections()            # backends connected to the stack's database

Services are parameters (``StackConfig``), never constants: the soak uses the machine's
PostgreSQL and Redis (its own database and db numbers), the chaos run its own servers on
other ports. Every process runs in a session of its own, so a kill reaches its children
(gunicorn's workers, Celery's pool) and nothing outlives ``stop()``.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parents[2]
VENV_BIN = BASE_DIR / ".venv" / "bin"
PYTHON = str(VENV_BIN / "python")
T = TypeVar("T")

# Variables of the calling environment that would point a child at other services.
SCRUBBED_ENV = (
    "DATABASE_URL", "SQLITE_PATH", "NEWSROOM_VAR_DIR", "CELERY_BROKER_URL", "REDIS_URL",
    "CACHE_URL", "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS",
    "QUARANTINE_ROOT", "AWS_STORAGE_BUCKET_NAME", "TRUSTED_PROXY_COUNT",
)  # fmt: skip


def spare_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(probe: Callable[[], T | None], timeout: float, what: str, every: float = 0.3) -> T:
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(every)


@dataclass
class StackConfig:
    """Where the stack's services are and how many processes it runs."""

    database_url: str = "postgres://postgres@127.0.0.1:5432/newsroom_soak"
    # Two db numbers of one Redis (or two servers): the broker and the cache.
    broker_url: str = "redis://127.0.0.1:6379/4"
    cache_url: str = "redis://127.0.0.1:6379/5"
    web_port: int = 0  # 0: a spare port
    web_workers: int = 3
    celery_workers: int = 2
    celery_concurrency: int = 2
    # Seconds between fetches of a healthy outlet, and between two beat rounds.
    fetch_interval: int = 5
    schedule_interval: float = 2.0
    workdir: Path | None = None  # var/ (media, static files, beat schedule) and logs
    env: dict[str, str] = field(default_factory=dict)  # more settings, or overrides
    recreate_database: bool = True
    flush_redis: bool = True


@dataclass
class Process:
    name: str
    command: list[str]
    log: Path
    popen: subprocess.Popen[bytes] | None = None
    ready: str = ""  # a line in the log that says it is ready

    @property
    def pid(self) -> int:
        assert self.popen is not None
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None


def proc_children() -> dict[int, list[int]]:
    parents: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, IndexError, ValueError):
            stat = Path(entry.path, "stat").read_text()
            fields = stat.rsplit(")", 1)[1].split()
            if fields[0] in {"Z", "X"}:
                continue
            parents.setdefault(int(fields[1]), []).append(int(entry.name))
    return parents


def tree(pid: int, parents: dict[int, list[int]] | None = None) -> list[int]:
    """pid and its live descendants, parents first."""
    parents = parents if parents is not None else proc_children()
    found, pending = [pid], [pid]
    while pending:
        children = sorted(parents.get(pending.pop(0), []))
        found += children
        pending += children
    return found


def rss_kb(pid: int) -> int | None:
    """Resident memory of one process, in kB (None if it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def open_fds(pid: int) -> int | None:
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return None


def cpu_seconds(pid: int) -> float | None:
    """User and system CPU time one process has used so far."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
    except OSError:
        return ""


class Stack:
    def __init__(self, config: StackConfig | None = None) -> None:
        self.config = config or StackConfig()
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        if self.config.workdir is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="newsroom-stack-")
            self.workdir = Path(self._tmp.name)
        else:
            self.workdir = Path(self.config.workdir)
            self.workdir.mkdir(parents=True, exist_ok=True)
        self.port = self.config.web_port or spare_port()
        self.web_url = f"http://127.0.0.1:{self.port}"
        self.database_name = urlsplit(self.config.database_url).path.lstrip("/")
        self.env = self._environment()
        self.processes = self._processes()

    # Settings ---------------------------------------------------------------------

    def _environment(self) -> dict[str, str]:
        c = self.config
        env = {k: v for k, v in os.environ.items() if k not in SCRUBBED_ENV}
        env.update(
            DJANGO_SETTINGS_MODULE="newsroom.settings",
            PYTHONUNBUFFERED="1",
            DEBUG="0",
            SECRET_KEY=secrets.token_urlsafe(50),
            ALLOWED_HOSTS="127.0.0.1,localhost",
            # A TLS proxy in front sets X-Forwarded-Proto (the load generator plays its
            # part); the client address is the connection's (no proxy appends to XFF).
            BEHIND_TLS_PROXY="1",
            CSRF_TRUSTED_ORIGINS=f"https://127.0.0.1:{self.port}",
            SITE_URL=f"https://127.0.0.1:{self.port}",
            DATABASE_URL=c.database_url,
            CELERY_BROKER_URL=c.broker_url,
            REDIS_URL=c.cache_url,
            NEWSROOM_VAR_DIR=str(self.workdir / "var"),
            # Our feed server is on the loopback address.
            FETCH_ALLOW_PRIVATE_ADDRESSES="1",
            FETCH_INTERVAL_SECONDS=str(c.fetch_interval),
            SCHEDULE_INTERVAL_SECONDS=str(c.schedule_interval),
            LOG_LEVEL="INFO",
        )
        env.update(c.env)
        return env

    def _processes(self) -> dict[str, Process]:
        c, logs = self.config, self.workdir / "logs"
        logs.mkdir(exist_ok=True)
        procs = {
            "web": Process(
                "web",
                [
                    str(VENV_BIN / "gunicorn"), "newsroom.wsgi",
                    "--bind", f"127.0.0.1:{self.port}",
                    "--workers", str(c.web_workers),
                    "--timeout", "30",
                    "--error-logfile", "-",
                ],
                logs / "web.log",
                ready="Booting worker",
            )
        }  # fmt: skip
        for n in range(1, c.celery_workers + 1):
            procs[f"worker{n}"] = Process(
                f"worker{n}",
                [
                    str(VENV_BIN / "celery"), "-A", "newsroom", "worker",
                    "--loglevel", "INFO", "--concurrency", str(c.celery_concurrency),
                    "-n", f"worker{n}@%h",
                ],
                logs / f"worker{n}.log",
                ready=" ready.",
            )  # fmt: skip
        procs["beat"] = Process(
            "beat",
            [
                str(VENV_BIN / "celery"), "-A", "newsroom", "beat", "--loglevel", "INFO",
                "--schedule", str(self.workdir / "celerybeat-schedule"),
            ],
            logs / "beat.log",
            ready="beat: Starting",
        )  # fmt: skip
        return procs

    # Setup ------------------------------------------------------------------------

    def admin_url(self) -> str:
        """The same server's maintenance database, to create and watch ours."""
        parts = urlsplit(self.config.database_url)
        return urlunsplit(parts._replace(path="/postgres", scheme="postgresql"))

    def prepare_services(self) -> None:
        import psycopg
        import redis

        if self.config.recreate_database:
            with psycopg.connect(self.admin_url(), autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{self.database_name}" WITH (FORCE)')
                admin.execute(f'CREATE DATABASE "{self.database_name}"')
        if self.config.flush_redis:
            for url in {self.config.broker_url, self.config.cache_url}:
                client = redis.Redis.from_url(url)
                client.flushdb()
                client.close()

    def manage(self, *args: str, timeout: float = 300) -> str:
        result = subprocess.run(
            [PYTHON, "manage.py", *args],
            cwd=BASE_DIR,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if result.returncode:
            raise RuntimeError(
                f"manage.py {' '.join(args)} exited {result.returncode}:\n"
                f"{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
            )
        return result.stdout

    def shell(self, code: str) -> Any:
        """Run ``code`` in ``manage.py shell``; it prints one JSON document last."""
        out = self.manage("shell", "-c", code)
        return json.loads(out.strip().splitlines()[-1])

    def setup(self) -> None:
        """As the README's production section: migrate, collectstatic, check --deploy."""
        self.prepare_services()
        self.manage("migrate", "--noinput")
        self.manage("collectstatic", "--noinput")
        self.manage("check", "--deploy", "--fail-level", "WARNING")

    def add_outlets(self, outlets: list[dict[str, str]]) -> dict[str, int]:
        """Outlets (slug, name, feed_url, language) through the ORM; slug -> id."""
        return self.shell(
            "import json\nfrom articles.models import Outlet\n"
            f"spec = json.loads({json.dumps(json.dumps(outlets))})\n"
            "ids = {o['slug']: Outlet.objects.create(name=o['name'], slug=o['slug'],"
            " feed_url=o['feed_url'], site_url=o['feed_url'].rsplit('/', 2)[0],"
            " language=o['language']).id for o in spec}\n"
            "print(json.dumps(ids))"
        )

    # Processes --------------------------------------------------------------------

    def start(self) -> None:
        """Setup, then every process, each ready."""
        self.setup()
        for name in self.processes:
            self.start_process(name)

    def start_process(self, name: str, timeout: float = 60) -> Process:
        process = self.processes[name]
        if process.alive():
            raise RuntimeError(f"{name} is running")
        offset = process.log.stat().st_size if process.log.exists() else 0
        with process.log.open("ab") as out:
            process.popen = subprocess.Popen(
                process.command,
                cwd=BASE_DIR,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

        def ready() -> bool:
            if not process.alive():
                raise RuntimeError(f"{name} exited with {process.popen.returncode}: {process.log}")
            with process.log.open("rb") as log:
                log.seek(offset)
                return process.ready.encode() in log.read()

        wait_until(ready, timeout, f"{name} to be ready")
        if name == "web":
            wait_until(self.answers, timeout, "the web server to answer")
        return process

    def answers(self) -> bool:
        request = urllib.request.Request(
            self.web_url + "/robots.txt", headers={"X-Forwarded-Proto": "https"}
        )
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with opener.open(request, timeout=5):
                return True
        except urllib.error.HTTPError:
            return True
        except OSError:
            return False

    def send_signal(self, name: str, signum: int = signal.SIGKILL) -> None:
        """A signal to a process's whole group (gunicorn and its workers, a Celery
        worker and its pool)."""
        process = self.processes[name]
        if process.popen is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signum)

    def kill(self, name: str, signum: int = signal.SIGKILL, timeout: float = 30) -> None:
        """Stop one process (and its children) and wait until they are all gone."""
        process = self.processes[name]
        if process.popen is None:
            return
        self.send_signal(name, signum)
        try:
            process.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.send_signal(name, signal.SIGKILL)
            process.popen.wait(timeout=10)
        wait_until(lambda: not self.group_members(process.pid), 10, f"{name}'s group to end")

    def restart(self, name: str, signum: int = signal.SIGKILL) -> Process:
        self.kill(name, signum)
        return self.start_process(name)

    def stop(self, grace: float = 20) -> None:
        """SIGTERM (gunicorn's graceful stop, Celery's warm shutdown), SIGKILL after grace."""
        for name in self.processes:
            self.send_signal(name, signal.SIGTERM)
        deadline = time.monotonic() + grace
        for name, process in self.processes.items():
            if process.popen is None:
                continue
            try:
                process.popen.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.send_signal(name, signal.SIGKILL)
                process.popen.wait(timeout=10)
            # Pool children a killed parent left behind.
            for pid in self.group_members(process.pid):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)

    def close(self) -> None:
        self.stop()
        if self._tmp is not None:
            self._tmp.cleanup()

    def __enter__(self) -> Stack:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @staticmethod
    def group_members(pgid: int) -> list[int]:
        members = []
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            with contextlib.suppress(OSError, IndexError, ValueError):
                fields = Path(entry.path, "stat").read_text().rsplit(")", 1)[1].split()
                if int(fields[2]) == pgid and fields[0] not in {"Z", "X"}:
                    members.append(int(entry.name))
        return members

    # Watching ---------------------------------------------------------------------

    def pids(self) -> dict[int, str]:
        """pid -> label of every live process of the stack: "web master",
        "web worker", "worker1 main", "worker1 pool", "beat main"."""
        parents = proc_children()
        labels: dict[int, str] = {}
        for name, process in self.processes.items():
            if not process.alive():
                continue
            for pid in tree(process.pid, parents):
                main = pid == process.pid
                if name == "web":
                    labels[pid] = "web master" if main else "web worker"
                else:
                    labels[pid] = f"{name} {'main' if main else 'pool'}"
        return labels

    def probe(self) -> dict[int, tuple[str, int | None, int | None, float | None]]:
        """pid -> (label, RSS kB, open fds, CPU seconds) of every process of the stack."""
        return {
            pid: (label, rss_kb(pid), open_fds(pid), cpu_seconds(pid))
            for pid, label in self.pids().items()
        }

    def db_connections(self) -> int:
        """Backends connected to the stack's database (our own query runs in another)."""
        import psycopg

        with psycopg.connect(self.admin_url(), autocommit=True) as admin:
            row = admin.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = %s", (self.database_name,)
            ).fetchone()
        return int(row[0]) if row else 0

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """Rows from the stack's own database."""
        import psycopg

        url = urlsplit(self.config.database_url)
        with psycopg.connect(urlunsplit(url._replace(scheme="postgresql"))) as conn:
            return list(conn.execute(sql, params).fetchall())

    def log_text(self, name: str, tail: int = 20_000) -> str:
        log = self.processes[name].log
        return log.read_text(errors="replace")[-tail:] if log.exists() else ""
