"""Loose prose made into paragraphs: text and inline runs that sit directly in a
container, cut at double line breaks, are wrapped in <p> before the body is cleaned.
"""

from __future__ import annotations

from typing import Any

from bs4 import BeautifulSoup, Comment, NavigableString, Tag

BLOCK_TAGS = frozenset(
    {"p", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "blockquote", "figure",
     "figcaption", "table", "pre", "dl", "dd", "dt", "tr", "td", "th", "hr"}
)  # fmt: skip


CONTAINER_TAGS = frozenset({"div", "section", "article", "main", "span", "center", "font"})


# Blocks whose loose text is wrapped into paragraphs, and the block-level elements
# (beside BLOCK_TAGS) that end a run of inline content.
WRAPPED_BLOCKS = frozenset({"div", "section", "article", "main", "center", "td", "th", "body"})


BLOCKISH = frozenset(
    {"div", "section", "article", "main", "center", "table", "tbody", "thead", "tfoot",
     "header", "footer", "aside", "nav", "form", "address", "picture"}
)  # fmt: skip


TEXT_BLOCKS = frozenset(
    {"p", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "figcaption", "td", "th", "pre",
     "dt", "dd"}
)  # fmt: skip


def wrap_loose_text(soup: BeautifulSoup, container: Tag) -> None:
    """Put each run of text and inline elements that sits directly in a block next to
    other blocks into a <p>; two <br> in a row end a paragraph (old CMSs and Blogger
    write whole articles as text and <br><br> in one <div> or <td>)."""
    for element in [container, *container.find_all(WRAPPED_BLOCKS)]:
        children = list(element.children)
        if not any(map(_is_inline, children)):
            continue  # blocks only: nothing to wrap
        run: list[Any] = []
        for child in [*children, None]:
            if child is not None and _is_inline(child) and not _is_break(child, run):
                run.append(child)
                continue
            _wrap_run(soup, run)
            run = []
            if child is not None and _is_inline(child):
                child.extract()  # the second <br> of a pair: the paragraph break itself


def _is_inline(child: Any) -> bool:
    """Text, or an element that does not start a block of its own."""
    if isinstance(child, Tag):
        return child.name not in BLOCK_TAGS and child.name not in BLOCKISH
    return isinstance(child, NavigableString) and not isinstance(child, Comment)


def _is_break(child: Any, run: list[Any]) -> bool:
    """True for the second <br> of a pair (only whitespace between them)."""
    if not (isinstance(child, Tag) and child.name == "br"):
        return False
    for previous in reversed(run):
        if isinstance(previous, NavigableString) and not previous.strip():
            continue
        return isinstance(previous, Tag) and previous.name == "br"
    return False


def _wrap_run(soup: BeautifulSoup, run: list[Any]) -> None:
    # The first <br> of a pair and whitespace at the run's ends are not content.
    while run and (
        (isinstance(run[-1], Tag) and run[-1].name == "br")
        or (isinstance(run[-1], NavigableString) and not run[-1].strip())
    ):
        run.pop().extract()
    if not run or not any(
        (isinstance(piece, Tag) and piece.name != "br") or str(piece).strip() for piece in run
    ):
        return
    if len(run) == 1 and isinstance(run[0], Tag) and run[0].name in ("img", "picture"):
        return  # a lone picture needs no paragraph
    paragraph = soup.new_tag("p")
    run[0].insert_before(paragraph)
    for piece in run:
        paragraph.append(piece.extract())
