"""Take an article's body, lead image and metadata from its page, with BeautifulSoup.

``extract_article`` never raises on bad input: it decodes the bytes (HTTP charset,
then ``<meta charset>``, then a check that valid UTF-8 or Arabic legacy bytes are not
misread), reads the page's metadata (``og:image``, ``twitter:image``, meta tags,
JSON-LD ``NewsArticle``), finds the body (the outlet's CSS selector when staff set
one, else the usual containers, else the densest block of paragraph text), drops the
boilerplate inside it (share bars, "اقرأ أيضا" blocks, related links, ads, comments,
newsletter and author boxes, link-dense blocks) and returns it cleaned by the same nh3
policy as feed bodies. Nothing here touches the network or the database.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import lxml.etree
import lxml.html
import soupsieve
from bs4 import BeautifulSoup, Comment, NavigableString, Tag
from bs4.dammit import EncodingDetector
from django.core.exceptions import ValidationError
from django.utils.html import escape
from django.utils.translation import gettext as _

from articles.charset import HEADER_CHARSET, charset_override
from articles.parse import (
    MAX_AUTHOR_LENGTH,
    dated,
    http_url,
    is_tracking_pixel,
    prepare_images,
)
from articles.sanitize import clean_html
from articles.text import plain_text

EXTRACTED = "extracted"
NO_ARTICLE_FOUND = "no_article_found"
MAX_SELECTOR_LENGTH = 1000
# A body shorter than this (characters of text) is not an article.
MIN_ARTICLE_CHARS = 200
# A paragraph counts towards a block's density from this length on.
MIN_PARAGRAPH_CHARS = 30
MAX_JSON_LD_BYTES = 2 * 1024 * 1024
MIN_TABLE_ROWS = 3
# Where themes put the article, in the order tried; the fullest match of each wins.
# Each is a class, an id ("#..."), an itemprop ("itemprop=...") or a tag ("<...>").
BODY_MARKS = (
    "itemprop=articleBody", "entry-content", "post-content", "article-content",
    "article-body", "article__body", "article-text", "td-post-content", "single-content",
    "post-body", "story-body", "news-content", "content-article", "#article-body",
    "<article>",
)  # fmt: skip
BODY_RANK = {mark: rank for rank, mark in enumerate(BODY_MARKS)}
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
# A block whose text is mostly link text is navigation, not prose.
MAX_LINK_DENSITY = 0.5
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
ARTICLE_TYPES = frozenset(
    {"newsarticle", "article", "reportagenewsarticle", "analysisnewsarticle", "blogposting",
     "opinionnewsarticle", "reviewnewsarticle", "backgroundnewsarticle", "report",
     "liveblogposting", "socialmediaposting"}
)  # fmt: skip


@dataclass(frozen=True)
class Extraction:
    """What a page gave: ``code`` is EXTRACTED or NO_ARTICLE_FOUND (then the body and
    text are empty, and the metadata may still be there)."""

    code: str
    body_html: str = ""
    text: str = ""
    image_urls: tuple[str, ...] = ()
    lead_image: str = ""
    author: str = ""
    published_at: datetime | None = None

    @property
    def found(self) -> bool:
        return self.code == EXTRACTED


@dataclass
class _Metadata:
    lead_image: str = ""
    author: str = ""
    published: str = ""
    json_ld_body: str = ""


def selector_error(selector: str) -> str:
    """Why ``selector`` is not a CSS selector BeautifulSoup can use (in English, from
    soupsieve), or '' if it is one (or empty)."""
    if not selector.strip():
        return ""
    if len(selector) > MAX_SELECTOR_LENGTH:
        return f"longer than {MAX_SELECTOR_LENGTH} characters"
    try:
        soupsieve.compile(selector)
    except (soupsieve.SelectorSyntaxError, ValueError, TypeError) as error:
        return str(error).splitlines()[0][:200] or "not a CSS selector"
    return ""


def validate_selector(selector: str) -> None:
    """The form validator of the outlet's selectors (admin)."""
    error = selector_error(selector)
    if error:
        raise ValidationError(
            _("محدد CSS غير صالح: %(error)s"), code="bad_selector", params={"error": error}
        )


