"""Scratch databases of a run: a template database and pristine copies of it, on SQLite
(files in the run's temp dir) or on a PostgreSQL server (``newsroom_bench_<pid>_*``,
dropped at the end), with the settings that select each; whether PostgreSQL answers,
and the backends a run measures in turn.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/postgres"


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


class ScratchPostgres(PostgresDatabases):
    """The same scratch PostgreSQL databases, dropped without Django in this process."""

    def cleanup(self) -> None:
        for name in reversed(self.created):
            self.admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.admin.close()


def postgres_reachable(url: str) -> str:
    """'' when PostgreSQL answers at ``url``, else why not."""
    try:
        import psycopg
    except ImportError:
        return "psycopg is not installed"
    try:
        psycopg.connect(url, connect_timeout=3).close()
    except psycopg.Error as error:
        return str(error).strip().splitlines()[0]
    return ""


Databases = SqliteDatabases | PostgresDatabases


def on_each_backend(
    tmp: Path, no_postgres: bool, url: str, run: Callable[[Databases], dict[str, Any]]
) -> tuple[list[dict[str, Any]], str]:
    """``run(databases)`` on SQLite in ``tmp``, then on PostgreSQL at ``url`` unless
    ``no_postgres`` or it does not answer (as ``ScratchPostgres``: dropped without
    Django in this process); each cleaned up after. Returns the results and why
    PostgreSQL was skipped ('' when it was not)."""
    makers: list[Callable[[], Databases]] = [lambda: SqliteDatabases(tmp)]
    skipped = ""
    if not no_postgres:
        skipped = postgres_reachable(url)
        if not skipped:
            makers.append(lambda: ScratchPostgres(url))
    results = []
    for make in makers:
        databases = make()
        try:
            results.append(run(databases))
        finally:
            databases.cleanup()
    return results, skipped


def add_backend_options(parser: argparse.ArgumentParser) -> None:
    """--database-url and --no-postgres: SQLite always, then PostgreSQL unless told not."""
    parser.add_argument(
        "--database-url",
        default=POSTGRES_URL,
        help=f"PostgreSQL server for the second run (default {POSTGRES_URL}); scratch "
        "databases are created there and dropped at the end",
    )
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")


def check_backend_options(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    if args.database_url and urlsplit(args.database_url).scheme not in ("postgres", "postgresql"):
        parser.error("--database-url must be a postgres:// URL")
