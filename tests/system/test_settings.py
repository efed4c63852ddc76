"""Settings come from the environment, with safe production behaviour."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "SECRET_KEY")}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_refuses_to_start_without_secret_key_when_debug_is_off(tmp_path: Path) -> None:
    result = manage("check", DEBUG="0", NEWSROOM_VAR_DIR=str(tmp_path))

    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_settings_pass_check_deploy(tmp_path: Path) -> None:
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="0",
        SECRET_KEY="x" * 20 + "-a-long-random-production-secret-" + "y" * 20,
        ALLOWED_HOSTS="news.example.ma",
        NEWSROOM_VAR_DIR=str(tmp_path),
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_models_and_migrations_agree() -> None:
    result = manage("makemigrations", "--check", "--dry-run")

    assert result.returncode == 0, result.stdout + result.stderr


def test_env_example_lists_every_setting_read_from_the_environment() -> None:
    settings_source = (ROOT / "newsroom" / "settings.py").read_text()
    example = (ROOT / ".env.example").read_text()
    import re

    names = set(re.findall(r'(?:environ\.get|env_\w+)\("([A-Z_]+)"', settings_source))
    listed = set(re.findall(r"^([A-Z_]+)=", example, re.MULTILINE))

    assert names, "no settings found: the pattern is out of date"
    assert names <= listed, f"missing from .env.example: {sorted(names - listed)}"


def test_sqlite_runs_in_wal_mode_with_immediate_transactions(db: None) -> None:
    from django.db import connection

    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        journal_mode = cursor.fetchone()[0]
    assert journal_mode == "wal"
    assert connection.settings_dict["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


def test_forwarded_proto_is_trusted_only_behind_a_declared_tls_proxy(tmp_path: Path) -> None:
    production = {"DEBUG": "0", "SECRET_KEY": "s" * 60, "NEWSROOM_VAR_DIR": str(tmp_path)}
    show = (
        "shell",
        "-c",
        "from django.conf import settings; print(settings.SECURE_PROXY_SSL_HEADER)",
    )

    alone = manage(*show, **production)
    proxied = manage(*show, **production, BEHIND_TLS_PROXY="1")

    assert alone.stdout.strip().splitlines()[-1] == "None", alone.stderr
    assert proxied.stdout.strip().splitlines()[-1] == "('HTTP_X_FORWARDED_PROTO', 'https')"
