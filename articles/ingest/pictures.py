"""The pictures an entry names: lazy-loading attributes resolved, tracking pixels and
spacers dropped, addresses made absolute; at most ``MAX_IMAGES_PER_ENTRY``.
"""

from __future__ import annotations

import re
from typing import Any

import lxml.etree
import lxml.html
from lxml.html import HtmlElement

from articles.lib.text import INVISIBLE_CONTROLS
from articles.lib.urls import TRACKING_PIXEL_HOSTS, http_url, is_tracking_pixel

MAX_IMAGES_PER_ENTRY = 10


LAZY_SRC_ATTRIBUTES = ("data-src", "data-lazy-src", "data-original", "data-orig-file")


# Plain substrings that mean an <img> tag needs a real parse of its body: lazy
# loading, placeholders, tracker hosts.
REWRITE_MARKERS = (*LAZY_SRC_ATTRIBUTES, "data:", "/~r/", *sorted(TRACKING_PIXEL_HOSTS))


# One <img ...> tag, quoted attribute values (which may hold ">") included. No part
# may cross a "<", so each try stops at the next tag and hostile input (thousands of
# unclosed quotes) costs linear time; the quantifier is possessive for the same reason.
IMG_TAG = re.compile(r"""<[iI][mM][gG]\b(?:[^<>"']|"[^"<]*"|'[^'<]*')*+>""")


# Inside one <img> tag: a declared size of 0-2 px, or no src at all.
TINY_OR_SOURCELESS = re.compile(
    r"""(?:width|height)\s*=\s*["']?[0-2](?:px)?["'\s/>]|^(?!.*\ssrc\s*=)""",
    re.IGNORECASE | re.DOTALL,
)


def prepare_images(fragment: str, base: str) -> str:
    """The body with lazy-loaded images made real and tracking pixels removed (they
    would report every reader's visit). Most bodies need neither and are returned as
    they are, unparsed; the image URLs themselves are collected by ``clean_html``."""
    tags = IMG_TAG.findall(fragment)
    needs_rewrite = any(
        TINY_OR_SOURCELESS.search(tag) or any(marker in tag for marker in REWRITE_MARKERS)
        for tag in tags
    )
    if not needs_rewrite:
        return fragment
    return _rewrite_images(fragment, base)


def _image_source(img: HtmlElement) -> str:
    """The real picture behind an <img>: its lazy-load attribute, else its src, else
    the widest srcset candidate."""
    for attribute in (*LAZY_SRC_ATTRIBUTES, "src"):
        value = str(img.get(attribute) or "").strip()
        if value and not value.startswith("data:"):
            return value
    candidates = []
    for candidate in str(img.get("srcset") or "").split(","):
        url, _, descriptor = candidate.strip().partition(" ")
        width = descriptor.strip().removesuffix("w")
        # ASCII digits only ("²".isdigit() is true), and a plausible number of them.
        known = width.isascii() and width.isdigit() and len(width) <= 6
        candidates.append((int(width) if known else 0, url))
    return max(candidates)[1] if candidates else ""


def _size(img: HtmlElement) -> tuple[Any, Any]:
    return img.get("width"), img.get("height")


def _rewrite_images(fragment: str, base: str) -> str:
    """Fix each <img> tag on its own (lxml parses and writes the one tag), leaving the
    rest of the body as it is: a tenth of the cost of a round trip of the whole body."""

    def fix(match: re.Match[str]) -> str:
        try:
            img = lxml.html.fragment_fromstring(INVISIBLE_CONTROLS.sub("", match.group(0)))
        except (lxml.etree.ParserError, ValueError):
            return match.group(0)
        if img.tag != "img":
            return match.group(0)
        source = _image_source(img)
        if is_tracking_pixel(http_url(source, base), *_size(img)):
            return ""
        if source:
            img.set("src", source)
        return str(lxml.html.tostring(img, encoding="unicode"))

    return IMG_TAG.sub(fix, fragment)


def entry_images(raw: Any, base: str, content_images: list[str]) -> tuple[str, ...]:
    candidates: list[str] = []
    for media in dict.get(raw, "media_content") or []:
        medium = (media.get("medium") or "").lower()
        mime = (media.get("type") or "").lower()
        if medium in ("", "image") and (not mime or mime.startswith("image/")):
            candidates.append(media.get("url", ""))
    candidates.extend(m.get("url", "") for m in dict.get(raw, "media_thumbnail") or [])
    for link in dict.get(raw, "links") or []:  # enclosures are links with rel=enclosure
        if link.get("rel") == "enclosure" and (link.get("type") or "").lower().startswith(
            "image/"
        ):
            candidates.append(link.get("href", ""))
    urls: list[str] = []
    # Body images too: clean_html keeps mailto: and any length, neither fits an image.
    for url in [http_url(candidate, base) for candidate in candidates + content_images]:
        if url and url not in urls and not is_tracking_pixel(url):
            urls.append(url)
    return tuple(urls[:MAX_IMAGES_PER_ENTRY])
