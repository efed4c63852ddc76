"""What a report says that another report of the same event would say too: a print.

A print holds, from the headline and the first paragraph (the lead, where every
outlet puts the who, where and how many):

- ``words``: the stems of its content words (normalised as search normalises them,
  without stop words or digits); ``title`` the part of them in the headline;
- ``names``: the places, countries, institutions, teams and event types it names
  (``articles.stories.names``), the same ids in Arabic and French;
- ``numbers``: the figures it gives, written one way ("13,1" and "13.1" are one, "95.000"
  in French and "95 ألف" in Arabic are 95000).

Prints are stored as one line of text (``dumps``/``loads``) so that a new report is
compared with its candidates without reading their text again.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from articles.search.words import bare, canonical, normalize, words
from articles.stories.names import AREAS, lexicon, stem
from articles.stories.stopwords import WORDS as STOP_WORDS

LEAD_WORDS = 60
MIN_WORD = 3
NUMBER = re.compile(r"(?<![\d.,])(\d{1,3}(?:[. \u202f\u00a0]\d{3})+|\d+(?:[.,]\d+)?)(?![\d])")
THOUSANDS = re.compile(r"\d{1,3}(?:[. \u202f\u00a0]\d{3})+")
SCALES = {"الف": 1000, "الاف": 1000, "الف.": 1000, "مليون": 10**6, "ملايين": 10**6,
          "مليار": 10**9, "mille": 1000, "million": 10**6, "millions": 10**6,
          "milliard": 10**9, "milliards": 10**9}  # fmt: skip
# Figures most reports carry whatever they report: years and small counts.
COMMON_NUMBERS = frozenset(str(n) for n in [*range(0, 11), *range(1990, 2041)])


# Kinds of names of which a report is about one: the first it names is where (who) it is.
FOCUSED = ("place:", "country:", "team:")


@dataclass(frozen=True)
class Print:
    language: str
    words: frozenset[str]
    title: frozenset[str]
    names: frozenset[str]
    numbers: frozenset[str]
    # The first place, country and team it names, headline first: what it is about,
    # where later names may be a hospital's town or a road's other end.
    focus: frozenset[str] = frozenset()
    # The first place, country and team its headline names: what the headline says it
    # is about (empty for a headline that names none, and in prints stored before it).
    head: frozenset[str] = frozenset()

    def index_keys(self) -> frozenset[str]:
        """What the candidate index files this print under: its names, its rarer
        figures and its headline's words."""
        return self.names | (self.numbers - COMMON_NUMBERS) | self.title


def lead(summary: str, limit: int = LEAD_WORDS) -> str:
    """The first ``limit`` words of a summary or body text."""
    return " ".join(summary.split()[:limit])


def print_of(title: str, summary: str, language: str) -> Print:
    """The print of a report from its headline and the start of its text."""
    head = words(title)
    body = words(lead(summary))
    title_stems = _content(head)
    in_head = lexicon().find(head)
    names = in_head + lexicon().find(body)
    numbers = numbers_in(normalize(title)) | numbers_in(normalize(lead(summary)))
    return Print(
        language, title_stems | _content(body), title_stems, frozenset(names), numbers,
        _first_of_kinds(names), _first_of_kinds(in_head),
    )  # fmt: skip


def _first_of_kinds(names: list[str]) -> frozenset[str]:
    """The first name of each ``FOCUSED`` kind; of places, the first that is not an
    area ("the Middle Atlas" of a quake whose report then names its commune), unless it
    names only areas."""
    ordered = [n for n in names if n not in AREAS] + [n for n in names if n in AREAS]
    first = {kind: n for n in reversed(ordered) for kind in FOCUSED if n.startswith(kind)}
    return frozenset(first.values())


def _content(found: list[str]) -> frozenset[str]:
    return frozenset(filter(None, map(_content_stem, found)))


@functools.lru_cache(maxsize=65536)
def _content_stem(word: str) -> str | None:
    """A content word's stem; None for a stop word, a short word or a figure."""
    if len(word) < MIN_WORD or any(c.isdigit() for c in word):
        return None
    if STOP_WORDS.intersection((word, canonical(word), bare(word))):
        return None
    return stem(word)


def numbers_in(text: str) -> frozenset[str]:
    """The figures of a normalised text, each written one way."""
    found = set()
    for match in NUMBER.finditer(text):
        raw = match.group(1)
        if THOUSANDS.fullmatch(raw):
            value = float(re.sub(r"\D", "", raw))
        else:
            value = float(raw.replace(",", "."))
        after = text[match.end() : match.end() + 12].split()
        if after and after[0] in SCALES:
            value *= SCALES[after[0]]
        found.add(str(int(value)) if value.is_integer() else f"{value:.3f}".rstrip("0"))
    return frozenset(found)


def dumps(p: Print) -> str:
    return "\t".join(
        (p.language, " ".join(sorted(p.words)), " ".join(sorted(p.title)),
         " ".join(sorted(p.names)), " ".join(sorted(p.numbers)), " ".join(sorted(p.focus)),
         " ".join(sorted(p.head)))
    )  # fmt: skip


@functools.lru_cache(maxsize=8192)
def loads(text: str) -> Print:
    """A stored print (cached by its text: the same candidates come back report after
    report). A print stored before ``head`` existed has six fields: its head is empty."""
    language, found, title, names, numbers, focus, *head = text.split("\t")
    return Print(
        language, frozenset(found.split()), frozenset(title.split()),
        frozenset(names.split()), frozenset(numbers.split()), frozenset(focus.split()),
        frozenset(head[0].split()) if head else frozenset(),
    )  # fmt: skip
