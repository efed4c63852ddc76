"""The places the regions tagger looks for, and the region each one lies in.

One gazetteer for the whole project: the place forms are the stories' ``names.txt``
(Arabic and French spellings, variants, nicknames) and the containment is their
``places.txt`` (a town's province and region). ``data/rules.txt`` adds only what this
tagger needs on top: which forms are ordinary words too, a few forms too ordinary for
the stories to read at all, phrases that are never a place, the clubs' home towns, and
the words of the rules (national institutions, the Sahara file, first names, origins,
sport).

Forms are filed like the stories' lexicon files them (``articles.stories.names.read``):
by their bare words (no article, no one-letter prefix), and by their first word whole
when its first letter could be taken for a prefix.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field, replace
from pathlib import Path

from articles.models.regions import REGIONS
from articles.search.words import REMOVED, bare, canonical, words
from articles.stories.names import DATA as NAMES
from articles.stories.names import MAX_FORM_WORDS, places_within

RULES = Path(__file__).with_name("data") / "rules.txt"
# The gazetteer's region ids (names.txt) -> the Region slugs (migration 0012).
REGION_IDS = {f"place:region-{slug}": slug for slug, _, _ in REGIONS} | {
    "place:region-tanger-tetouan-alhoceima": "tanger-tetouan-al-hoceima",
    "place:region-laayoune-sakia-elhamra": "laayoune-sakia-el-hamra",
    "place:region-dakhla-oued-eddahab": "dakhla-oued-ed-dahab",
}
# Kinds of names.txt that take their words away from places ("نهضة بركان" is a team,
# "بورصة الدار البيضاء" an institution): a team gives its home's region (rules.txt).
NAME_KINDS = ("team", "org", "country")
# Rules whose forms are filed in the table, and rules read as sets of single words (a
# national or diplomatic word counts even inside a longer name: "وزير الصحة" is an org).
FORM_RULES = ("context", "phrase", "spelled", "national", "diplomatic")
WORD_RULES = (
    "firstname", "origin", "named", "state", "state-before", "sport", "context-spelled",
    "national", "diplomatic",
)  # fmt: skip


@dataclass(frozen=True)
class Entry:
    """What a form found in a text stands for."""

    kind: str  # place, team, org, country, phrase, national, diplomatic
    name: str = ""  # its names.txt id, for places and teams
    region: str | None = None  # the region slug of a place, or of a team's home
    first: str = ""  # the form's first word, normalised: the text's word must end with it
    context: bool = False  # an ordinary word too: counts only where used as a place
    # Its first word as written (marks removed, no letter folded), when a folded letter
    # makes another word: "وجدة" (Oujda) and "وجده" (found him), "فاس" and "فأس" (axe).
    spelled: str = ""


@dataclass(frozen=True)
class Gazetteer:
    forms: dict[tuple[str, ...], Entry]
    starts: frozenset[str]
    # rule -> its words, normalised ("context-spelled": as written, casefolded).
    words: dict[str, frozenset[str]] = field(default_factory=dict)


def region_of(place: str) -> str | None:
    """The region slug of a gazetteer place, or None (an area across regions, a place
    outside Morocco's division, a country)."""
    if place in REGION_IDS:
        return REGION_IDS[place]
    regions = [REGION_IDS[p] for p in places_within().get(place, ()) if p in REGION_IDS]
    return regions[0] if len(regions) == 1 else None


def keys(form: str) -> list[tuple[str, ...]]:
    """The keys a form is filed under (both as in the stories' lexicon)."""
    found = words(form)
    if not found or len(found) > MAX_FORM_WORDS:
        return []
    key = tuple(bare(w) for w in found)
    return list(dict.fromkeys((key, (canonical(found[0]), *key[1:]))))


def file_form(table: dict[tuple[str, ...], Entry], form: str, entry: Entry) -> None:
    found = words(form)
    for key in keys(form):
        table.setdefault(key, replace(entry, first=found[0]))


def lines(text: str) -> list[tuple[str, str, list[str]]]:
    """(rule or kind, its argument, forms) for each line of a names or rules file."""
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        head, _, forms = line.partition(":")
        rule, _, argument = head.strip().partition(" ")
        if not forms.strip():
            raise ValueError(f"line {number}: expected 'rule [argument]: form | form ...'")
        found.append((rule, argument.strip(), [f.strip() for f in forms.split("|")]))
    return found


def read_names(text: str, homes: dict[str, str]) -> dict[tuple[str, ...], Entry]:
    """Places of names.txt with their region; teams with their home's region; other
    names as blanks."""
    table: dict[tuple[str, ...], Entry] = {}
    for kind, name, forms in lines(text):
        if kind == "place":
            entry = Entry("place", name, region_of(f"place:{name}"))
        elif kind == "team":
            home = homes.get(name)
            entry = Entry("team", name, region_of(f"place:{home}") if home else None)
        elif kind in NAME_KINDS:
            entry = Entry(kind, name)
        else:
            continue
        for form in forms:
            file_form(table, form, entry)
    return table


def build(names_text: str, rules_text: str) -> Gazetteer:
    rules = lines(rules_text)
    homes = {team: place for rule, place, teams in rules if rule == "home" for team in teams}
    table = read_names(names_text, homes)
    word_sets: dict[str, set[str]] = {rule: set() for rule in WORD_RULES}
    for rule, place, forms in rules:
        for form in forms:
            if rule in FORM_RULES:
                apply_rule(table, rule, place, form)
            if rule in WORD_RULES and (rule not in FORM_RULES or len(words(form)) == 1):
                written = REMOVED.sub("", form).casefold()
                word_sets[rule].add(written if rule == "context-spelled" else words(form)[0])
            if rule not in (*FORM_RULES, *WORD_RULES, "home"):
                raise ValueError(f"rules.txt: unknown rule {rule!r}")
    return Gazetteer(
        table, frozenset(k[0] for k in table), {r: frozenset(w) for r, w in word_sets.items()}
    )


def apply_rule(table: dict[tuple[str, ...], Entry], rule: str, place: str, form: str) -> None:
    """One form of a rule: a blank, a marker, a condition on a known place, or a new
    conditional place."""
    if rule in ("phrase", "national", "diplomatic"):
        for key in keys(form):
            table[key] = Entry(rule, first=words(form)[0])
    elif rule == "context" and place:
        for key in keys(form):
            table[key] = Entry("place", place, region_of(f"place:{place}"), words(form)[0], True)
    else:
        for key in keys(form):
            if key in table and rule == "context":
                table[key] = replace(table[key], context=True)
            elif key in table:
                table[key] = replace(table[key], spelled=REMOVED.sub("", form.split()[0]))


@functools.cache
def gazetteer() -> Gazetteer:
    return build(NAMES.read_text(encoding="utf-8"), RULES.read_text(encoding="utf-8"))
