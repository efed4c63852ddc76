"""The HTML policy for article bodies: an nh3 allowlist applied once, at ingest.

Links are made absolute against the article URL, get ``rel="noopener noreferrer"``
and may only use http, https or mailto. Cleaning twice changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urljoin, urlsplit

import nh3

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


def _url_filter(base_url: str, images: list[str] | None) -> Callable[[str, str, str], str | None]:
    def absolutize(tag: str, attribute: str, value: str) -> str | None:
        if attribute not in URL_ATTRIBUTES:
            return value
        value = value.strip()
        if not value.startswith(("https://", "http://")):
            # Relative (or hostile) URLs: resolve, then allow only our schemes.
            try:
                value = urljoin(base_url, value) if base_url else value
                scheme = urlsplit(value).scheme.lower()
            except ValueError:
                return None
            if scheme not in URL_SCHEMES:
                return None
        if images is not None and tag == "img" and attribute == "src":
            images.append(value)
        return value

    return absolutize


def clean_html(fragment: str, base_url: str = "", images: list[str] | None = None) -> str:
    """Sanitize an untrusted HTML fragment for display inside our pages.

    Relative links and sources are made absolute against ``base_url``; the source of
    every ``<img>`` kept is appended to ``images`` when a list is given.
    """
    if not fragment:
        return ""
    return nh3.clean(
        fragment,
        tags=ALLOWED_TAGS,
        clean_content_tags=DROP_WITH_CONTENT,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_url_filter(base_url, images),
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    ).strip()
