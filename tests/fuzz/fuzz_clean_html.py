"""Fuzz ``articles.lib.html.clean_html``: any string (lone surrogates included), with or
without a base URL.

Properties: it never raises; cleaning is idempotent; its output holds no character
XML cannot and no control or bidi control (not even written as a character reference);
its output, parsed again as a browser parses it (html5lib, as a fragment in a <div>),
holds only the elements and attributes of the allowlist (plus the
``rel="noopener noreferrer"`` nh3 puts on links), no event handler, style or comment,
and no href/src/cite whose scheme is outside URL_SCHEMES (with a base URL, no relative
one either: clean_html makes them absolute); and every <img> left is in the list of
images it reports.

Input layout: the last byte picks the base URL (``BASES``), the rest is the fragment as
UTF-8, each invalid byte a lone surrogate (``surrogateescape``). ``pack`` builds it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import atheris
import fuzzlib

with fuzzlib.instrumented(__name__, include=("articles",)):
    from articles.lib.html import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, URL_SCHEMES, clean_html
    from articles.lib.text import INVISIBLE_CONTROLS

NAME = "clean_html"
MAX_LEN = 65536
DICTIONARY = "html.dict"
BASES = ("", "https://example.ma/news/2025/06/article.html", "http://www.le360.ma/")
URL_ATTRIBUTES = ("href", "src", "cite")
LINK_REL = "noopener noreferrer"
# A browser's URL parser: leading and trailing C0 controls and spaces go, and tabs and
# newlines anywhere; then a scheme is a letter, letters/digits/+-. and a colon.
URL_TRIM = "".join(chr(code) for code in range(0x21))
URL_NEWLINES = re.compile("[\t\n\r]")
SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):")


def pack(fragment: str, base: int = 0) -> bytes:
    return fragment.encode("utf-8", "surrogateescape") + bytes([base])


def unpack(data: bytes) -> tuple[str, str]:
    provider = atheris.FuzzedDataProvider(data)
    base = BASES[provider.ConsumeIntInRange(0, 255) % len(BASES)]
    fragment = provider.ConsumeBytes(provider.remaining_bytes())
    return fragment.decode("utf-8", "surrogateescape"), base


def check(data: bytes) -> None:
    fragment, base = unpack(data)
    images: list[str] = []
    cleaned = clean_html(fragment, base, images)
    check_text(cleaned, "output")  # first: a control left in breaks idempotence too
    again = clean_html(cleaned, base)
    fuzzlib.require(
        again == cleaned,
        "not idempotent",
        lambda: f"\nonce:  {fuzzlib.excerpt(cleaned, 600)}\ntwice: {fuzzlib.excerpt(again, 600)}",
    )
    check_safe(cleaned, base, images)


def url_scheme(value: str) -> str | None:
    """The scheme a browser sees in an attribute's URL, lowercased, or None."""
    match = SCHEME.match(URL_NEWLINES.sub("", value.strip(URL_TRIM)))
    return match.group(1).lower() if match else None


def check_text(html: str, what: str) -> None:
    """No character XML cannot hold, and none of the controls the sanitizer removes
    (bidi controls reorder the page around them), however they were written."""
    fuzzlib.require_xml_text(html, what)
    control = INVISIBLE_CONTROLS.search(html)
    if control is not None:
        raise fuzzlib.PropertyViolation(
            f"{what} holds an invisible or bidi control",
            f"{control.group()!r} in {fuzzlib.excerpt(html)}",
        )


def check_safe(cleaned: str, base: str, images: list[str] | None = None) -> None:
    """What a browser makes of ``cleaned`` is within the policy; see the module docstring."""

    def fail(key: str, detail: str = "") -> None:
        raise fuzzlib.PropertyViolation(key, f"{detail} in {fuzzlib.excerpt(cleaned, 600)}")

    check_text(cleaned, "output")
    root = fuzzlib.browser_tree(cleaned)
    for element in root.iter():
        if element is root:
            continue
        tag = element.tag
        if not isinstance(tag, str):
            fail("comment or processing instruction")
        if tag not in ALLOWED_TAGS:
            fail(f"element <{tag}> not allowed")
        allowed = ALLOWED_ATTRIBUTES.get(tag, set()) | ALLOWED_ATTRIBUTES["*"]
        for name, value in element.attrib.items():
            name = str(name)
            if name.lower().startswith("on") or name.lower() == "style":
                fail(f"event handler or style attribute on <{tag}>", f"{name}={value!r}")
            if tag == "a" and name == "rel":
                if value != LINK_REL:
                    fail("<a rel> not noopener noreferrer", repr(value))
                continue
            if name not in allowed:
                fail(f"attribute {name} on <{tag}> not allowed", f"{name}={value!r}")
            if name in URL_ATTRIBUTES:
                scheme = url_scheme(value)
                if scheme is None and base:
                    fail(f"relative {name} left although a base URL was given", repr(value))
                if scheme is not None and scheme not in URL_SCHEMES:
                    fail(f"{name} scheme outside URL_SCHEMES", repr(value))
        source = element.get("src") if tag == "img" else None
        if source is not None and images is not None and source not in images:
            fail("an <img> kept but not in the images list", f"{source!r} not in {images!r}")


# --- seeds ---------------------------------------------------------------------------------


def seeds() -> Iterator[bytes]:
    yield from fuzzlib.committed_seeds(NAME)
    for number, payload in enumerate(fuzzlib.xss_payloads()):
        yield pack(payload, number % len(BASES))
    for number, body in enumerate(fuzzlib.feed_bodies()):
        yield pack(body, number % len(BASES))
    for page in fuzzlib.html_pages():
        yield pack(page.encode()[: MAX_LEN - 1].decode("utf-8", "ignore"), 1)


if fuzzlib.fuzzing(__name__):
    fuzzlib.main(check)
