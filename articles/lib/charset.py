"""Work out the real character set of feed bytes that do not say it, or say it wrong.

Moroccan feeds still come in windows-1256 and ISO-8859-6, sometimes with no declaration
or a wrong one, and generic detectors (chardet 5) have no Arabic model: they read such
bytes as MacCyrillic. We only step in when the bytes plainly contradict the label.

The rule (``charset_override``), on the first 64 KB of the body (the "sample"):

1. A byte-order mark, or UTF-16/32: None, the parser knows better.
2. Valid UTF-8 (a multi-byte character cut by the sample's end allowed): "utf-8" if it
   is not ASCII and is labelled as something else, else None.
3. An Arabic label (windows-1256, ISO-8859-6, their aliases): trusted (None) if the
   sample decodes with it strictly, else the label says Arabic, not which: see 6 and 7.
4. Any other label the sample decodes with strictly is trusted (koi8-r, iso-8859-7,
   big5 ...), except the Latin labels servers send by default (ISO-8859-1,
   windows-1252, ASCII ...): those go on to 5, as do UTF-8 (which the bytes, not being
   UTF-8, contradict), a label Python does not know, and no label at all.
5. Mostly valid UTF-8 with a few bad bytes: None. No single-byte reading would be right.
6. The sample is read in each Arabic charset and the best reading taken (below); if it
   is not plainly Arabic, None (feedparser and chardet handle Latin, Cyrillic, Greek,
   Hebrew, Thai and CJK text better than we do).
7. The best reading's charset if it decodes the whole body strictly, else windows-1256.

So a charset this returns decodes the whole body strictly ("utf-8": the sample, up to a
character cut at its end), and feedparser, which drops a charset that fails strictly
for a guess of its own (chardet's: MacCyrillic for Arabic), never turns our choice into
mojibake. windows-1256 defines all 256 bytes in Python's codec, so "nothing decodes
strictly" never happens. Where ISO-8859-6 would read better but lacks a byte (45 are
undefined in it, windows-1256's Arabic comma 0xA1 and its ghain, feh, qaf, kaf and
tatweel at 0xDB-0xDF among them) the answer is windows-1256: like decoding with
``errors="replace"`` it keeps the letters both charsets share, and it has a character
for each other byte where a Latin fallback would read no Arabic letter at all.

A reading is how one Arabic charset sees the high (non-ASCII) bytes, scored like this:

* Arabic words are runs of 2+ Arabic letters: those letters are the evidence for it.
  French accents in bilingual windows-1256 ("très", "à") sit alone in or between
  Latin words and are the same letters in windows-1252: they count neither way, so a
  French sentence does not hide the Arabic ones around it.
* Against it count Arabic letters glued to ASCII letters (a French page in a Latin
  charset read as Arabic: "État" would be "ةtat"), other letters glued to Arabic
  ones (ISO-8859-6 read as windows-1256: "يوم" would be "êèه"), symbols glued to
  Arabic letters (CJK read as Arabic: "¢" "³" "×" between letters), C1 controls
  (windows-1256 quotes read as ISO-8859-6) and, UNDEFINED_WEIGHT times each, bytes the
  charset lacks. Coherence is evidence / (evidence + against).
* Nine letters (ا ل ي م ر ة ت ن و) make up two thirds of Arabic text, a third at most
  of Cyrillic, Greek, Hebrew, Thai or CJK bytes read as Arabic (KOI8-R Russian reads as
  long runs of Arabic letters, but of rare ones).

Plainly Arabic: evidence >= MIN_WORD_LETTERS (one word), coherence >=
MIN_COHERENCE, and the nine letters >= MIN_COMMON_SHARE of the Arabic letters (if there
are MIN_COMMON_LETTERS of them: a few words prove nothing that way). The best reading
has the highest coherence, then (if there are MIN_COMMON_LETTERS) the highest share of
the nine letters, then comes first in ARABIC_CHARSETS: a few words both read as coherent
Arabic are windows-1256, the commoner of the two (and those in letters 0xC1-0xD6 only
read the same in both).
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

SAMPLE_BYTES = 64 * 1024
ARABIC_CHARSETS = ("windows-1256", "iso-8859-6")  # the order breaks ties
ARABIC_LABELS = frozenset(
    {
        "windows-1256", "cp1256", "x-cp1256", "iso-8859-6", "iso_8859-6", "iso8859-6",
        "iso-8859-6-e", "iso-8859-6-i", "iso-ir-127", "arabic", "asmo-708", "ecma-114",
        "csisolatinarabic",
    }
)  # fmt: skip
UTF8_LABELS = frozenset({"utf-8", "utf8"})
# What servers and CMSs send whatever the bytes are: second-guessed even if they decode.
LATIN_DEFAULT_LABELS = frozenset(
    {
        "iso-8859-1", "iso_8859-1", "iso8859-1", "latin-1", "latin1", "l1", "windows-1252",
        "cp1252", "us-ascii", "ascii", "iso-8859-15", "iso_8859-15", "latin-9", "latin9",
    }
)  # fmt: skip
XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*\bencoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""")
HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9._:-]+)", re.IGNORECASE)
# A reading is Arabic if it has this many letters of Arabic words (runs of 2+ Arabic
# letters: French accents, however many, are no evidence either way) ...
MIN_WORD_LETTERS = 2
# ... and at least this share of those letters plus the bytes that contradict the reading,
MIN_COHERENCE = 0.8
# ... and its commonest letters (ا ل ي م ر ة ت ن و) are this share of its Arabic letters:
# two thirds in Arabic text, under 0.35 in other scripts read as Arabic ...
COMMON_LETTERS = "\u0627\u0644\u064a\u0645\u0631\u0629\u062a\u0646\u0648"
MIN_COMMON_SHARE = 0.4
# ... if it has this many Arabic letters (a few words prove nothing that way).
MIN_COMMON_LETTERS = 60
# A byte the charset lacks weighs as this many misfits.
UNDEFINED_WEIGHT = 4
# More than this share of the high bytes in valid UTF-8 sequences: broken UTF-8.
MAX_UTF8_SHARE = 0.5

