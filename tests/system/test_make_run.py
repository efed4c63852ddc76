"""`make run` on a fresh copy of the working tree, with no Node or npm on the PATH and
only the runtime packages importable: the address is printed once the site answers, with
the demo headlines, and one Ctrl-C stops make, the web server and the Celery worker
together, make exiting 0."""

from __future__ import annotations

import contextlib
import fcntl
import html
import importlib.metadata
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import termios
import threading
import time
import tomllib
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

# The project directory, wherever under it this file sits (tests/ or tests/system/).
ROOT = next(
    p
    for p in Path(__file__).resolve().parents
    if (p / "Makefile").is_file() and (p / "pyproject.toml").is_file()
)
START_TIMEOUT = 120
STOP_TIMEOUT = 30
ARABIC = re.compile(r"[\u0621-\u064A]")
HEADLINE = re.compile(r'<h3 class="story-title"[^>]*><a [^>]*>(.*?)</a>', re.S)
# Left out of the copy: the environment and the state a fresh clone does not have.
NOT_COPIED_AT_ROOT = {
    ".venv",
    "var",
    ".git",
    ".pytest_cache",
    ".mypy_cache",
    ".ruff_cache",
    "test-artifacts",
}
# The Makefile's install stamps: the runtime one (`make run`), then the one with the dev
# extras, which depends on it and so must not be older.
VENV_STAMPS = (".installed-run", ".installed")
# All `make run` may call on a fresh clone: make, the recipes' shell, `python3 -m venv`
# and `touch`. No node, no npm.
RUN_TOOLS = ("make", "bash", "sh", "touch")
# In every venv, made by `python -m venv` itself, or the project.
NEVER_BLOCKED = {"pip", "setuptools", "wheel", "newsroom"}
# Loaded by every Python started with the directory on its PYTHONPATH (site.py imports
# `sitecustomize`): imports of the listed top-level modules fail.
DEV_ONLY_BLOCKER = """\
import os
import sys

BLOCKED = frozenset(os.environ.get("NEWSROOM_TEST_DEV_ONLY_MODULES", "").split(","))


class DevOnlyBlocker:
    @staticmethod
    def find_spec(name, path=None, target=None):
        if name.partition(".")[0] in BLOCKED:
            raise ModuleNotFoundError(
                f"No module named {name!r} (only in the dev extras: `make run` installs "
                "the [project] dependencies of pyproject.toml, nothing else)",
                name=name,
            )
        return None


sys.meta_path.insert(0, DevOnlyBlocker)
"""
# Settings that would point the copy at someone else's database, broker or code.
ENV_DROPPED = (
    "DATABASE_URL",
    "SQLITE_PATH",
    "NEWSROOM_VAR_DIR",
    "CELERY_BROKER_URL",
    "REDIS_URL",
    "CACHE_URL",
    "DJANGO_SETTINGS_MODULE",
    "MAKEFLAGS",
    "MAKELEVEL",
    "MFLAGS",
)

pytestmark = [pytest.mark.slow]


def fresh_copy(dest: Path) -> Path:
    """The working tree (committed or not) without its venv, var/ and node_modules,
    sharing the installed venv through a venv directory of symlinks with fresh install
    stamps, so the installs `make run` depends on are up to date and never touch the
    real venv."""

    def ignore(directory: str, names: list[str]) -> set[str]:
        skipped = {"__pycache__", "node_modules"} & set(names)
        if Path(directory) == ROOT:
            skipped |= NOT_COPIED_AT_ROOT & set(names)
        return skipped

    shutil.copytree(ROOT, dest, ignore=ignore, symlinks=True)
    venv = dest / ".venv"
    venv.mkdir()
    for entry in (ROOT / ".venv").iterdir():
        if entry.name not in VENV_STAMPS:
            (venv / entry.name).symlink_to(entry)
    for stamp in VENV_STAMPS:  # newer than the copied pyproject.toml, in order
        (venv / stamp).touch()
    return dest


