"""Fuzz ``articles.lib.charset.charset_override``: any bytes, any label.

Properties: it never raises; a charset it returns is one Python knows, and the sample
it judged (``body[:SAMPLE_BYTES]``) decodes with it strictly, but for a UTF-8 sequence
cut by the end of the sample.

Input layout: the last byte is ``mode << 6 | n``; the first n bytes are a label, the
rest is the body. Mode 0: the label is the whole Content-Type; 1: it is the charset of
``text/xml; charset=...``; 2: it is passed as ``declared`` (an HTML page's <meta>);
3: no label. ``pack`` builds it.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator

import atheris
import fuzzlib

with fuzzlib.instrumented(__name__, include=("articles",)):
    from articles.lib.charset import SAMPLE_BYTES, charset_override

NAME = "charset_override"
MAX_LEN = 2 * 65536 + 256
DICTIONARY = "xml.dict"
CONTENT_TYPE, CHARSET, DECLARED, NO_LABEL = range(4)


def pack(body: bytes, label: str = "", mode: int = NO_LABEL) -> bytes:
    encoded = label.encode("latin-1")[:63]
    return encoded + body + bytes([mode << 6 | len(encoded)])


def unpack(data: bytes) -> tuple[bytes, dict[str, str], str | None]:
    provider = atheris.FuzzedDataProvider(data)
    flags = provider.ConsumeIntInRange(0, 255)
    label = provider.ConsumeBytes(flags & 0x3F).decode("latin-1")
    body = provider.ConsumeBytes(provider.remaining_bytes())
    mode = flags >> 6
    if mode == CONTENT_TYPE:
        return body, {"content-type": label}, None
    if mode == CHARSET:
        return body, {"content-type": f"text/xml; charset={label}"}, None
    if mode == DECLARED:
        return body, {}, label
    return body, {}, None


def check(data: bytes) -> None:
    body, headers, declared = unpack(data)
    charset = charset_override(body, headers, declared=declared)
    if charset is None:
        return
    require = fuzzlib.require
    require(isinstance(charset, str) and charset, "charset not a name", repr(charset))
    try:
        codec = codecs.lookup(charset)
    except LookupError:
        raise fuzzlib.PropertyViolation("charset unknown to Python", repr(charset)) from None
    sample = body[:SAMPLE_BYTES]
    try:
        sample.decode(codec.name)
    except UnicodeDecodeError as error:
        cut = (
            codec.name == "utf-8"
            and len(body) > SAMPLE_BYTES
            and error.reason == "unexpected end of data"
            and error.end == len(sample)
        )
        require(
            cut,
            f"sample does not decode as the charset returned ({codec.name})",
            f"{error} in {sample[max(0, error.start - 40) : error.end + 40]!r}",
        )


# --- seeds ---------------------------------------------------------------------------------

ARABIC = "أعلنت وزارة الاقتصاد والمالية، يوم الاثنين، عن إجراءات جديدة لدعم المقاولات. "
FRENCH = "Le ministère de l'Économie a présenté à Rabat un plan « très ambitieux ». "


def seeds() -> Iterator[bytes]:
    yield from fuzzlib.committed_seeds(NAME)
    for body in fuzzlib.demo_feeds():
        yield pack(body)
        yield pack(body, "windows-1256", CHARSET)
        yield pack(body, "utf-8", DECLARED)
    for body, headers in fuzzlib.feedparser_cases():
        content_type = headers.get("content-type")
        yield pack(body, content_type, CONTENT_TYPE) if content_type else pack(body)
    for charset in ("windows-1256", "iso-8859-6", "utf-8"):
        yield pack(ARABIC.encode(charset, "replace"))
        yield pack(ARABIC.encode(charset, "replace"), "iso-8859-1", CHARSET)
    yield pack(FRENCH.encode("latin-1", "replace"))
    yield pack(FRENCH.encode("windows-1252"), "windows-1256", DECLARED)
    # The sample's end: a UTF-8 character cut at byte 65536, under a legacy label.
    long_text = (ARABIC * (SAMPLE_BYTES // len(ARABIC.encode()) + 2)).encode()
    for shift in range(3):
        yield pack(b"x" * shift + long_text[: SAMPLE_BYTES + 64], "windows-1256", CHARSET)


if fuzzlib.fuzzing(__name__):
    fuzzlib.main(check)
