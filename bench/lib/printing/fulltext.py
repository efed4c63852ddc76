"""What bench/fulltext.py prints: the header, one row per labelled page (precision,
recall and CPU ms of each extractor), the overall figures, the cost ratios ours / peer,
our metadata checks, and with --show both texts of one page and its label.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
from typing import Any

from lib.report import print_header

# tests/support/pages.py's LabelledPage and WordCounts (bench/fulltext.py puts the
# repository on sys.path)
LabelledPage = WordCounts = Any


def report(
    args: argparse.Namespace,
    pages: list[LabelledPage],
    extractors: dict[str, Any],
    results: dict[str, dict[str, dict[str, Any]]],
    meta: list[tuple[str, str, str, str]],
    unselected: dict[str, WordCounts],
    why_not: str,
    peer_version: str,
) -> None:
    import bs4
    import django
    import lxml.etree

    names = list(extractors)
    size = sum(len(page.body) for page in pages)
    print()
    print(
        f"Newsroom full-text benchmark: {len(pages)} hand-labelled pages "
        f"({size / 1024:.0f} KB in all, {min(len(p.body) for p in pages) / 1024:.0f}-"
        f"{max(len(p.body) for p in pages) / 1024:.0f} KB each) from tests/data/{args.set}; "
        f"CPU ms = median of {args.runs} calls"
    )
    print(
        f"Python {platform.python_version()}, Django {django.__version__}, BeautifulSoup "
        f"{bs4.__version__}, lxml {'.'.join(map(str, lxml.etree.LXML_VERSION))}, "
        f"trafilatura {peer_version} (include_comments=False; 'traf. precision' adds "
        f"favor_precision=True); {os.cpu_count()} CPUs"
    )
    if "ours" not in extractors:
        print(f"!! articles.fulltext.extract is not importable ({why_not}): peer figures only")
    print()

    print_table(pages, names, results)
    if "ours" in extractors:
        print_ours(pages, names, results, meta, unselected)
    if args.show:
        for page in pages:
            if page.name != args.show:
                continue
            for name in names:
                print(f"\n===== {name} on {page.name}\n{results[name][page.name]['text']}")
            print(f"\n===== label of {page.name}\n{page.expected}")


def print_table(
    pages: list[LabelledPage], names: list[str], results: dict[str, dict[str, dict[str, Any]]]
) -> None:
    from tests.support.pages import overall

    header = f"{'page':<20} {'words':>5}" + "".join(f" | {name:^22}" for name in names)
    print(header)
    print(f"{'':<20} {'':>5}" + "".join(f" | {'P':>6} {'R':>6} {'ms':>8}" for _ in names))
    print("-" * len(header))
    for page in pages:
        first = results[names[0]][page.name]["counts"]
        row = f"{page.name:<20} {first.expected:>5}"
        for name in names:
            entry = results[name][page.name]
            counts: WordCounts = entry["counts"]
            row += f" | {counts.precision:>6.3f} {counts.recall:>6.3f} {entry['ms']:>8.2f}"
        print(row)
    print("-" * len(header))
    totals = {name: sum(results[name][p.name]["ms"] for p in pages) for name in names}
    row = f"{'overall (micro)':<20} {'':>5}"
    for name in names:
        precision, recall = overall(results[name][p.name]["counts"] for p in pages)
        row += f" | {precision:>6.3f} {recall:>6.3f} {totals[name]:>8.2f}"
    print(row)
    print(
        "P = share of the extracted words that are in the label, R = share of the label's "
        "words extracted (word multisets, tests/support/pages.py); "
        "overall ms = sum of the medians."
    )


def print_ours(
    pages: list[LabelledPage],
    names: list[str],
    results: dict[str, dict[str, dict[str, Any]]],
    meta: list[tuple[str, str, str, str]],
    unselected: dict[str, WordCounts],
) -> None:
    """The cost of ours against each peer, ours without the selectors, our metadata."""
    totals = {name: sum(results[name][p.name]["ms"] for p in pages) for name in names}
    print()
    for name in names[1:]:
        ratios = [
            results["ours"][p.name]["ms"] / results[name][p.name]["ms"]
            for p in pages
            if results[name][p.name]["ms"] > 0
        ]
        median_ratio = statistics.median(ratios) if ratios else float("nan")
        print(
            f"cost ours / {name}: {totals['ours'] / totals[name]:.2f} over the set "
            f"(median per page {median_ratio:.2f})"
        )
    for name, counts in unselected.items():
        print(
            f"ours on {name} without the outlet's selectors: P {counts.precision:.3f} "
            f"R {counts.recall:.3f}"
        )
    print()
    print_header(f"{'ours: metadata':<20} {'lead image':<14} {'author':<14} {'published':<14}")
    for name, *checks in meta:
        print(f"{name:<20} " + " ".join(f"{check:<14}" for check in checks))
