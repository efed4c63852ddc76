"""Feeds that feedparser cannot read whole: the bytes repaired once (encoding
declarations, references to characters XML forbids, stray tags), else read item by item.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from collections.abc import Mapping
from typing import Any

import feedparser

from articles.lib.charset import charset_override

# What makes feedparser itself raise (its loose parser, on documents that are not
# well-formed), repaired in the bytes: an XML declaration whose encoding is not a name,
# character references to what is not a character, and namespace URIs holding a
# no-break space (expat splits namespaced names on it).
XML_DECLARATION = re.compile(rb"^(\s*<\?xml\b[^>]*?)\s+encoding\s*=\s*([\"'])(.*?)\2", re.DOTALL)


FULL_DECLARATION = re.compile(rb"^\s*<\?xml\b[^>]*\?>")


ENCODING_NAME = re.compile(rb"[A-Za-z][A-Za-z0-9._:-]{0,39}")


CHARACTER_REFERENCE = re.compile(rb"&#(?:[xX]([0-9a-fA-F]{1,16})|([0-9]{1,16}));?")


NAMESPACE_URI = re.compile(rb"""(xmlns(?::[\w.-]+)?\s*=\s*)(["'])(.*?)\2""", re.DOTALL)


# Stray end tags of the elements feedparser's loose parser keeps numbers in.
STRAY_SIZE_END = re.compile(rb"</(?:width|height)\s*>", re.IGNORECASE)


ITEM = re.compile(rb"<(item|entry)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)


ROOT_START = re.compile(rb"<(rss|feed|rdf:RDF)\b[^>]*>", re.IGNORECASE)


def repair_feed(body: bytes) -> bytes:
    """``body`` with the markup that makes feedparser raise repaired; the same bytes
    for any well-formed feed."""

    def declaration(match: re.Match[bytes]) -> bytes:
        if ENCODING_NAME.fullmatch(match.group(3)):
            return match.group(0)
        return match.group(1)  # drop a broken encoding: the bytes tell

    def reference(match: re.Match[bytes]) -> bytes:
        digits = match.group(1) or match.group(2)
        code = int(digits, 16 if match.group(1) else 10)
        return match.group(0) if _is_xml_character(code) else b"&#xFFFD;"

    def namespace(match: re.Match[bytes]) -> bytes:
        uri = re.sub(rb"\s|\xc2\xa0|\xa0", b"", match.group(3))
        return match.group(1) + match.group(2) + uri + match.group(2)

    body = XML_DECLARATION.sub(declaration, body, count=1)
    body = CHARACTER_REFERENCE.sub(reference, body)
    body = NAMESPACE_URI.sub(namespace, body)
    return STRAY_SIZE_END.sub(b"", body)


def _is_xml_character(code: int) -> bool:
    return (
        code in (0x9, 0xA, 0xD)
        or 0x20 <= code <= 0xD7FF
        or 0xE000 <= code <= 0xFFFD
        or 0x10000 <= code <= 0x10FFFF
    )


def parse_item_by_item(
    body: bytes, response_headers: Mapping[str, str], dropped: Counter[str]
) -> Any:
    """The last resort: each item in an envelope of its own (the document's root start
    tag, for its namespaces), parsed alone; an item that still fails is dropped."""
    items = [match.group(0) for match in ITEM.finditer(body)]
    if not items:
        return None
    root = ROOT_START.search(body)
    start = root.group(0) if root else b'<rss version="2.0">'
    name = root.group(1) if root else b"rss"
    head, tail = (b"", b"") if name.lower() == b"feed" else (b"<channel>", b"</channel>")
    declaration = FULL_DECLARATION.match(body)
    prefix = declaration.group(0) if declaration else b""
    merged: Any = None
    for item in items:
        document = prefix + start + head + item + tail + b"</" + name + b">"
        try:
            one = run_feedparser(document, response_headers)
        except Exception:  # noqa: BLE001
            dropped["entry_unparseable"] += 1
            continue
        if merged is None:
            merged = one
        else:
            merged.entries.extend(one.entries)
    if merged is None:
        return None
    merged["bozo"] = True
    return merged


def run_feedparser(body: bytes, response_headers: Mapping[str, str]) -> Any:
    # feedparser's own sanitizer and relative-URI resolution are off: nh3 cleans and
    # absolutises every body below, and both passes would cost more than parsing.
    return feedparser.parse(
        io.BytesIO(body),
        response_headers=dict(response_headers),
        sanitize_html=False,
        resolve_relative_uris=False,
    )


def read_feed(body: bytes, headers: Mapping[str, str], dropped: Counter[str]) -> Any | None:
    """feedparser's reading of ``body``; the repaired bytes if it fails on them, item
    by item if it fails again (None when nothing can be read)."""
    # No content-location: links are resolved by the caller, and feedparser's base
    # tracking costs a fifth of its parse.
    response_headers = {k.lower(): v for k, v in headers.items()}
    charset = charset_override(body, response_headers)
    if charset:
        # An application/* type makes feedparser prefer the header's charset (RFC 3023).
        response_headers["content-type"] = f"application/xml; charset={charset}"
    try:
        return run_feedparser(body, response_headers)
    except Exception:  # noqa: BLE001 - feedparser's loose parser raises many kinds
        repaired = repair_feed(body)
        try:
            return run_feedparser(repaired, response_headers)
        except Exception:  # noqa: BLE001
            return parse_item_by_item(repaired, response_headers, dropped)
