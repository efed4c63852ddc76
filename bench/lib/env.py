"""Django and the environment of a bench's processes: the settings every Django process
of a run gets (``base_env()``, and ``server_env()`` for a production web process),
``django_setup()``, ``manage()`` (a ``manage.py`` command in a process of its own), the
run's temp dir, the hashed static file pages link, ``progress()`` (a line on stderr).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path

from lib import REPO

DEFAULT_SEED = 20250110


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


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
        # wrk is one client: the API's per-network limit would answer most of it 429.
        "API_RATE_LIMIT": "0",
    }


def server_env(var_dir: Path) -> dict[str, str]:
    """What a gunicorn worker (and manage.py) see: a production web process, with this
    process's environment less the settings a bench sets itself."""
    env = {k: v for k, v in os.environ.items() if k not in ("PAGE_CACHE_SECONDS", "SQLITE_PATH")}
    env.update(base_env(var_dir))
    env.pop("FETCH_ALLOW_PRIVATE_ADDRESSES", None)  # a web process never fetches
    env.update(
        {
            "DEBUG": "0",
            "SECRET_KEY": "bench-only-not-secret-" + "x" * 40,
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "0",
            "SERVE_MEDIA": "1",
            "LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(REPO),
        }
    )
    return env


def django_setup(env: Mapping[str, str]) -> None:
    os.environ.update(env)
    import django

    django.setup()


def manage(env: Mapping[str, str], *command: str) -> None:
    """``manage.py command`` from the repository root, with ``env`` as its whole
    environment; its output is shown only when it fails (RuntimeError)."""
    done = subprocess.run(
        [sys.executable, str(REPO / "manage.py"), *command],
        env=dict(env),
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise RuntimeError(
            f"manage.py {' '.join(command)} failed ({done.returncode}):\n"
            f"{done.stdout}{done.stderr}".rstrip()
        )


def collect_static(tmp: Path) -> tuple[dict[str, str], str]:
    """``collectstatic`` into ``tmp``/var (STATIC_ROOT), once per run. Returns the
    environment of the site's processes (``server_env()``) and the hashed name of
    css/site.css (the static file the load runs measure pages against)."""
    var_dir = tmp / "var"
    common = server_env(var_dir)
    progress("collectstatic ...")
    unused = {**common, "SQLITE_PATH": str(tmp / "unused.sqlite3")}
    manage(unused, "collectstatic", "--noinput", "-v", "0")
    return common, static_path(var_dir)


def static_path(var_dir: Path) -> str:
    """The hashed name of css/site.css, as pages link it (from collectstatic's manifest)."""
    manifest = json.loads((var_dir / "staticfiles" / "staticfiles.json").read_text())
    return "/static/" + manifest["paths"]["css/site.css"]


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
