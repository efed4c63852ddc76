"""The public payload corpora under ``tests/corpora`` (override with NEWSROOM_CORPORA),
and what a real HTML parser finds executable: shared by the ingest tests, which push
every payload into every feed field and check the stored rows (tests/ingest/), and the
API's, which check what comes out of /api/v1/ for the same feeds (tests/api/).

* ``html_problems``: elements, handlers and URL schemes a browser would run;
* ``PAYLOADS``: DOMPurify's and bleach's XSS payloads, by name;
* ``payload_feed(field, payload)``: one RSS 2.0 item or Atom entry with baseline fields
  and ``payload``, XML-escaped, in (or replacing) ``field``; ``xss_cases()``: every
  (payload, field) pair as pytest parameters.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit
from xml.sax.saxutils import escape

import pytest
from bs4 import BeautifulSoup, Tag

CORPORA = Path(os.environ.get("NEWSROOM_CORPORA", Path(__file__).resolve().parents[1] / "corpora"))
XSS = CORPORA / "xss"

# ---------------------------------------------------------------------------------------
# What a browser would run
# ---------------------------------------------------------------------------------------

FORBIDDEN_ELEMENTS = frozenset(
    {
        "script",
        "iframe",
        "object",
        "embed",
        "frame",
        "frameset",
        "applet",
        "meta",
        "link",
        "base",
        "form",
        "style",
        "svg",
        "math",
        "template",
    }
)
URL_ATTRIBUTES = frozenset(
    {
        "href",
        "src",
        "action",
        "formaction",
        "xlink:href",
        "srcset",
        "poster",
        "background",
        "cite",
        "data",
    }
)
DANGEROUS_SCHEMES = ("javascript:", "vbscript:", "data:")
# U+0000-U+0020: what browsers strip from both ends of a URL before finding its scheme.
URL_TRIM = "".join(chr(c) for c in range(0x21))
HTML_PARSERS = ("html.parser", "lxml")


def browser_normalised(value: str) -> str:
    """A URL attribute's value the way a browser looks for its scheme.

    The HTML parser has already decoded entities once (as a browser does), so this
    only strips U+0000-U+0020 from both ends, removes tab/LF/CR anywhere and
    lowercases: exactly the corpus READMEs' rule, nothing stricter.
    """
    return re.sub("[\t\n\r]", "", value.strip(URL_TRIM)).lower()


def html_problems(fragment: str) -> list[str]:
    """What a real HTML parser finds executable in ``fragment`` (empty list: nothing)."""
    problems: list[str] = []
    for parser in HTML_PARSERS:
        soup = BeautifulSoup(fragment, parser)
        for element in soup.find_all(True):
            assert isinstance(element, Tag)
            name = (element.name or "").lower()
            if name.rsplit(":", 1)[-1] in FORBIDDEN_ELEMENTS:
                problems.append(f"[{parser}] forbidden element <{name}>")
            for attribute, raw in element.attrs.items():
                attribute = attribute.lower()
                values = raw if isinstance(raw, list) else [raw]
                if attribute.startswith("on"):
                    problems.append(f"[{parser}] event handler {attribute}= on <{name}>")
                if attribute not in URL_ATTRIBUTES:
                    continue
                for value in values:
                    candidates = [value]
                    if attribute == "srcset":
                        candidates += [part.strip(URL_TRIM) for part in value.split(",")]
                    for candidate in candidates:
                        if browser_normalised(candidate).startswith(DANGEROUS_SCHEMES):
                            problems.append(
                                f"[{parser}] {attribute}={value!r} on <{name}> "
                                "has a dangerous scheme"
                            )
    return problems


def is_http_url(url: str) -> bool:
    parts = urlsplit(url)
    return (
        parts.scheme in ("http", "https")
        and bool(parts.hostname)
        and browser_normalised(url).startswith(("http://", "https://"))
    )


# ---------------------------------------------------------------------------------------
# XSS payloads in every field of a feed
# ---------------------------------------------------------------------------------------

# C0 controls that XML 1.0 forbids even as character references (tab/LF/CR are allowed).
XML_FORBIDDEN_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def load_payloads() -> list[tuple[str, str]]:
    dompurify = json.loads((XSS / "dompurify-payloads.json").read_text(encoding="utf-8"))
    payloads = [(f"dompurify-{i:03d}", p) for i, p in enumerate(dompurify)]
    bleach = sorted((XSS / "bleach").glob("*.test"), key=lambda p: int(p.stem))
    for path in bleach:
        payload = path.read_text(encoding="utf-8").split("\n--\n", 1)[0].strip()
        payloads.append((f"bleach-{int(path.stem):02d}", payload))
    return payloads


PAYLOADS = load_payloads()
WITH_CONTROLS = [(name, p) for name, p in PAYLOADS if XML_FORBIDDEN_CONTROLS.search(p)]


def xml_text(value: str) -> str:
    """``value`` as XML character data that parses back to exactly ``value``."""
    return escape(value, {'"': "&quot;", "'": "&apos;", "\r": "&#13;"})


def xml_attribute(value: str) -> str:
    """As xml_text, also keeping tab/LF from attribute-value normalisation."""
    return xml_text(value).replace("\t", "&#9;").replace("\n", "&#10;")


RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
 xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel><title>Corpus</title><link>https://feeds.example.com/</link>
<description>payload feed</description>
<item>
{item}
</item>
</channel></rss>
"""
ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
<title>Corpus</title><id>urn:newsroom:feed</id><updated>2025-01-01T00:00:00Z</updated>
<link rel="alternate" href="https://feeds.example.com/"/>
<entry>
{item}
</entry>
</feed>
"""
BASE_TITLE = "<title>Baseline title</title>"
BASE_LINK = "<link>https://example.com/item</link>"
BASE_GUID = '<guid isPermaLink="false">urn:newsroom:item</guid>'
BASE_DESCRIPTION = "<description>Baseline description</description>"
ATOM_BASE = [
    "<title>Baseline title</title>",
    "<id>urn:newsroom:item</id>",
    '<link rel="alternate" href="https://example.com/item"/>',
    "<updated>2025-01-01T00:00:00Z</updated>",
]


def rss_item(field: str, payload: str) -> str:
    """An item with baseline fields and ``payload`` in (or replacing) ``field``."""
    text, attribute = xml_text(payload), xml_attribute(payload)
    parts = {"title": BASE_TITLE, "link": BASE_LINK, "guid": BASE_GUID, "d": BASE_DESCRIPTION}
    if field == "title":
        parts["title"] = f"<title>{text}</title>"
    elif field == "description":
        parts["d"] = f"<description>{text}</description>"
    elif field == "link":
        parts["link"] = f"<link>{text}</link>"
    elif field == "guid":
        # A permalink guid and no <link>: feedparser then offers the guid as the link.
        del parts["link"]
        parts["guid"] = f"<guid>{text}</guid>"
    elif field == "content:encoded":
        parts["x"] = f"<content:encoded>{text}</content:encoded>"
    elif field == "author":
        parts["x"] = f"<author>{text}</author>"
    elif field == "dc:creator":
        parts["x"] = f"<dc:creator>{text}</dc:creator>"
    elif field == "enclosure":
        parts["x"] = f'<enclosure url="{attribute}" type="image/jpeg" length="1"/>'
    elif field == "comments":
        parts["x"] = f"<comments>{text}</comments>"
    else:
        raise ValueError(field)
    return "\n".join(parts.values())


def atom_entry(field: str, payload: str) -> str:
    text = xml_text(payload)
    if field == "atom:author/name":
        extra = f"<author><name>{text}</name></author>"
    elif field == "atom:summary":
        extra = f"<summary>{text}</summary>"
    elif field == "atom:content":
        extra = f'<content type="html">{text}</content>'
    else:
        raise ValueError(field)
    return "\n".join([*ATOM_BASE, extra])


RSS_FIELDS = (
    "title",
    "description",
    "content:encoded",
    "author",
    "dc:creator",
    "enclosure",
    "link",
    "comments",
    "guid",
)
ATOM_FIELDS = ("atom:author/name", "atom:summary", "atom:content")


def payload_feed(field: str, payload: str) -> bytes:
    if field in ATOM_FIELDS:
        return ATOM.format(item=atom_entry(field, payload)).encode("utf-8")
    return RSS.format(item=rss_item(field, payload)).encode("utf-8")


def xss_cases() -> Iterator[pytest.ParameterSet]:
    for name, payload in PAYLOADS:
        # Payloads with C0 controls are not XML; this is their well-formed version.
        usable = XML_FORBIDDEN_CONTROLS.sub("", payload)
        for field in (*RSS_FIELDS, *ATOM_FIELDS):
            yield pytest.param(usable, field, id=f"{name}-{field}")
