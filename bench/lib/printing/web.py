"""What bench/web.py prints: the header, then per database the data and load times
(``print_site``, which bench/reports.py prints too), one table of the pages cached and
uncached against the same run's static file with the targets, and what is under it.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from typing import Any

from lib.gunicorn import gunicorn_binary, pinned
from lib.outlets import OUTLET_COUNT
from lib.report import print_header, rate, verdict

PAGES = (
    "home", "story", "article", "section", "section_deep", "outlet", "rss",
    "api_list", "api_outlet", "api_article",
)  # fmt: skip
NOT_HTML = ("rss", "api_list", "api_outlet", "api_article")
TARGET_P50_MS = 25.0
TARGET_HOME_RATIO = 0.50
TARGET_REBUILD_MS = 25.0


def print_versions(args: argparse.Namespace, title: str, wrk: bool = True) -> None:
    """The header line: what was measured, with which versions (of wrk too)."""
    import django

    version = subprocess.run(
        [str(gunicorn_binary()), "--version"], capture_output=True, text=True
    ).stdout
    gunicorn_version = ["gunicorn", *re.findall(r"\d+(?:\.\d+)+", version)[:1]]
    tools = " ".join(gunicorn_version)
    if wrk:
        wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split()
        tools += f", wrk {wrk_version[1] if len(wrk_version) > 1 else '?'}"
    print()
    print(
        f"{title}: {args.articles} articles, {OUTLET_COUNT} outlets, 12 sections"
        f" (seed {args.seed}); Python {sys.version.split()[0]}, Django {django.__version__}, "
        f"{tools}; {os.cpu_count()} CPUs"
    )


def print_site(result: dict[str, Any]) -> None:
    """The database's heading, what it holds and how long the load took."""
    data = result["data"]
    finish = "VACUUM ANALYZE" if result["kind"] == "postgresql" else "WAL checkpoint"
    corpus = "corpus read back" if data["corpus_reused"] else "generate + clean_html"
    print()
    print(f"== {result['kind']} ({result['where']})")
    sections = ", ".join(f"{slug} {n}" for slug, n in data["sections"][:3])
    print(
        f"data: {data['articles']} articles ({data['french']} French, {data['no_section']} in "
        f"no section), {data['oldest']:%Y-%m-%d} .. {data['newest']:%Y-%m-%d}; biggest "
        f"sections {sections}; biggest outlet {data['outlet_count']}; {data['images']} "
        f"images ({data['stored_images']} stored), {data['links']} links"
    )
    print(
        f"load: {data['load_s']:.1f} s (migrate {data['migrate_s']:.1f} s apart): {corpus} "
        f"{data['generate_s']:.1f} s, store_entries {data['store_s']:.1f} s "
        f"({data['articles'] / data['store_s']:.0f} articles/s) "
        f"({data['statuses']}), WebP pictures {data['pictures_s']:.1f} s, image rows "
        f"{data['images_s']:.1f} s, {finish} {data['finish_s']:.1f} s"
    )


