"""Plain text from untrusted feed strings, and Arabic-aware label normalisation."""

from __future__ import annotations

import functools
import html
import re
import unicodedata

import nh3

# Bidi embedding, override and isolate controls and marks (feed text must not be able to
# reorder the page around it, Trojan Source style), C0 controls other than whitespace,
# DEL and the byte-order mark.
# Controls and bidi controls, and everything XML cannot hold (surrogates, U+FFFE and
# U+FFFF): lxml refuses those outright, and a page must render whatever was stored.
INVISIBLE_CONTROLS = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff"
    "\ud800-\udfff\ufffe\uffff]"
)
ARABIC_DIACRITICS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
ALEF_FORMS = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه"})
MAX_UNESCAPE_ROUNDS = 10
NO_TAGS_CLEANER = nh3.Cleaner(tags=set(), clean_content_tags={"script", "style"})


def plain_text(value: str | None, max_length: int | None = None) -> str:
    """Reduce an untrusted string (possibly HTML, possibly escaped) to one line of text.

    Tags are dropped (with the content of script/style), entities decoded, control and
    bidi-control characters removed and whitespace collapsed. Idempotent.
    """
    if not value:
        return ""
    text = value
    # Escaped markup ("&lt;b&gt;", "&amp;lt;b&amp;gt;") decodes to more markup: strip
    # and decode until nothing changes, so that the result is plain text for good.
    for _round in range(MAX_UNESCAPE_ROUNDS):
        if "<" not in text and "&" not in text:
            break
        stripped = html.unescape(NO_TAGS_CLEANER.clean(text))
        if stripped == text:
            break
        text = stripped
    # split() cuts on exactly the characters \s matches, at a third of the regex's cost.
    text = " ".join(INVISIBLE_CONTROLS.sub("", text).split())
    if max_length is not None and len(text) > max_length:
        text = text[: max_length - 1].rstrip() + "…"
    return text


# What html.unescape leaves of a reference it does not know ("&lol9;", an entity the
# feed's own DTD declared, which we never expand): markup, not words.
UNKNOWN_REFERENCE = re.compile(r"&#?[A-Za-z0-9]+;?")


def has_readable_word(text: str) -> bool:
    """True when ``text`` (plain text) holds a letter or a digit outside unknown
    character references: "&lol9;" alone, "…" or "- -" is no title to show."""
    if not text:
        return False
    words = UNKNOWN_REFERENCE.sub(" ", text) if "&" in text else text
    return any(unicodedata.category(ch)[0] in "LN" for ch in words)


@functools.lru_cache(maxsize=4096)
def normalize_label(label: str) -> str:
    """Comparable form of a section label: 'الرياضة ' and 'رياضة' meet, as do 'Économie'
    and 'economie'."""
    text = plain_text(label).casefold()
    text = ARABIC_DIACRITICS.sub("", text).translate(ALEF_FORMS)
    decomposed = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    text = unicodedata.normalize("NFC", text)
    if text.startswith("ال") and len(text) > 4:
        text = text[2:]
    return text