def bare_path(bin_dir: Path) -> str:
    """A PATH holding only what `make run` needs (Python 3.11 and make): a directory of
    symlinks, as node and npm sit beside make in /usr/bin."""
    bin_dir.mkdir()
    for tool in RUN_TOOLS:
        found = shutil.which(tool)
        assert found, f"{tool} is not on the PATH"
        (bin_dir / tool).symlink_to(found)
    # The interpreter the venv was made from, not a version manager's shim script.
    (bin_dir / "python3").symlink_to(Path(sys.base_prefix) / "bin" / "python3")
    path = str(bin_dir)
    assert shutil.which("node", path=path) is None
    assert shutil.which("npm", path=path) is None
    return path


def runtime_distributions(pyproject: Path) -> set[str]:
    """The distributions `pip install -e .` brings: the [project] dependencies and theirs,
    with the extras asked for, as installed in the venv."""
    pending = [
        Requirement(text)
        for text in tomllib.loads(pyproject.read_text())["project"]["dependencies"]
    ]
    extras: dict[str, set[str]] = {}
    while pending:
        requirement = pending.pop()
        name = canonicalize_name(requirement.name)
        if name in extras and requirement.extras <= extras[name]:
            continue
        extras.setdefault(name, set()).update(requirement.extras)
        try:
            requires = importlib.metadata.distribution(name).requires or []
        except importlib.metadata.PackageNotFoundError:
            continue  # the import fails in the copy too, as it should
        for text in requires:
            dependency = Requirement(text)
            marker = dependency.marker
            if marker is None or any(marker.evaluate({"extra": e}) for e in extras[name] | {""}):
                pending.append(dependency)
    return set(extras)


def top_level_modules(dist: importlib.metadata.Distribution) -> set[str]:
    listed = dist.read_text("top_level.txt")
    if listed:
        return set(listed.split())
    modules = set()
    for file in dist.files or []:
        first = file.parts[0]
        if first == ".." or first == "__pycache__" or first.endswith((".dist-info", ".data")):
            continue
        if len(file.parts) > 1:
            modules.add(first)
        elif file.suffix in (".py", ".so"):
            modules.add(first.split(".")[0])
    return modules


def dev_only_modules(pyproject: Path) -> set[str]:
    """Top-level modules of the shared venv that a fresh `make run` install lacks: those
    of the dev extras (and whatever else was added), minus the runtime ones."""
    runtime = runtime_distributions(pyproject)
    runtime_modules: set[str] = set()
    other_modules: set[str] = set()
    for dist in importlib.metadata.distributions():
        name = canonicalize_name(dist.metadata["Name"])
        if name in runtime:
            runtime_modules |= top_level_modules(dist)
        elif name not in NEVER_BLOCKED:
            other_modules |= top_level_modules(dist)
    return other_modules - runtime_modules


def run_env(app: Path, path: str, blocker_dir: Path) -> dict[str, str]:
    """The environment of a fresh clone's `make run`: the copy's code (not the code the
    venv's editable install points at), the bare PATH, and only the runtime packages:
    the shared venv also holds the dev extras, which would hide a runtime import of one
    of them."""
    blocker_dir.mkdir()
    (blocker_dir / "sitecustomize.py").write_text(DEV_ONLY_BLOCKER)
    blocked = dev_only_modules(app / "pyproject.toml")
    assert "pytest" in blocked, blocked
    env = {k: v for k, v in os.environ.items() if k not in ENV_DROPPED}
    env.update(
        DEBUG="1",
        PYTHONPATH=os.pathsep.join([str(app), str(blocker_dir)]),
        PYTHONUNBUFFERED="1",
        PATH=path,
        NEWSROOM_TEST_DEV_ONLY_MODULES=",".join(sorted(blocked)),
    )
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, ""
    except OSError:
        return 0, ""


def session_members(sid: int) -> list[str]:
    """'pid state command' for every process still in the session: make's process group
    and the one the runner makes for itself and the servers."""
    members = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            stat = (proc / "stat").read_text()
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[3]) == sid:
            members.append(f"{proc.name} {fields[0]} {cmdline}")
    return members


