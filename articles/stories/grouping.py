"""Stories from prints: the connected groups of reports that tell one event.

Two reports are linked when they are close enough in time (``likeness.WINDOW``) and
``likeness.same_event`` says so; a story is a connected group of linked reports. A link
depends on the two reports only, so the groups do not depend on the order in which the
reports arrived: adding reports one by one (``articles.stories.assign``) ends with the
groups a rebuild finds, and a new report that links two groups makes them one.

Candidates come from an index of the prints' keys (names, rare figures, headline
words): a report is only compared with those that share ``MIN_SHARED_KEYS`` of them.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from articles.stories.features import Print
from articles.stories.likeness import WINDOW, same_event

MIN_SHARED_KEYS = 2


@dataclass(frozen=True)
class Report:
    id: int | str
    published_at: datetime
    print: Print


class Groups:
    """Union-find over report ids: each group is named by its smallest id."""

    def __init__(self) -> None:
        self.parent: dict[int | str, int | str] = {}

    def find(self, item: int | str) -> int | str:
        root = self.parent.setdefault(item, item)
        while root != self.parent[root]:
            root = self.parent[root]
        while item != root:
            self.parent[item], item = root, self.parent[item]
        return root

    def union(self, a: int | str, b: int | str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            low, high = sorted((ra, rb), key=str)
            self.parent[high] = low

    def groups(self) -> list[frozenset[int | str]]:
        found: dict[int | str, set[int | str]] = defaultdict(set)
        for item in list(self.parent):
            found[self.find(item)].add(item)
        return [frozenset(members) for members in found.values()]


def links(reports: Sequence[Report]) -> Iterator[tuple[int | str, int | str]]:
    """Every linked pair, each once, found through the key index."""
    index: dict[str, list[int]] = defaultdict(list)
    for position, report in enumerate(reports):
        for key in report.print.index_keys():
            index[key].append(position)
    for position, report in enumerate(reports):
        shared: Counter[int] = Counter(
            other for key in report.print.index_keys() for other in index[key] if other > position
        )
        for other, count in sorted(shared.items()):
            candidate = reports[other]
            if count < MIN_SHARED_KEYS:
                continue
            if abs(candidate.published_at - report.published_at) > WINDOW:
                continue
            if same_event(report.print, candidate.print):
                yield report.id, candidate.id


def group(reports: Iterable[Report]) -> list[frozenset[int | str]]:
    """The stories of ``reports``, every report in exactly one (alone or not)."""
    reports = list(reports)
    found = Groups()
    for report in reports:
        found.find(report.id)
    for a, b in links(reports):
        found.union(a, b)
    return found.groups()
