"""Bulk writes in one statement on SQLite and PostgreSQL alike, and values cut to their
columns.

Rows are written with ``insert_rows``: one ``INSERT ... ON CONFLICT`` statement run
with ``executemany``. It is the hot path of a first ingest, and skipping the ORM's
per-object work there makes storing four times cheaper than ``bulk_create``
(bench/ingest.py). The SQL is the same on SQLite (3.24+) and PostgreSQL, and it is
built from the models' metadata, so renaming a field cannot leave it behind.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from django.db import connection, models


def insert_rows(
    model: type[models.Model],
    fields: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    conflict: Sequence[str],
    update: Sequence[str] = (),
    keep_if: Mapping[str, str] | None = None,
) -> None:
    """Insert ``rows`` (values in ``fields`` order) into ``model``'s table; a row that
    collides on the unique ``conflict`` fields updates ``update`` (or is skipped).
    ``keep_if`` maps a field of ``update`` to a boolean field of the stored row: while
    that is true, the stored value is kept."""
    sql = _upsert_sql(model, fields, conflict, update, keep_if or {})
    prepared = _prepared([model._meta.get_field(name) for name in fields], rows)
    if prepared:
        with connection.cursor() as cursor:
            cursor.executemany(sql, prepared)


def update_rows(
    model: type[models.Model], fields: Sequence[str], rows: Iterable[Sequence[Any]]
) -> None:
    """Set ``fields`` of ``model``'s rows: each row is the values in ``fields`` order,
    then the primary key. One statement run with ``executemany``: the ORM's
    ``bulk_update`` builds a CASE per field and row, which costs more than the
    writes."""
    meta = model._meta
    model_fields = [meta.get_field(name) for name in fields]
    assert meta.pk is not None
    quote = connection.ops.quote_name

    def column(field: Any) -> str:
        return quote(str(field.column))

    columns = ", ".join(f"{column(f)} = %s" for f in model_fields)
    # Identifiers come from the models' metadata, quoted; values are parameters.
    table, pk = quote(meta.db_table), column(meta.pk)
    sql = f"UPDATE {table} SET {columns} WHERE {pk} = %s"  # noqa: S608
    prepared = _prepared([*model_fields, meta.pk], rows)
    if prepared:
        with connection.cursor() as cursor:
            cursor.executemany(sql, prepared)


def _upsert_sql(
    model: type[models.Model],
    fields: Sequence[str],
    conflict: Sequence[str],
    update: Sequence[str],
    keep_if: Mapping[str, str],
) -> str:
    meta = model._meta

    def column(name: str) -> str:
        field = meta.get_field(name)
        assert isinstance(field, models.Field) and field.column
        return connection.ops.quote_name(field.column)

    table = connection.ops.quote_name(meta.db_table)
    kept = {column(name): column(flag) for name, flag in keep_if.items()}

    def assignment(name: str) -> str:
        target = column(name)
        if target in kept:
            stored = f"{table}.{target}"
            flag = f"{table}.{kept[target]}"
            return f"{target} = CASE WHEN {flag} THEN {stored} ELSE excluded.{target} END"
        return f"{target} = excluded.{target}"

    columns = ", ".join(column(name) for name in fields)
    targets = ", ".join(column(name) for name in conflict)
    action = "DO UPDATE SET " + ", ".join(map(assignment, update)) if update else "DO NOTHING"
    placeholders = ", ".join(["%s"] * len(fields))
    # Identifiers come from the models' metadata, quoted; values are parameters.
    return (
        f"INSERT INTO {table} ({columns}) "  # noqa: S608
        f"VALUES ({placeholders}) ON CONFLICT ({targets}) {action}"
    )


def _prepared(model_fields: Sequence[Any], rows: Iterable[Sequence[Any]]) -> list[list[Any]]:
    """Rows with texts cut to their columns and dates in the backend's own form."""
    # Only dates need the backend's own representation (naive UTC text on SQLite), and
    # a batch repeats the same few (fetch time): adapt each once.
    dates = [i for i, f in enumerate(model_fields) if isinstance(f, models.DateTimeField)]
    limits = [(i, limit) for i, limit in enumerate(map(column_limit, model_fields)) if limit]
    adapted: dict[datetime, Any] = {}
    prepared = []
    for row in rows:
        values = list(row)
        for i, limit in limits:
            if isinstance(values[i], str) and len(values[i]) > limit:
                values[i] = values[i][:limit]
        for i in dates:
            moment = values[i]
            if moment not in adapted:
                adapted[moment] = connection.ops.adapt_datetimefield_value(moment)
            values[i] = adapted[moment]
        prepared.append(values)
    return prepared


def column_limit(field: Any) -> int | None:
    """The most characters ``field``'s column holds (PostgreSQL enforces it, SQLite
    does not): every text written in bulk is cut to it, on both databases alike."""
    if isinstance(field, models.CharField) and field.max_length:
        return int(field.max_length)
    return None


def fitted(model: type[models.Model], values: Mapping[str, Any]) -> dict[str, Any]:
    """``values`` (field name -> value) with each text cut to its column, for the
    ORM's update(): the same rule as ``insert_rows``."""
    fitted_values = dict(values)
    for name, value in values.items():
        limit = column_limit(model._meta.get_field(name))
        if limit and isinstance(value, str) and len(value) > limit:
            fitted_values[name] = value[:limit]
    return fitted_values
