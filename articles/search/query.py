"""A reader's search: the query, filters and cursor in, one page of article ids out."""

from __future__ import annotations

import re
from typing import Literal

from articles.search.documents import Filters, Hit, article_id_of
from articles.search.engines import Bounds, current_engine
from articles.search.words import Query

RELEVANCE_POOL = 2000  # "by relevance" ranks the newest this many matches


Order = Literal["newest", "relevance"]


NEWEST_CURSOR = re.compile(r"^k(-?\d{1,19})$")


RELEVANCE_CURSOR = re.compile(r"^r(-?\d+(?:\.\d+)?(?:e-?\d+)?)_(-?\d{1,19})$")


def find(
    query: Query, filters: Filters, *, order: Order = "newest", after: str = "", limit: int = 20
) -> list[Hit]:
    """Articles holding every phrase of ``query``, best first; ``after`` is the cursor
    of the last hit of the previous page (a malformed one starts from the top)."""
    if not query:
        return []
    bounds = Bounds.of(filters)
    backend = current_engine()
    if order == "relevance":
        match = RELEVANCE_CURSOR.match(after)
        position = (float(match[1]), int(match[2])) if match else None
        if position is not None and not is_sort_key(position[1]):
            position = None
        # Ranked among the newest RELEVANCE_POOL matches: scoring every match of a
        # common word costs 100 ms (SQLite) to 500 ms (PostgreSQL), and a news reader
        # wants the best of what is recent.
        newest = backend.newest(query, filters, bounds, RELEVANCE_POOL)
        if len(newest) == RELEVANCE_POOL:
            bounds = Bounds(newest[-1], bounds.high)
        rows = backend.by_relevance(query, filters, bounds, position, limit)
        return [Hit(article_id_of(key), f"r{score!r}_{key}") for key, score in rows]
    match = NEWEST_CURSOR.match(after)
    if match and is_sort_key(int(match[1])):
        bounds = bounds.below(int(match[1]))
    return [
        Hit(article_id_of(key), f"k{key}")
        for key in current_engine().newest(query, filters, bounds, limit)
    ]


def is_sort_key(value: int) -> bool:
    """A cursor past a signed 64-bit integer names no sort key (and SQLite cannot even
    compare with it): it is malformed, and the search starts from the top."""
    return -(2**63) <= value < 2**63
