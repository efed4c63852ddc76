"""The labelled story sets (tests/data/stories) scored by the story grouping and by a
plain TF-IDF cosine baseline, for bench/stories.py."""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from lib import REPO

SETS = REPO / "tests" / "data" / "stories"


def load(name: str) -> list[dict[str, Any]]:
    return json.loads((SETS / f"{name}.json").read_text(encoding="utf-8"))


def distractor_pairs(name: str) -> list[list[str]]:
    """The look-alike event pairs of a set: in distractors.json (dev, held-out) or in
    the set's own <name>-distractors.json (blind)."""
    for path in (SETS / f"{name}-distractors.json", SETS / "distractors.json"):
        if path.exists():
            pairs = json.loads(path.read_text(encoding="utf-8"))
            if name in pairs:
                return pairs[name]
    return []


def ours(items: Sequence[dict[str, Any]]) -> dict[str, int]:
    """item id -> group number, by articles.stories.grouping."""
    from articles.stories.features import print_of
    from articles.stories.grouping import Report, group

    reports = [
        Report(i["id"], datetime.fromisoformat(i["published_at"]),
               print_of(i["title"], i["summary"], i["lang"]))
        for i in items
    ]  # fmt: skip
    return {item: n for n, members in enumerate(group(reports)) for item in members}


def tfidf_baseline(threshold: float) -> Callable[[Sequence[dict[str, Any]]], dict[str, int]]:
    """Plain TF-IDF cosine over normalised words of title and summary (idf from the set
    itself), reports linked at ``threshold`` within 48 hours, groups = connected parts."""

    def run(items: Sequence[dict[str, Any]]) -> dict[str, int]:
        from articles.search.words import canonical, words

        docs = [Counter(map(canonical, words(f"{i['title']} {i['summary']}"))) for i in items]
        df = Counter(w for d in docs for w in d)
        n = len(docs)
        vectors = []
        for d in docs:
            v = {w: c * math.log(n / df[w]) for w, c in d.items()}
            norm = math.sqrt(sum(x * x for x in v.values())) or 1.0
            vectors.append({w: x / norm for w, x in v.items()})
        times = [datetime.fromisoformat(i["published_at"]) for i in items]
        parent = list(range(n))

        def find(x: int) -> int:
            while parent[x] != x:
                x = parent[x]
            return x

        for a in range(n):
            for b in range(a + 1, n):
                if abs((times[a] - times[b]).total_seconds()) > 48 * 3600:
                    continue
                cos = sum(x * vectors[b].get(w, 0.0) for w, x in vectors[a].items())
                if cos >= threshold:
                    parent[find(b)] = find(a)
        return {i["id"]: find(k) for k, i in enumerate(items)}

    return run


Method = Callable[[Sequence[dict[str, Any]]], dict[str, int]]


def score(name: str, method: Method) -> dict[str, Any]:
    from articles.stories import scoring

    items = load(name)
    predicted = method(items)
    gold = {i["id"]: i["story"] for i in items}
    language = {i["id"]: i["lang"] for i in items}
    return {
        "languages": scoring.per_language(predicted, gold, language),
        "cross": scoring.cross_language_recall(predicted, gold, language),
        "distractors": scoring.distractors_merged(predicted, gold, distractor_pairs(name)),
        "groups": len(set(predicted.values())),
        "events": len(set(gold.values())),
    }


def lines(label: str, result: dict[str, Any]) -> list[str]:
    out = []
    for lang, s in result["languages"].items():
        out.append(f"  {label:<22} {lang}  P {s.precision:.3f}  R {s.recall:.3f}  "
                   f"F1 {s.f1:.3f}  ({s.items} items)")  # fmt: skip
    linked, pairs = result["cross"]
    merged, dpairs = result["distractors"]
    out.append(
        f"  {label:<22} ar-fr pairs linked {linked}/{pairs} ({linked / max(pairs, 1):.0%}), "
        f"distractor pairs merged {merged}/{dpairs} ({merged / max(dpairs, 1):.1%}), "
        f"{result['groups']} groups for {result['events']} events"
    )
    return out
