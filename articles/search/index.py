"""The search index, on SQLite FTS5 or PostgreSQL full text, with one behaviour.

Both engines index the same thing, computed in Python by ``articles.search.words`` (so
the text and the reader's words go through one normalisation): for the title and for
the body (summary and text), a stream of canonical words and a stream of bare words.
Words of the title rank above words of the body.

- SQLite: an FTS5 table ``articles_search`` (tokenizer ``ascii``: words arrive already
  cut, space-separated) with the four streams and a ``facets`` column holding the
  outlet and section as ``_s<id>``/``_c<id>`` tokens, which no normalised word can be.
- PostgreSQL: a ``tsvector`` column on ``articles_searchentry`` built from the same
  streams with explicit positions and weights (A for the title, B for the body), a GIN
  index, and ``ts_rank``. Nothing is re-parsed by a text-search configuration, so both
  engines see exactly the same words.

Every indexed article has a ``SearchEntry`` row (models.py). Its ``sort_key`` packs the
published second and the id into one sortable integer; on SQLite it is the FTS rowid, so
"newest first" and date ranges are read straight off the index, never sorted. Deleting
an article deletes its entry (cascade) and, on SQLite, a trigger deletes the FTS row.

Writers call ``index_articles`` in the transaction that changes the articles.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import nh3
from django.db import connection
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.models import QuerySet

from articles.search.words import FieldTerms, Query, field_terms
from articles.text import plain_text

ID_BITS = 30
MAX_ID = (1 << ID_BITS) - 1
MAX_SECONDS = 1 << 32  # about 1834 to 2106; dates outside sort at the ends
BATCH = 500
RELEVANCE_POOL = 2000  # "by relevance" ranks the newest this many matches
Order = Literal["newest", "relevance"]

# Title streams weigh ten times body streams; facets do not count.
BM25 = "bm25(articles_search, 10.0, 10.0, 1.0, 1.0, 0.0)"
TS_WEIGHTS = "'{0.0, 0.0, 0.1, 1.0}'"  # D, C, B (body), A (title)
BODY_TEXT = nh3.Cleaner(tags=set(), clean_content_tags={"script", "style"})

SQLITE_SCHEMA = (
    """CREATE VIRTUAL TABLE articles_search USING fts5(
        title, title_bare, body, body_bare, facets, tokenize="ascii tokenchars '_'")""",
    """CREATE TRIGGER articles_searchentry_delete AFTER DELETE ON articles_searchentry
        BEGIN DELETE FROM articles_search WHERE rowid = OLD.sort_key; END""",
)
SQLITE_DROP = (
    "DROP TRIGGER IF EXISTS articles_searchentry_delete",
    "DROP TABLE IF EXISTS articles_search",
)
POSTGRES_SCHEMA = (
    "ALTER TABLE articles_searchentry ADD COLUMN document tsvector NOT NULL DEFAULT ''",
    "CREATE INDEX articles_search_document_idx ON articles_searchentry USING gin (document)",
    # Word frequencies for the planner: with the default (100) a rare word is guessed at
    # 500 rows and "newest first" walks the date index checking every tsvector.
    "ALTER TABLE articles_searchentry ALTER COLUMN document SET STATISTICS 1000",
    "CREATE INDEX articles_search_newest_idx ON articles_searchentry (sort_key)",
    "CREATE INDEX articles_search_source_idx ON articles_searchentry (source_id, sort_key)",
    "CREATE INDEX articles_search_section_idx ON articles_searchentry (category_id, sort_key)",
)
POSTGRES_DROP = ("ALTER TABLE articles_searchentry DROP COLUMN IF EXISTS document",)


def create_schema(schema_editor: BaseDatabaseSchemaEditor) -> None:
    """The engine's own part of the index (the migration calls this)."""
    vendor = schema_editor.connection.vendor
    for statement in {"sqlite": SQLITE_SCHEMA, "postgresql": POSTGRES_SCHEMA}.get(vendor, ()):
        schema_editor.execute(statement)


