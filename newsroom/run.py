"""`make run`: the web server, the Celery worker and the beat scheduler as one command.

    python -m newsroom.run --port 8000

Starts `manage.py runserver` and `celery worker --beat` as child processes, prints the
address once the server answers HTTP, and on Ctrl-C (SIGINT), SIGTERM or SIGHUP stops
both and exits 0. A child that exits on its own, or a server that does not answer in
time, stops the other and exits 1.

Why the runner moves to a process group of its own: a terminal sends Ctrl-C's SIGINT to
its whole foreground process group, make included, and GNU make (4.3) re-raises a SIGINT
it receives once its recipe has ended, so `make run` would end with status 130 however
cleanly the recipe exits. When it runs in the terminal's foreground, the runner makes a
new process group (its children are born into it) the terminal's foreground group: Ctrl-C
reaches the runner and the servers only, make sees its recipe exit 0 and exits 0.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

BASE_DIR = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
# A first page render on a slow machine can take seconds; the server is still starting.
REQUEST_TIMEOUT = 5.0
POLL_INTERVAL = 0.2
# Celery's warm shutdown finishes running tasks; a feed fetch is bounded well below this.
STOP_GRACE = 15.0
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class RunFailed(Exception):
    """Something that should have kept running did not; the message says what."""


@dataclass(frozen=True)
class Terminal:
    """The controlling terminal we took the foreground of, and whom to give it back to."""

    fd: int
    previous_group: int


def port_number(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"a port is 1 to 65535, not {port}")
    return port


def seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be more than 0 seconds, not {text}")
    return value


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m newsroom.run",
        description="Run the Newsroom web server, Celery worker and beat scheduler.",
    )
    parser.add_argument("--port", type=port_number, default=8000, help="default 8000")
    parser.add_argument(
        "--timeout",
        type=seconds,
        default=60.0,
        help="seconds to wait for the web server to answer (default 60)",
    )
    return parser.parse_args(argv)


def port_is_free(port: int) -> bool:
    """Whether nothing listens on the port: otherwise our poll could be answered by that
    other server before runserver fails to bind. SO_REUSEADDR as runserver sets it, so
    the TIME_WAIT sockets of a previous run do not count."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((HOST, port))
        except OSError:
            return False
    return True


@contextlib.contextmanager
def ignoring(signum: int) -> Iterator[None]:
    previous = signal.signal(signum, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signum, previous)


