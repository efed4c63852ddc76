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
from datetime import datetime, timedelta

from articles.stories.features import Print
from articles.stories.likeness import WINDOW, likeness, strength

MIN_SHARED_KEYS = 2
# A story holds one event: at most this from its first report to its last.
STORY_SPAN = timedelta(hours=72)


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
            if strength(report.print, candidate.print) > 0:
                yield report.id, candidate.id


class Spans:
    """Union-find over nodes ("a<id>" an article alone, "s<id>" a story) that keeps
    each group's first and last report and refuses unions that would exceed the span."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}
        self.span: dict[str, tuple[datetime, datetime]] = {}

    def add(self, node: str, first: datetime, last: datetime) -> None:
        if node not in self.parent:
            self.parent[node] = node
            self.span[node] = (first, last)

    def find(self, node: str) -> str:
        while self.parent[node] != node:
            self.parent[node] = self.parent[self.parent[node]]
            node = self.parent[node]
        return node

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        first = min(self.span[ra][0], self.span[rb][0])
        last = max(self.span[ra][1], self.span[rb][1])
        if last - first > STORY_SPAN:
            return
        # Stories first, then the smaller name: the root says which story the group is.
        root, child = sorted((ra, rb), key=lambda n: (n[0] != "s", len(n), n))
        self.parent[child] = root
        self.span[root] = (first, last)


def group(reports: Iterable[Report]) -> list[frozenset[int | str]]:
    """The stories of ``reports``, every report in exactly one (alone or not): linked
    reports together, strongest links first, within ``STORY_SPAN``."""
    reports = list(reports)
    by_id = {r.id: r for r in reports}
    found = Spans()
    for report in reports:
        found.add(f"a{report.id}", report.published_at, report.published_at)
    scored = [(likeness(by_id[a].print, by_id[b].print), a, b) for a, b in links(reports)]
    for _, a, b in sorted(scored, key=lambda s: (-s[0], str(s[1]), str(s[2]))):
        found.union(f"a{a}", f"a{b}")
    groups: dict[str, set[int | str]] = defaultdict(set)
    for report in reports:
        groups[found.find(f"a{report.id}")].add(report.id)
    return [frozenset(members) for members in groups.values()]