def drop_schema(schema_editor: BaseDatabaseSchemaEditor) -> None:
    vendor = schema_editor.connection.vendor
    for statement in {"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}.get(vendor, ()):
        schema_editor.execute(statement)


def sort_key(published_at: datetime, article_id: int) -> int:
    """Published second, then id, in one signed 64-bit integer ordered like both."""
    if not 0 < article_id <= MAX_ID:
        raise ValueError(f"article id {article_id} does not fit the search sort key")
    seconds = min(max(math.floor(published_at.timestamp()), -MAX_SECONDS), MAX_SECONDS - 1)
    return (seconds << ID_BITS) | article_id


def day_bound(moment: datetime) -> int:
    """The smallest sort key at ``moment`` (for date ranges)."""
    seconds = min(max(math.floor(moment.timestamp()), -MAX_SECONDS), MAX_SECONDS - 1)
    return seconds << ID_BITS


def article_id_of(key: int) -> int:
    return key & MAX_ID


# Writing ----------------------------------------------------------------------------

ARTICLE_COLUMNS = ("id", "title", "summary", "body_html", "published_at", "source_id",
                   "category_id")  # fmt: skip


@dataclass(frozen=True)
class Document:
    article_id: int
    sort_key: int
    source_id: int
    category_id: int | None
    title: FieldTerms
    body: FieldTerms


def body_text(body_html: str) -> str:
    """A sanitized body as one line of text."""
    return plain_text(BODY_TEXT.clean(body_html)) if body_html else ""


def document(row: Sequence[Any]) -> Document:
    article_id, title, summary, body_html, published_at, source_id, category_id = row
    return Document(
        article_id=article_id,
        sort_key=sort_key(published_at, article_id),
        source_id=source_id,
        category_id=category_id,
        title=field_terms(title),
        body=field_terms(f"{summary}\n{body_text(body_html)}"),
    )


def index_articles(article_ids: Iterable[int], articles: QuerySet[Any] | None = None) -> int:
    """(Re)index these articles from their stored rows; ids without a row are dropped
    from the index. Call inside the transaction that wrote them. Returns the count."""
    from articles.models import Article

    ids = sorted(set(article_ids))
    manager = Article.objects.all() if articles is None else articles
    if hasattr(manager, "visible"):  # not on a migration's historical model
        # Hidden articles leave the index: their entries are replaced by nothing.
        manager = manager.visible()
    count = 0
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        rows = manager.filter(id__in=chunk).values_list(*ARTICLE_COLUMNS)
        documents = [document(row) for row in rows]
        _backend().replace(chunk, documents)
        count += len(documents)
    return count


def rebuild(articles: QuerySet[Any] | None = None) -> int:
    """Index every article again (after a change to the normalisation, or a restore)."""
    from articles.models import Article, SearchEntry

    manager = Article.objects.all() if articles is None else articles
    SearchEntry.objects.all().delete()
    ids = list(manager.order_by("id").values_list("id", flat=True))
    return index_articles(ids, manager)


# Reading ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    source_id: int | None = None
    category_id: int | None = None
    since: datetime | None = None  # inclusive
    until: datetime | None = None  # exclusive


@dataclass(frozen=True)
class Hit:
    article_id: int
    cursor: str


NEWEST_CURSOR = re.compile(r"^k(-?\d{1,19})$")
RELEVANCE_CURSOR = re.compile(r"^r(-?\d+(?:\.\d+)?(?:e-?\d+)?)_(-?\d{1,19})$")


def find(
    query: Query, filters: Filters, *, order: Order = "newest", after: str = "", limit: int = 20
) -> list[Hit]:
    """Articles holding every phrase of ``query``, best first; ``after`` is the cursor
    of the last hit of the previous page (a malformed one starts from the top)."""
    if not query:
        return []
    bounds = _Bounds.of(filters)
    backend = _backend()
    if order == "relevance":
        match = RELEVANCE_CURSOR.match(after)
        position = (float(match[1]), int(match[2])) if match else None
        # Ranked among the newest RELEVANCE_POOL matches: scoring every match of a
        # common word costs 100 ms (SQLite) to 500 ms (PostgreSQL), and a news reader
        # wants the best of what is recent.
        newest = backend.newest(query, filters, bounds, RELEVANCE_POOL)
        if len(newest) == RELEVANCE_POOL:
            bounds = _Bounds(newest[-1], bounds.high)
        rows = backend.by_relevance(query, filters, bounds, position, limit)
        return [Hit(article_id_of(key), f"r{score!r}_{key}") for key, score in rows]
    match = NEWEST_CURSOR.match(after)
    if match:
        bounds = bounds.below(int(match[1]))
    return [
        Hit(article_id_of(key), f"k{key}")
        for key in _backend().newest(query, filters, bounds, limit)
    ]


@dataclass(frozen=True)
class _Bounds:
    """Sort keys searched: low <= key < high."""

    low: int | None
    high: int | None

    @classmethod
    def of(cls, filters: Filters) -> _Bounds:
        return cls(
            day_bound(filters.since) if filters.since else None,
            day_bound(filters.until) if filters.until else None,
        )

    def below(self, key: int) -> _Bounds:
        return _Bounds(self.low, key if self.high is None else min(self.high, key))


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

    def _where(self, query: Query, filters: Filters, bounds: _Bounds) -> tuple[str, list[Any]]:
        sql, params = self._match(query, filters)
        if bounds.low is not None:
            sql += f" AND {self.key} >= %s"
            params.append(bounds.low)
        if bounds.high is not None:
            sql += f" AND {self.key} < %s"
            params.append(bounds.high)
        return sql, params

    def newest(self, query: Query, filters: Filters, bounds: _Bounds, limit: int) -> list[int]:
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
        bounds: _Bounds,
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
        from articles.models import SearchEntry
        from articles.store import insert_rows

        # The delete trigger takes the old FTS rows with the old entries.
        SearchEntry.objects.filter(article_id__in=article_ids).delete()
        insert_rows(
            SearchEntry,
            ("article", "sort_key", "source_id", "category_id"),
            ((d.article_id, d.sort_key, d.source_id, d.category_id) for d in documents),
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
                        f"_s{d.source_id}" + (f" _c{d.category_id}" if d.category_id else ""),
                    )
                    for d in documents
                ],
            )

    def _match(self, query: Query, filters: Filters) -> tuple[str, list[Any]]:
        parts = ['"' + " ".join(phrase) + '"' for phrase in query.phrases]
        if filters.source_id is not None:
            parts.append(f'facets : "_s{int(filters.source_id)}"')
        if filters.category_id is not None:
            parts.append(f'facets : "_c{int(filters.category_id)}"')
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
        from articles.models import SearchEntry

        found = {d.article_id for d in documents}
        gone = [i for i in article_ids if i not in found]
        if gone:
            SearchEntry.objects.filter(article_id__in=gone).delete()
        with connection.cursor() as cursor:
            cursor.executemany(
                self.UPSERT,
                [
                    (d.article_id, d.sort_key, d.source_id, d.category_id, _tsvector(d))
                    for d in documents
                ],
            )

    def _match(self, query: Query, filters: Filters) -> tuple[str, list[Any]]:
        sql = "document @@ %s::tsquery"
        params: list[Any] = [_tsquery(query)]
        for column, value in (
            ("source_id", filters.source_id),
            ("category_id", filters.category_id),
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


def _backend() -> SqliteBackend | PostgresBackend:
    if connection.vendor == "postgresql":
        return PostgresBackend()
    if connection.vendor == "sqlite":
        return SqliteBackend()
    raise NotImplementedError(f"search has no backend for {connection.vendor}")
