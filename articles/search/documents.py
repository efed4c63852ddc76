"""What the index holds for one article, and how it is keyed: the published second and
the id packed into one sortable integer; what a search can be filtered by.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import nh3

from articles.lib.text import plain_text
from articles.search.words import FieldTerms, field_terms

ID_BITS = 30


MAX_ID = (1 << ID_BITS) - 1


MAX_SECONDS = 1 << 32  # about 1834 to 2106; dates outside sort at the ends


BODY_TEXT = nh3.Cleaner(tags=set(), clean_content_tags={"script", "style"})


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


ARTICLE_COLUMNS = ("id", "title", "summary", "body_html", "published_at", "outlet_id",
                   "section_id")  # fmt: skip


@dataclass(frozen=True)
class Document:
    article_id: int
    sort_key: int
    outlet_id: int
    section_id: int | None
    title: FieldTerms
    body: FieldTerms


def body_text(body_html: str) -> str:
    """A sanitized body as one line of text."""
    return plain_text(BODY_TEXT.clean(body_html)) if body_html else ""


def document(row: Sequence[Any]) -> Document:
    article_id, title, summary, body_html, published_at, outlet_id, section_id = row
    return Document(
        article_id=article_id,
        sort_key=sort_key(published_at, article_id),
        outlet_id=outlet_id,
        section_id=section_id,
        title=field_terms(title),
        body=field_terms(f"{summary}\n{body_text(body_html)}"),
    )


@dataclass(frozen=True)
class Filters:
    outlet_id: int | None = None
    section_id: int | None = None
    since: datetime | None = None  # inclusive
    until: datetime | None = None  # exclusive


@dataclass(frozen=True)
class Hit:
    article_id: int
    cursor: str
