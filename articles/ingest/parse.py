"""Parse feed bytes and normalise their entries into plain, typed records.

``parse_feed`` never raises on bad input: a document that is not a feed comes back
with ``error_code="not_a_feed"``. Entries come back with a stable key, aware UTC
dates, plain-text title/summary/author, a sanitized body and their image URLs.
Nothing here touches the database.
"""

from __future__ import annotations

import functools
import hashlib
import logging
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import feedparser

from articles.ingest.pictures import entry_images, prepare_images
from articles.ingest.repair import read_feed
from articles.lib.dates import dated
from articles.lib.html import clean_html
from articles.lib.text import has_readable_word, plain_text
from articles.lib.urls import canonical_url, http_url

logger = logging.getLogger(__name__)


MAX_KEY_LENGTH = 255


MAX_TITLE_LENGTH = 500


MAX_SUMMARY_LENGTH = 600


MAX_AUTHOR_LENGTH = 200


@dataclass(frozen=True)
class ParsedEntry:
    key: str
    url: str
    title: str
    summary: str
    body_html: str
    author: str
    language: str
    published_at: datetime
    categories: tuple[str, ...]
    image_urls: tuple[str, ...]
    content_hash: str


@dataclass(frozen=True)
class ParsedFeed:
    title: str = ""
    link: str = ""
    language: str = ""
    entries: list[ParsedEntry] = field(default_factory=list)
    is_bozo: bool = False
    encoding: str = ""
    error_code: str = ""
    # Entries that could not be read, as (code, count): no_identity, entry_error,
    # entry_unparseable.
    dropped: tuple[tuple[str, int], ...] = ()

    @property
    def dropped_count(self) -> int:
        return sum(count for _code, count in self.dropped)


def parse_feed(
    body: bytes,
    *,
    url: str,
    headers: Mapping[str, str] | None = None,
    fetched_at: datetime,
    language: str = "ar",
    max_entries: int = 500,
) -> ParsedFeed:
    """Parse ``body`` as served from ``url`` with ``headers``; see the module docstring.

    Never raises. A document feedparser fails on is read again repaired, and failing
    that item by item (``read_feed``), so that one bad item loses that item only.
    Entries that cannot be read are counted in ``dropped``."""
    dropped: Counter[str] = Counter()
    parsed = read_feed(body, headers or {}, dropped)
    if parsed is None:
        return ParsedFeed(is_bozo=True, error_code="unparseable_feed")
    feed = parsed.get("feed", {})
    if not parsed.get("version") and not parsed.entries:
        return ParsedFeed(
            is_bozo=True, encoding=parsed.get("encoding", ""), error_code="not_a_feed"
        )
    feed_link = http_url(_text(feed.get("link")), url) or url
    feed_language = _language(_text(feed.get("language")), language)
    context = _FeedContext(url, feed_link, feed_language, fetched_at)
    entries = _entries(parsed.entries[:max_entries], context, dropped)
    return ParsedFeed(
        title=plain_text(_text(feed.get("title")), MAX_TITLE_LENGTH),
        link=feed_link,
        language=feed_language,
        entries=entries,
        is_bozo=_is_bozo(parsed),
        encoding=str(parsed.get("encoding", "")),
        dropped=tuple(sorted(dropped.items())),
    )


@dataclass(frozen=True)
class _FeedContext:
    url: str
    link: str
    language: str
    fetched_at: datetime


def _entries(raw_entries: Any, feed: _FeedContext, dropped: Counter[str]) -> list[ParsedEntry]:
    """The feed's readable entries, one per key: a feed may repeat a guid, and the
    latest version wins (the later one on a tie)."""
    entries: dict[str, ParsedEntry] = {}
    for raw in raw_entries:
        try:
            entry = _normalise_entry(raw, feed.link, feed.language, feed.fetched_at)
        except Exception:
            # A bug of ours on strange input: that entry only, and it is logged.
            logger.exception("an entry of %s could not be read", feed.url)
            dropped["entry_error"] += 1
            continue
        if entry is None:
            dropped["no_identity"] += 1
            continue
        previous = entries.get(entry.key)
        if previous is None or entry.published_at >= previous.published_at:
            entries[entry.key] = entry
    return list(entries.values())


