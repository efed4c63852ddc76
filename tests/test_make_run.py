"""`make run` on a fresh copy of the working tree: the site comes up with the demo
headlines, and one Ctrl-C stops make, the web server and the Celery worker together."""

from __future__ import annotations

import contextlib
import html
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT = 120
STOP_TIMEOUT = 20
ARABIC = re.compile(r"[\u0621-\u064A]")
HEADLINE = re.compile(r'<h3 class="story-title"[^>]*><a [^>]*>(.*?)</a>', re.S)
# Left out of the copy: the environment and the state a fresh clone does not have.
NOT_COPIED_AT_ROOT = {".venv", "var", ".git", ".pytest_cache", ".mypy_cache", ".ruff_cache"}
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
    """The working tree (committed or not) without its venv and var/, sharing the
    installed venv through a venv directory of symlinks, so `make install` is a no-op
    and never touches the real venv."""

    def ignore(directory: str, names: list[str]) -> set[str]:
        skipped = {"__pycache__"} & set(names)
        if Path(directory) == ROOT:
            skipped |= NOT_COPIED_AT_ROOT & set(names)
        return skipped

    shutil.copytree(ROOT, dest, ignore=ignore, symlinks=True)
    venv = dest / ".venv"
    venv.mkdir()
    for entry in (ROOT / ".venv").iterdir():
        if entry.name != ".installed":
            (venv / entry.name).symlink_to(entry)
    (venv / ".installed").touch()  # newer than the copied pyproject.toml
    return dest


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


def group_members(pgid: int) -> list[str]:
    """'pid state command' for every process still in the process group."""
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
        if int(fields[2]) == pgid:
            members.append(f"{proc.name} {fields[0]} {cmdline}")
    return members


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def test_make_run_serves_the_demo_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    app = fresh_copy(tmp_path / "newsroom")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ENV_DROPPED}
    # The copy's code, not the code the venv's editable install points at.
    env.update(DEBUG="1", PYTHONPATH=str(app), PYTHONUNBUFFERED="1")
    log_path = tmp_path / "make-run.log"
    base = f"http://127.0.0.1:{port}"

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
    pgid = make.pid

    def output() -> str:
        return "\n--- make run output ---\n" + log_path.read_text(errors="replace")

    try:
        deadline = time.monotonic() + START_TIMEOUT
        home = login = (0, "")
        while time.monotonic() < deadline and make.poll() is None:
            home, login = get(f"{base}/"), get(f"{base}/admin/login/")
            if home[0] == login[0] == 200:
                break
            time.sleep(1)
        assert make.poll() is None, f"make run exited with {make.returncode}" + output()
        assert (home[0], login[0]) == (200, 200), f"not up in {START_TIMEOUT}s" + output()

        page = html.unescape(home[1])
        headlines = HEADLINE.findall(page)
        assert len(headlines) >= 10, page[:2000]
        assert sum(1 for title in headlines if ARABIC.search(title)) >= 5, headlines
        with sqlite3.connect(app / "var" / "newsroom.sqlite3") as db:
            newest = [
                row[0]
                for row in db.execute(
                    "SELECT title FROM articles_article ORDER BY published_at DESC, id DESC "
                    "LIMIT 5"
                )
            ]
            outlets_with_articles = db.execute(
                "SELECT COUNT(DISTINCT source_id) FROM articles_article"
            ).fetchone()[0]
        assert newest and all(title in headlines for title in newest), (newest, headlines[:10])
        assert outlets_with_articles >= 3
        assert "لوحة" in login[1] or "نيوزروم" in login[1]

        members = group_members(pgid)
        assert any("celery" in m and "worker" in m for m in members), members
        assert any("runserver" in m for m in members), members

        os.killpg(pgid, signal.SIGINT)
        deadline = time.monotonic() + STOP_TIMEOUT
        while time.monotonic() < deadline:
            make.poll()  # reap make itself, or its zombie keeps the group alive
            if not group_alive(pgid):
                break
            time.sleep(0.2)
        leftovers = group_members(pgid)
        assert not group_alive(pgid), (
            f"still running {STOP_TIMEOUT}s after Ctrl-C:\n" + "\n".join(leftovers) + output()
        )
        assert get(f"{base}/")[0] == 0, "the web server still answers"
    except BaseException:
        print(output())
        raise
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGKILL)
        make.wait(timeout=10)
