"""Names and topics a report can share with another, whatever its language.

``data/names.txt`` lists, by hand, the ways the Moroccan Arabic and French press write
places, countries, institutions and teams, and the words of common event types
("زلزال", "هزة أرضية", "séisme" -> topic quake). ``find`` reads a text's words into the
ids they name: names are matched on the words without article or one-letter prefix
(``articles.search.words.bare``), topics on their Snowball stems, longest form first.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import Stemmer

from articles.search.words import bare, canonical, words

DATA = Path(__file__).with_name("data") / "names.txt"
PLACES = Path(__file__).with_name("data") / "places.txt"
KINDS = ("place", "country", "org", "team", "topic")
MAX_FORM_WORDS = 4
MEMO_WORDS = 65536
# Places that are areas, not where an event happens: a mountain range, a sea, a river
# across provinces. A report about "the Atlas" does not say which province.
AREAS = frozenset(
    f"place:{p}"
    for p in ("atlas", "rif", "sahara", "mediterranean", "atlantic", "strait-gibraltar",
              "moulouya", "oum-er-rbia", "sebou", "bouregreg", "draa-valley")
)  # fmt: skip
STEMMERS = {"ar": Stemmer.Stemmer("arabic"), "fr": Stemmer.Stemmer("french")}


@functools.lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """One word's stem: Arabic words without their article first (the stemmer would
    read the ب of "بطالة" as a prefix only when the article is gone, either way)."""
    if word.isascii():
        return STEMMERS["fr"].stemWord(word)
    return STEMMERS["ar"].stemWord(canonical(word))


@dataclass(frozen=True)
class Lexicon:
    # Word sequences (bare forms) -> "kind:id", for names; stems -> "topic:id".
    names: dict[tuple[str, ...], str]
    topics: dict[tuple[str, ...], str]
    # The words a form can start with: most words of a text start none, and are
    # passed over with one set lookup instead of four dictionary lookups.
    name_starts: frozenset[str] = frozenset()
    topic_starts: frozenset[str] = frozenset()
    topic_words: frozenset[str] = frozenset()
    # word -> its topic form, as read so far.
    forms: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    def _topic_form(self, word: str) -> str:
        """A word's stem, or the stem of the word without a one-letter prefix when only
        that is a topic's word: "لأطباء", "بإضراب" (the stemmer keeps some prefixes)."""
        known = self.forms.get(word)
        if known is None:
            found = stem(word)
            if found not in self.topic_words:
                plain = stem(bare(word))
                found = plain if plain in self.topic_words else found
            # Words come back report after report (a memo, bounded by a reset).
            if len(self.forms) >= MEMO_WORDS:
                self.forms.clear()
            known = self.forms[word] = found
        return known

    def find(self, found: Sequence[str]) -> list[str]:
        """The ids named in a text's normalised words, longest match first: names in
        the order the text names them, then topics. Words that are part of a name are
        not read again as a topic ("وزير الفلاحة والصيد البحري" is a minister, not
        a story about fishing)."""
        ids: dict[str, None] = {}
        taken: set[int] = set()
        for forms, table, starts in (
            ([bare(w) for w in found], self.names, self.name_starts),
            ([self._topic_form(w) for w in found], self.topics, self.topic_starts),
        ):
            position = 0
            while position < len(forms):
                if forms[position] not in starts:
                    position += 1
                    continue
                for size in range(min(MAX_FORM_WORDS, len(forms) - position), 0, -1):
                    span = range(position, position + size)
                    hit = table.get(tuple(forms[position : position + size]))
                    if hit and not taken.intersection(span):
                        ids[hit] = None
                        if table is self.names:
                            taken.update(span)
                        position += size
                        break
                else:
                    position += 1
        return list(ids)


def read(text: str) -> Lexicon:
    names: dict[tuple[str, ...], str] = {}
    topics: dict[tuple[str, ...], str] = {}
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        head, _, forms = line.partition(":")
        kind, _, name = head.strip().partition(" ")
        if kind not in KINDS or not name or not forms:
            raise ValueError(f"names.txt line {number}: expected 'kind id: form | form'")
        for form in forms.split("|"):
            found = words(form)
            if not found or len(found) > MAX_FORM_WORDS:
                continue
            if kind == "topic":
                topics.setdefault(tuple(stem(w) for w in found), f"topic:{name}")
            else:
                # A form is filed by its bare words and, when its first letter is one
                # bare would take for a prefix (و ف ب ل), by its first word whole too: the
                # text's "بفاس", "وفرنسا", "لوزارة" are bare "فاس", "فرنسا", "وزارة",
                # and its "فاس" is bare "اس", as the form's.
                key = tuple(bare(w) for w in found)
                for form_key in (key, (canonical(found[0]), *key[1:])):
                    names.setdefault(form_key, f"{kind}:{name.strip()}")
    return Lexicon(
        names, topics, frozenset(f[0] for f in names), frozenset(f[0] for f in topics),
        frozenset(w for f in topics for w in f),
    )  # fmt: skip


@functools.cache
def lexicon() -> Lexicon:
    return read(DATA.read_text(encoding="utf-8"))


def read_places(text: str) -> dict[str, frozenset[str]]:
    """place id -> the places that contain it (its province, region...), as "place:" ids."""
    within: dict[str, frozenset[str]] = {}
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        head, _, containers = line.partition(":")
        if not containers.split():
            raise ValueError(f"places.txt line {number}: expected 'place: container ...'")
        within[f"place:{head.strip()}"] = frozenset(f"place:{c}" for c in containers.split())
    return within


@functools.cache
def places_within() -> dict[str, frozenset[str]]:
    return read_places(PLACES.read_text(encoding="utf-8"))


def with_containers(places: set[str]) -> set[str]:
    """Places and every place that contains one of them: a district and its city."""
    within = places_within()
    return places.union(*(within.get(p, ()) for p in places))
