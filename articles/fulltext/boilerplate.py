"""What is not the article inside its container: share bars, "read also" lists, ads,
comments, link farms; told apart by class words, link density and text.
"""

from __future__ import annotations

import re
from typing import Any

from bs4 import Tag

from articles.fulltext.measure import (
    MAX_LINK_DENSITY,
    body_rank,
    link_density,
    prose_length,
    text_length,
)
from articles.fulltext.prose import BLOCK_TAGS, CONTAINER_TAGS

# Never part of an article, wherever they are.
DROP_TAGS = (
    "script", "style", "noscript", "template", "iframe", "object", "embed", "form",
    "input", "button", "select", "textarea", "svg", "math", "canvas", "video", "audio",
    "nav", "aside", "footer", "header", "link", "meta", "ins", "dialog", "h1",
)  # fmt: skip


# class or id words of blocks that are not the article. Matched as whole words of the
# attribute split on spaces, dashes and underscores ("share-bar", "related_posts").
BOILERPLATE_WORDS = frozenset(
    {
        "share", "sharing", "sharer", "social", "related", "relatedposts", "readmore",
        "newsletter", "subscribe", "subscription", "comment", "comments", "respond",
        "disqus", "author", "byline", "bio", "ad", "ads", "advert", "advertisement",
        "adsbygoogle", "adslot", "sponsor", "sponsored", "promo", "promoted", "tags",
        "tag", "breadcrumb", "breadcrumbs", "sidebar", "popular", "trending", "slider",
        "carousel", "swiper",
        "mostread", "cookie", "cookies", "modal", "popup", "pagination", "pager", "nav",
        "navigation", "menu", "footer", "header", "meta", "print", "outbrain", "taboola",
        "recommended", "banner", "newsletters", "signup", "also",
    }
)  # fmt: skip


WORD_SPLIT = re.compile(r"[\s_\-]+")


STATE_PREFIXES = ("no-", "has-", "is-", "with-", "without-", "hide-", "show-", "js-")


# An element with this share of the page's text is a layout wrapper, whatever its name.
WRAPPER_SHARE = 0.6


# Two-word class names that mean boilerplate only together ("read-also", "post-meta").
BOILERPLATE_PAIRS = (("read", "more"), ("read", "also"), ("most", "read"), ("ad", "slot"))


# How "read also" blocks start, in Arabic and French.
READ_ALSO = re.compile(
    r"^\W*(?:[اإ]قرأ\s+(?:أيضا|أيضاً|ايضا|كذلك)|مواضيع\s+ذات\s+صلة|ذات\s+صلة|مقالات\s+ذات\s+صلة"
    r"|(?:à\s+)?lire\s+aussi|voir\s+aussi|sur\s+le\s+même\s+sujet|read\s+(?:also|more))",
    re.IGNORECASE,
)


def _class_words(element: Tag) -> list[str]:
    classes: Any = element.get("class") or []
    classes = classes if isinstance(classes, list) else str(classes).split()
    # A BEM modifier ("node--promoted") qualifies a block, it does not say what the
    # block is; a state ("no-share", "has-sidebar", "is-sticky") neither.
    names = " ".join(
        name.split("--", 1)[0] for name in classes if not name.lower().startswith(STATE_PREFIXES)
    )
    return WORD_SPLIT.split(f"{names} {element.get('id') or ''}".lower().strip())


def is_boilerplate(element: Tag) -> bool:
    if body_rank(element) is not None and element.name != "article":
        return False  # "entry-content share-on" is the body, whatever else it says
    words = _class_words(element)
    if any(word in BOILERPLATE_WORDS for word in words):
        return True
    joined = set(zip(words, words[1:], strict=False))
    return (
        any(pair in joined for pair in BOILERPLATE_PAIRS)
        or "role" in element.attrs
        and str(element.get("role")) in ("navigation", "complementary", "banner", "contentinfo")
    )


def is_boilerplate_tree(element: Tag, page_text: int) -> bool:
    """True if ``element`` or one of its ancestors is boilerplate. An ancestor holding
    most of the page's text is a layout wrapper ("main sidebar-right"), not a block."""
    node: Tag | None = element
    while node is not None and node.name not in ("body", "html", "[document]"):
        if is_boilerplate(node) and text_length(node) < WRAPPER_SHARE * page_text:
            return True
        node = node.parent
    return False


def drop_boilerplate(container: Tag) -> None:
    """Drop share bars, related and "read also" blocks, ads, bylines and link lists
    inside ``container``, but never a block that holds most of its prose."""
    whole = max(prose_length(container), 1)
    for element in list(container.find_all(True)):
        if element.decomposed or element.parent is None:
            continue
        if element.name in ("img", "br", "hr", "figure", "figcaption", "picture", "source"):
            continue
        if element.name == "a" and element.find("img") is not None:
            continue
        if is_boilerplate(element) and prose_length(element) < 0.5 * whole:
            element.decompose()
            continue
        text = text_length(element)
        is_block = element.name in BLOCK_TAGS or element.name in CONTAINER_TAGS
        if not is_block:
            continue
        if READ_ALSO.match(element.get_text(" ").strip()) and text < 400:
            _drop_with_list(element)
            continue
        if (
            text
            and element.find("img") is None
            and link_density(element, text) > (0.8 if element.name == "p" else MAX_LINK_DENSITY)
        ):
            element.decompose()
            continue
        if not text and element.find(("img", "br", "hr")) is None:
            element.decompose()


def _drop_with_list(element: Tag) -> None:
    """A "read also" heading takes the list of links after it along."""
    following = element.find_next_sibling()
    if following is not None and following.name in ("ul", "ol") and link_density(following) > 0.5:
        following.decompose()
    element.decompose()
