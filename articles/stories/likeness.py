"""Whether two reports tell one event: how much of what they say they share, and
whether what they say rules it out.

Likeness is a cosine between weighted sets of features (``articles.stories.features``):
a headline word weighs more than a word of the lead, a name or a rare figure more
than a word. Reports in two languages share no words: they are compared on their
names, event types and figures only, against their own threshold.

Same topic is not same event. Two reports that each name a place (or a country, or a
team) but share none of them are two events, however alike their words: two weather
alerts for two regions, two fires in two cities, the IMF on two countries, the derby
and another club's match. Time is the other guard: reports more than ``WINDOW`` apart
are never compared.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from datetime import timedelta

from articles.stories.features import COMMON_NUMBERS, Print
from articles.stories.names import AREAS, places_within, with_containers

WINDOW = timedelta(hours=48)
SAME_LANGUAGE = 0.30
OTHER_LANGUAGE = 0.35
OTHER_LANGUAGE_UNNAMED = 0.55
WORD, TITLE_WORD, NAME, TOPIC, NUMBER, COMMON_NUMBER = 1.0, 2.0, 2.0, 1.5, 2.0, 0.5
CONTAINER = 1.0  # the province or city that contains a place named (not its region)
# A place, a country or a team named on both sides but different: two events.
EXCLUSIVE = ("place:", "country:", "team:")
HOME = "country:morocco"


@functools.lru_cache(maxsize=8192)
def weights(p: Print, *, words: bool) -> tuple[dict[str, float], float]:
    """A print's weighted features and their norm (cached: a print is compared with
    every candidate of every report after it)."""
    found: dict[str, float] = {}
    if words:
        found.update((w, TITLE_WORD if w in p.title else WORD) for w in p.words)
    found.update((n, TOPIC if n.startswith("topic:") else NAME) for n in p.names)
    # A town's province (a district's city) is half named: "تونفيت" and "ميدلت".
    for n in with_containers({n for n in p.names if n.startswith("place:")}):
        if n not in found and not n.startswith("place:region-"):
            found[n] = CONTAINER
    found.update((f"#{n}", COMMON_NUMBER if n in COMMON_NUMBERS else NUMBER) for n in p.numbers)
    return found, math.sqrt(sum(v * v for v in found.values()))


def likeness(a: Print, b: Print) -> float:
    """Cosine of the two prints' weighted features (words only within a language)."""
    words = a.language == b.language
    (wa, na), (wb, nb) = weights(a, words=words), weights(b, words=words)
    if len(wb) < len(wa):
        wa, wb = wb, wa
    shared = sum(v * wb[f] for f, v in wa.items() if f in wb)
    return shared / (na * nb) if shared else 0.0


@dataclass(frozen=True)
class _Said:
    """What ``excluded`` reads of a print, worked out once per print (a print is
    compared with every candidate of every report after it)."""

    # Per kind of ``EXCLUSIVE``: the names of that kind, areas left out (countries with
    # Morocco added, places with the places that contain them), and what the report
    # is about (its focus) of that kind.
    named: tuple[frozenset[str], frozenset[str], frozenset[str]]
    about: tuple[str | None, str | None, str | None]
    # Its places (areas too), with their containers; its headline's place and country.
    places: frozenset[str]
    around: frozenset[str]
    head_place: str | None
    head_country: str | None
    teams: bool


@functools.lru_cache(maxsize=8192)
def _said(p: Print) -> _Said:
    def first(names: frozenset[str], kind: str) -> str | None:
        return next((n for n in sorted(names) if n.startswith(kind)), None)

    named = []
    for kind in EXCLUSIVE:
        # An area ("the roads of the Atlas", "the Mediterranean coast") does not say
        # where; Morocco goes without saying in the Moroccan press: the tourists from
        # France, Spain and Britain are Morocco's.
        mine = {n for n in p.names if n.startswith(kind) and n not in AREAS}
        if kind == "country:" and mine:
            mine.add(HOME)
        if kind == "place:":  # a town is in its province: "الفنيدق" and "المضيق-الفنيدق"
            mine = with_containers(mine)
        named.append(frozenset(mine))
    places = frozenset(n for n in p.names if n.startswith("place:"))
    return _Said(
        named=(named[0], named[1], named[2]),
        about=(first(p.focus, EXCLUSIVE[0]), first(p.focus, EXCLUSIVE[1]),
               first(p.focus, EXCLUSIVE[2])),
        places=places,
        around=frozenset(with_containers(set(places))),
        head_place=first(p.head, "place:"),
        head_country=first(p.head, "country:"),
        teams=any(n.startswith("team:") for n in p.names),
    )  # fmt: skip


