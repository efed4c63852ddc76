"""Articles' regions in the database: written at each store (``articles.ingest.store``,
inside its transaction) and again on demand (``manage.py regions --retag``).

An article whose regions staff set (``Article.regions_by_staff``) is never touched.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime

from django.db import transaction
from django.db.models.functions import Substr

from articles.lib.sql import insert_rows
from articles.models import Article, ContentVersion, Outlet, Region
from articles.regions.tagger import regions_of
from articles.search.documents import body_text

# The first paragraph, when the feed gave no summary: the body's start.
LEAD_CHARS = 600
BODY_LEAD_HTML = 4000
RETAG_BATCH = 500

Through = Article.regions.through
COLUMNS = ("id", "title", "summary", "body_start", "outlet__kind", "outlet__region__slug")


def lead_of(summary: str, body_html: str) -> str:
    """What the tagger reads beside the title: the summary (a feed's first paragraph),
    else the start of the body."""
    if summary:
        return summary[:LEAD_CHARS]
    return body_text(body_html[:BODY_LEAD_HTML])[:LEAD_CHARS]


def outlet_region(kind: str, region: str | None) -> str | None:
    return region if kind == Outlet.Kind.REGIONAL else None


def tag(article_ids: Iterable[int]) -> int:
    """Tag these articles (those staff did not set) in the caller's transaction, from
    their stored text, replacing the regions they had. Returns how many were tagged."""
    # Only the body's start leaves the database: a body may be a long page.
    articles = Article.objects.filter(id__in=list(article_ids), regions_by_staff=False)
    rows = list(
        articles.annotate(body_start=Substr("body_html", 1, BODY_LEAD_HTML)).values_list(*COLUMNS)
    )
    if not rows:
        return 0
    Through.objects.filter(article_id__in=[row[0] for row in rows]).delete()
    write(
        (article_id, regions_of(title, lead_of(summary, body), outlet_region(kind, region)))
        for article_id, title, summary, body, kind, region in rows
    )
    return len(rows)


def tag_new(outlet: Outlet, texts: Iterable[tuple[int, str, str, str]]) -> None:
    """Tag articles the caller has just inserted for ``outlet``, from the text in hand
    (id, title, summary, body HTML): nothing to read back or replace, and no staff
    decision yet. The ingest's path; ``tag`` is the one for stored articles."""
    ids = Region.objects.ids()
    home = None
    if outlet.kind == Outlet.Kind.REGIONAL and outlet.region_id is not None:
        home = next((slug for slug, pk in ids.items() if pk == outlet.region_id), None)
    write(
        ((article_id, regions_of(title, lead_of(summary, body_html), home))
         for article_id, title, summary, body_html in texts),
        ids,
    )  # fmt: skip


def write(found: Iterable[tuple[int, list[str]]], ids: dict[str, int] | None = None) -> None:
    """Insert the (article, region) rows of ``found``: (article id, region slugs)."""
    ids = ids or Region.objects.ids()
    # One executemany INSERT: the ORM's bulk_create built a model instance per row and
    # cost as much as the tagging itself.
    rows = ((pk, ids[slug]) for pk, slugs in found for slug in slugs)
    insert_rows(Through, ("article", "region"), rows, conflict=("article", "region"))


def batches(since: datetime | None) -> Iterator[list[int]]:
    """Ids of the articles to tag again, oldest id first, a batch at a time."""
    articles = Article.objects.filter(regions_by_staff=False)
    if since is not None:
        articles = articles.filter(published_at__gte=since)
    last = 0
    while True:
        batch = list(
            articles.filter(id__gt=last).order_by("id").values_list("id", flat=True)[:RETAG_BATCH]
        )
        if not batch:
            return
        yield batch
        last = batch[-1]


def retag(since: datetime | None = None) -> int:
    """Tag every article again (or those published since ``since``), but staff's."""
    total = 0
    for batch in batches(since):
        with transaction.atomic():
            total += tag(batch)
            ContentVersion.objects.bump()
    return total