def print_pages(result: dict[str, Any]) -> tuple[list[str], list[str]]:
    """The table; returns the targets missed and the notes for under it."""
    runs = result["runs"]
    header = (
        f"  {'page':<13} {'cached req/s':>12} {'x static':>8} {'p50 ms':>7} {'p99 ms':>7}"
        f" | {'uncached req/s':>14} {'x static':>8} {'p50 ms':>7} {'p99 ms':>7} {'CPU ms':>6}"
        f" {'KB gz':>6}  targets"
    )
    print()
    print_header(header)
    cached_static = runs["cached"]["static"]
    uncached_static = runs["uncached"]["static"]
    misses: list[str] = []
    notes: list[str] = []
    for name in ("static", *PAGES):
        c, u = runs["cached"][name], runs["uncached"][name]
        check = runs["uncached"]["checks"].get(name)
        size = f"{check['bytes'] / 1024:6.1f}" if check else f"{'':>6}"
        verdicts = []
        if name != "static":
            ok = u["p50"] <= TARGET_P50_MS
            verdicts.append(f"p50<={TARGET_P50_MS:g} {verdict(ok)}")
            if not ok:
                misses.append(f"{result['kind']} {name}: uncached p50 {u['p50']:.1f} ms")
        if name == "home":
            ratio = c["rps"] / cached_static["rps"]
            ok = ratio >= TARGET_HOME_RATIO
            verdicts.append(f"cached>={TARGET_HOME_RATIO:.0%} {verdict(ok)}")
            if not ok:
                misses.append(f"{result['kind']} home: cached {ratio:.0%} of static")
        for label, figures in (("cached", c), ("uncached", u)):
            if figures["errors"] or figures["non_2xx"]:
                notes.append(
                    f"{name} ({label}): {figures['non_2xx']} non-2xx, {figures['errors']} "
                    "socket errors"
                )
        cpu = f"{u['cpu_ms']:6.2f}" if u["cpu_ms"] is not None else f"{'?':>6}"
        for label, figures in (("cached", c), ("uncached", u)):
            if figures["latency_requests"] < 5:
                notes.append(
                    f"{name} ({label}): p50/p99 from only {figures['latency_requests']} requests"
                )
        print(
            f"  {name:<13} {rate(c['rps']):>12} {c['rps'] / cached_static['rps']:8.3f} "
            f"{c['p50']:7.2f} {c['p99']:7.2f} | {rate(u['rps']):>14} "
            f"{u['rps'] / uncached_static['rps']:8.3f} {u['p50']:7.2f} {u['p99']:7.2f} {cpu}"
            f" {size}  {', '.join(verdicts)}"
        )
    return misses, notes


def print_backend(result: dict[str, Any], static: str, args: argparse.Namespace) -> None:
    data, runs = result["data"], result["runs"]
    print_site(result)
    misses, notes = print_pages(result)
    print()
    urls = data["urls"]
    print(
        f"  article {urls['article']}; section {urls['section']}; section_deep = page "
        f"{data['deep_page']} of it ({urls['section_deep']}); outlet {urls['outlet']}"
    )
    api, page = runs["uncached"]["api_outlet"], runs["uncached"]["outlet"]
    cached_api, cached_page = runs["cached"]["api_outlet"], runs["cached"]["outlet"]
    print(
        f"  API: {urls['api_outlet']} uncached p50 {api['p50']:.2f} ms beside the outlet "
        f"page's {page['p50']:.2f} ms (x{api['p50'] / page['p50']:.2f}); cached "
        f"{cached_api['p50']:.2f} ms beside {cached_page['p50']:.2f} ms"
    )
    print(
        "  CPU ms = gunicorn worker CPU per request (uncached run, /proc); KB gz = response "
        "as sent; x static = req/s / the same run's static req/s."
    )
    for label in ("cached", "uncached"):
        first, last = runs[label]["static_runs"]
        checks = runs[label]["checks"]
        shown = ", ".join(f"{n} {c['images']}" for n, c in checks.items() if n not in NOT_HTML)
        other = max(runs[label][n]["other_share"] for n in ("static", *PAGES))
        print(
            f"  {label}: static {first['rps']:.0f} -> {last['rps']:.0f} req/s (first/last); "
            f"images shown: {shown}; /media/ copy answered {runs[label]['media_status']}; "
            f"other load up to {other:.0%}"
        )
        if not all(c["gzip"] for c in checks.values()):
            notes.append(f"{label}: not every page came gzip-compressed")
        if other > 0.10:
            notes.append(
                f"{label}: other processes (PostgreSQL included) used up to {other:.0%} of "
                "the machine during a measurement"
            )
    misses += print_rebuild(result)
    print_report_control(runs, notes)
    for note in notes:
        print(f"  !! {note}")
    print("  verdict: " + ("every target met" if not misses else "MISSES: " + "; ".join(misses)))
    if result["profile"]:
        print()
        print(f"  profile ({result['kind']}, test client, page cache off):")
        print(result["profile"])


