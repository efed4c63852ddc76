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
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

import lxml.etree
import lxml.html
import soupsieve
from bs4 import BeautifulSoup, Comment, Tag
from bs4.dammit import EncodingDetector
from django.utils.html import escape

from articles.fulltext.boilerplate import DROP_TAGS, drop_boilerplate
from articles.fulltext.container import MIN_ARTICLE_CHARS, find_body
from articles.fulltext.metadata import MAX_JSON_LD_BYTES, page_metadata
from articles.fulltext.prose import CONTAINER_TAGS, TEXT_BLOCKS, wrap_loose_text
from articles.ingest.parse import MAX_AUTHOR_LENGTH
from articles.ingest.pictures import prepare_images
from articles.lib.charset import HEADER_CHARSET, charset_override
from articles.lib.dates import dated
from articles.lib.html import clean_html
from articles.lib.text import plain_text
from articles.lib.urls import http_url, is_tracking_pixel

EXTRACTED = "extracted"


NO_ARTICLE_FOUND = "no_article_found"


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


def decode_page(body: bytes, headers: Mapping[str, str]) -> str:
    """The page's text: the HTTP charset, else ``<meta charset>`` / ``http-equiv``, unless
    the bytes plainly contradict the label (articles.lib.charset), else UTF-8."""
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
    meta = page_metadata(soup, url)
    for element in soup.find_all(DROP_TAGS):
        element.decompose()
    for comment in soup.find_all(string=lambda s: isinstance(s, Comment)):
        comment.extract()
    if drop_selector.strip():
        for element in _select(soup, drop_selector):
            element.decompose()
    if soup.body is not None:
        # Prose written straight into <div>s becomes paragraphs, to be found as such.
        wrap_loose_text(soup, soup.body)
    parts = _select(soup, body_selector)[:1] if body_selector.strip() else []
    if not parts:
        parts = find_body(soup)
    body_html, text = "", ""
    images: list[str] = []
    if parts:
        for part in parts:
            drop_boilerplate(part)
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


def _serialise(parts: list[Tag]) -> str:
    """The parts as HTML: a container's contents (nh3 would drop its tag anyway), any
    other block whole. Loose prose was put in paragraphs before the body was chosen."""
    return "".join(
        part.decode_contents() if part.name in CONTAINER_TAGS else str(part) for part in parts
    )
