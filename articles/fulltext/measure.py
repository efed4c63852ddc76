"""Measures of one block of a page: its text, the share of it that is links, its
paragraph prose, and its rank as a known body container.
"""

from __future__ import annotations

from typing import Any

from bs4 import Tag


def body_rank(element: Tag) -> int | None:
    marks = [f"<{element.name}>"]
    marks.extend(f"itemprop={prop}" for prop in str(element.get("itemprop") or "").split())
    if element.get("id"):
        marks.append(f"#{element.get('id')}")
    classes: Any = element.get("class") or []
    marks.extend(classes if isinstance(classes, list) else [str(classes)])
    ranks = [BODY_RANK[mark] for mark in marks if mark in BODY_RANK]
    return min(ranks) if ranks else None


# A paragraph counts towards a block's density from this length on.
MIN_PARAGRAPH_CHARS = 30
# Where themes put the article, in the order tried; the fullest match of each wins.
# Each is a class, an id ("#..."), an itemprop ("itemprop=...") or a tag ("<...>").
BODY_MARKS = (
    "itemprop=articleBody", "entry-content", "post-content", "article-content",
    "article-body", "article__body", "article-text", "td-post-content", "single-content",
    "post-body", "story-body", "news-content", "content-article", "#article-body",
    "<article>",
)  # fmt: skip
BODY_RANK = {mark: rank for rank, mark in enumerate(BODY_MARKS)}
# A block whose text is mostly link text is navigation, not prose.
MAX_LINK_DENSITY = 0.5


def prose_length(element: Tag) -> int:
    """Characters of paragraph text in ``element`` that is not link text."""
    total = 0
    for paragraph in element.find_all(("p", "li", "h2", "h3", "blockquote")):
        if paragraph.find_parent(("p", "li", "blockquote")) is not None:
            continue
        text = text_length(paragraph)
        if text >= MIN_PARAGRAPH_CHARS and link_density(paragraph, text) < MAX_LINK_DENSITY:
            total += text
    return total


def text_length(element: Tag) -> int:
    return len(" ".join(element.get_text(" ").split()))


def link_density(element: Tag, text: int | None = None) -> float:
    total = text_length(element) if text is None else text
    if not total:
        return 0.0
    linked = sum(text_length(link) for link in element.find_all("a"))
    return min(1.0, linked / total)