def kill_session(sid: int) -> None:
    for member in session_members(sid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(int(member.split()[0]), signal.SIGKILL)


class Terminal:
    """A pseudo-terminal: make runs as the session leader with it as its controlling
    terminal, as from a shell, and a Ctrl-C typed into it is the real thing (the line
    discipline sends SIGINT to the foreground process group)."""

    def __init__(self) -> None:
        self.master, self.slave = os.openpty()
        attrs = termios.tcgetattr(self.slave)
        attrs[3] |= termios.ISIG
        attrs[6][termios.VINTR] = b"\x03"
        termios.tcsetattr(self.slave, termios.TCSANOW, attrs)
        self.received = bytearray()
        self.reader = threading.Thread(target=self._read, daemon=True)

    def start(self, args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
        def controlling_terminal() -> None:  # in the child, after setsid()
            fcntl.ioctl(0, termios.TIOCSCTTY, 0)

        process = subprocess.Popen(
            args,
            cwd=cwd,
            env=env,
            stdin=self.slave,
            stdout=self.slave,
            stderr=self.slave,
            start_new_session=True,
            preexec_fn=controlling_terminal,
        )
        os.close(self.slave)
        self.reader.start()
        return process

    def _read(self) -> None:
        # Read all along: a full terminal buffer would block make's output.
        while True:
            try:
                data = os.read(self.master, 4096)
            except OSError:  # EIO: every process holding the terminal is gone
                return
            if not data:
                return
            self.received += data

    def output(self) -> str:
        return bytes(self.received).decode("utf-8", "replace").replace("\r\n", "\n")

    def ctrl_c(self) -> None:
        os.write(self.master, b"\x03")

    def close(self) -> None:
        self.reader.join(timeout=5)
        os.close(self.master)


def wait_for(condition: Callable[[], bool], process: subprocess.Popen[bytes]) -> bool:
    """Whether condition came true within START_TIMEOUT, while process still ran."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline and process.poll() is None:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def wait_until_gone(sid: int, process: subprocess.Popen[bytes]) -> list[str]:
    """What is left of the session after STOP_TIMEOUT (make itself reaped, or its zombie
    would count)."""
    deadline = time.monotonic() + STOP_TIMEOUT
    while time.monotonic() < deadline:
        process.poll()
        if not session_members(sid):
            break
        time.sleep(0.2)
    return session_members(sid)


def address_line(port: int) -> str:
    return f"Newsroom on http://127.0.0.1:{port}/  (admin: /admin/, make superuser)"


def check_site(app: Path, base: str, home: str) -> None:
    """The demo is loaded and served: Arabic headlines, the newest first, admin up."""
    page = html.unescape(home)
    headlines = HEADLINE.findall(page)
    assert len(headlines) >= 10, page[:2000]
    assert sum(1 for title in headlines if ARABIC.search(title)) >= 5, headlines
    with sqlite3.connect(app / "var" / "newsroom.sqlite3") as db:
        # The newest report of each of the five newest stories (or articles alone): the
        # home page folds a story's other reports into its card.
        rows = db.execute(
            "SELECT a.title, COALESCE(a.story_id, -a.id), COALESCE(s.headline, l.title, '')"
            " FROM articles_article a LEFT JOIN articles_story s ON s.id = a.story_id"
            " LEFT JOIN articles_article l ON l.id = s.lead_id"
            " ORDER BY a.published_at DESC, a.id DESC LIMIT 50"
        ).fetchall()
        seen: set[int] = set()
        newest = []
        for title, group, story_title in rows:
            if group not in seen:
                seen.add(group)
                newest.append((title, story_title))
        newest = newest[:5]
        outlets_with_articles = db.execute(
            "SELECT COUNT(DISTINCT source_id) FROM articles_article"
        ).fetchone()[0]
    # A story's card is headed by its own title or its newest report's.
    assert newest and all(
        title in headlines or story_title in headlines for title, story_title in newest
    ), (newest, headlines[:10])
    assert outlets_with_articles >= 3
    status, login = get(f"{base}/admin/login/")
    assert status == 200
    assert "لوحة" in login or "نيوزروم" in login


def check_servers_running(sid: int) -> None:
    members = session_members(sid)
    assert any("celery" in m and "worker" in m for m in members), members
    assert any("runserver" in m for m in members), members


def test_make_run_without_node_serves_the_demo_and_ctrl_c_exits_0(tmp_path: Path) -> None:
    app = fresh_copy(tmp_path / "newsroom")
    env = run_env(app, bare_path(tmp_path / "bin"), tmp_path / "runtime-only")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    address = address_line(port)
    terminal = Terminal()
    make = terminal.start(["make", "run", f"PORT={port}"], app, env)
    sid = make.pid

    def output() -> str:
        return "\n--- make run output ---\n" + terminal.output()

    try:
        up = wait_for(lambda: address in terminal.output(), make)
        assert make.poll() is None, f"make run exited with {make.returncode}" + output()
        assert up, f"no address line in {START_TIMEOUT}s" + output()
        # The line comes only once the server answers: a request right now gets the page.
        status, home = get(f"{base}/")
        assert status == 200, f"the address was printed, then {base}/ gave {status}" + output()
        assert terminal.output().count(address) == 1, output()
        check_site(app, base, home)
        check_servers_running(sid)

        terminal.ctrl_c()
        try:
            make.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            pytest.fail(
                f"make still running {STOP_TIMEOUT}s after Ctrl-C:\n"
                + "\n".join(session_members(sid))
                + output()
            )
        leftovers = wait_until_gone(sid, make)
        assert make.returncode == 0, f"make run ended with {make.returncode}" + output()
        assert "make: ***" not in terminal.output(), output()
        assert not leftovers, "still running after Ctrl-C:\n" + "\n".join(leftovers) + output()
        assert get(f"{base}/")[0] == 0, "the web server still answers"
    except BaseException:
        print(output())
        raise
    finally:
        kill_session(sid)
        with contextlib.suppress(subprocess.TimeoutExpired):
            make.wait(timeout=10)
        terminal.close()


def test_make_run_stops_on_sigint_to_its_process_group_without_a_terminal(
    tmp_path: Path,
) -> None:
    """As a script, CI or `timeout -s INT` stops it: no terminal, so the runner stays in
    make's process group and gets the SIGINT with make and the servers."""
    app = fresh_copy(tmp_path / "newsroom")
    env = run_env(app, bare_path(tmp_path / "bin"), tmp_path / "runtime-only")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    address = address_line(port)
    log_path = tmp_path / "make-run.log"
    with log_path.open("wb") as log:
        make = subprocess.Popen(
            ["make", "run", f"PORT={port}"],
            cwd=app,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    pgid = sid = make.pid

    def output() -> str:
        return "\n--- make run output ---\n" + log_path.read_text("utf-8", "replace")

    try:
        up = wait_for(lambda: address in log_path.read_text("utf-8", "replace"), make)
        assert up and make.poll() is None, f"not up in {START_TIMEOUT}s" + output()
        assert get(f"{base}/")[0] == 200, output()
        check_servers_running(sid)

        os.killpg(pgid, signal.SIGINT)
        leftovers = wait_until_gone(sid, make)
        assert not leftovers, "still running after SIGINT:\n" + "\n".join(leftovers) + output()
        # The runner and the servers end cleanly, so make reports no failed recipe. make
        # itself got the SIGINT too, and GNU make re-raises it on itself after its recipe
        # ends (status 130 in a shell): only the terminal path above can give 0.
        assert make.returncode in (0, -signal.SIGINT), make.returncode
        assert "make: ***" not in log_path.read_text("utf-8", "replace"), output()
        assert get(f"{base}/")[0] == 0, "the web server still answers"
    except BaseException:
        print(output())
        raise
    finally:
        kill_session(sid)
        with contextlib.suppress(subprocess.TimeoutExpired):
            make.wait(timeout=10)