def _text(value: Any) -> str:
    """A feed field as text: feedparser leaves some as None (or worse) on bad markup."""
    return value if isinstance(value, str) else ""


def _is_bozo(parsed: Any) -> bool:
    """feedparser's malformed flag, minus its complaint that no Content-Type was given."""
    return bool(parsed.get("bozo")) and not isinstance(
        parsed.get("bozo_exception"), feedparser.NonXMLContentType
    )


def _normalise_entry(
    raw: Any, feed_link: str, language: str, fetched_at: datetime
) -> ParsedEntry | None:
    # dict.get, not FeedParserDict.get: its key aliasing costs more than our whole
    # normalisation of a field, and we only read keys feedparser stores as they are.
    def get(key: str, default: Any = None) -> Any:
        return dict.get(raw, key, default)

    url = canonical_url(http_url(_text(get("link")), feed_link))
    title = plain_text(_text(get("title")), MAX_TITLE_LENGTH)
    content = get("content") or []
    first = content[0] if isinstance(content, list) and content else {}
    body_source = _text(first.get("value")) if first else _text(get("summary"))
    summary_source = _text(get("summary")) or body_source
    key = entry_key(_text(get("id")), url, title, body_source or summary_source)
    if not key:
        return None
    base = url or feed_link
    content_images: list[str] = []
    body_html = clean_html(prepare_images(body_source, base), base, content_images)
    # A summary is a few hundred characters: no need to strip a whole article for it.
    summary = plain_text(summary_source[: MAX_SUMMARY_LENGTH * 8], MAX_SUMMARY_LENGTH)
    if not has_readable_word(summary):
        summary = ""
    # A title with no word to read ("&lol9;", zero-width spaces) is a blank one: the
    # summary's start stands for it, else the address.
    if not has_readable_word(title):
        title = plain_text(summary, 120) or url[:MAX_TITLE_LENGTH]
    author = _author(raw)
    categories = _categories(get("tags"))
    raw_date = _text(get("published")) or _text(get("updated")) or _text(get("created"))
    published_at = _entry_date(
        raw_date, get("published_parsed") or get("updated_parsed"), fetched_at
    )
    image_urls = entry_images(raw, base, content_images)
    entry_language = _language(get("language"), language)
    fields = (url, title, summary, body_html, author, entry_language, raw_date)
    digest = _digest([*fields, *categories, "\x1e", *image_urls])
    return ParsedEntry(
        key=key,
        url=url,
        title=title,
        summary=summary,
        body_html=body_html,
        author=author,
        language=entry_language,
        published_at=published_at,
        categories=categories,
        image_urls=image_urls,
        content_hash=digest,
    )


def _author(raw: Any) -> str:
    name = _text((dict.get(raw, "author_detail") or {}).get("name"))
    return plain_text(name or _text(dict.get(raw, "author")), MAX_AUTHOR_LENGTH)


def _categories(tags: Any) -> tuple[str, ...]:
    labels = (_label(tag.get("term") or tag.get("label")) for tag in tags or [])
    return tuple(label for label in labels if label)


def _digest(parts: list[str]) -> str:
    """The entry's content hash: a change in any field we store is a new version."""
    return hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()


@functools.lru_cache(maxsize=4096)
def _label(term: str | None) -> str:
    """A category as plain text; outlets repeat the same few, so they are cached."""
    return plain_text(term, 200)


def entry_key(guid: str, url: str, title: str, text: str = "") -> str:
    """The entry's stable identity within its outlet: guid, else canonical URL, else
    its title, else a hash of its text (RSS allows an item with only a description)."""
    key = plain_text(guid) or url or (f"title:{title}" if title else "")
    if not key and text:
        key = "text:" + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    if len(key) > MAX_KEY_LENGTH:
        key = "sha256:" + hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
    return key


def _language(value: str | None, default: str) -> str:
    code = (value or "").strip().lower()[:2]
    return code if code in ("ar", "fr") else default


def _entry_date(raw_date: str, parsed: Any, fetched_at: datetime) -> datetime:
    """Aware UTC date: a missing offset is Moroccan time, none is the fetch time,
    and a date in the future is clamped to the fetch time."""
    return dated(raw_date, fetched_at, parsed=parsed) or fetched_at