def decode_page(body: bytes, headers: Mapping[str, str]) -> str:
    """The page's text: the HTTP charset, else ``<meta charset>`` / ``http-equiv``, unless
    the bytes plainly contradict the label (articles.charset), else UTF-8."""
    for mark, name in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                       (codecs.BOM_UTF16_BE, "utf-16")):  # fmt: skip
        if body.startswith(mark):
            return body.decode(name, errors="replace")
    lowered = {k.lower(): v for k, v in headers.items()}
    match = HEADER_CHARSET.search(lowered.get("content-type", ""))
    declared = match.group(1).lower() if match else ""
    if not declared:
        found = EncodingDetector.find_declared_encoding(body[:8192], is_html=True)
        declared = (found or "").strip().lower()
    charset = charset_override(body, lowered, declared=declared) or declared or "utf-8"
    try:
        codecs.lookup(charset)
    except LookupError:
        charset = "utf-8"
    if charset in ("iso-8859-1", "latin-1", "latin1", "ascii", "us-ascii"):
        charset = "windows-1252"  # what browsers read these labels as (WHATWG Encoding)
    return body.decode(charset, errors="replace")


def extract_article(
    body: bytes,
    *,
    url: str,
    headers: Mapping[str, str] | None = None,
    body_selector: str = "",
    drop_selector: str = "",
) -> Extraction:
    """The article in ``body`` (an HTML page served from ``url``); see the module
    docstring. Selectors are the outlet's, already checked by ``validate_selector``."""
    soup = BeautifulSoup(decode_page(body, headers or {}), "lxml")
    meta = _metadata(soup, url)
    for element in soup.find_all(DROP_TAGS):
        element.decompose()
    for comment in soup.find_all(string=lambda s: isinstance(s, Comment)):
        comment.extract()
    if drop_selector.strip():
        for element in _select(soup, drop_selector):
            element.decompose()
    if soup.body is not None:
        # Prose written straight into <div>s becomes paragraphs, to be found as such.
        _wrap_loose_text(soup, soup.body)
    parts = _select(soup, body_selector)[:1] if body_selector.strip() else []
    if not parts:
        parts = _find_body(soup)
    body_html, text = "", ""
    images: list[str] = []
    if parts:
        for part in parts:
            _drop_boilerplate(part)
        body_html = clean_html(prepare_images(_serialise(parts), url), url, images)
        text = block_text(body_html)
    paragraphs = [plain_text(line) for line in meta.json_ld_body[:MAX_JSON_LD_BYTES].splitlines()]
    paragraphs = [line for line in paragraphs if line]
    if sum(map(len, paragraphs)) > max(len(text) * 1.2, MIN_ARTICLE_CHARS):
        # The page's HTML holds a teaser or a script's shell; JSON-LD the article.
        body_html = "".join(f"<p>{escape(line)}</p>" for line in paragraphs)
        text, images = "\n".join(paragraphs), []
    lead = meta.lead_image
    published = dated(meta.published)
    author = plain_text(meta.author, MAX_AUTHOR_LENGTH)
    if len(text) < MIN_ARTICLE_CHARS:
        return Extraction(NO_ARTICLE_FOUND, lead_image=lead, author=author, published_at=published)
    image_urls = []
    for image in images:
        absolute = http_url(image, url)
        if absolute and absolute not in image_urls and not is_tracking_pixel(absolute):
            image_urls.append(absolute)
    return Extraction(EXTRACTED, body_html, text, tuple(image_urls), lead, author, published)


def block_text(html: str) -> str:
    """The text of sanitized HTML, one line per paragraph, heading, item or caption."""
    if not html:
        return ""
    try:
        root = lxml.html.fragment_fromstring(html, create_parent="div")
    except (lxml.etree.ParserError, ValueError):
        return plain_text(html, 1_000_000)
    lines = []
    for element in root.iter(*TEXT_BLOCKS):
        if any(child.tag in TEXT_BLOCKS for child in element.iterdescendants()):
            continue  # its inner blocks are lines of their own
        line = " ".join(element.text_content().split())
        if line:
            lines.append(line)
    return "\n".join(lines)


