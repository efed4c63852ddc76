"""The two engines behind one behaviour: SQLite FTS5 and PostgreSQL full text. Each
replaces the documents of some articles and answers a query newest first or by score.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

from django.db import connection

from articles.lib.sql import insert_rows
from articles.models import SearchEntry
from articles.search.documents import Document, Filters, day_bound
from articles.search.words import Query

TS_WEIGHTS = "'{0.0, 0.0, 0.1, 1.0}'"  # D, C, B (body), A (title)


# Title streams weigh ten times body streams; facets do not count.
BM25 = "bm25(articles_search, 10.0, 10.0, 1.0, 1.0, 0.0)"


@dataclass(frozen=True)
class Bounds:
    """Sort keys searched: low <= key < high."""

    low: int | None
    high: int | None

    @classmethod
    def of(cls, filters: Filters) -> Bounds:
        return cls(
            day_bound(filters.since) if filters.since else None,
            day_bound(filters.until) if filters.until else None,
        )

    def below(self, key: int) -> Bounds:
        return Bounds(self.low, key if self.high is None else min(self.high, key))


class _Backend:
    """What both engines share: the index is a table of rows keyed by sort key, found
    by a match condition (``_match``), newest first or by a score (``score``)."""

    table: str
    key: str  # the sort-key column
    score: str  # higher is better on both engines

    def _match(self, query: Query, filters: Filters) -> tuple[str, list[Any]]:
        raise NotImplementedError

    def _score_params(self, query: Query) -> list[Any]:
        return []

    def _where(self, query: Query, filters: Filters, bounds: Bounds) -> tuple[str, list[Any]]:
        sql, params = self._match(query, filters)
        if bounds.low is not None:
            sql += f" AND {self.key} >= %s"
            params.append(bounds.low)
        if bounds.high is not None:
            sql += f" AND {self.key} < %s"
            params.append(bounds.high)
        return sql, params

    def newest(self, query: Query, filters: Filters, bounds: Bounds, limit: int) -> list[int]:
        where, params = self._where(query, filters, bounds)
        sql = (
            f"SELECT {self.key} FROM {self.table} WHERE {where} ORDER BY {self.key} DESC LIMIT %s"  # noqa: S608
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, limit])
            return [key for (key,) in cursor.fetchall()]

    def by_relevance(
        self,
        query: Query,
        filters: Filters,
        bounds: Bounds,
        position: tuple[float, int] | None,
        limit: int,
    ) -> list[tuple[int, float]]:
        where, params = self._where(query, filters, bounds)
        sql = f"SELECT {self.key} AS key, {self.score} AS score FROM {self.table} WHERE {where}"  # noqa: S608
        return _page_by_score(sql, [*self._score_params(query), *params], position, limit)


class SqliteBackend(_Backend):
    table = "articles_search"
    key = "rowid"
    # bm25 is lower for better matches: negated, higher is better on both engines.
    score = f"-{BM25}"

    def replace(self, article_ids: Sequence[int], documents: Sequence[Document]) -> None:
        """Index ``documents`` in place of whatever ``article_ids`` had."""
        # The delete trigger takes the old FTS rows with the old entries.
        SearchEntry.objects.filter(article_id__in=article_ids).delete()
        insert_rows(
            SearchEntry,
            ("article", "sort_key", "outlet_id", "section_id"),
            ((d.article_id, d.sort_key, d.outlet_id, d.section_id) for d in documents),
            conflict=("article",),
        )
        with connection.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO articles_search (rowid, title, title_bare, body, body_bare, facets)"
                " VALUES (%s, %s, %s, %s, %s, %s)",
                [
                    (
                        d.sort_key,
                        " ".join(d.title.canonical),
                        " ".join(d.title.bare),
                        " ".join(d.body.canonical),
                        " ".join(d.body.bare),
                        f"_s{d.outlet_id}" + (f" _c{d.section_id}" if d.section_id else ""),
                    )
                    # In rowid order: FTS5 writes its pending terms out as a new segment
                    # whenever a rowid is lower than the one before, and a feed's dates
                    # come in any order (then the insert costs a third more).
                    for d in sorted(documents, key=attrgetter("sort_key"))
                ],
            )

    def _match(self, query: Query, filters: Filters) -> tuple[str, list[Any]]:
        parts = ['"' + " ".join(phrase) + '"' for phrase in query.phrases]
        if filters.outlet_id is not None:
            parts.append(f'facets : "_s{int(filters.outlet_id)}"')
        if filters.section_id is not None:
            parts.append(f'facets : "_c{int(filters.section_id)}"')
        return "articles_search MATCH %s", [" AND ".join(parts)]


class PostgresBackend(_Backend):
    table = "articles_searchentry"
    key = "sort_key"
    score = f"ts_rank({TS_WEIGHTS}, document, %s::tsquery)::float8"
    UPSERT = (
        "INSERT INTO articles_searchentry (article_id, sort_key, source_id, category_id, document)"
        " VALUES (%s, %s, %s, %s, %s::tsvector) ON CONFLICT (article_id) DO UPDATE SET"
        " sort_key = excluded.sort_key, source_id = excluded.source_id,"
        " category_id = excluded.category_id, document = excluded.document"
    )

    def replace(self, article_ids: Sequence[int], documents: Sequence[Document]) -> None:
        found = {d.article_id for d in documents}
        gone = [i for i in article_ids if i not in found]
        if gone:
            SearchEntry.objects.filter(article_id__in=gone).delete()
        with connection.cursor() as cursor:
            cursor.executemany(
                self.UPSERT,
                [
                    (d.article_id, d.sort_key, d.outlet_id, d.section_id, _tsvector(d))
                    for d in documents
                ],
            )

    def _match(self, query: Query, filters: Filters) -> tuple[str, list[Any]]:
        sql = "document @@ %s::tsquery"
        params: list[Any] = [_tsquery(query)]
        for column, value in (
            ("source_id", filters.outlet_id),  # old names: the columns
            ("category_id", filters.section_id),  # old names
        ):
            if value is not None:
                sql += f" AND {column} = %s"
                params.append(value)
        return sql, params

    def _score_params(self, query: Query) -> list[Any]:
        return [_tsquery(query)]


def _page_by_score(
    sql: str, params: list[Any], position: tuple[float, int] | None, limit: int
) -> list[tuple[int, float]]:
    """One page of (key, score) rows, best score first, then newest, after ``position``."""
    outer = f"SELECT key, score FROM ({sql}) AS hits"  # noqa: S608
    if position is not None:
        outer += " WHERE score < %s OR (score = %s AND key < %s)"
        params = [*params, position[0], position[0], position[1]]
    outer += " ORDER BY score DESC, key DESC LIMIT %s"
    with connection.cursor() as cursor:
        cursor.execute(outer, [*params, limit])
        return [(key, float(score)) for key, score in cursor.fetchall()]


# PostgreSQL positions run to 16,383 and a lexeme keeps at most 256 of them.
MAX_POSITION = 16383


MAX_POSITIONS_PER_WORD = 256


def _tsvector(d: Document) -> str:
    """The document as a tsvector literal: each stream at its own positions, a gap of
    one between streams (so no phrase spans two), title at weight A, body at B."""
    positions: dict[str, list[str]] = {}
    position = 0
    for weight, stream in (
        ("A", d.title.canonical), ("A", d.title.bare), ("B", d.body.canonical),
        ("B", d.body.bare),
    ):  # fmt: skip
        if not stream:
            continue
        position += 1  # the gap
        for word in stream:
            position = min(position + 1, MAX_POSITION)
            found = positions.setdefault(word, [])
            if len(found) < MAX_POSITIONS_PER_WORD:
                found.append(f"{position}{weight}")
    return " ".join(f"{_quote(word)}:{','.join(found)}" for word, found in positions.items())


def _tsquery(query: Query) -> str:
    """Every phrase, AND-ed; the words of a phrase follow each other (<->)."""
    return " & ".join(
        "(" + " <-> ".join(_quote(word) for word in phrase) + ")" for phrase in query.phrases
    )


def _quote(word: str) -> str:
    return "'" + word.replace("\\", "\\\\").replace("'", "''") + "'"


def current_engine() -> SqliteBackend | PostgresBackend:
    if connection.vendor == "postgresql":
        return PostgresBackend()
    if connection.vendor == "sqlite":
        return SqliteBackend()
    raise NotImplementedError(f"search has no backend for {connection.vendor}")
