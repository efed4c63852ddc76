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

Every indexed article has a ``SearchEntry`` row (articles.models). Its ``sort_key`` packs the
published second and the id into one sortable integer; on SQLite it is the FTS rowid, so
"newest first" and date ranges are read straight off the index, never sorted. Deleting
an article deletes its entry (cascade) and, on SQLite, a trigger deletes the FTS row.

Writers call ``index_articles`` in the transaction that changes the articles.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.models import QuerySet

from articles.models import Article, SearchEntry
from articles.search.documents import ARTICLE_COLUMNS, document
from articles.search.engines import current_engine

BATCH = 500


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


def index_articles(article_ids: Iterable[int], articles: QuerySet[Any] | None = None) -> int:
    """(Re)index these articles from their stored rows; ids without a row are dropped
    from the index. Call inside the transaction that wrote them. Returns the count."""
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
        current_engine().replace(chunk, documents)
        count += len(documents)
    return count


def rebuild(articles: QuerySet[Any] | None = None) -> int:
    """Index every article again (after a change to the normalisation, or a restore)."""
    manager = Article.objects.all() if articles is None else articles
    SearchEntry.objects.all().delete()
    ids = list(manager.order_by("id").values_list("id", flat=True))
    return index_articles(ids, manager)
