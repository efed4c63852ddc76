"""Where an outlet's feed may be: the feeds its home page advertises, then the paths
publishing systems use. Pure functions over bytes and addresses; no network here."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urljoin, urlsplit

from bs4 import BeautifulSoup

from articles.lib.urls import http_url

# The types readers' browsers and feed readers look for in <link rel="alternate">.
FEED_TYPES = frozenset({"application/rss+xml", "application/atom+xml", "application/rdf+xml"})
# Tried in this order after the advertised feeds: WordPress (pretty and plain
# permalinks), Drupal, static site generators, then the common hand-made names.
USUAL_PATHS = (
    "feed/",
    "?feed=rss2",
    "rss.xml",
    "feed.xml",
    "atom.xml",
    "rss/",
    "index.xml",
    "feed",
)


def advertised_feeds(html: bytes | str, page_url: str) -> list[str]:
    """The feed addresses ``html`` (served from ``page_url``) advertises with
    ``<link rel="alternate" type="application/rss+xml|atom+xml">``, absolute, in page
    order, comment feeds last (WordPress advertises the site's comments too)."""
    soup = BeautifulSoup(html, "lxml")
    base_tag = soup.find("base", href=True)
    base = http_url(str(base_tag["href"]), page_url) if base_tag else ""
    found = []
    for link in soup.find_all("link", href=True):
        rel = [word.lower() for word in link.get_attribute_list("rel") if word]
        kind = str(link.get("type") or "").split(";", 1)[0].strip().lower()
        if "alternate" in rel and kind in FEED_TYPES:
            url = http_url(str(link["href"]).strip(), base or page_url)
            if url:
                found.append(url)
    return sorted(unique(found), key=is_comment_feed)


def is_comment_feed(url: str) -> bool:
    path = urlsplit(url).path.lower()
    return "/comments/" in path or path.endswith("/comments")


def usual_feeds(site_url: str) -> list[str]:
    """The usual feed paths under the site's address, and under its origin when the
    site lives below one (https://example.ma/ar/ has its feed at /ar/feed/ or /feed/)."""
    parts = urlsplit(site_url)
    origin = f"{parts.scheme}://{parts.netloc}/"
    directory = site_url if site_url.endswith("/") else site_url.rsplit("/", 1)[0] + "/"
    bases = unique([directory, origin]) if parts.path not in ("", "/") else [origin]
    return unique(urljoin(base, path) for base in bases for path in USUAL_PATHS)


def unique(urls: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(urls))
