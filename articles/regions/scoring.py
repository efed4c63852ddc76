"""How well the tagger matches a labelled set: precision and recall over (article,
region) pairs, and the traps (articles the set gives no region) that got one."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Quality:
    precision: float
    recall: float
    items: int
    pairs_found: int
    pairs_gold: int
    traps: int  # items the set gives no region
    traps_tagged: list[str] = field(default_factory=list)  # their ids, when tagged

    def line(self) -> str:
        return (
            f"P {self.precision:.3f} R {self.recall:.3f} on {self.items} items "
            f"({self.pairs_gold} gold pairs, {self.pairs_found} found); "
            f"traps tagged {len(self.traps_tagged)}/{self.traps}"
        )


def score(found: Mapping[str, Sequence[str]], gold: Mapping[str, Sequence[str]]) -> Quality:
    """``found`` and ``gold``: item id -> region slugs. Items missing from ``found``
    have none."""
    right = found_pairs = gold_pairs = 0
    for item, regions in gold.items():
        mine, theirs = set(found.get(item, ())), set(regions)
        right += len(mine & theirs)
        found_pairs += len(mine)
        gold_pairs += len(theirs)
    traps = [item for item, regions in gold.items() if not regions]
    return Quality(
        precision=right / found_pairs if found_pairs else 1.0,
        recall=right / gold_pairs if gold_pairs else 1.0,
        items=len(gold),
        pairs_found=found_pairs,
        pairs_gold=gold_pairs,
        traps=len(traps),
        traps_tagged=sorted(item for item in traps if found.get(item)),
    )
