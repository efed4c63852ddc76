"""Search words: one normalisation for stored text and for what readers type.

Readers type Arabic the way phones make it easy: without hamza, ه for ة, ي for ى, with
tashkeel pasted from a quote, with Eastern digits. ``normalize`` folds all of those to one
form, and French the same way (case and accents). ``terms`` then cuts the text into words
and gives each word the forms search compares:

- the *canonical* form drops a leading definite article (ال، وال، بال، فال، كال، لل),
  so "المغرب", "والمغرب", "بالمغرب", "للمغرب" and "مغرب" are one word;
- the *bare* form also drops one leading و، ف، ب or ل ("ومراكش", "بمراكش" -> "مراكش").
  A word starting with one of those letters is often not prefixed at all ("وزير", "فريق",
  "بنك"), so the bare form is indexed *beside* the canonical one, and a reader's word is
  looked up in both: "وزير" finds "ووزير" and "الوزير". The cost: a reader's "زير"
  also finds "وزير", which few readers will type.

A prefix is dropped only when at least three letters remain ("الله" stays whole). There is
no stemming beyond that: plurals, feminine forms and verb conjugations are other words.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import chain
from typing import Any

# Removed after NFKD decomposition: combining marks (tashkeel U+064B-U+065F, U+0670,
# Quranic marks, the hamza that NFKD splits off أ إ آ ؤ ئ, Latin accents), tatweel,
# invisible format characters (bidi controls, ZWJ/ZWNJ, soft hyphen, BOM) and lone
# surrogates. Listed by range: building the class from the Unicode database costs 0.4 s.
REMOVED = re.compile(
    "[\u0300-\u036f\u0483-\u0489\u0591-\u05c7\u0610-\u061a\u061c\u0640\u064b-\u065f"
    "\u0670\u06d6-\u06dc\u06df-\u06e4\u06e7\u06e8\u06ea-\u06ed\u08d3-\u08e1\u08e3-\u08ff"
    "\u00ad\u180e\u1ab0-\u1aff\u1dc0-\u1dff\u200b-\u200f\u202a-\u202e\u2060-\u2064"
    "\u2066-\u206f\u20d0-\u20ff\ufe00-\ufe0f\ufe20-\ufe2f\ufeff\ufff9-\ufffb\ud800-\udfff]+"
)
FOLDED = {
    "ٱ": "ا",  # alef wasla (NFKD already splits the hamza off أ إ آ)
    "ة": "ه",
    "ى": "ي",
    "ی": "ي",  # Persian yeh, common in pasted text
    "ک": "ك",  # keheh
    **{chr(0x0660 + d): str(d) for d in range(10)},  # Arabic-Indic digits
    **{chr(0x06F0 + d): str(d) for d in range(10)},  # Eastern Arabic-Indic digits
}
# str.translate looks every character up in a dict; a few replaces of the characters
# present are five times cheaper on an article's text.
FOLDED_ITEMS = tuple(FOLDED.items())
WORD = re.compile(r"[^\W_]+")

ARTICLE_PREFIXES = ("وال", "بال", "فال", "كال", "لل", "ال")
LETTER_PREFIXES = frozenset("وفبل")
MIN_STEM = 3

# Words of one field kept in the index: beyond this an article is long enough to be
# found by its first part, and PostgreSQL positions stop at 16,383.
MAX_FIELD_WORDS = 6000


def normalize(text: str) -> str:
    """The comparable form of ``text``: case, accents, hamza, tashkeel, tatweel, ta
    marbuta, alef maqsura and digits folded; invisible characters removed."""
    text = text.casefold()
    if text.isascii():
        return text
    text = REMOVED.sub("", unicodedata.normalize("NFKD", text))
    for old, new in FOLDED_ITEMS:
        if old in text:
            text = text.replace(old, new)
    return text


class _Memo(dict[str, Any]):
    """key -> function(key) as a plain dict, for the hot paths of indexing. Emptied
    when full; long keys are computed but not kept."""

    def __init__(self, function: Callable[[str], Any]) -> None:
        super().__init__()
        self.function = function

    def __missing__(self, key: str) -> Any:
        value = self.function(key)
        if len(key) <= MAX_MEMO_KEY:
            if len(self) >= MAX_MEMO_SIZE:
                self.clear()
            self[key] = value
        return value


MAX_MEMO_SIZE = 65536


MAX_MEMO_KEY = 64


def words(text: str) -> list[str]:
    """The normalised words of ``text``, in order."""
    # Piece by piece (pieces between whitespace), each normalised once: nothing in
    # ``normalize`` removes whitespace, makes it or reads across it (casefold is per
    # character, and NFKD reorders marks only up to a starter, which whitespace is), so
    # a text's words are its pieces' words; and the pieces of news text repeat.
    return list(chain.from_iterable(map(_PIECE_WORDS.__getitem__, text.split())))


def _piece_words(piece: str) -> tuple[str, ...]:
    return tuple(WORD.findall(normalize(piece)))


_PIECE_WORDS = _Memo(_piece_words)


@functools.lru_cache(maxsize=65536)
def canonical(word: str) -> str:
    """A normalised word without its definite article."""
    for prefix in ARTICLE_PREFIXES:
        if word.startswith(prefix) and len(word) - len(prefix) >= MIN_STEM:
            return word[len(prefix) :]
    return word


@functools.lru_cache(maxsize=65536)
def bare(word: str) -> str:
    """A normalised word without its article, or else without a one-letter prefix
    (و ف ب ل) and then its article: "للمغرب" and "وللمغرب" -> "مغرب"."""
    stem = canonical(word)
    if stem == word and word[0] in LETTER_PREFIXES and len(word) - 1 >= MIN_STEM:
        return canonical(word[1:])
    return stem


@dataclass(frozen=True)
class FieldTerms:
    """One field's words, as two streams of the same length: canonical and bare.
    ``bare`` is empty when it would equal ``canonical`` (most titles)."""

    canonical: tuple[str, ...]
    bare: tuple[str, ...]


_CANONICAL = _Memo(canonical)


_BARE = _Memo(bare)


def field_terms(text: str) -> FieldTerms:
    found = words(text)[:MAX_FIELD_WORDS]
    # Memo lookups, not the lru_caches: a dict hit costs half as much, hundreds of times
    # per article.
    first = tuple(map(_CANONICAL.__getitem__, found))
    second = tuple(map(_BARE.__getitem__, found))
    return FieldTerms(first, second if second != first else ())


# Reader queries ---------------------------------------------------------------------

MAX_QUERY_LENGTH = 300
MAX_QUERY_TERMS = 12
# ASCII, typographic and guillemet quotes open and close phrases.
QUOTES = re.compile('["\u201c\u201d\u201e\u00ab\u00bb]')


@dataclass(frozen=True)
class Query:
    """A reader's query: every phrase must be found; a phrase of one word is a word.
    Each phrase is a tuple of canonical words."""

    phrases: tuple[tuple[str, ...], ...]

    def __bool__(self) -> bool:
        return bool(self.phrases)

    @property
    def words(self) -> frozenset[str]:
        """Every word of the query, for highlighting."""
        return frozenset(word for phrase in self.phrases for word in phrase)


def parse_query(text: str) -> Query:
    """Read what a reader typed: words, and "phrases in quotes". Everything else (FTS or
    SQL syntax, operators, control characters) is punctuation between words."""
    text = text[:MAX_QUERY_LENGTH]
    phrases: list[tuple[str, ...]] = []
    # Even pieces are outside quotes, odd ones inside; an unclosed quote runs to the end.
    for index, piece in enumerate(QUOTES.split(text)):
        found = tuple(canonical(w) for w in words(piece))
        if index % 2:
            phrases.append(found)
        else:
            phrases.extend((w,) for w in found)
    unique = tuple(dict.fromkeys(p for p in phrases if p))
    return Query(unique[:MAX_QUERY_TERMS])


# Highlighting -----------------------------------------------------------------------

# A word as it stands in the original text, marks and invisible characters included.
TEXT_WORD = re.compile(r"(?:[^\W_]|" + REMOVED.pattern[:-1] + ")+")


def spans(text: str) -> Iterator[tuple[int, int, bool]]:
    """(start, end, is_word) pieces covering ``text``; marks stay inside their word."""
    position = 0
    for match in TEXT_WORD.finditer(text):
        if match.start() > position:
            yield position, match.start(), False
        yield match.start(), match.end(), True
        position = match.end()
    if position < len(text):
        yield position, len(text), False


def matches(original_word: str, wanted: frozenset[str]) -> bool:
    """Whether a word of the original text is one of the query's words."""
    return any(canonical(w) in wanted or bare(w) in wanted for w in words(original_word))
