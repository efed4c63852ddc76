"""What bench/search.py prints: the header, then per database the data, load times and
index size, one table of the queries (page, find() and the LIKE baseline, their ratios,
the target), the query plans with --explain, the first-ingest cost, the profile.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
from typing import Any

from lib.gunicorn import pinned
from lib.report import mb, print_header, verdict
from lib.searchdata import (
    BODY_WORDS,
    FEED_ENTRIES,
    FORM_ONLY,
    FORMS,
    GENERATED_STEMS,
    PHRASE,
    PHRASE_SHARE,
    SUMMARY_WORDS,
    TITLE_WORDS,
    ZIPF_Q,
    ZIPF_S,
)

TARGET_P50_MS = 25.0
TARGET_INGEST_RATIO = 1.15


def report(
    args: argparse.Namespace, results: list[dict[str, Any]], skipped: str, elapsed: float
) -> None:
    import django

    client = "wrk" if shutil.which("wrk") else "a Python http.client loop (wrk not installed)"
    print()
    print(
        f"Newsroom search benchmark: {args.articles} articles (seed {args.seed}); Python "
        f"{sys.version.split()[0]}, Django {django.__version__}; {os.cpu_count()} CPUs"
    )
    print(
        f"corpus: Zipf-Mandelbrot word frequency (s={ZIPF_S:g}, q={ZIPF_Q:g}) over the real "
        f"words of the demo feeds (articles/ingest/demo) then {GENERATED_STEMS} generated stems "
        f"(each in the forms {', '.join(p + '-' for p, _ in FORMS if p)}); titles "
        f"{TITLE_WORDS[0]}-{TITLE_WORDS[1]} words, bodies {BODY_WORDS[0]}-{BODY_WORDS[1]}, "
        f'summary = first {SUMMARY_WORDS}; "{PHRASE}" written in {PHRASE_SHARE:.0%} of '
        "bodies; no images."
    )
    print(
        f"pages: full HTTP page through gunicorn newsroom.wsgi (1 sync worker"
        f"{', pinned to CPU 1' if pinned(1) else ''}, DEBUG=0, production settings), measured "
        f"by {client} at 1 connection, {args.duration:g} s per query or 10 requests (up to "
        "15 s). find() and LIKE: in-process, SQL only, first page (newest 20 / 21 asked)."
    )
    if skipped:
        print(f"PostgreSQL skipped: {skipped}")
    for result in results:
        print_backend(args, result)
    print()
    print(f"whole run: {elapsed:.0f} s")


def print_data(result: dict[str, Any]) -> None:
    """What the database holds, the load times, the index size, the fixed cost."""
    data, pages = result["data"], result["pages"]
    finish = "VACUUM ANALYZE" if result["kind"] == "postgresql" else "WAL checkpoint"
    print()
    print(f"== {result['kind']} ({result['where']})")
    print(
        f"data: {data['articles']} articles from {data['outlets']} outlets, "
        f"{data['oldest']:%Y-%m-%d} .. {data['newest']:%Y-%m-%d}; {data['entries']} index "
        f"entries; biggest outlet {data['outlet']} ({data['outlet_count']} articles)"
    )
    corpus = "corpus read back" if data["corpus_reused"] else "generated"
    print(
        f"load: {corpus} {data['generate_s']:.1f} s, {data['insert_how']} "
        f"{data['insert_s']:.1f} s "
        f"({data['articles'] / data['insert_s']:.0f} articles/s), rebuild() "
        f"{data['rebuild_s']:.1f} s wall, {data['rebuild_cpu']:.1f} s CPU of this process "
        f"({data['indexed'] / data['rebuild_s']:.0f} articles/s), {finish} "
        f"{data['finish_s']:.1f} s"
    )
    sizes = data["sizes"]
    parts = ", ".join(f"{name} {mb(size)}" for name, size in sizes["parts"].items())
    total = sum(sizes["parts"].values())
    column = (
        f"; the document column alone {mb(sizes['document column'])}"
        if "document column" in sizes
        else ""
    )
    print(
        f"index size: {mb(total)} = {total / data['articles'] / 1024:.1f} KB per article, "
        f"{total / sizes['articles']:.0%} of the articles table with its indexes "
        f"({mb(sizes['articles'])}); database {mb(sizes['database'])}"
    )
    print(f"  {parts}{column}")
    form = pages["form only"]
    print(
        f"fixed cost of the page: {FORM_ONLY} (no words: the form with its outlet and section "
        f"lists, header, footer) p50 {form['p50']:.1f} ms, p99 {form['p99']:.1f} ms, worker "
        f"CPU {form['cpu_ms'] or 0:.1f} ms per request"
    )


def print_queries(result: dict[str, Any]) -> tuple[list[str], list[str]]:
    """The table of the queries; returns the targets missed and the notes."""
    data, pages, baseline = result["data"], result["pages"], result["baseline"]
    header = (
        f"  {'query':<17}{'matches':>8} {'shown':>5} | {'page p50':>8} {'p99':>7} {'CPU':>6}"
        f" {'n':>4} | {'find p50':>8} {'p99':>7} | {'LIKE p50':>8} {'p99':>8} {'n':>3}"
        f" | {'page/LIKE':>9} {'find/LIKE':>9}  target"
    )
    print()
    print_header(header)
    misses, notes = [], []
    for query in data["queries"]:
        name = query["name"]
        page, found = pages[name], baseline[name]
        find, like = found["find"], found["like"]
        ok = page["p50"] <= TARGET_P50_MS
        if not ok:
            misses.append(f"{name} {page['p50']:.1f} ms")
        if page["bad"]:
            notes.append(f"{name}: {page['bad']} errors or non-2xx answers")
        cpu = f"{page['cpu_ms']:6.1f}" if page["cpu_ms"] is not None else f"{'?':>6}"
        print(
            f"  {name:<17}{query['matches']:>8} {page['stories']:>5} | {page['p50']:8.1f} "
            f"{page['p99']:7.1f} {cpu} {page['requests']:>4} | {find['p50']:8.2f} "
            f"{find['p99']:7.2f} | {like['p50']:8.1f} {like['p99']:8.1f} {like['n']:>3} | "
            f"{page['p50'] / like['p50']:9.2f} {find['p50'] / like['p50']:9.3f}  "
            f"p50<={TARGET_P50_MS:g} {verdict(ok)}"
        )
    return misses, notes


def print_backend(args: argparse.Namespace, result: dict[str, Any]) -> None:
    data, pages, baseline = result["data"], result["pages"], result["baseline"]
    print_data(result)
    misses, notes = print_queries(result)
    print()
    print(
        "  ms throughout; matches = articles the index finds (newest order, no limit); shown "
        "= results on the page; CPU = gunicorn worker CPU ms per request (/proc); n = "
        "requests / runs measured; page/LIKE and find/LIKE are ratios of p50s."
    )
    print(f"  LIKE baseline, e.g.: {baseline['like_sql'][:400]}")
    for query in data["queries"]:
        print(f"  {query['name']:<17} {query['path']}")
    other = max(page["other_share"] for page in pages.values())
    backend = " (the PostgreSQL backend included)" if result["kind"] == "postgresql" else ""
    print(f"  other load during the page measurements: up to {other:.0%}{backend}")
    if other > 0.10 and result["kind"] == "sqlite":
        notes.append("the machine was busy with other work: page latencies are pessimistic")
    for note in notes:
        print(f"  !! {note}")
    print(
        "  verdict: "
        + ("every search page p50 <= 25 ms" if not misses else "MISSES: " + "; ".join(misses))
    )
    if args.explain:
        print()
        print("  query plans of find(), then of the LIKE baseline:")
        for query in data["queries"]:
            print(f"    {query['name']}:")
            print(baseline[query["name"]]["plan"])
            print(baseline[query["name"]]["like_plan"])
    if result["ingest"]:
        print_ingest(result["ingest"], result["kind"])
    if result["profile"]:
        print()
        print(f"  profile ({result['kind']}, test client):")
        print(result["profile"])


def print_ingest(ingest: dict[str, Any], kind: str) -> None:
    on, off, count = ingest["on"], ingest["off"], ingest["entries"]
    server = kind == "postgresql"

    def median(runs: list[dict[str, Any]], key: str) -> float:
        return statistics.median(run[key] or 0.0 for run in runs)

    print()
    print(
        f"  first-ingest cost: {count} entries in feeds of {FEED_ENTRIES} (bench/ingest.py's "
        f"corpus) stored with store_entries, each run on a pristine copy of an empty "
        f"database; {len(on)} runs per mode, alternating; medians. parse_feed of the same "
        f"feeds (once): {ingest['parse_cpu']:.2f} s CPU, {ingest['parse_cpu'] * 1000 / count:.2f}"
        " ms per entry."
    )
    header = (
        f"    {'':<10} {'store CPU s':>11} {'ms/entry':>8} {'wall s':>7}"
        + (f" {'backend CPU s':>13}" if server else "")
        + f"  {'articles':>8} {'indexed':>7}"
    )
    print_header(header)
    for label, runs in (("index on", on), ("index off", off)):
        store = median(runs, "store_cpu")
        wall = median(runs, "wall")
        line = f"    {label:<10} {store:11.2f} {store * 1000 / count:8.2f} {wall:7.2f}"
        if server:
            line += f" {median(runs, 'server_cpu'):13.2f}"
        print(line + f"  {runs[0]['articles']:>8} {runs[0]['indexed']:>7}")
    store_on, store_off = median(on, "store_cpu"), median(off, "store_cpu")
    ratio = store_on / store_off
    parse = ingest["parse_cpu"]
    print(
        f"    store_entries CPU, index on / off: {ratio:.2f} (target <= "
        f"{TARGET_INGEST_RATIO:g}: {'meets' if ratio <= TARGET_INGEST_RATIO else 'MISSES'}); "
        f"the index costs {(store_on - store_off) * 1000 / count:.2f} ms CPU per article"
    )
    print(
        "    the ingest after the fetch (parse_feed + store_entries), on / off: "
        f"{(parse + store_on) / (parse + store_off):.2f}"
    )
    if server:
        server_on, server_off = median(on, "server_cpu"), median(off, "server_cpu")
        print(
            "    with the PostgreSQL backend's CPU added: store on / off "
            f"{(store_on + server_on) / (store_off + server_off):.2f}, parse + store on / off "
            f"{(parse + store_on + server_on) / (parse + store_off + server_off):.2f}"
        )
    each = {label: ", ".join(f"{run['store_cpu']:.2f}" for run in runs)
            for label, runs in (("on", on), ("off", off))}  # fmt: skip
    print(f"    store CPU of each run (s), index on: {each['on']}; off: {each['off']}")