def _select(soup: BeautifulSoup | Tag, selector: str) -> list[Tag]:
    try:
        return list(soup.select(selector))
    except (soupsieve.SelectorSyntaxError, ValueError, TypeError):
        return []  # checked when staff saved it; an old bad value selects nothing


# ---------------------------------------------------------------------------------------
# Metadata: meta tags and JSON-LD
# ---------------------------------------------------------------------------------------


def _metadata(soup: BeautifulSoup, url: str) -> _Metadata:
    meta = _Metadata()
    found: dict[str, str] = {}
    for tag in soup.find_all("meta"):
        name = str(tag.get("property") or tag.get("name") or tag.get("itemprop") or "").lower()
        content = str(tag.get("content") or "").strip()
        if name and content and name not in found:
            found[name] = content
    article = _json_ld_article(soup)
    for candidate in (
        found.get("og:image:secure_url"), found.get("og:image"), found.get("og:image:url"),
        found.get("twitter:image"), found.get("twitter:image:src"),
        _json_ld_image(article.get("image")), _microdata_image(soup),
    ):  # fmt: skip
        image = http_url(candidate or "", url)
        if image and not is_tracking_pixel(image):
            meta.lead_image = image
            break
    authors = [found.get("author", ""), found.get("article:author", ""),
               _json_ld_name(article.get("author")), found.get("dc.creator", ""),
               _microdata(soup, "author")]  # fmt: skip
    # article:author is often the author's page: a URL is not a name.
    meta.author = next((a for a in authors if a and not a.startswith(("http://", "https://"))), "")
    meta.published = (
        found.get("article:published_time")
        or found.get("datepublished")
        or str(article.get("datePublished") or "")
        or found.get("og:published_time", "")
        or _microdata(soup, "datePublished")
    )
    body = article.get("articleBody")
    meta.json_ld_body = body if isinstance(body, str) else ""
    return meta


def _microdata(soup: BeautifulSoup, prop: str) -> str:
    """A schema.org microdata value (``itemprop``) outside meta tags: its machine value
    (content, datetime, title) or its name or text."""
    element = soup.find(True, attrs={"itemprop": re.compile(rf"(^|\s){prop}(\s|$)")})
    if not isinstance(element, Tag):
        return ""
    for attribute in ("content", "datetime", "title"):
        if element.get(attribute) and element.name != "a":
            return str(element.get(attribute))
    named = element.find(True, attrs={"itemprop": "name"})
    source = named if isinstance(named, Tag) else element
    value = source.get("content") or source.get_text(" ")
    return " ".join(str(value).split())[:MAX_AUTHOR_LENGTH]


def _microdata_image(soup: BeautifulSoup) -> str:
    """The schema.org microdata image (an ImageObject or an <img itemprop="image">)."""
    element = soup.find(True, attrs={"itemprop": re.compile(r"(^|\s)image(\s|$)")})
    if not isinstance(element, Tag):
        return ""
    for candidate in (element, element.find(True, attrs={"itemprop": ["url", "contentUrl"]}),
                      element.find("img")):  # fmt: skip
        if isinstance(candidate, Tag):
            value = candidate.get("content") or candidate.get("src") or candidate.get("href")
            if value:
                return str(value)
    return ""


def _json_ld_article(soup: BeautifulSoup) -> dict[str, Any]:
    """The page's JSON-LD article (NewsArticle and kin), the first one, or {}."""
    for script in soup.find_all("script", attrs={"type": re.compile(r"ld\+json", re.I)}):
        raw = script.string or script.get_text()
        if not raw or len(raw) > MAX_JSON_LD_BYTES:
            continue
        try:
            data = json.loads(raw, strict=False)
        except (ValueError, RecursionError):
            continue
        for item in _json_ld_items(data):
            kinds = item.get("@type")
            kinds = kinds if isinstance(kinds, list) else [kinds]
            if any(isinstance(k, str) and k.lower() in ARTICLE_TYPES for k in kinds):
                return item
    return {}


