"""Fuzz ``articles.site.body.render_body``: any stored body, the images it names in any
state.

A stored body is normally clean_html's output, but one stored long ago may predate the
sanitizer, so both are fed: ``clean_html(fuzzed)`` and the fuzzed string itself. Every
``src`` in the body gets an in-memory ``Image`` row (no database), so the code that
points images at our copies, drops unknown ones and puts placeholders for hidden ones
runs: by a hash of its URL the image is pending, stored without a copy, hidden
(automatically or by staff) or shown.

Properties: it never raises; its output holds no character XML cannot and no control
or bidi control (lxml refuses the former, the latter reorder the page); and for a
sanitized body, the output parsed as a browser
parses it has no <img> but our copies and the placeholder (pages never hotlink).

Input layout: the last byte holds flags (bit 0: sanitize first; bit 1: a page's
BodyImages with report links and a placeholder, else a plain mapping; bit 2: no
placeholder image), the rest is the body as UTF-8 (invalid bytes replaced: a database
holds no surrogates). ``pack`` builds it.
"""

from __future__ import annotations

import html
import re
import zlib
from collections.abc import Iterator, Mapping

import atheris
import fuzzlib

with fuzzlib.instrumented(__name__, include=("articles", "lxml.html")):
    from articles.lib.html import clean_html
    from articles.lib.text import INVISIBLE_CONTROLS
    from articles.models import Image, Visibility
    from articles.site.body import BodyImages, render_body

NAME = "render_body"
MAX_LEN = 65536
DICTIONARY = "html.dict"
BASE = "https://example.ma/news/2025/06/article.html"
SANITIZE, PAGE, NO_PLACEHOLDER = 1, 2, 4
PLACEHOLDER = "/static/img/hidden.svg"
SRC = re.compile(r"""\bsrc\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""", re.IGNORECASE)


def pack(body: str, flags: int = SANITIZE | PAGE) -> bytes:
    return body.encode("utf-8") + bytes([flags])


def unpack(data: bytes) -> tuple[str, int]:
    provider = atheris.FuzzedDataProvider(data)
    flags = provider.ConsumeIntInRange(0, 255)
    body = provider.ConsumeBytes(provider.remaining_bytes()).decode("utf-8", "replace")
    return body, flags


def image_rows(body: str) -> dict[str, Image]:
    """An Image row for each ``src`` in ``body`` (as written and with entities decoded),
    in a state chosen by a hash of its URL."""
    urls: list[str] = []
    for match in SRC.finditer(body):
        value = next(group for group in match.groups() if group is not None)
        for url in (value, html.unescape(value)):
            if url not in urls:
                urls.append(url)
    rows = {}
    for number, url in enumerate(urls, start=1):
        state = zlib.crc32(url.encode("utf-8", "surrogatepass")) % 6
        digest = f"{zlib.crc32(url.encode('utf-8', 'surrogatepass')):08x}"
        rows[url] = Image(
            id=number,
            url=url,
            status=Image.Status.PENDING if state == 0 else Image.Status.STORED,
            copy="" if state in (0, 1) else f"images/{digest[:2]}/{digest}-1200.webp",
            copy_width=(1200, 1, 16383)[number % 3],
            copy_height=(675, 16383, 1)[number % 3],
            visibility={2: Visibility.AUTO_HIDDEN, 3: Visibility.STAFF_HIDDEN}.get(
                state, Visibility.SHOWN
            ),
        )
    return rows


def check(data: bytes) -> None:
    text, flags = unpack(data)
    body = clean_html(text, BASE) if flags & SANITIZE else text
    rows = image_rows(body)
    images: Mapping[str, Image] | BodyImages = rows
    if flags & PAGE:
        images = BodyImages(
            by_url=rows,
            placeholder_src="" if flags & NO_PLACEHOLDER else PLACEHOLDER,
            report_href=lambda image: f"/images/{image.pk}/report/?next=%2Far%2F",
            report_text="الإبلاغ عن الصورة",
        )
    rendered = render_body(body, images)
    fuzzlib.require(isinstance(rendered, str), "not a string", lambda: repr(type(rendered)))
    fuzzlib.require_xml_text(rendered, "rendered body")
    control = INVISIBLE_CONTROLS.search(rendered)
    if control is not None:
        raise fuzzlib.PropertyViolation(
            "rendered body holds an invisible or bidi control",
            f"{control.group()!r} in {fuzzlib.excerpt(rendered)}",
        )
    if flags & SANITIZE:
        ours = {row.copy.url for row in rows.values() if row.copy} | {PLACEHOLDER}
        for img in fuzzlib.browser_tree(rendered).iter("img"):
            if img.get("src") not in ours:
                raise fuzzlib.PropertyViolation(
                    "an <img> not pointing at our copy",
                    f"{img.get('src')!r} in {fuzzlib.excerpt(rendered, 600)}",
                )


# --- seeds ---------------------------------------------------------------------------------


def seeds() -> Iterator[bytes]:
    yield from fuzzlib.committed_seeds(NAME)
    for number, body in enumerate(fuzzlib.feed_bodies()):
        yield pack(body, number % 8)
    for number, page in enumerate(fuzzlib.html_pages()):
        yield pack(page.encode()[: MAX_LEN - 1].decode("utf-8", "ignore"), number % 8)


if fuzzlib.fuzzing(__name__):
    fuzzlib.main(check)
