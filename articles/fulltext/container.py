"""Where the article is on its page: the usual containers of news sites (ranked), else
the densest block of paragraph text, with the data tables that close a report.
"""

from __future__ import annotations

from bs4 import BeautifulSoup, Tag

from articles.fulltext.boilerplate import is_boilerplate, is_boilerplate_tree
from articles.fulltext.measure import (
    BODY_MARKS,
    MAX_LINK_DENSITY,
    MIN_PARAGRAPH_CHARS,
    body_rank,
    link_density,
    prose_length,
    text_length,
)

MIN_TABLE_ROWS = 3


# A body shorter than this (characters of text) is not an article.
MIN_ARTICLE_CHARS = 200


def find_body(soup: BeautifulSoup) -> list[Tag]:
    """The article's container(s): the fullest match of the first known selector that
    holds an article's worth of prose, else the densest block of paragraphs."""
    # One walk of the page, each element filed under its best mark.
    ranked: dict[int, list[Tag]] = {}
    for element in soup.find_all(True):
        rank = body_rank(element)
        if rank is not None and not is_boilerplate(element):
            ranked.setdefault(rank, []).append(element)
    densest = densest_block(soup)
    for rank in sorted(ranked):
        matches = ranked[rank]
        if BODY_MARKS[rank] == "<article>":
            # <article> is also the teaser card of lists: one among siblings is a card,
            # and a lone one much thinner than the page's densest prose is one too.
            matches = [m for m in matches if not _has_article_siblings(m)]
            if not matches:
                continue
        best = max(matches, key=prose_length)
        prose = prose_length(best)
        if prose < MIN_ARTICLE_CHARS:
            continue
        if BODY_MARKS[rank] == "<article>" and 3 * prose < sum(map(prose_length, densest)):
            return densest
        return [best, *trailing_tables(best)]
    return densest


def trailing_tables(body: Tag) -> list[Tag]:
    """Blocks right after the body that carry a data table (a match sheet, results):
    part of the article as its reader sees it, though outside the theme's container.
    Stops at the first block that is boilerplate or holds no table."""
    found = []
    for sibling in body.find_next_siblings(True):
        table = sibling if sibling.name == "table" else sibling.find("table")
        if (
            is_boilerplate(sibling)
            or not isinstance(table, Tag)
            or len(table.find_all("tr")) < MIN_TABLE_ROWS
            or link_density(sibling) > MAX_LINK_DENSITY
        ):
            break
        found.append(sibling)
    return found


def _has_article_siblings(element: Tag) -> bool:
    parent = element.parent
    return parent is not None and len(parent.find_all("article", recursive=False)) > 1


def densest_block(soup: BeautifulSoup) -> list[Tag]:
    """Score each paragraph's parent by its prose (its grandparent by half), take the
    best, and with it the siblings that carry prose too (a body split by ad slots)."""
    scores: dict[int, float] = {}
    elements: dict[int, Tag] = {}
    page_text = text_length(soup.body) if soup.body is not None else 0
    for paragraph in soup.find_all("p"):
        text = text_length(paragraph)
        if text < MIN_PARAGRAPH_CHARS or is_boilerplate_tree(paragraph, page_text):
            continue
        score = text * (1 - link_density(paragraph, text))
        for ancestor, weight in zip(paragraph.parents, (1.0, 0.5), strict=False):
            if not isinstance(ancestor, Tag) or ancestor.name in ("body", "html", "[document]"):
                break
            elements[id(ancestor)] = ancestor
            scores[id(ancestor)] = scores.get(id(ancestor), 0.0) + score * weight
    if not scores:
        return []
    best = elements[max(scores, key=lambda key: scores[key])]
    floor = max(MIN_PARAGRAPH_CHARS, 0.2 * scores[id(best)])
    parts = []
    for sibling in best.parent.children if best.parent is not None else [best]:
        if not isinstance(sibling, Tag):
            continue
        if sibling is best or (
            not is_boilerplate(sibling) and scores.get(id(sibling), 0.0) >= floor
        ):
            parts.append(sibling)
    return parts
