"""How well a clustering matches a labelled set, as clustering research measures it.

- B-cubed precision, recall and F1 (Bagga and Baldwin, 1998), per language: for each
  item, the share of its predicted group that is in its gold event (precision) and
  the share of its gold event that is in its predicted group (recall), averaged over
  items. Per language, both groupings are first cut to that language's items, so
  that links across languages are measured apart:
- the recall of Arabic-French pairs: of the pairs of one gold event in two languages,
  the share that ended in one group;
- the share of distractor pairs merged: of the item pairs of two events labelled
  "same topic, different event", the share that ended in one group.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations, product

Item = Hashable


@dataclass(frozen=True)
class Scores:
    precision: float
    recall: float
    items: int

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0


def bcubed(predicted: Mapping[Item, Hashable], gold: Mapping[Item, Hashable]) -> Scores:
    """B-cubed scores of item -> predicted group against item -> gold event."""
    by_group = _members(predicted)
    by_event = _members(gold)
    precision = recall = 0.0
    for item in gold:
        group, event = by_group[predicted[item]], by_event[gold[item]]
        both = len(group & event)
        precision += both / len(group)
        recall += both / len(event)
    count = len(gold)
    return Scores(precision / count, recall / count, count) if count else Scores(1, 1, 0)


def per_language(
    predicted: Mapping[Item, Hashable], gold: Mapping[Item, Hashable], language: Mapping[Item, str]
) -> dict[str, Scores]:
    found = {}
    for lang in sorted(set(language.values())):
        mine = [item for item in gold if language[item] == lang]
        found[lang] = bcubed({i: predicted[i] for i in mine}, {i: gold[i] for i in mine})
    return found


def cross_language_recall(
    predicted: Mapping[Item, Hashable], gold: Mapping[Item, Hashable], language: Mapping[Item, str]
) -> tuple[int, int]:
    """(pairs linked, pairs) over the gold pairs of one event in two languages."""
    pairs = [
        (a, b)
        for members in _members(gold).values()
        for a, b in combinations(sorted(members, key=str), 2)
        if language[a] != language[b]
    ]
    return sum(predicted[a] == predicted[b] for a, b in pairs), len(pairs)


def distractors_merged(
    predicted: Mapping[Item, Hashable],
    gold: Mapping[Item, Hashable],
    pairs: Iterable[Sequence[Hashable]],
) -> tuple[int, int]:
    """(item pairs merged, item pairs) over the pairs of events that must stay apart."""
    events = _members(gold)
    item_pairs = [
        (a, b) for first, second in pairs for a, b in product(events[first], events[second])
    ]
    return sum(predicted[a] == predicted[b] for a, b in item_pairs), len(item_pairs)


def _members(assignment: Mapping[Item, Hashable]) -> dict[Hashable, set[Item]]:
    found: dict[Hashable, set[Item]] = {}
    for item, group in assignment.items():
        found.setdefault(group, set()).add(item)
    return found
