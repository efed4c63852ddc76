"""The HTML policy for article bodies: an nh3 allowlist applied once, at ingest.

Links are made absolute against the article URL, get ``rel="noopener noreferrer"``
and may only use http, https or mailto. Cleaning twice changes nothing.
"""

from __future__ import annotations

import re
import threading
from urllib.parse import urljoin, urlsplit

import nh3

from articles.lib.text import INVISIBLE_CONTROLS

ALLOWED_TAGS = {
    "a",
    "abbr",
    "b",
    "bdi",
    "blockquote",
    "br",
    "caption",
    "cite",
    "code",
    "dd",
    "del",
    "dl",
    "dt",
    "em",
    "figcaption",
    "figure",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "ins",
    "li",
    "mark",
    "ol",
    "p",
    "pre",
    "q",
    "s",
    "small",
    "span",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "time",
    "tr",
    "u",
    "ul",
}
ALLOWED_ATTRIBUTES = {
    "*": {"dir", "lang", "title"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "blockquote": {"cite"},
    "q": {"cite"},
    "time": {"datetime"},
    "ol": {"start"},
}
URL_SCHEMES = {"http", "https", "mailto"}
# Cleaning passes after the first, at most, to reach a fixed point (two suffice on every
# input the fuzzer found).
MAX_ROUNDS = 4
PRE_LEADING_NEWLINES = re.compile(r"(<pre\b[^>]*>)(?:\r?\n)+")
URL_ATTRIBUTES = {"href", "src", "cite"}
DROP_WITH_CONTENT = {
    "script",
    "style",
    "iframe",
    "object",
    "embed",
    "noscript",
    "template",
    "svg",
    "math",
    "form",
    "select",
    "textarea",
    "button",
}


class _Call(threading.local):
    """The current clean_html call's base URL and image list, for the shared filter.
    One nh3.Cleaner is built once (a third cheaper per call than nh3.clean, which
    rebuilds its allowlists every time); what varies per call lives here, per thread."""

    base_url: str = ""
    images: list[str] | None = None


_call = _Call()


def _absolutize(tag: str, attribute: str, value: str) -> str | None:
    # Values come decoded ("&#xe;" is a control by now): controls go before any check,
    # so that what is checked, kept and reported as an image is one and the same.
    value = INVISIBLE_CONTROLS.sub("", value)
    if attribute not in URL_ATTRIBUTES:
        return value
    value = value.strip()
    if not value.startswith(("https://", "http://")):
        # Relative (or hostile) URLs: resolve, then allow only our schemes.
        try:
            value = urljoin(_call.base_url, value) if _call.base_url else value
            scheme = urlsplit(value).scheme.lower()
        except ValueError:
            return None
        if scheme not in URL_SCHEMES:
            return None
    if _call.images is not None and tag == "img" and attribute == "src":
        _call.images.append(value)
    return value


_CLEANER = nh3.Cleaner(
    tags=ALLOWED_TAGS,
    clean_content_tags=DROP_WITH_CONTENT,
    attributes=ALLOWED_ATTRIBUTES,
    attribute_filter=_absolutize,
    url_schemes=URL_SCHEMES,
    link_rel="noopener noreferrer",
    strip_comments=True,
)


def clean_html(fragment: str, base_url: str = "", images: list[str] | None = None) -> str:
    """Sanitize an untrusted HTML fragment for display inside our pages.

    Relative links and sources are made absolute against ``base_url``; the source of
    every ``<img>`` kept is appended to ``images`` when a list is given.
    """
    if not fragment:
        return ""
    # Control characters are not text, and an XML-based parser (lxml, when the page
    # renders the body) refuses them outright; bidi controls could reorder the page.
    fragment = INVISIBLE_CONTROLS.sub("", fragment)
    found: list[str] = []
    cleaned = _clean_once(fragment, base_url, found)
    # A tree the HTML parser builds but could not build from its own serialisation
    # (nested <a> through a table's foster-parenting) comes out different when parsed
    # again: clean until nothing changes, so that cleaning twice changes nothing.
    for _round in range(MAX_ROUNDS):
        found_again: list[str] = []
        again = _clean_once(cleaned, base_url, found_again)
        if again == cleaned:
            break
        cleaned, found = again, found_again
    if images is not None:
        images.extend(found)
    return cleaned


def _clean_once(fragment: str, base_url: str, images: list[str]) -> str:
    _call.base_url, _call.images = base_url, images
    try:
        # Character references decode to controls ("&#127;", "&#22;"): they go too.
        cleaned = INVISIBLE_CONTROLS.sub("", _CLEANER.clean(fragment))
        # A parser drops the newline right after <pre>, and the serializer does not
        # write one for it: leading newlines there would shrink at every pass.
        return PRE_LEADING_NEWLINES.sub(r"\1", cleaned).strip()
    finally:
        _call.base_url, _call.images = "", None


_NO_IMAGES = nh3.Cleaner(
    tags=ALLOWED_TAGS - {"img"},
    clean_content_tags=DROP_WITH_CONTENT,
    attributes={tag: names for tag, names in ALLOWED_ATTRIBUTES.items() if tag != "img"},
    url_schemes=URL_SCHEMES,
    link_rel="noopener noreferrer",
    strip_comments=True,
)


def without_images(fragment: str) -> str:
    """``fragment`` with every ``<img>`` dropped: the safe fallback when a stored body
    cannot be parsed to point its images at our copies."""
    return INVISIBLE_CONTROLS.sub("", _NO_IMAGES.clean(fragment))