def print_rebuild(result: dict[str, Any]) -> list[str]:
    """The home page rebuilt after a content change, in-process; the stories behind it."""
    data, rebuild = result["data"], result["rebuild"]
    ok = rebuild["median_ms"] <= TARGET_REBUILD_MS
    print(
        f"  stories: {data['event_articles']} event articles over the newest days "
        f"(generated {data['events_generate_s']:.1f} s, stored {data['events_store_s']:.1f} s, "
        f"assigned {data['assign_s']:.1f} s): {data['grouped']} articles in "
        f"{data['stories']} stories, {data['stories_48h']} of them in the last 48 hours"
    )
    print(
        f"  home rebuilt after a content change (in-process, caches empty, "
        f"{rebuild['runs']} runs): median {rebuild['median_ms']:.1f} ms (min "
        f"{rebuild['min_ms']:.1f}, max {rebuild['max_ms']:.1f}; CPU {rebuild['cpu_ms']:.1f} ms"
        f"); its blocks alone "
        f"{rebuild['blocks_ms']:.1f} ms; {rebuild['queries']} queries, "
        f"{rebuild['sql_ms']:.1f} ms in SQL; target <= {TARGET_REBUILD_MS:g} ms {verdict(ok)}"
    )
    if result["profile"]:
        print("  the home page's blocks, cProfile per rebuild (top functions by own time):")
        print(rebuild["profile"], end="")
    if ok:
        return []
    return [f"{result['kind']} home rebuild: {rebuild['median_ms']:.1f} ms"]


def print_report_control(runs: dict[str, Any], notes: list[str]) -> None:
    """The report control as the measured pages carry it."""
    for label in ("cached", "uncached"):
        checks = runs[label]["checks"]
        shown = ", ".join(
            f"{name} {check['report_links']}"
            for name, check in checks.items()
            if name not in NOT_HTML
        )
        article = checks.get("article")
        lead = "yes" if article and article["lead_report"] else "NO"
        tokens = sum(check["csrf_tokens"] for check in checks.values())
        print(
            f"  report control in place ({label}): data-report-image links: {shown}; "
            f"article lead figure has its link: {lead}; CSRF tokens in these pages: {tokens}"
        )
        if lead != "yes" or not checks["home"]["report_links"]:
            notes.append(f"{label}: the report control is missing from the measured pages")
        if tokens:
            notes.append(f"{label}: a measured page carries a CSRF token (per-reader)")


def report(
    args: argparse.Namespace,
    results: list[dict[str, Any]],
    static: str,
    skipped: str,
    elapsed: float,
) -> None:
    print_versions(args, "Newsroom web benchmark")
    print(
        "server: gunicorn newsroom.wsgi, 1 sync worker"
        f"{' pinned to CPU 1' if pinned(1) else ''}; DEBUG=0, WhiteNoise + manifest static "
        "files, SERVE_MEDIA=1, local-memory cache (CACHE_URL empty)."
    )
    print(
        f"client: wrk{' pinned to CPU 0' if pinned(0) else ''}, Accept-Encoding: gzip; req/s "
        f"with {args.connections} connections over {args.duration:g} s, p50/p99 with 1 "
        f"connection over {args.latency_duration:g} s; baseline = {static} (mean of the "
        "server run's first and last measurement)."
    )
    print(
        "cached = as configured (page cache on); uncached = PAGE_CACHE_SECONDS=0 (whole-page "
        "cache off; the nav/ticker/home-block fragments stay cached, as configured)."
    )
    if skipped:
        print(f"PostgreSQL skipped: {skipped}")
    for result in results:
        print_backend(result, static, args)
    print()
    print(f"whole run: {elapsed:.0f} s")
