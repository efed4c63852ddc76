"""Work out the real character set of feed bytes that do not say it, or say it wrong.

Moroccan feeds still come in windows-1256 and ISO-8859-6, sometimes with no declaration
or a wrong one, and generic detectors (chardet 5) have no Arabic model: they read such
bytes as MacCyrillic. We only step in when the bytes plainly contradict the label.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

SAMPLE_BYTES = 64 * 1024
ARABIC_CHARSETS = ("windows-1256", "iso-8859-6")
ARABIC_LABELS = frozenset(
    {"windows-1256", "cp1256", "iso-8859-6", "iso_8859-6", "arabic", "asmo-708", "ecma-114"}
)
UTF8_LABELS = frozenset({"utf-8", "utf8"})
XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*\bencoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""")
HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9._:-]+)", re.IGNORECASE)
MIN_ARABIC_SHARE = 0.6
# Share of non-ASCII bytes next to an ASCII letter above which text is Latin.
LATIN_SHARE = 0.3


def declared_charset(body: bytes, headers: Mapping[str, str]) -> str:
    """The charset the HTTP header or the XML declaration claims, lowercased, or ''."""
    match = HEADER_CHARSET.search(headers.get("content-type", ""))
    if match:
        return match.group(1).lower()
    xml = XML_ENCODING.match(body[:200])
    return xml.group(1).decode("ascii").lower() if xml else ""


def charset_override(
    body: bytes, headers: Mapping[str, str], *, declared: str | None = None
) -> str | None:
    """The charset to decode ``body`` with instead of its label, or None to trust it.

    The label is the HTTP header's or the XML declaration's, unless the caller read
    it elsewhere (an HTML page's ``<meta charset>``) and passes it as ``declared``."""
    sample = body[:SAMPLE_BYTES]
    if sample.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")) or b"\x00" in sample[:4]:
        return None  # a byte-order mark or UTF-16/32: the parser knows better
    if declared is None:
        declared = declared_charset(body, headers)
    if _is_utf8(sample):
        # Valid UTF-8 with Arabic letters in it, labelled as a legacy charset.
        if declared and declared not in UTF8_LABELS and not sample.isascii():
            return "utf-8"
        return None
    if declared in ARABIC_LABELS or _looks_latin(sample):
        return None
    best, best_share = None, MIN_ARABIC_SHARE
    for charset in ARABIC_CHARSETS:
        share = _arabic_share(sample.decode(charset, errors="replace"))
        if share > best_share:
            best, best_share = charset, share
    return best


def _looks_latin(sample: bytes) -> bool:
    """True if the non-ASCII bytes sit inside Latin words ("minist\xe8re"): accented
    letters of French in a Latin charset. Arabic words are runs of non-ASCII bytes
    between spaces and punctuation; ISO-8859-6 would read both as Arabic letters."""
    high = touching = 0
    for i, byte in enumerate(sample):
        if byte < 0x80:
            continue
        high += 1
        before = sample[i - 1 : i]
        after = sample[i + 1 : i + 2]
        if before.isalpha() or after.isalpha():  # bytes.isalpha: ASCII letters only
            touching += 1
    return high > 0 and touching / high > LATIN_SHARE


def _is_utf8(sample: bytes) -> bool:
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as error:
        # A multi-byte character cut by the sample's end is not evidence against UTF-8.
        return len(sample) == SAMPLE_BYTES and error.start >= len(sample) - 3
    return True


def _arabic_share(text: str) -> float:
    """Share of Arabic letters among the non-ASCII characters of ``text``."""
    non_ascii = [ch for ch in text if ord(ch) > 0x7F]
    if not non_ascii:
        return 0.0
    arabic = sum(1 for ch in non_ascii if "\u0600" <= ch <= "\u06ff")
    return arabic / len(non_ascii)
