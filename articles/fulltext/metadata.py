"""What a page says about its article outside the body: title, author, date, picture,
from OpenGraph, JSON-LD and microdata.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from bs4 import BeautifulSoup, Tag

from articles.ingest.parse import MAX_AUTHOR_LENGTH
from articles.lib.urls import http_url, is_tracking_pixel

MAX_JSON_LD_BYTES = 2 * 1024 * 1024


ARTICLE_TYPES = frozenset(
    {"newsarticle", "article", "reportagenewsarticle", "analysisnewsarticle", "blogposting",
     "opinionnewsarticle", "reviewnewsarticle", "backgroundnewsarticle", "report",
     "liveblogposting", "socialmediaposting"}
)  # fmt: skip


@dataclass
class Metadata:
    lead_image: str = ""
    author: str = ""
    published: str = ""
    json_ld_body: str = ""


def page_metadata(soup: BeautifulSoup, url: str) -> Metadata:
    meta = Metadata()
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
