"""What bench/stories.py --cost prints: the corpus, then per database size the fill,
the first ingest of the new articles with their assignment (CPU of each, the ratio),
the queries and candidates of an assign call, the rebuild; then the cost per new
article across sizes. And ``print_ingest_assignment`` for bench/ingest.py: the story
assignment its first ingest includes.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from typing import Any

from lib.report import print_header, verdict
from lib.storydata import (
    ALONE_SHARE,
    EVENT_SIZES,
    FRENCH_OUTLETS,
    MAX_DELAY_HOURS,
    OUTLETS,
    PER_DAY,
    SPREAD_HOURS,
    places,
)

TARGET_RATIO = 0.5  # assignment CPU / ingest CPU at 100,000 articles
GROWTH_TOLERANCE = 1.15  # per-article cost at the largest size / at the smallest


def report(
    args: argparse.Namespace, kind: str, results: list[dict[str, Any]], elapsed: float
) -> None:
    import django

    first = results[0]["fill"]
    new = first["new"]
    print()
    print(
        "Newsroom story grouping cost: sizes "
        f"{', '.join(format(r['size'], ',') for r in results)}, "
        f"{args.new:,} new articles (seed {args.seed}); {kind}; Python "
        f"{sys.version.split()[0]}, Django {django.__version__}; {os.cpu_count()} CPUs"
    )
    print(
        f"corpus (lib/storydata.py): {PER_DAY:,} articles a day over {OUTLETS} outlets "
        f"({FRENCH_OUTLETS} French); about {ALONE_SHARE:.0%} alone, the others in events of "
        f"{EVENT_SIZES[0]}-{EVENT_SIZES[-1]} reports from distinct outlets within hours (mean "
        f"delay {SPREAD_HOURS:g} h, at most {MAX_DELAY_HOURS:g} h); {len(places())} places "
        "from articles/stories/data/names.txt; Zipf words (lib/searchdata.py)."
    )
    print(
        f"new articles: {new['articles']:,} ({new['alone']:.0%} alone, {new['multi_events']} "
        f"events of 2+, mean {new['mean_multi']:.1f} reports; {new['french']:.0%} French), "
        f"{new['first']:%Y-%m-%d %H:%M} .. {new['last']:%Y-%m-%d %H:%M}; feeds of "
        f"{min(first['outlet_sizes'])}-{max(first['outlet_sizes'])} entries "
        f"(mean {statistics.fmean(first['outlet_sizes']):.0f}), one per outlet."
    )
    print(
        "first ingest, per outlet in turn: parse_feed(feed bytes) + store_entries = ingest "
        "(the baseline); then assign(the stored ids) = assignment, as the Celery chain after a "
        "fetch; CPU = time.process_time of this process, both in the same loop."
    )
    for result in results:
        print_size(result, kind)
    print_growth(results, kind)
    print()
    print(f"whole run: {elapsed:.0f} s")


def _per_article(cpu: float, count: int) -> float:
    return cpu * 1e6 / count if count else 0.0


def print_size(result: dict[str, Any], kind: str) -> None:
    size, fill, m, c = result["size"], result["fill"], result["measured"], result["counted"]
    base = fill["base"]
    days = fill["days"]
    tenth = max(1, len(days) // 10)
    early, late = days[:tenth], days[-tenth:]
    early_us = _per_article(sum(d["assign_cpu"] for d in early), sum(d["articles"] for d in early))
    late_us = _per_article(sum(d["assign_cpu"] for d in late), sum(d["articles"] for d in late))
    assign_fill = sum(d["assign_cpu"] for d in days)
    print()
    print(f"== {size:,} articles ({kind})")
    print(
        f"  base: {base['articles']:,} articles, {base['first']:%Y-%m-%d} .. "
        f"{base['last']:%Y-%m-%d} ({len(days)} days); generated in {fill['generate_s']:.0f} s; "
        f"filled in {fill['fill_wall']:.0f} s: store_entries {fill['store_cpu']:.1f} s CPU "
        f"({_per_article(fill['store_cpu'], base['articles']):.0f} µs/article), assign (one "
        f"call per day) {assign_fill:.1f} s CPU ({_per_article(assign_fill, base['articles']):.0f}"
        f" µs/article: first {tenth} day(s) {early_us:.0f}, last {tenth} {late_us:.0f}); "
        f"{fill['stories']:,} stories holding {fill['in_stories']:,} articles"
    )
    n = m["articles"]
    ratio = m["assign_cpu"] / m["ingest_cpu"]
    print(f"  first ingest of {n:,} new articles in {len(m['calls'])} outlet feeds:")
    header = (f"    {'':<16}{'CPU s':>8} {'µs/article':>10} {'wall s':>8}"
              + (f" {'backend CPU s':>13}" if m["ingest_db"] is not None else ""))  # fmt: skip
    print_header(header)
    for label, cpu, wall, db in (
        ("ingest", m["ingest_cpu"], m["ingest_wall"], m["ingest_db"]),
        ("assignment", m["assign_cpu"], m["assign_wall"], m["assign_db"]),
    ):
        line = f"    {label:<16}{cpu:8.2f} {_per_article(cpu, n):10.0f} {wall:8.2f}"
        print(line + (f" {db:13.2f}" if db is not None else ""))
    target = (
        f" (target <= {TARGET_RATIO:g} at 100,000: {verdict(ratio <= TARGET_RATIO)})"
        if size >= 100_000
        else ""
    )
    print(
        f"    assignment CPU / ingest CPU: {ratio:.3f}{target}; wall "
        f"{m['assign_wall'] / m['ingest_wall']:.3f}"
    )
    if m["ingest_db"] is not None:
        with_db = (m["assign_cpu"] + m["assign_db"]) / (m["ingest_cpu"] + m["ingest_db"])
        print(f"    with the PostgreSQL backend's CPU added to both: {with_db:.3f}")
    calls = [call["assign_cpu"] * 1000 for call in m["calls"]]
    print(
        f"    assign calls: {len(calls)}, {statistics.median(calls):.1f} ms CPU median, "
        f"{max(calls):.1f} max; stories {m['stories_before']:,} -> {m['stories_after']:,}; "
        f"{m['new_in_stories']:,} of the new articles in {m['new_stories']:,} stories; "
        "B-cubed of the new articles against the corpus's events: P {:.3f} R {:.3f} F1 "
        "{:.3f}".format(*m["bcubed"])
    )
    counts, queries = c["counts"], c["queries"]
    per = c["articles"] or 1
    print(
        f"    per assign call (counting pass on a copy, untimed): {statistics.fmean(queries):.1f} "
        f"queries mean ({min(queries)}-{max(queries)}); per new article: "
        f"{counts.get('candidates', 0) / per:.1f} candidate pairs from the index (2+ shared "
        "keys, counted by the database), "
        f"{counts.get('compared', 0) / per:.1f} candidates compared (strength), "
        f"{counts.get('linked', 0) / per:.2f} links"
    )
    print(
        f"    SQL time of the assign calls (DEBUG cursor): {c['sql_total']:.2f} s; "
        "the costliest kinds:"
    )
    for shape, count, seconds in c["sql_top"]:
        print(f"      {seconds:7.2f} s {count:6d}x  {shape}")
    print(f"    largest stories after it (articles): {', '.join(map(str, c['largest']))}")
    print(
        "    cProfile of the assign calls (counting pass; inflates Python code): "
        "cumulative s, own s, calls"
    )
    for cumulative, own, calls, label in c["profile"]:
        print(f"      {cumulative:7.2f} {own:7.2f} {calls:8d}  {label}")
    r = m["rebuild"]
    db = f", backend {r['db']:.1f} s CPU" if r["db"] is not None else ""
    print(
        f"  rebuild(since = newest - 7 days): {r['articles']:,} articles, {r['cpu']:.1f} s CPU "
        f"({_per_article(r['cpu'], r['articles']):.0f} µs/article), {r['wall']:.1f} s wall{db}; "
        f"{r['stories']:,} stories changed"
    )


def print_growth(results: list[dict[str, Any]], kind: str) -> None:
    if len(results) < 2:
        return
    small, large = results[0], results[-1]

    def us(result: dict[str, Any]) -> float:
        m = result["measured"]
        return _per_article(m["assign_cpu"], m["articles"])

    def rebuild_us(result: dict[str, Any]) -> float:
        r = result["measured"]["rebuild"]
        return _per_article(r["cpu"], r["articles"])

    growth = us(large) / us(small)
    print()
    print(f"== across sizes ({kind})")
    for result in results:
        m = result["measured"]
        print(
            f"  {result['size']:>9,} articles: assignment {us(result):6.0f} µs CPU per new "
            f"article, ingest {_per_article(m['ingest_cpu'], m['articles']):6.0f}, ratio "
            f"{m['assign_cpu'] / m['ingest_cpu']:.3f}; rebuild {rebuild_us(result):5.0f} "
            "µs/article"
        )
    print(
        f"  assignment per new article, {large['size']:,} / {small['size']:,}: {growth:.2f} "
        f"(goal: about 1.0, not growing; {verdict(growth <= GROWTH_TOLERANCE)} at <= "
        f"{GROWTH_TOLERANCE:g}); rebuild per article: {rebuild_us(large) / rebuild_us(small):.2f}"
    )


def print_ingest_assignment(phases: dict[str, Any]) -> None:
    """bench/ingest.py: the story assignment inside its first ingest (b)."""
    first = phases["first"]
    assign = first.get("assign_cpu")
    if assign is None:
        return
    floor = phases["floor"]["cpu"]
    print()
    print(
        "story assignment in the first ingest (b): articles.stories.assign.assign(stored ids) "
        "after each ingest_outlet, as the Celery chain after a fetch; included in b)'s CPU "
        "above (and in c)'s workers)."
    )
    print(
        f"  b) {first['cpu']:.2f} s CPU = ingest_outlet {first['cpu'] - assign:.2f} s + "
        f"assignment {assign:.2f} s ({assign / first['cpu']:.0%}); b) / floor (a) "
        f"{first['cpu'] / floor:.2f} with assignment, {(first['cpu'] - assign) / floor:.2f} "
        f"without (target <= 1.5 with: {verdict(first['cpu'] / floor <= 1.5)}); assignment / "
        f"ingest_outlet {assign / (first['cpu'] - assign):.3f}"
    )
