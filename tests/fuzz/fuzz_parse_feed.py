"""Fuzz ``articles.ingest.parse.parse_feed``: any bytes, any response headers.

Properties: it never raises (nor logs an exception it swallowed); every field of every
entry fits its column (lengths read from the models); no string holds a character XML
cannot (surrogates included); URLs are absolute http(s); dates are aware UTC and not
later than the fetch allows; keys are unique and non-empty.

Input layout (atheris' FuzzedDataProvider: integers from the end, bytes from the
front): the last byte is the length n of a header block, the first n bytes are that
block (latin-1, one ``Name: value`` per line, a line without a colon is the
Content-Type), the rest is the response body. ``pack`` builds it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from urllib.parse import urlsplit
from xml.sax.saxutils import escape

import atheris
import fuzzlib

with fuzzlib.instrumented(__name__, include=("articles", "feedparser", "feedparser_sgmllib")):
    from django.db.models import CharField, Model

    from articles.ingest.parse import ParsedFeed, parse_feed
    from articles.ingest.pictures import MAX_IMAGES_PER_ENTRY
    from articles.lib.dates import FUTURE_TOLERANCE
    from articles.models import Article, Image, Language

NAME = "parse_feed"
MAX_LEN = 262144
DICTIONARY = "xml.dict"
URL = "https://example.ma/feed/"
FETCHED_AT = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
MAX_ENTRIES = 500


def max_length(model: type[Model], name: str) -> int:
    """The length of a column, as the model declares it."""
    column = model._meta.get_field(name)
    assert isinstance(column, CharField) and column.max_length, f"{model.__name__}.{name}"
    return column.max_length


# Every column an entry fills, with its length in the database.
COLUMNS = {
    name: max_length(Article, name)
    for name in ("key", "url", "title", "author", "language", "content_hash")
}
IMAGE_URL_LENGTH = max_length(Image, "url")


def pack(body: bytes, headers: Mapping[str, str] | None = None) -> bytes:
    block = "\n".join(f"{name}: {value}" for name, value in (headers or {}).items())
    encoded = block.encode("latin-1")[:255]
    return encoded + body + bytes([len(encoded)])


def unpack(data: bytes) -> tuple[bytes, dict[str, str]]:
    provider = atheris.FuzzedDataProvider(data)
    block = provider.ConsumeBytes(provider.ConsumeIntInRange(0, 255))
    body = provider.ConsumeBytes(provider.remaining_bytes())
    headers: dict[str, str] = {}
    for line in block.decode("latin-1").split("\n"):
        name, colon, value = line.partition(":")
        if colon:
            headers[name.strip()] = value.strip()
        elif line:
            headers["Content-Type"] = line
    return body, headers


def check(data: bytes) -> None:
    body, headers = unpack(data)
    with fuzzlib.no_logged_errors():
        feed = parse_feed(
            body, url=URL, headers=headers, fetched_at=FETCHED_AT, max_entries=MAX_ENTRIES
        )
    check_feed(feed)


def _http(url: str) -> bool:
    try:
        parts = urlsplit(url)
        return parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:
        return False


def check_feed(feed: ParsedFeed) -> None:
    require, xml_text = fuzzlib.require, fuzzlib.require_xml_text
    for name in ("title", "link", "language"):  # encoding, error_code: diagnostics
        xml_text(getattr(feed, name), f"feed.{name}")
    require(len(feed.entries) <= MAX_ENTRIES, "more entries than max_entries")
    keys = [entry.key for entry in feed.entries]
    require(len(set(keys)) == len(keys), "two entries with one key", repr(keys))
    for entry in feed.entries:
        for name, limit in COLUMNS.items():
            value = getattr(entry, name)
            require(
                len(value) <= limit,
                f"entry.{name} longer than its column ({limit})",
                f"{len(value)} characters: {fuzzlib.excerpt(value)}",
            )
        for name in ("key", "url", "title", "summary", "body_html", "author", "language"):
            xml_text(getattr(entry, name), f"entry.{name}")
        for category in entry.categories:
            xml_text(category, "entry.categories")
        require(entry.key, "entry.key empty")
        require(entry.language in Language.values, "entry.language not a language", entry.language)
        require(not entry.url or _http(entry.url), "entry.url not http(s)", repr(entry.url))
        require(len(entry.image_urls) <= MAX_IMAGES_PER_ENTRY, "too many image_urls")
        for url in entry.image_urls:
            xml_text(url, "entry.image_urls")
            require(
                len(url) <= IMAGE_URL_LENGTH,
                f"entry.image_urls longer than Image.url ({IMAGE_URL_LENGTH})",
                f"{len(url)} characters: {fuzzlib.excerpt(url)}",
            )
            require(_http(url), "entry.image_urls not http(s)", repr(url))
        moment = entry.published_at
        offset = moment.utcoffset()
        require(moment.tzinfo is not None and offset is not None, "naive published_at")
        require(offset is not None and not offset, "published_at not UTC", repr(moment))
        require(
            moment <= FETCHED_AT + FUTURE_TOLERANCE,
            "published_at in the future",
            moment.isoformat(),
        )


# --- seeds ---------------------------------------------------------------------------------


def _rss(field: str, payload: str) -> bytes:
    value = escape(payload, {'"': "&quot;", "'": "&apos;"})
    item = {
        "title": f"<title>{value}</title><link>https://example.ma/a/1</link>",
        "description": f"<title>t</title><description>{value}</description>",
        "content": f"<title>t</title><content:encoded>{value}</content:encoded>",
        "enclosure": f'<title>t</title><enclosure url="{value}" type="image/jpeg"/>',
    }[field]
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>c</title>'
        f"<item>{item}<guid>g</guid></item></channel></rss>"
    ).encode("utf-8", "surrogatepass")


def seeds() -> Iterator[bytes]:
    yield from fuzzlib.committed_seeds(NAME)
    for body, headers in fuzzlib.feedparser_cases():
        yield pack(body, headers)
    for body in fuzzlib.demo_feeds():
        yield pack(body)
        yield pack(body, {"Content-Type": "application/rss+xml; charset=utf-8"})
    for number, payload in enumerate(fuzzlib.xss_payloads()):
        fields = ("title", "description", "content", "enclosure")
        yield pack(_rss(fields[number % len(fields)], payload))


if fuzzlib.fuzzing(__name__):
    fuzzlib.main(check)
