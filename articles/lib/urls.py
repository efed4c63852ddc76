"""Web addresses from feeds and pages: only http(s), absolute, without tracking
parameters; tracking pixels told apart from pictures.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from articles.lib.text import plain_text

TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "msclkid",
        "mc_cid",
        "mc_eid",
        "_ga",
        "igshid",
        "yclid",
        "ref",
        "ref_src",
        "cmpid",
        "xtor",
    }
)


TRACKING_PIXEL_HOSTS = frozenset(
    {
        "stats.wp.com",
        "pixel.wp.com",
        "feeds.feedburner.com",
        "www.google-analytics.com",
        "pixel.quantserve.com",
        "b.scorecardresearch.com",
        "sb.scorecardresearch.com",
        "www.facebook.com",
        "certify.alexametrics.com",
    }
)


MAX_URL_LENGTH = 2000
PLAIN_URL = re.compile(r"[^\s<>\"'\x00-\x1f\x7f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]+")


def canonical_url(url: str) -> str:
    """``url`` without its fragment and tracking parameters (utm_*, fbclid, ...)."""
    if not url:
        return ""
    parts = urlsplit(url)
    if not parts.query and not parts.fragment:
        return url
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not k.lower().startswith("utm_") and k.lower() not in TRACKING_PARAMS
    ]
    canonical = urlunsplit(
        (parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", urlencode(query), "")
    )
    # Re-encoding can lengthen the query (Arabic in it, percent-encoded) past the limit.
    return canonical if len(canonical) <= MAX_URL_LENGTH else ""


def http_url(value: str | None, base: str) -> str:
    """An absolute http(s) URL or ''."""
    if not value:
        return ""
    if value.startswith(("https://", "http://")) and PLAIN_URL.fullmatch(value):
        absolute = value  # the common case: nothing to strip or resolve
    else:
        candidate = plain_text(value)
        if not candidate:
            return ""
        try:
            absolute = urljoin(base, candidate)
        except ValueError:
            return ""
    try:
        parts = urlsplit(absolute)
    except ValueError:
        return ""
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return ""
    return absolute if len(absolute) <= MAX_URL_LENGTH else ""


def is_tracking_pixel(url: str, width: Any = None, height: Any = None) -> bool:
    for size in (width, height):
        try:
            if size is not None and int(str(size).strip().removesuffix("px")) <= 2:
                return True
        except ValueError:
            continue
    parts = urlsplit(url)
    return (parts.hostname or "") in TRACKING_PIXEL_HOSTS or "/~r/" in parts.path