# Each byte's class in a charset, for regular expressions over ``bytes.translate``:
# ASCII letter, other ASCII, Arabic letter (or diacritic), other letter, C1 control,
# symbol, punctuation or space (quotes, dashes, "،", no-break space, bidi marks ...),
# undefined.
ASCII_LETTER, ASCII_OTHER, ARABIC, LATIN, CONTROL, SYMBOL, OTHER, UNDEFINED = b"a.ALcspx"
PUNCTUATION = frozenset({"Zs", "Cf", "Pi", "Pf", "Ps", "Pe", "Pd"})
LONE_ARABIC = re.compile(rb"A(?<!AA)(?!A)")
ARABIC_BY_ASCII_LETTER = re.compile(rb"A(?:(?<=aA)|(?=a))")
NON_ARABIC_BY_ARABIC = re.compile(rb"[Ls](?:(?<=A.)|(?=A))")
UTF8_SEQUENCE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)
HIGH_BYTES = bytes(range(0x80, 0x100))


def _byte_class(charset: str, byte: int) -> int:
    if byte < 0x80:
        return ASCII_LETTER if bytes([byte]).isalpha() else ASCII_OTHER
    try:
        char = bytes([byte]).decode(charset)
    except UnicodeDecodeError:
        return UNDEFINED
    category = unicodedata.category(char)
    if "\u0600" <= char <= "\u06ff" and category in ("Lo", "Lm", "Mn"):
        return ARABIC
    if category.startswith("L"):
        return LATIN
    if category == "Cc":
        return CONTROL
    return OTHER if category in PUNCTUATION or char in "\u2026\u2022\u060c\u061b\u061f" else SYMBOL