def _json_ld_items(data: Any, depth: int = 0) -> Iterator[dict[str, Any]]:
    if depth > 4:
        return
    if isinstance(data, list):
        for item in data:
            yield from _json_ld_items(item, depth + 1)
    elif isinstance(data, dict):
        yield data
        graph = data.get("@graph")
        if graph is not None:
            yield from _json_ld_items(graph, depth + 1)


def _json_ld_image(value: Any) -> str:
    if isinstance(value, list):
        return next((found for found in map(_json_ld_image, value) if found), "")
    if isinstance(value, dict):
        return str(value.get("url") or value.get("contentUrl") or "")
    return value if isinstance(value, str) else ""


def _json_ld_name(value: Any) -> str:
    if isinstance(value, list):
        return "، ".join(name for name in map(_json_ld_name, value[:5]) if name)
    if isinstance(value, dict):
        return str(value.get("name") or "")
    return value if isinstance(value, str) else ""


# ---------------------------------------------------------------------------------------
# Finding the body
# ---------------------------------------------------------------------------------------


def _find_body(soup: BeautifulSoup) -> list[Tag]:
    """The article's container(s): the fullest match of the first known selector that
    holds an article's worth of prose, else the densest block of paragraphs."""
    # One walk of the page, each element filed under its best mark.
    ranked: dict[int, list[Tag]] = {}
    for element in soup.find_all(True):
        rank = _body_rank(element)
        if rank is not None and not _is_boilerplate(element):
            ranked.setdefault(rank, []).append(element)
    densest = _densest_block(soup)
    for rank in sorted(ranked):
        matches = ranked[rank]
        if BODY_MARKS[rank] == "<article>":
            # <article> is also the teaser card of lists: one among siblings is a card,
            # and a lone one much thinner than the page's densest prose is one too.
            matches = [m for m in matches if not _has_article_siblings(m)]
            if not matches:
                continue
        best = max(matches, key=_prose_length)
        prose = _prose_length(best)
        if prose < MIN_ARTICLE_CHARS:
            continue
        if BODY_MARKS[rank] == "<article>" and 3 * prose < sum(map(_prose_length, densest)):
            return densest
        return [best, *_trailing_tables(best)]
    return densest


def _trailing_tables(body: Tag) -> list[Tag]:
    """Blocks right after the body that carry a data table (a match sheet, results):
    part of the article as its reader sees it, though outside the theme's container.
    Stops at the first block that is boilerplate or holds no table."""
    found = []
    for sibling in body.find_next_siblings(True):
        table = sibling if sibling.name == "table" else sibling.find("table")
        if (
            _is_boilerplate(sibling)
            or not isinstance(table, Tag)
            or len(table.find_all("tr")) < MIN_TABLE_ROWS
            or _link_density(sibling) > MAX_LINK_DENSITY
        ):
            break
        found.append(sibling)
    return found


def _has_article_siblings(element: Tag) -> bool:
    parent = element.parent
    return parent is not None and len(parent.find_all("article", recursive=False)) > 1


def _body_rank(element: Tag) -> int | None:
    marks = [f"<{element.name}>"]
    marks.extend(f"itemprop={prop}" for prop in str(element.get("itemprop") or "").split())
    if element.get("id"):
        marks.append(f"#{element.get('id')}")
    classes: Any = element.get("class") or []
    marks.extend(classes if isinstance(classes, list) else [str(classes)])
    ranks = [BODY_RANK[mark] for mark in marks if mark in BODY_RANK]
    return min(ranks) if ranks else None


def _prose_length(element: Tag) -> int:
    """Characters of paragraph text in ``element`` that is not link text."""
    total = 0
    for paragraph in element.find_all(("p", "li", "h2", "h3", "blockquote")):
        if paragraph.find_parent(("p", "li", "blockquote")) is not None:
            continue
        text = _text_length(paragraph)
        if text >= MIN_PARAGRAPH_CHARS and _link_density(paragraph, text) < MAX_LINK_DENSITY:
            total += text
    return total


