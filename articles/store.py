"""Store parsed entries idempotently: unique keys, bulk upserts, nothing written twice.

``store_entries`` writes only entries that are new or whose content hash changed, so
storing the same feed twice leaves every row as it was.

Rows are written with ``insert_rows``: one ``INSERT ... ON CONFLICT`` statement run
with ``executemany``. It is the hot path of a first ingest, and skipping the ORM's
per-object work there makes storing four times cheaper than ``bulk_create``
(bench/ingest.py). The SQL is the same on SQLite (3.24+) and PostgreSQL, and it is
built from the models' metadata, so renaming a field cannot leave it behind.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection, models, transaction
from django.db.models import Q
from django.utils import timezone

from articles.models import Article, ArticleImage, CategoryAlias, ContentVersion, Image, Source
from articles.parse import ParsedEntry
from articles.search.index import index_articles
from articles.text import normalize_label

ARTICLE_FIELDS = (
    "source", "key", "url", "title", "summary", "body_html", "author", "language",
    "category", "published_at", "fetched_at", "updated_at", "content_hash",
)  # fmt: skip
# Everything but the identity and the first-seen time.
ARTICLE_UPDATE_FIELDS = tuple(
    f for f in ARTICLE_FIELDS if f not in ("source", "key", "fetched_at")
)


@dataclass(frozen=True)
class StoreResult:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    new_image_ids: tuple[int, ...] = ()


def store_entries(
    source: Source, entries: Sequence[ParsedEntry], *, fetched_at: datetime
) -> StoreResult:
    """Insert new entries and update changed ones for ``source``, in one transaction."""
    if not entries:
        return StoreResult()
    keys = [entry.key for entry in entries]
    with transaction.atomic():
        existing = dict(
            Article.objects.filter(source=source, key__in=keys).values_list("key", "content_hash")
        )
        changed = [e for e in entries if existing.get(e.key) != e.content_hash]
        if not changed:
            return StoreResult(unchanged=len(entries))
        aliases = category_aliases(source)
        insert_rows(
            Article,
            ARTICLE_FIELDS,
            # Rows in key order, so that concurrent writers lock them in one order.
            (_article_row(source, e, aliases, fetched_at) for e in sorted(changed, key=_key)),
            conflict=("source", "key"),
            update=ARTICLE_UPDATE_FIELDS,
        )
        ids = dict(
            Article.objects.filter(source=source, key__in=[e.key for e in changed]).values_list(
                "key", "id"
            )
        )
        new_image_ids = _link_images(changed, ids, refreshed=existing.keys())
        index_articles(ids.values())
        # Last, in the same transaction: pages cached under the new number see these rows.
        ContentVersion.objects.bump()
    new = sum(1 for e in changed if e.key not in existing)
    return StoreResult(
        new=new,
        updated=len(changed) - new,
        unchanged=len(entries) - len(changed),
        new_image_ids=new_image_ids,
    )


def category_aliases(source: Source) -> dict[str, int]:
    """Normalised label -> category id; the outlet's own aliases override global ones."""
    rows = CategoryAlias.objects.filter(Q(source__isnull=True) | Q(source=source)).values_list(
        "source_id", "label", "category_id"
    )
    # Global rows first (source_id None), so the outlet's own ones overwrite them.
    return {label: category for _, label, category in sorted(rows, key=lambda r: r[0] is not None)}


def insert_rows(
    model: type[models.Model],
    fields: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    conflict: Sequence[str],
    update: Sequence[str] = (),
) -> None:
    """Insert ``rows`` (values in ``fields`` order) into ``model``'s table; a row that
    collides on the unique ``conflict`` fields updates ``update`` (or is skipped)."""
    meta = model._meta
    model_fields = [meta.get_field(name) for name in fields]

    def column(name: str) -> str:
        field = meta.get_field(name)
        assert isinstance(field, models.Field) and field.column
        return connection.ops.quote_name(field.column)

    columns = ", ".join(column(name) for name in fields)
    targets = ", ".join(column(name) for name in conflict)
    if update:
        action = "DO UPDATE SET " + ", ".join(f"{c} = excluded.{c}" for c in map(column, update))
    else:
        action = "DO NOTHING"
    placeholders = ", ".join(["%s"] * len(fields))
    # Identifiers come from the models' metadata, quoted; values are parameters.
    sql = (
        f"INSERT INTO {connection.ops.quote_name(meta.db_table)} ({columns}) "  # noqa: S608
        f"VALUES ({placeholders}) ON CONFLICT ({targets}) {action}"
    )
    # Only dates need the backend's own representation (naive UTC text on SQLite), and
    # a batch repeats the same few (fetch time): adapt each once.
    dates = [i for i, f in enumerate(model_fields) if isinstance(f, models.DateTimeField)]
    adapted: dict[datetime, Any] = {}
    prepared = []
    for row in rows:
        values = list(row)
        for i in dates:
            moment = values[i]
            if moment not in adapted:
                adapted[moment] = connection.ops.adapt_datetimefield_value(moment)
            values[i] = adapted[moment]
        prepared.append(values)
    if prepared:
        with connection.cursor() as cursor:
            cursor.executemany(sql, prepared)


def _key(entry: ParsedEntry) -> str:
    return entry.key


def _article_row(
    source: Source, entry: ParsedEntry, aliases: dict[str, int], fetched_at: datetime
) -> tuple[Any, ...]:
    category_id = next(
        (aliases[label] for label in map(normalize_label, entry.categories) if label in aliases),
        None,
    )
    return (
        source.id, entry.key, entry.url, entry.title, entry.summary, entry.body_html,
        entry.author, entry.language, category_id, entry.published_at, fetched_at,
        fetched_at, entry.content_hash,
    )  # fmt: skip


def _link_images(
    entries: Sequence[ParsedEntry], article_ids: dict[str, int], refreshed: Iterable[str]
) -> tuple[int, ...]:
    """Create missing Image rows and link them to their articles; an updated article's
    links are replaced. Returns the ids of the images seen for the first time."""
    # Sorted: two outlets sharing images insert them in the same order, so that
    # PostgreSQL cannot deadlock them on the unique index.
    urls = sorted({url for e in entries for url in e.image_urls})
    image_ids: dict[str, int] = {}
    first_seen: list[int] = []
    if urls:
        now = timezone.now()
        insert_rows(Image, ("url", "created_at"), ((url, now) for url in urls), conflict=("url",))
        # Rows created by this insert carry its timestamp: that is how we tell them from
        # images other articles brought before, without a query before the insert.
        for url, image_id, created_at in Image.objects.filter(url__in=urls).values_list(
            "url", "id", "created_at"
        ):
            image_ids[url] = image_id
            if created_at == now:
                first_seen.append(image_id)
    refreshed_ids = [article_ids[key] for key in refreshed if key in article_ids]
    if refreshed_ids:
        ArticleImage.objects.filter(article_id__in=refreshed_ids).delete()
    insert_rows(
        ArticleImage,
        ("article", "image", "position"),
        (
            (article_ids[e.key], image_ids[url], position)
            for e in entries
            for position, url in enumerate(e.image_urls)
        ),
        conflict=("article", "image"),
    )
    return tuple(first_seen)
