"""One page of the articles list: the filters resolved, then either the site's keyset
pages (newest first) or, with ``q``, the site's search, newest first. Every article once
over the pages; the cursor is the one the next page starts after."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from django.http import QueryDict
from django.utils import timezone
from ninja.errors import HttpError

from articles.api.schemas import ArticleFilters
from articles.models import Article, ArticleQuerySet, Outlet, Region, Section, StoryMove
from articles.search.documents import Filters
from articles.search.query import NEWEST_CURSOR, find, is_sort_key
from articles.search.words import Query, parse_query
from articles.site.paging import CURSOR, decode_cursor, keyset_page
from articles.site.reading import with_images

# With both `q` and `lang`, search hits are read in batches and kept by language: at
# most this many batches per page (a page of a rare language may then come up short,
# and its `next` goes on from where the reading stopped).
LANGUAGE_BATCHES = 10
LANGUAGE_BATCH = 100


@dataclass(frozen=True)
class ListPage:
    articles: list[Article]
    cursor: str | None  # where the next page starts, None on the last


def article_page(filters: ArticleFilters) -> ListPage:
    outlet_id = resolve(Outlet, "outlet", filters.outlet)
    section_id = resolve(Section, "section", filters.section)
    region_id = resolve(Region, "region", filters.region)
    since, until = moment("since", filters.since), moment("until", filters.until)
    story_id = _story(filters.story)
    if filters.q is not None and filters.q.strip():
        found = Filters(outlet_id, section_id, since, until)
        return _search(filters, found, region_id, story_id)
    articles = Article.objects.listed()
    if story_id is not None:
        articles = articles.filter(story_id=story_id)
    if region_id is not None:
        articles = articles.in_region(region_id)
    if outlet_id is not None:
        articles = articles.filter(outlet_id=outlet_id)
    if section_id is not None:
        articles = articles.filter(section_id=section_id)
    if filters.lang is not None:
        articles = articles.filter(language=filters.lang)
    if since is not None:
        articles = articles.filter(published_at__gte=since)
    if until is not None:
        articles = articles.filter(published_at__lt=until)
    return _keyset(articles, filters)


def resolve(
    model: type[Outlet] | type[Section] | type[Region], name: str, slug: str | None
) -> int | None:
    if slug is None:
        return None
    found = model.objects.filter(slug=slug).values_list("id", flat=True).first()
    if found is None:
        raise HttpError(400, f"{name}: no {name} with slug {slug!r}")
    return int(found)


def _story(story_id: int | None) -> int | None:
    """The story readers know by ``story_id``: the one it was merged into if it was
    (its `next` addresses keep working, as its page redirects), a 400 if none, or if
    staff hid all its reports (as its own answer is then a 404)."""
    if story_id is None:
        return None
    moved = StoryMove.objects.filter(old_id=story_id).values_list("story_id", flat=True)
    found = moved.first() or story_id
    if not Article.objects.visible().filter(story_id=found).exists():
        raise HttpError(400, f"story: no story with id {story_id}")
    return found


def moment(name: str, value: datetime | None) -> datetime | None:
    """An aware datetime (a date without an offset is Morocco's time), or a 400 for one
    the databases cannot hold."""
    if value is None:
        return None
    try:
        aware = value if timezone.is_aware(value) else timezone.make_aware(value)
        aware.astimezone(UTC)
    except (OverflowError, ValueError):
        raise HttpError(400, f"{name}: out of range") from None
    return aware


def _keyset(articles: ArticleQuerySet, filters: ArticleFilters) -> ListPage:
    params = QueryDict(mutable=True)
    if filters.before is not None:
        if not CURSOR.match(filters.before) or decode_cursor(filters.before) is None:
            raise HttpError(400, "before: not a cursor of this list (use its `next`)")
        params["before"] = filters.before
    page = keyset_page(articles, params, size=filters.limit)
    return ListPage(with_images(page.articles), page.older)


def _search(
    filters: ArticleFilters, found: Filters, region_id: int | None, story_id: int | None
) -> ListPage:
    """With ``region`` or ``story``, the search's hits are then kept by them: a page may
    come short, and its ``next`` goes on from where the hits stopped."""
    after = filters.before or ""
    position = NEWEST_CURSOR.match(after)
    if after and (position is None or not is_sort_key(int(position[1]))):
        raise HttpError(400, "before: not a cursor of this search (use its `next`)")
    query = parse_query(filters.q or "")
    if filters.lang is None:
        hits = find(query, found, order="newest", after=after, limit=filters.limit + 1)
        page = [(hit.article_id, hit.cursor) for hit in hits[: filters.limit]]
        cursor = page[-1][1] if len(hits) > filters.limit else None
    else:
        page, cursor = _search_language(query, found, after, filters.lang, filters.limit)
    shown = Article.objects.visible()
    if region_id is not None:
        shown = shown.in_region(region_id)
    if story_id is not None:
        shown = shown.filter(story_id=story_id)
    by_id = shown.select_related("outlet", "section").in_bulk([i for i, _ in page])
    return ListPage(with_images(by_id[i] for i, _ in page if i in by_id), cursor)


def _search_language(
    query: Query, found: Filters, after: str, language: str, limit: int
) -> tuple[list[tuple[int, str]], str | None]:
    """Hits in ``language`` only: the index knows no language, so hits are read in
    batches and kept by their article's. Returns (article id, cursor) pairs and where
    the next page starts."""
    kept: list[tuple[int, str]] = []
    for _ in range(LANGUAGE_BATCHES):
        hits = find(query, found, order="newest", after=after, limit=LANGUAGE_BATCH)
        ids = [hit.article_id for hit in hits]
        languages = dict(Article.objects.filter(id__in=ids).values_list("id", "language"))
        for hit in hits:
            if languages.get(hit.article_id) == language:
                if len(kept) == limit:
                    return kept, kept[-1][1]  # one more exists: go on after the last kept
                kept.append((hit.article_id, hit.cursor))
            after = hit.cursor
        if len(hits) < LANGUAGE_BATCH:
            return kept, None
    return kept, after  # read enough for one request: go on from where it stopped