def _densest_block(soup: BeautifulSoup) -> list[Tag]:
    """Score each paragraph's parent by its prose (its grandparent by half), take the
    best, and with it the siblings that carry prose too (a body split by ad slots)."""
    scores: dict[int, float] = {}
    elements: dict[int, Tag] = {}
    page_text = _text_length(soup.body) if soup.body is not None else 0
    for paragraph in soup.find_all("p"):
        text = _text_length(paragraph)
        if text < MIN_PARAGRAPH_CHARS or _is_boilerplate_tree(paragraph, page_text):
            continue
        score = text * (1 - _link_density(paragraph, text))
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
            not _is_boilerplate(sibling) and scores.get(id(sibling), 0.0) >= floor
        ):
            parts.append(sibling)
    return parts


# ---------------------------------------------------------------------------------------
# Dropping what is not the article
# ---------------------------------------------------------------------------------------


def _class_words(element: Tag) -> list[str]:
    classes: Any = element.get("class") or []
    classes = classes if isinstance(classes, list) else str(classes).split()
    # A BEM modifier ("node--promoted") qualifies a block, it does not say what the
    # block is; a state ("no-share", "has-sidebar", "is-sticky") neither.
    names = " ".join(
        name.split("--", 1)[0] for name in classes if not name.lower().startswith(STATE_PREFIXES)
    )
    return WORD_SPLIT.split(f"{names} {element.get('id') or ''}".lower().strip())


def _is_boilerplate(element: Tag) -> bool:
    if _body_rank(element) is not None and element.name != "article":
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


def _is_boilerplate_tree(element: Tag, page_text: int) -> bool:
    """True if ``element`` or one of its ancestors is boilerplate. An ancestor holding
    most of the page's text is a layout wrapper ("main sidebar-right"), not a block."""
    node: Tag | None = element
    while node is not None and node.name not in ("body", "html", "[document]"):
        if _is_boilerplate(node) and _text_length(node) < WRAPPER_SHARE * page_text:
            return True
        node = node.parent
    return False


def _text_length(element: Tag) -> int:
    return len(" ".join(element.get_text(" ").split()))


def _link_density(element: Tag, text: int | None = None) -> float:
    total = _text_length(element) if text is None else text
    if not total:
        return 0.0
    linked = sum(_text_length(link) for link in element.find_all("a"))
    return min(1.0, linked / total)


def _drop_boilerplate(container: Tag) -> None:
    """Drop share bars, related and "read also" blocks, ads, bylines and link lists
    inside ``container``, but never a block that holds most of its prose."""
    whole = max(_prose_length(container), 1)
    for element in list(container.find_all(True)):
        if element.decomposed or element.parent is None:
            continue
        if element.name in ("img", "br", "hr", "figure", "figcaption", "picture", "source"):
            continue
        if element.name == "a" and element.find("img") is not None:
            continue
        if _is_boilerplate(element) and _prose_length(element) < 0.5 * whole:
            element.decompose()
            continue
        text = _text_length(element)
        is_block = element.name in BLOCK_TAGS or element.name in CONTAINER_TAGS
        if not is_block:
            continue
        if READ_ALSO.match(element.get_text(" ").strip()) and text < 400:
            _drop_with_list(element)
            continue
        if (
            text
            and element.find("img") is None
            and _link_density(element, text) > (0.8 if element.name == "p" else MAX_LINK_DENSITY)
        ):
            element.decompose()
            continue
        if not text and element.find(("img", "br", "hr")) is None:
            element.decompose()


def _drop_with_list(element: Tag) -> None:
    """A "read also" heading takes the list of links after it along."""
    following = element.find_next_sibling()
    if following is not None and following.name in ("ul", "ol") and _link_density(following) > 0.5:
        following.decompose()
    element.decompose()


def _serialise(parts: list[Tag]) -> str:
    """The parts as HTML: a container's contents (nh3 would drop its tag anyway), any
    other block whole. Loose prose was put in paragraphs before the body was chosen."""
    return "".join(
        part.decode_contents() if part.name in CONTAINER_TAGS else str(part) for part in parts
    )


def _wrap_loose_text(soup: BeautifulSoup, container: Tag) -> None:
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