CLASSES = {
    charset: bytes(_byte_class(charset, byte) for byte in range(256))
    for charset in ARABIC_CHARSETS
}
UNDEFINED_BYTES = {
    charset: bytes(byte for byte in range(256) if table[byte] == UNDEFINED)
    for charset, table in CLASSES.items()
}
COMMON_BYTES = {charset: COMMON_LETTERS.encode(charset) for charset in ARABIC_CHARSETS}


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
    it elsewhere (an HTML page's ``<meta charset>``) and passes it as ``declared``.
    A charset returned decodes ``body`` strictly; the rule is in the module docstring."""
    sample = body[:SAMPLE_BYTES]
    if sample.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")) or b"\x00" in sample[:4]:
        return None  # a byte-order mark or UTF-16/32: the parser knows better
    if declared is None:
        declared = declared_charset(body, headers)
    whole = len(body) <= SAMPLE_BYTES  # else a character may be cut at the sample's end
    if _decodes(sample, "utf-8", whole=whole):
        # Valid UTF-8 with Arabic letters in it, labelled as a legacy charset.
        if declared and declared not in UTF8_LABELS and not sample.isascii():
            return "utf-8"
        return None
    if declared in ARABIC_LABELS:
        if _decodes(sample, declared, whole=whole):
            return None
        # Arabic, says the label, but not in that charset (ISO-8859-6 lacks the byte).
        return _strict(_best_reading(sample), body)
    if (
        declared
        and declared not in LATIN_DEFAULT_LABELS
        and declared not in UTF8_LABELS
        and _decodes(sample, declared, whole=whole)
    ):
        return None
    high = len(sample) - len(sample.translate(None, HIGH_BYTES))
    if len(sample) - len(UTF8_SEQUENCE.sub(b"", sample)) > MAX_UTF8_SHARE * high:
        return None  # UTF-8 with a few bad bytes
    best = _best_reading(sample)
    return _strict(best, body) if best.is_arabic else None


def _best_reading(sample: bytes) -> _Reading:
    return max((_Reading.of(sample, charset) for charset in ARABIC_CHARSETS), key=_Reading.rank)


def _strict(reading: _Reading, body: bytes) -> str:
    """The charset of ``reading`` if it decodes ``body`` strictly, else windows-1256,
    which decodes any bytes."""
    undefined = UNDEFINED_BYTES[reading.charset]
    if not undefined or len(body.translate(None, undefined)) == len(body):
        return reading.charset
    return ARABIC_CHARSETS[0]


@dataclass(frozen=True)
class _Reading:
    """How Arabic the high bytes of a sample look read with ``charset``."""

    charset: str
    words: int  # Arabic letters with an Arabic letter next to them
    # Arabic letters by ASCII letters, other letters and symbols by Arabic letters, C1
    # controls, bytes the charset does not define
    misfits: int
    common: int  # the commonest Arabic letters
    arabic: int  # Arabic letters

    @classmethod
    def of(cls, sample: bytes, charset: str) -> _Reading:
        classes = sample.translate(CLASSES[charset])
        arabic = classes.count(ARABIC)
        return cls(
            charset=charset,
            words=arabic - len(LONE_ARABIC.findall(classes)),
            misfits=len(ARABIC_BY_ASCII_LETTER.findall(classes))
            + len(NON_ARABIC_BY_ARABIC.findall(classes))
            + classes.count(CONTROL)
            + UNDEFINED_WEIGHT * classes.count(UNDEFINED),
            common=len(sample) - len(sample.translate(None, COMMON_BYTES[charset])),
            arabic=arabic,
        )

    @property
    def coherence(self) -> float:
        return self.words / (self.words + self.misfits) if self.words else 0.0

    @property
    def common_share(self) -> float:
        return self.common / self.arabic if self.arabic else 0.0

    def rank(self) -> tuple[float, float, int]:
        common = self.common_share if self.arabic >= MIN_COMMON_LETTERS else 0.0
        return (self.coherence, common, -ARABIC_CHARSETS.index(self.charset))

    @property
    def is_arabic(self) -> bool:
        return (
            self.words >= MIN_WORD_LETTERS
            and self.coherence >= MIN_COHERENCE
            and (self.arabic < MIN_COMMON_LETTERS or self.common_share >= MIN_COMMON_SHARE)
        )


def _decodes(sample: bytes, charset: str, *, whole: bool) -> bool:
    """True if ``charset`` is a known text encoding that decodes ``sample`` strictly,
    allowing a multi-byte character cut at its end unless it is the ``whole`` body."""
    try:
        sample.decode(charset)  # LookupError for unknown names and bytes-to-bytes codecs
    except UnicodeDecodeError:
        if whole:
            return False
        try:
            codecs.getincrementaldecoder(charset)().decode(sample, final=False)
        except ValueError:
            return False
    except (LookupError, ValueError):  # UnicodeError (idna's) is a ValueError
        return False
    return True
