"""What bench/ingest.py prints: the header, one row per phase, memory, the ratios the
project must meet, the peer's figures; and with --profile where the first ingest goes.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
from pathlib import Path
from typing import Any

from lib import REPO
from lib.report import OtherLoad, print_header, verdict

PEER = {  # FreshRSS 1.25, as reported by the project
    "name": "FreshRSS 1.25",
    "first_cpu_ms_per_entry": 1.5,
    "peak_mb": 47.0,
    "repoll_ms_per_entry": 0.11,
}
TARGETS = {"parse": 1.0, "parallel": 0.6, "repoll": 0.05}
STAGES = (
    ("ingest_outlet", "articles/ingest/feeds.py", "ingest_outlet"),
    ("  acquire_lease", "articles/ingest/feeds.py", "acquire_lease"),
    ("  Outlet.objects.get", "django/db/models/query.py", "get"),
    ("  fetch_url", "articles/lib/http.py", "fetch_url"),
    ("  ingest_bytes", "articles/ingest/feeds.py", "ingest_bytes"),
    ("    parse_feed", "articles/ingest/parse.py", "parse_feed"),
    ("      feedparser.parse", "feedparser/api.py", "parse"),
    ("      _normalise_entry", "articles/ingest/parse.py", "_normalise_entry"),
    ("        prepare_images", "articles/ingest/pictures.py", "prepare_images"),
    ("        clean_html (nh3)", "articles/lib/html.py", "clean_html"),
    ("        plain_text (nh3)", "articles/lib/text.py", "plain_text"),
    ("        entry_images", "articles/ingest/pictures.py", "entry_images"),
    ("        canonical_url", "articles/lib/urls.py", "canonical_url"),
    ("        _entry_date", "articles/ingest/parse.py", "_entry_date"),
    ("    store_entries", "articles/ingest/store.py", "store_entries"),
    ("      insert_rows", "articles/lib/sql.py", "insert_rows"),
    ("      link_images", "articles/ingest/store.py", "link_images"),
    ("  _record (status + log)", "articles/ingest/feeds.py", "_record"),
    ("assign (stories, after each fetch)", "articles/stories/assign.py", "assign"),
    ("  take_turn", "articles/stories/assign.py", "take_turn"),
    ("  file_prints", "articles/stories/assign.py", "file_prints"),
    ("    print_article", "articles/stories/assign.py", "print_article"),
    ("  find_links", "articles/stories/assign.py", "find_links"),
    ("    candidates (SQL)", "articles/stories/assign.py", "_shared"),
    ("    strength", "articles/stories/likeness.py", "strength"),
    ("  settle", "articles/stories/settle.py", "settle"),
    ("  refresh (story summaries)", "articles/stories/summary.py", "refresh"),
    ("  ContentVersion bump", "articles/models/articles.py", "bump"),
)


def profile_report(profile: Any) -> str:
    import pstats

    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out)
    raw = stats.stats  # type: ignore[attr-defined]
    total = next(
        (
            ct
            for (f, _l, n), (_c, _n, _t, ct, _) in raw.items()
            if f.endswith("articles/ingest/feeds.py") and n == "ingest_outlet"
        ),
        0.0,
    )
    out.write(
        "Where the first ingest goes (cProfile cumulative seconds; nested rows are"
        " parts of the row above;\nshares are of ingest_outlet's time; cProfile roughly"
        " doubles Python-heavy code, so read shares, not absolute times):\n"
    )
    for label, suffix, func in STAGES:
        hits = [
            (nc, ct)
            for (f, _l, n), (_c, nc, _t, ct, _) in raw.items()
            if f.endswith(suffix) and n == func
        ]
        if hits:
            calls = sum(h[0] for h in hits)
            cum = sum(h[1] for h in hits)
            share = 100 * cum / total if total else 0
            out.write(f"  {label:<34} {cum:8.3f} s {share:5.1f}%  {calls:>7} calls\n")
    ours = sorted(
        (
            (t, ct, nc, f"{Path(f).parent.name}/{Path(f).name}:{line}({n})")
            for (f, line, n), (_c, nc, t, ct, _) in raw.items()
            if f"{os.sep}articles{os.sep}" in f and str(REPO) in f
        ),
        reverse=True,
    )[:15]
    out.write("\nOur code (articles/*), by own time:\n")
    out.write(f"  {'tottime':>8} {'cumtime':>8} {'ncalls':>8}  function\n")
    for t, ct, nc, where in ours:
        out.write(f"  {t:8.3f} {ct:8.3f} {nc:>8}  {where}\n")
    for key in ("cumulative", "tottime"):
        out.write(f"\ncProfile top-25 by {key}:\n")
        stats.sort_stats(key).print_stats(25)
    text = out.getvalue()
    for prefix in sorted({p for p in sys.path if p and p != str(REPO)}, key=len, reverse=True):
        text = text.replace(prefix.rstrip("/") + "/", "")
    return text.replace(str(REPO) + "/", "")


def print_profiled(profiled: dict[str, Any]) -> None:
    print()
    print(
        "cProfile of the sequential first ingest and its story assignment (separate "
        f"process, pristine database; profiled wall {profiled['wall']:.2f} s, CPU "
        f"{profiled['cpu']:.2f} s, {profiled['statuses']})"
    )
    print(profiled["profile"])


def print_intro(args: argparse.Namespace, index: dict[str, Any], databases: Any) -> None:
    import django
    import feedparser

    entries = index["entries"]
    content = index["content_bytes"]
    print()
    print(
        f"Newsroom ingest benchmark: {args.outlets} outlets x {args.entries} entries = "
        f"{entries} entries, {index['bytes'] / 2**20:.1f} MiB of RSS 2.0 "
        f"(content:encoded {content['min']}-{content['max']} B, mean "
        f"{content['mean']:.0f} B; seed {index['seed']})"
    )
    print(
        f"database: {databases.kind} ({databases.describe('main')}); Python "
        f"{sys.version.split()[0]}, Django {django.__version__}, feedparser "
        f"{feedparser.__version__}, DEBUG off; {os.cpu_count()} CPUs"
    )
    print(
        "HTTP server: a separate process on 127.0.0.1"
        f"{' (gzip)' if args.gzip else ''}; its CPU is NOT in the client figures "
        "(shown apart as 'server CPU')."
    )
    print(
        "CPU = time.process_time() of the measuring process (user+sys); per entry = "
        f"divided by all {entries} entries in the feeds."
    )
    print()


def print_phases(args: argparse.Namespace, entries: int, phases: dict[str, Any]) -> None:
    """The table: one row per phase, with a note under each."""
    floor, floor_app, parse_only = phases["floor"], phases["floor_app"], phases["parse_only"]
    first, parallel = phases["first"], phases["parallel"]
    not_modified, unchanged = phases["not_modified"], phases["unchanged"]
    header = (
        f"{'phase':<50} {'wall s':>7} {'CPU s':>7} {'CPU ms/entry':>12} "
        f"{'wall ms/entry':>13} {'other load':>10}"
    )
    print_header(header)
    load = OtherLoad()

    def row(label: str, phase: dict[str, Any], note: str) -> None:
        wall, cpu = phase["wall"], phase["cpu"]
        share = load.share(label, phase["other_cpu"], wall)
        print(
            f"{label:<50} {wall:7.2f} {cpu:7.2f} {1000 * cpu / entries:12.3f} "
            f"{1000 * wall / entries:13.3f} {100 * share:9.0f}%"
        )
        print(f"{'':<6}{note}")

    row(
        "a) feedparser.parse(BytesIO), default options",
        floor,
        f"{floor['entries']} entries parsed: the floor",
    )
    row(
        "a') feedparser.parse, the app's options",
        floor_app,
        "sanitize_html=False, resolve_relative_uris=False (context only)",
    )
    row(
        "a'') articles.ingest.parse.parse_feed alone",
        parse_only,
        f"{parse_only['entries']} entries: feedparser + normalising + nh3, no HTTP, no "
        "database (context only)",
    )
    row(
        "b) first ingest, sequential, this process",
        first,
        f"{first['articles']} articles, {first['images']} images, {first['links']} "
        f"article-image links stored; {first['statuses']}; server CPU "
        f"{first['server_cpu']:.2f} s",
    )
    cpu_each = " + ".join(f"{c:.2f}" for c in parallel["cpu_each"])
    row(
        f"c) first ingest, {args.workers} processes ({args.split})",
        parallel,
        f"CPU = {cpu_each} s (each child's process_time over its ingest loop; "
        f"RUSAGE_CHILDREN incl. interpreter + django.setup {parallel['rusage_cpu']:.2f} s);"
        f" {parallel['statuses']}; server CPU {parallel['server_cpu']:.2f} s",
    )
    for label, phase in (
        ("d) re-poll, nothing changed (304 Not Modified)", not_modified),
        ("e) re-poll, 200 with the same body (hash skip)", unchanged),
    ):
        row(
            label,
            phase,
            f"{phase['statuses']}; server sent {phase['served']}; server CPU "
            f"{phase['server_cpu']:.2f} s",
        )
    load.print_note(" (above all c)")


def print_checks(phases: dict[str, Any]) -> None:
    first, articles_after = phases["first"], phases["articles_after"]
    errors = {
        **first["errors"],
        **phases["not_modified"]["errors"],
        **phases["unchanged"]["errors"],
    }
    if errors:
        print(f"!! errors during the sequential phases: {errors}")
    if articles_after != first["articles"]:
        print(f"!! re-polls changed the article count: {first['articles']} -> {articles_after}")
    print(f"   (after b, d, e: {articles_after} articles, {phases['fetch_logs']} fetch-log rows)")
    print()


def print_memory(phases: dict[str, Any]) -> None:
    first, traced, parallel = phases["first"], phases["traced"], phases["parallel"]
    rss_delta = first["rss_after_mb"] - first["rss_before_mb"]
    print("memory, first ingest:")
    print(
        f"  b) ru_maxrss {first['rss_before_mb']:.1f} -> {first['rss_after_mb']:.1f} MB "
        f"(delta {rss_delta:.1f} MB; includes Django and the migrated app)"
    )
    print(
        f"  tracemalloc peak {traced['traced_peak_mb']:.1f} MB (Python allocations during "
        f"the whole first ingest, a separate traced pass in a fresh process: "
        f"{traced['statuses']}; ru_maxrss there {traced['rss_before_mb']:.1f} -> "
        f"{traced['rss_after_mb']:.1f} MB, inflated by tracemalloc)"
    )
    print(f"  c) peak RSS of one worker process: {parallel['maxrss_mb']:.1f} MB")
    print()


def print_ratios(args: argparse.Namespace, entries: int, phases: dict[str, Any]) -> None:
    """The three ratios against this run's own baselines, then the peer's figures."""
    floor, first, parallel = phases["floor"], phases["first"], phases["parallel"]
    not_modified, unchanged = phases["not_modified"], phases["unchanged"]

    def ms(seconds: float) -> float:
        return 1000 * seconds / entries

    ratios = [
        ("first-ingest CPU/entry / feedparser-alone CPU/entry",
         ms(first["cpu"]) / ms(floor["cpu"]), "parse"),
        (f"{args.workers}-process wall / sequential first-ingest CPU",
         parallel["wall"] / first["cpu"], "parallel"),
        ("unchanged re-poll (304) CPU / first-ingest CPU", not_modified["cpu"] / first["cpu"],
         "repoll"),
    ]  # fmt: skip
    print("ratios (targets the project must meet; informative, nothing is asserted):")
    for label, value, key in ratios:
        print(
            f"  {label:<54} {value:6.3f}  target <= {TARGETS[key]:.2f}  "
            f"{verdict(value <= TARGETS[key])}"
        )
    print(
        f"  for context: hash-skip re-poll (e) CPU / first-ingest CPU "
        f"{unchanged['cpu'] / first['cpu']:.3f}; 304 re-poll wall / first-ingest wall "
        f"{not_modified['wall'] / first['wall']:.3f}"
    )
    print()
    print(
        f"peer, for context ({PEER['name']}):        first ingest "
        f"{PEER['first_cpu_ms_per_entry']:.2f} ms CPU/entry, peak {PEER['peak_mb']:.0f} MB, "
        f"unchanged re-poll {PEER['repoll_ms_per_entry']:.2f} ms/entry"
    )
    print(
        f"Newsroom, this run:                     first ingest {ms(first['cpu']):.2f} ms "
        f"CPU/entry, peak {phases['traced']['traced_peak_mb']:.0f} MB traced / "
        f"{first['rss_after_mb']:.0f} MB RSS, unchanged re-poll "
        f"{ms(not_modified['cpu']):.3f} ms/entry (304), {ms(unchanged['cpu']):.3f} (hash)"
    )


def report(
    args: argparse.Namespace, index: dict[str, Any], databases: Any, phases: dict[str, Any]
) -> None:
    print_intro(args, index, databases)
    print_phases(args, index["entries"], phases)
    print_checks(phases)
    print_memory(phases)
    print_ratios(args, index["entries"], phases)
