"""Which of Morocco's twelve regions a text is about: pure functions, no database.

The rules (docs/regions.md says why each is there):

1. A place of the gazetteer (``articles.regions.gazetteer``) named in the title or the
   first paragraph gives its region; a place that lies across regions (the Atlas, the
   Sahara as a whole) or outside Morocco's division gives none.
2. Names are matched longest first, and names of other kinds take their words: "نهضة
   بركان" is a team, "وزارة الداخلية" a ministry, "الأسلحة البيضاء" bladed weapons.
3. An Arabic form must be the text's word whole, after at most a one-letter prefix or
   two (و ف ب ل) and the article: "جدة" (Jeddah) is not "وجدة" read without its و,
   "رباط" (a bond) is not "الرباط", "بفأس" (with an axe) is not "بفاس".
4. A French form counts only capitalised: "Salé", never "salé".
5. A form that is also an ordinary word ("العيون" the eyes, "بركان" a volcano,
   "الداخلة", "البيضاء", French "Sale", "Tata") needs context: a word of place just
   before it (مدينة، إقليم، جهة، عمالة، ولاية ... / ville, province ...), the
   preposition ب on it or في / à before it, or being listed next to a place that
   counts ("العيون والداخلة وبوجدور"). Unambiguous names need none.
6. Incidental places do not count: a place right after a first name is a surname
   ("Hicham Benslimane", "محمد الفاسي" never matches anyway), one after a word of origin
   a person's origin ("المنحدر من مدينة فاس", "un élu de Laâyoune"), one right after a
   word naming a thing the name of that thing ("le navire Tanger", "la brasserie
   Marrakech"), and a name alone in quotation marks a title ("« Casablanca »", the
   film). A place a known phrase holds ("la crise d'Agadir", "الرباط المقدس") counts
   elsewhere in the text only where a word of place or a preposition says so.
7. National acts in the capital are national, and "Rabat" is often the State: in a text
   naming a national institution (the government, Parliament, a ministry), the Sahara
   file (the UN, autonomy) or a country, Rabat gives no region; in a text about the
   Sahara file, the southern regions' cities are not the scene either; "Rabat" followed
   by a verb of the State ("الرباط ترد", "Rabat salue") is the State.
8. A club's news is its home town's (Raja: Casablanca), in a text with a word of sport.
9. A regional outlet's articles are about its region too (``Outlet.region``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace

from articles.regions.gazetteer import Entry, Gazetteer, gazetteer
from articles.search.words import REMOVED, TEXT_WORD, WORD, bare, normalize

MAX_FORM_WORDS = 4
# Words of place before a name: "مدينة العيون", "بإقليم بركان", "ساكنة الداخلة".
PLACE_WORDS = frozenset(
    normalize(w)
    for w in (
        "مدينة", "مدن", "إقليم", "أقاليم", "جهة", "جهات", "عمالة", "عمالات", "ولاية",
        "بلدية", "جماعة", "ساكنة", "سكان", "ضواحي", "نواحي", "منطقة", "شوارع", "أحياء",
        "حي", "عامل", "والي", "باشا", "ميناء", "مطار", "شاطئ", "محكمة", "مستشفى", "قرب",
        "في", "à", "de", "d", "ville", "province", "région", "préfecture", "commune",
        "wilaya", "près", "port", "سواحل", "ساحل", "شواطئ",
    )
)  # fmt: skip
# What may come before an Arabic form in the text's word: conjunctions, prepositions.
PREFIXES = frozenset({"", "و", "ف", "ب", "ل", "ك", "وب", "ول", "فب", "فل", "وك"})
LINKS = frozenset({"و", "et"})
ORIGIN_REACH = 3  # words before a place that may say it is someone's origin
# Rule 7: the capital, and the regions of the Sahara file.
CAPITAL = "rabat"
SAHARA_REGIONS = frozenset({"laayoune-sakia-el-hamra", "dakhla-oued-ed-dahab"})
BREAK = "\n"  # between the title and the lead: no list runs across it
# A short text in quotation marks: a name alone there is a title ("« Casablanca »").
QUOTED = re.compile(r'[«"“]([^«»"“”\n]{1,60})[»"”]')
QUOTED_WORDS = 3
QUOTE_MARKS = frozenset('«"“')


@dataclass(frozen=True)
class Words:
    raw: list[str]  # as written
    norm: list[str]  # normalised (``articles.search.words.normalize``)
    bare: list[str]  # without article or one-letter prefix
    quoted: list[bool]  # alone, or nearly, in quotation marks


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    entry: Entry
    sure: bool  # unambiguous, or used as a place here


def fold(word: str) -> tuple[str, str]:
    """A word as written -> (normalised, bare); memoised: news text repeats its words."""
    known = FOLDED.get(word)
    if known is None:
        folded = "".join(WORD.findall(normalize(word)))
        if len(FOLDED) >= MEMO_WORDS:
            FOLDED.clear()
        known = FOLDED[word] = (folded, bare(folded) if folded else "")
    return known


FOLDED: dict[str, tuple[str, str]] = {}
MEMO_WORDS = 65536


def read_words(*texts: str) -> Words:
    raw: list[str] = []
    norm: list[str] = []
    bares: list[str] = []
    quoted: list[bool] = []
    for text in texts:
        if raw:
            raw.append(BREAK)
            norm.append(BREAK)
            bares.append(BREAK)
            quoted.append(False)
        quotes = quoted_spans(text)
        for match in TEXT_WORD.finditer(text) if quotes else TEXT_WORD.findall(text):
            written = match if isinstance(match, str) else match.group()
            folded, plain = fold(written)
            if folded:
                raw.append(written)
                norm.append(folded)
                bares.append(plain)
                quoted.append(
                    not isinstance(match, str)
                    and any(start <= match.start() < end for start, end in quotes)
                )
    return Words(raw, norm, bares, quoted)


def quoted_spans(text: str) -> list[tuple[int, int]]:
    """Where short quotations are in ``text`` (most texts have none: a quick look first)."""
    if not QUOTE_MARKS.intersection(text):
        return []
    return [
        quote.span(1)
        for quote in QUOTED.finditer(text)
        if len(TEXT_WORD.findall(quote.group(1))) <= QUOTED_WORDS
    ]


def prefix_of(word: str, first: str) -> str | None:
    """What comes before the form's first word in the text's word, or None when the
    text's word is not that word whole (rule 3)."""
    if word.endswith(first):
        before = word[: len(word) - len(first)]
    elif first.startswith("ال") and word.endswith("ل" + first[2:]):
        before = word[: len(word) - len(first) + 1]  # "للعيون": ل + العيون
    else:
        return None
    return before if before in PREFIXES else None