def excluded(a: Print, b: Print) -> bool:
    """Whether the two name different places (countries, teams) and none in common,
    or are each about a place (country, team) the other never names: two crashes in
    two provinces whose injured both went to the same city's hospital; or one's
    headline places a place-bound event where the other never does, or is about a
    foreign country the other never names (``_headlines_apart``, ``_abroad``)."""
    said_a, said_b = _said(a), _said(b)
    for k, kind in enumerate(EXCLUSIVE):
        mine, theirs = said_a.named[k], said_b.named[k]
        if kind == "country:":  # Morocco goes without saying: said by both, or by none
            mine, theirs = mine or theirs and HOMELAND, theirs or mine and HOMELAND
        if not (mine and theirs):
            continue
        if not mine & theirs:
            return True
        about_a, about_b = said_a.about[k], said_b.about[k]
        if about_a and about_b and about_a not in theirs and about_b not in mine:
            return True
    return (
        _headlines_apart(a, b, said_a, said_b)
        or _abroad(a, b, said_a, said_b)
        or _abroad(b, a, said_b, said_a)
    )


HOMELAND = frozenset({HOME})


def named_across(a: Print, b: Print) -> bool:
    """Whether two reports share a name (not only event types) or two rare figures."""
    names = {n for n in a.names & b.names if not n.startswith("topic:")}
    return bool(names) or len((a.numbers & b.numbers) - COMMON_NUMBERS) >= 2


def strength(a: Print, b: Print) -> float:
    """How alike two reports (already known to be within ``WINDOW``) are, or 0 when
    they do not tell one event. Reports in two languages share no words, so event
    types and a figure alone (two strikes of 48 hours) must be much alike:
    ``OTHER_LANGUAGE_UNNAMED``."""
    if excluded(a, b):
        return 0.0
    alike = likeness(a, b)
    if a.language == b.language:
        threshold = SAME_LANGUAGE
    else:
        threshold = OTHER_LANGUAGE if named_across(a, b) else OTHER_LANGUAGE_UNNAMED
    return alike if alike >= threshold else 0.0


def same_event(a: Print, b: Print) -> bool:
    """Whether two reports (already known to be within ``WINDOW``) tell one event."""
    return strength(a, b) > 0


# Event types that happen at one place: the place tells two of them apart (a trial, an
# arrest, a weather alert name several places, and are left to the rules above).
PLACE_BOUND = frozenset(
    f"topic:{t}"
    for t in ("quake", "flood", "fire", "forest-fire", "landslide", "building-collapse",
              "road-accident", "plane-crash", "shipwreck", "drowning", "food-poisoning",
              "power-outage", "murder", "body-found", "stabbing", "shooting", "tsunami")
)  # fmt: skip


def _names_place(p: Print, said: _Said, place: str) -> bool:
    """Whether ``p`` names ``place``, a place inside it or a place that contains it."""
    if place in p.names or place in said.around:
        return True
    return bool(places_within().get(place, frozenset()) & said.places)


def _headlines_apart(a: Print, b: Print, said_a: _Said, said_b: _Said) -> bool:
    """Whether two reports of one place-bound event type (a quake, a fire, a crash) each
    say in their headline where it happened, and one of them says a place the other
    never names: "a second quake in two days, this time in Ouarzazate" (which recalls
    Midelt's) and "a quake shakes Midelt" are two quakes."""
    if not a.names & b.names & PLACE_BOUND:
        return False
    about_a, about_b = said_a.head_place, said_b.head_place
    if not (about_a and about_b) or about_a in AREAS or about_b in AREAS:
        return False
    return not (_names_place(b, said_b, about_a) and _names_place(a, said_a, about_b))


def _abroad(a: Print, b: Print, said_a: _Said, said_b: _Said) -> bool:
    """Whether ``a``'s headline says it is about a foreign country (its first country
    is not Morocco) that ``b`` never names: the World Bank's loan "to Mauritania" and
    a report of a new World Bank loan that names no country, which in the Moroccan
    press is Morocco's. Not for sport, where the other side's country is the
    opponent's."""
    if said_a.teams or said_b.teams:
        return False
    abroad = said_a.head_country
    return bool(abroad) and abroad != HOME and abroad not in b.names
