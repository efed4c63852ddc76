"""Store parsed entries idempotently: unique keys, bulk upserts, nothing written twice.

``store_entries`` writes only entries that are new or whose content hash changed, so
storing the same feed twice leaves every row as it was.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from articles.ingest.parse import ParsedEntry
from articles.lib.sql import insert_rows
from articles.lib.text import normalize_label, plain_text
from articles.models import (
    Article,
    ArticleImage,
    ContentVersion,
    FullTextStatus,
    Image,
    Outlet,
    SectionAlias,
)
from articles.regions.assign import tag as tag_regions
from articles.regions.assign import tag_new as tag_new_regions
from articles.search.index import index_articles

ARTICLE_FIELDS = (
    "outlet", "key", "url", "title", "summary", "body_html", "author", "language",
    "section", "published_at", "fetched_at", "updated_at", "content_hash",
)  # fmt: skip


# Everything but the identity and the first-seen time.
ARTICLE_UPDATE_FIELDS = tuple(
    f for f in ARTICLE_FIELDS if f not in ("outlet", "key", "fetched_at")
)


@dataclass(frozen=True)
class StoreResult:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    new_image_ids: tuple[int, ...] = ()
    # Articles whose page is to be fetched for their full text (articles.fulltext).
    page_ids: tuple[int, ...] = ()
    # Every article inserted or updated: the story grouping takes the new ones.
    article_ids: tuple[int, ...] = ()
    # Entries of the document that could not be read (articles.ingest.parse), and the main why.
    dropped: int = 0
    dropped_code: str = ""


def store_entries(
    outlet: Outlet, entries: Sequence[ParsedEntry], *, fetched_at: datetime
) -> StoreResult:
    """Insert new entries and update changed ones for ``outlet``, in one transaction."""
    if not entries:
        return StoreResult()
    keys = [entry.key for entry in entries]
    with transaction.atomic():
        existing = dict(
            Article.objects.filter(outlet=outlet, key__in=keys).values_list("key", "content_hash")
        )
        changed = [e for e in entries if existing.get(e.key) != e.content_hash]
        if not changed:
            return StoreResult(unchanged=len(entries))
        aliases = section_aliases(outlet)
        insert_rows(
            Article,
            ARTICLE_FIELDS,
            # Rows in key order, so that concurrent writers lock them in one order.
            (_article_row(outlet, e, aliases, fetched_at) for e in sorted(changed, key=_key)),
            conflict=("outlet", "key"),
            update=ARTICLE_UPDATE_FIELDS,
            # A body taken from the outlet's page outlives the feed's teaser.
            keep_if={"body_html": "page_body"},
        )
        ids = dict(
            Article.objects.filter(outlet=outlet, key__in=[e.key for e in changed]).values_list(
                "key", "id"
            )
        )
        new_image_ids = link_images(
            {ids[e.key]: e.image_urls for e in changed},
            replace=[ids[key] for key in existing if key in ids],
            fresh=True,
        )
        page_ids = queue_pages(outlet, changed, ids) if outlet.full_text else ()
        index_articles(ids.values())
        # New articles are tagged from the text in hand; changed ones from their stored
        # text (a body taken from the outlet's page outlives the feed's), unless staff
        # set their regions.
        tag_new_regions(
            outlet,
            (
                (ids[e.key], e.title, e.summary, e.body_html)
                for e in changed
                if e.key not in existing
            ),
        )
        tag_regions(ids[key] for key in existing if key in ids)
        # Last, in the same transaction: pages cached under the new number see these rows.
        ContentVersion.objects.bump()
    new = sum(1 for e in changed if e.key not in existing)
    return StoreResult(
        new=new,
        updated=len(changed) - new,
        unchanged=len(entries) - len(changed),
        new_image_ids=new_image_ids,
        page_ids=page_ids,
        article_ids=tuple(sorted(ids.values())),
    )


def queue_pages(
    outlet: Outlet, entries: Sequence[ParsedEntry], ids: dict[str, int]
) -> tuple[int, ...]:
    """Mark the stored entries of a full-text outlet: those whose feed body is the
    whole article keep it; the others wait for their page. Returns the waiting ids."""
    enough = settings.FULLTEXT_FEED_FULL_CHARS
    # The text of a body is never longer than its HTML: a short one is not stripped.
    full = {
        ids[e.key]
        for e in entries
        if len(e.body_html) >= enough and len(plain_text(e.body_html)) >= enough
    }
    waiting = sorted(ids[e.key] for e in entries if ids[e.key] not in full)
    now = timezone.now()
    Article.objects.filter(id__in=full, page_body=False).update(
        fulltext_status=FullTextStatus.KEPT, fulltext_code="feed_full_text", fulltext_at=now
    )
    Article.objects.filter(id__in=waiting).update(
        fulltext_status=FullTextStatus.PENDING, fulltext_code="", fulltext_attempts=0,
        fulltext_at=now,
    )  # fmt: skip
    return tuple(waiting)


def section_aliases(outlet: Outlet) -> dict[str, int]:
    """Normalised label -> category id; the outlet's own aliases override global ones."""
    rows = SectionAlias.objects.filter(Q(outlet__isnull=True) | Q(outlet=outlet)).values_list(
        "outlet_id", "label", "section_id"
    )
    # Global rows first (source_id None), so the outlet's own ones overwrite them.
    return {label: section for _, label, section in sorted(rows, key=lambda r: r[0] is not None)}


def _key(entry: ParsedEntry) -> str:
    return entry.key


def _article_row(
    outlet: Outlet, entry: ParsedEntry, aliases: dict[str, int], fetched_at: datetime
) -> tuple[Any, ...]:
    section_id = next(
        (aliases[label] for label in map(normalize_label, entry.categories) if label in aliases),
        None,
    )
    return (
        outlet.id, entry.key, entry.url, entry.title, entry.summary, entry.body_html,
        entry.author, entry.language, section_id, entry.published_at, fetched_at,
        fetched_at, entry.content_hash,
    )  # fmt: skip


def link_images(
    article_urls: Mapping[int, Sequence[str]],
    *,
    replace: Iterable[int] = (),
    fresh: bool = False,
) -> tuple[int, ...]:
    """Create missing Image rows and link them to their articles (article id -> image
    URLs, in order, after any the article has). The links of the ``replace`` articles
    are replaced, unless their body came from their page (its images stay linked);
    ``fresh`` says the other articles have no links yet (they were just inserted).
    Returns the ids of the images seen for the first time."""
    # Sorted: two outlets sharing images insert them in the same order, so that
    # PostgreSQL cannot deadlock them on the unique index.
    urls = sorted({url for found in article_urls.values() for url in found})
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
    replace = list(replace)
    if replace:
        ArticleImage.objects.filter(article_id__in=replace, article__page_body=False).delete()
    # Positions go on from the article's last one: a lead image found later on the
    # page comes after the feed's.
    linked = replace if fresh else list(article_urls)
    start = (
        dict(
            ArticleImage.objects.filter(article_id__in=linked)
            .values("article_id")
            .annotate(last=Max("position"))
            .values_list("article_id", "last")
        )
        if linked
        else {}
    )
    insert_rows(
        ArticleImage,
        ("article", "image", "position"),
        (
            (article_id, image_ids[url], start.get(article_id, -1) + 1 + position)
            for article_id, found in article_urls.items()
            for position, url in enumerate(found)
        ),
        conflict=("article", "image"),
    )
    return tuple(first_seen)