def take_terminal() -> Terminal | None:
    """Make a new process group, holding the runner and (later) its children, the
    terminal's foreground group, so that Ctrl-C does not reach make (module docstring).
    None, and nothing changed, without a controlling terminal or outside its foreground
    (a background job, CI, a test driving us with signals)."""
    try:
        fd = os.open("/dev/tty", os.O_RDWR | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        previous = os.getpgrp()
        if os.tcgetpgrp(fd) != previous or previous == os.getpid():
            os.close(fd)
            return None
        os.setpgid(0, 0)
        # A background group asking for the terminal gets SIGTTOU unless it ignores it.
        with ignoring(signal.SIGTTOU):
            os.tcsetpgrp(fd, os.getpgrp())
    except OSError:
        os.close(fd)
        return None
    # Ctrl-Z would now stop our group while the shell waits on make, which is not
    # stopped: the terminal would hang. Ignored here, and so in the children too.
    signal.signal(signal.SIGTSTP, signal.SIG_IGN)
    return Terminal(fd, previous)


def give_back_terminal(terminal: Terminal | None) -> None:
    if terminal is None:
        return
    with ignoring(signal.SIGTTOU), contextlib.suppress(OSError):
        # make's group again, so the shell finds the terminal as it left it.
        os.tcsetpgrp(terminal.fd, terminal.previous_group)
    os.close(terminal.fd)


def on_stop_signals(stop: threading.Event) -> None:
    def handler(signum: int, frame: FrameType | None) -> None:
        stop.set()

    for signum in STOP_SIGNALS:
        signal.signal(signum, handler)


def start_children(port: int) -> dict[str, subprocess.Popen[bytes]]:
    """The venv's own interpreter for both (no PATH lookup), from the project directory,
    output straight to ours."""
    commands = {
        "web server": [
            sys.executable,
            str(BASE_DIR / "manage.py"),
            "runserver",
            "--noreload",
            f"{HOST}:{port}",
        ],
        "Celery worker": [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "newsroom",
            "worker",
            "--beat",
            "--loglevel=INFO",
            "--concurrency=2",
        ],
    }
    children: dict[str, subprocess.Popen[bytes]] = {}
    for name, command in commands.items():
        children[name] = subprocess.Popen(command, cwd=BASE_DIR, stdin=subprocess.DEVNULL)
    return children


def check_children(children: dict[str, subprocess.Popen[bytes]]) -> None:
    for name, child in children.items():
        status = child.poll()
        if status is not None:
            raise RunFailed(f"the {name} exited with status {status}")


def answers(url: str) -> bool:
    """Whether an HTTP server answers at url, whatever the status: an error page is the
    application's to show, the server is up. No proxy: the address is ours."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=REQUEST_TIMEOUT):
            return True
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False


def wait_until_answering(
    url: str, children: dict[str, subprocess.Popen[bytes]], stop: threading.Event, timeout: float
) -> bool:
    """True once the server answers, False if a stop signal came first."""
    deadline = time.monotonic() + timeout
    while not stop.is_set():
        check_children(children)
        if answers(url):
            # Answered by our runserver, not by something that took the port meanwhile.
            check_children(children)
            return True
        if time.monotonic() > deadline:
            raise RunFailed(f"the web server did not answer at {url} within {timeout:g}s")
        stop.wait(POLL_INTERVAL)
    return False


def watch(children: dict[str, subprocess.Popen[bytes]], stop: threading.Event) -> None:
    """Until a stop signal; a child exiting before that is a failure."""
    while not stop.wait(0.5):
        check_children(children)


def descendants(pid: int) -> list[int]:
    """The process tree under pid (Celery's pool and beat processes), from /proc; empty
    where there is none."""
    parents: dict[int, list[int]] = {}
    with contextlib.suppress(OSError):
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            with contextlib.suppress(OSError, IndexError, ValueError):
                stat = Path(entry.path, "stat").read_text()
                ppid = int(stat.rsplit(")", 1)[1].split()[1])
                parents.setdefault(ppid, []).append(int(entry.name))
    found: list[int] = []
    pending = [pid]
    while pending:
        children = parents.get(pending.pop(), [])
        found += children
        pending += children
    return found


def stop_children(children: dict[str, subprocess.Popen[bytes]], grace: float) -> None:
    """SIGTERM (Celery's warm shutdown, runserver's exit), then SIGKILL for what is still
    running after grace seconds, with its own children, which would otherwise outlive it."""
    for child in children.values():
        if child.poll() is None:
            child.terminate()
    deadline = time.monotonic() + grace
    for name, child in children.items():
        try:
            child.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            print(f"newsroom: the {name} did not stop in {grace:g}s; killing it", file=sys.stderr)
            for pid in [*descendants(child.pid), child.pid]:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            child.wait()


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    url = f"http://{HOST}:{args.port}/"
    if not port_is_free(args.port):
        print(
            f"newsroom: port {args.port} is in use; another one: make run PORT=8001",
            file=sys.stderr,
        )
        return 1
    stop = threading.Event()
    on_stop_signals(stop)
    terminal = take_terminal()
    children: dict[str, subprocess.Popen[bytes]] = {}
    try:
        children = start_children(args.port)
        if wait_until_answering(url, children, stop, args.timeout):
            print(f"Newsroom on {url}  (admin: /admin/, make superuser)", flush=True)
            watch(children, stop)
        return 0
    except RunFailed as failure:
        print(f"newsroom: {failure}; stopping", file=sys.stderr, flush=True)
        return 1
    finally:
        stop_children(children, STOP_GRACE)
        give_back_terminal(terminal)


if __name__ == "__main__":
    sys.exit(main())
