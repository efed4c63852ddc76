"""Keyset pages of articles, newest first: "older" and "newer" links carry a cursor.

A page is found by an index seek on (published_at, id) and read for its own length, so
page 2,000 costs what page 1 does. The order is stable: published time, then id.
A malformed cursor is not an error: the reader gets the first page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.http import QueryDict

from articles.models import Article, ArticleQuerySet

PAGE_SIZE = 20
CURSOR = re.compile(r"^(-?\d{1,18})-(\d{1,19})$")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)


def encode_cursor(article: Article) -> str:
    """Microseconds since 1970 (negative before it: feeds carry old dates), then id."""
    return f"{(article.published_at - EPOCH) // MICROSECOND}-{article.id}"


def decode_cursor(value: str | None) -> tuple[datetime, int] | None:
    match = CURSOR.match(value or "")
    if match is None:
        return None
    try:
        moment = EPOCH + int(match[1]) * MICROSECOND
    except OverflowError:
        return None
    return moment, int(match[2])


@dataclass(frozen=True)
class Page:
    articles: list[Article]
    older: str | None  # cursor for the next (older) page
    newer: str | None  # cursor for the previous (newer) page

    @property
    def is_first(self) -> bool:
        return self.newer is None


def keyset_page(articles: ArticleQuerySet, params: QueryDict, size: int = PAGE_SIZE) -> Page:
    """One page of ``articles`` (already filtered), from ``?before=`` or ``?after=``."""
    after = decode_cursor(params.get("after"))
    before = None if after else decode_cursor(params.get("before"))
    if after is not None:
        rows = list(articles.newer_than(*after).order_by("published_at", "id")[: size + 1])
        if not rows:  # nothing newer than the cursor: the newest page
            return keyset_page(articles, QueryDict(), size)
        has_newer = len(rows) > size
        rows = rows[:size][::-1]
        return Page(
            rows,
            older=encode_cursor(rows[-1]) if rows else None,
            newer=encode_cursor(rows[0]) if rows and has_newer else None,
        )
    if before is not None:
        articles = articles.older_than(*before)
    rows = list(articles[: size + 1])
    has_older = len(rows) > size
    rows = rows[:size]
    return Page(
        rows,
        older=encode_cursor(rows[-1]) if rows and has_older else None,
        newer=encode_cursor(rows[0]) if rows and before is not None else None,
    )
