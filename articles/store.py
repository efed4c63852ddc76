"""Store parsed entries idempotently: unique keys, bulk upserts, nothing written twice.

``store_entries`` writes only entries that are new or whose content hash changed, so
storing the same feed twice leaves every row as it was.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction

from articles.models import Article, ArticleImage, CategoryAlias, Image, Source
from articles.parse import ParsedEntry
from articles.text import normalize_label

UPDATE_FIELDS = [
    "url",
    "title",
    "summary",
    "body_html",
    "author",
    "language",
    "category",
    "published_at",
    "updated_at",
    "content_hash",
]


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
        Article.objects.bulk_create(
            [_article(source, entry, aliases, fetched_at) for entry in changed],
            update_conflicts=True,
            unique_fields=["source", "key"],
            update_fields=UPDATE_FIELDS,
        )
        ids = dict(
            Article.objects.filter(source=source, key__in=[e.key for e in changed]).values_list(
                "key", "id"
            )
        )
        new_image_ids = _link_images(changed, ids, updated_keys=existing.keys())
    new = sum(1 for e in changed if e.key not in existing)
    return StoreResult(
        new=new,
        updated=len(changed) - new,
        unchanged=len(entries) - len(changed),
        new_image_ids=new_image_ids,
    )


def category_aliases(source: Source) -> dict[str, int]:
    """Normalised label -> category id; the outlet's own aliases override global ones."""
    rows = CategoryAlias.objects.filter(source__isnull=True).values_list("label", "category_id")
    aliases = dict(rows)
    aliases.update(source.category_aliases.values_list("label", "category_id"))
    return aliases


def _article(
    source: Source, entry: ParsedEntry, aliases: dict[str, int], fetched_at: datetime
) -> Article:
    category_id = next(
        (aliases[label] for label in map(normalize_label, entry.categories) if label in aliases),
        None,
    )
    return Article(
        source=source,
        key=entry.key,
        url=entry.url,
        title=entry.title,
        summary=entry.summary,
        body_html=entry.body_html,
        author=entry.author,
        language=entry.language,
        category_id=category_id,
        published_at=entry.published_at,
        fetched_at=fetched_at,
        updated_at=fetched_at,
        content_hash=entry.content_hash,
    )


def _link_images(
    entries: Sequence[ParsedEntry], article_ids: dict[str, int], updated_keys: object
) -> tuple[int, ...]:
    """Create missing Image rows and link them; returns the ids of images first seen now."""
    urls = list(dict.fromkeys(url for e in entries for url in e.image_urls))
    known = (
        set(Image.objects.filter(url__in=urls).values_list("url", flat=True)) if urls else set()
    )
    Image.objects.bulk_create(
        [Image(url=url) for url in urls if url not in known], ignore_conflicts=True
    )
    image_ids = dict(Image.objects.filter(url__in=urls).values_list("url", "id")) if urls else {}
    refreshed = [article_ids[e.key] for e in entries if e.key in updated_keys]  # type: ignore[operator]
    if refreshed:
        ArticleImage.objects.filter(article_id__in=refreshed).delete()
    ArticleImage.objects.bulk_create(
        [
            ArticleImage(article_id=article_ids[e.key], image_id=image_ids[url], position=i)
            for e in entries
            for i, url in enumerate(e.image_urls)
        ],
        ignore_conflicts=True,
    )
    return tuple(image_ids[url] for url in urls if url not in known)