def without_prefix(word: str) -> set[str]:
    return {word, word[1:], word[2:]} if word[:1] in "وفبل" else {word}


def in_context(found: Words, start: int, prefix: str) -> bool:
    """Whether the words around ``start`` use the name as a place (rule 5)."""
    if "ب" in prefix:
        return True
    return start > 0 and bool(without_prefix(found.norm[start - 1]) & PLACE_WORDS)


def needs_context(found: Words, start: int, entry: Entry, places: Gazetteer) -> bool:
    if entry.context:
        return True
    written = REMOVED.sub("", found.raw[start]).casefold()
    spelled = places.words["context-spelled"]
    if found.norm[start].isascii():
        return written in spelled
    return any(written.endswith(form) for form in spelled)


def judge(found: Words, start: int, entry: Entry, places: Gazetteer) -> bool | None:
    """Whether a form found at ``start`` is a place here: True (sure), False (needs
    what its neighbours say), None (not this form at all: rules 3, 4 and 6)."""
    word = found.norm[start]
    if word.isascii():
        prefix = ""
        if not found.raw[start][:1].isupper():
            return None
    else:
        found_prefix = prefix_of(word, entry.first) if entry.first else ""
        if found_prefix is None or not REMOVED.sub("", found.raw[start]).endswith(entry.spelled):
            return None
        prefix = found_prefix
    if incidental(found, start, places):
        return None
    return not needs_context(found, start, entry, places) or in_context(found, start, prefix)


def incidental(found: Words, start: int, places: Gazetteer) -> bool:
    """A surname after a first name, a person's origin, a thing's name, a title in
    quotation marks (rule 6)."""
    if found.quoted[start]:
        return True
    before = found.norm[start - 1] if start else ""
    if before in places.words["firstname"] or before in places.words["named"]:
        return True
    reach = found.norm[max(0, start - ORIGIN_REACH) : start]
    return any(without_prefix(word) & places.words["origin"] for word in reach)


def mentions(found: Words, places: Gazetteer) -> list[Mention]:
    """The names found in ``found``, longest form first (rule 2); a place a known
    phrase holds is kept as a mention that is not sure (rule 6)."""
    result: list[Mention] = []
    position, count = 0, len(found.norm)
    while position < count:
        if found.bare[position] not in places.starts and found.norm[position] not in places.starts:
            position += 1
            continue
        for size in range(min(MAX_FORM_WORDS, count - position), 0, -1):
            entry = lookup(found, position, size, places)
            if entry is None:
                continue
            sure = judge(found, position, entry, places) if entry.region else True
            if sure is None:
                continue
            if entry.kind == "phrase":
                result.extend(held(found, position, position + size, places))
            result.append(Mention(position, position + size, entry, sure))
            position += size
            break
        else:
            position += 1
    return result


def held(found: Words, start: int, end: int, places: Gazetteer) -> list[Mention]:
    """The places named inside a phrase's words, as mentions of kind "held"."""
    inside = []
    for position in range(start, end):
        for size in range(end - position, 0, -1):
            entry = lookup(found, position, size, places)
            if entry is not None and entry.kind == "place" and entry.region:
                inside.append(
                    Mention(position, position + size, replace(entry, kind="held"), False)
                )
                break
    return inside


def lookup(found: Words, position: int, size: int, places: Gazetteer) -> Entry | None:
    rest = found.bare[position + 1 : position + size]
    return places.forms.get((found.bare[position], *rest)) or places.forms.get(
        (found.norm[position], *rest)
    )


def linked(first: Mention, second: Mention, found: Words) -> bool:
    """Two names listed together: nothing between them but punctuation or "و"/"et"."""
    gap = second.start - first.end
    return gap == 0 or (gap == 1 and found.norm[first.end] in LINKS)


def counted(found: Words, named: list[Mention]) -> list[Mention]:
    """The places that count: sure ones, and those listed with one that counts."""
    named = [m for m in named if m.entry.kind == "place" and m.entry.region]
    sure = [m.sure for m in named]
    pairs = [i for i in range(1, len(named)) if linked(named[i - 1], named[i], found)]
    changed = True
    while changed:  # through a list of names, either way
        changed = False
        for index in pairs:
            if sure[index - 1] != sure[index]:
                sure[index - 1] = sure[index] = changed = True
    return [m for m, ok in zip(named, sure, strict=True) if ok]


def regions_named(found: Words, places: Gazetteer) -> list[str]:
    """The regions the words name as places and clubs, after rules 7 and 8."""
    named = mentions(found, places)
    if not named:
        return []
    kinds = {m.entry.kind for m in named}
    places_kept = counted(found, named)
    held_names = {m.entry.name for m in named if m.entry.kind == "held"}
    if held_names:  # the phrase's place counts elsewhere only as a place (rule 6)
        places_kept = [
            m for m in places_kept
            if m.entry.name not in held_names or said_as_place(found, m)
        ]  # fmt: skip
    places_kept = [m for m in places_kept if not the_state(found, m, places)]
    # The words of rules 7 and 8 are looked for only when a mention depends on them.
    teams = [m for m in named if m.entry.kind == "team" and m.entry.region]
    if teams and not said(found, places, "sport"):
        teams = []
    if any(m.entry.name == CAPITAL or m.entry.region in SAHARA_REGIONS for m in places_kept):
        sahara = "diplomatic" in kinds or said(found, places, "diplomatic")
        state = sahara or bool(kinds & {"national", "country"}) or said(found, places, "national")
        places_kept = [
            m
            for m in places_kept
            if not (state and m.entry.name == CAPITAL)
            and not (sahara and m.entry.region in SAHARA_REGIONS)
        ]
    kept = teams + places_kept
    return list(dict.fromkeys(m.entry.region or "" for m in sorted(kept, key=start_of)))


def said_as_place(found: Words, mention: Mention) -> bool:
    """A word of place or a preposition before the mention (rule 5's context)."""
    word = found.norm[mention.start]
    prefix = "" if word.isascii() else (prefix_of(word, mention.entry.first) or "")
    return in_context(found, mention.start, prefix)


def the_state(found: Words, mention: Mention, places: Gazetteer) -> bool:
    """ "Rabat" with a verb of the State: "الرباط ترد", "ردت الرباط", "Rabat salue"
    (rule 7)."""
    if mention.entry.name != CAPITAL:
        return False
    after = found.norm[mention.end] if mention.end < len(found.norm) else ""
    before = found.norm[mention.start - 1] if mention.start else ""
    return after in places.words["state"] or before in places.words["state-before"]


def start_of(mention: Mention) -> int:
    return mention.start


def said(found: Words, places: Gazetteer, rule: str) -> bool:
    """Whether a word of ``rule``'s set is in the text (after a one-letter prefix)."""
    wanted = places.words[rule]
    return any(without_prefix(word) & wanted for word in found.norm)


def text_regions(*texts: str) -> list[str]:
    """The regions ``texts`` (read as one) name, in the order they name them."""
    return regions_named(read_words(*texts), gazetteer())


def regions_of(title: str, lead: str, outlet_region: str | None = None) -> list[str]:
    """An article's regions: its title's and first paragraph's places and clubs (rules
    1-8), and its regional outlet's region (rule 9)."""
    found: Iterable[str] = text_regions(title, lead)
    if outlet_region:
        found = (outlet_region, *found)
    return list(dict.fromkeys(found))
