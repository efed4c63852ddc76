"""Full-text benchmark: how much of the article our extractor takes from an outlet's page,
how much else it takes, and what it costs, beside trafilatura.

A benchmark, not a test: it prints figures and ratios and asserts nothing. See
bench/README.md. Run from the repository root:

    .venv/bin/pip install -r bench/requirements-fulltext.txt     # once: the peer
    .venv/bin/python bench/fulltext.py                 # every page, median of 20 runs
    .venv/bin/python bench/fulltext.py --quick         # 3 runs a page
    .venv/bin/python bench/fulltext.py --runs 5 --pages wp-entry-content,json-ld-only
    .venv/bin/python bench/fulltext.py --show split-by-ads     # + both texts of a page

Layout of one run, in this process:

* the hand-labelled pages of tests/data/pages (tests/support/pages.py loads them: the bytes as
  served, the HTTP Content-Type, the outlet selectors, the expected text);
* Django is set up as a worker has it (lib/env.py; a temp dir as var dir, no
  database is touched), then ``articles.fulltext.extract.extract_article`` runs on each
  page with the page's URL, headers and selectors, as the fetch task calls it;
* trafilatura, the peer, runs on the same bytes with the same URL, twice: with its
  defaults and with ``favor_precision=True``;
* the texts are scored against the labels over word multisets (tests/support/pages.py):
  precision = share of the extracted words that are article words, recall = share of the
  article's words that were extracted; then micro-averaged over the pages;
* cost = CPU time of one call (``time.process_time``; one thread, so wall time is the
  same on a quiet machine), median of ``--runs`` calls per page and extractor, after one
  untimed warm-up call; the extractors alternate, so neither always runs on warm caches.

What it prints is in lib/printing/fulltext.py.

What the peer is given, to be fair. trafilatura gets the raw bytes (it decodes them
itself, as ours does: both timings include decoding) and the page URL. Its defaults are
kept except ``include_comments=False``: its default appends reader comments to the text,
and no reader of the article wants them (ours never keeps them). Output is its plain
text (``output_format="txt"``, the default), tables included (its default, as ours).
It has no per-outlet selector, so on custom-selector it runs on its heuristics alone;
ours gets the manifest's selectors there, and the line under the table shows ours
without them. Its fallbacks (its readability and jusText passes, ``fast=False``) stay
on, as by default, and are in its cost.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import logging
import statistics
import sys
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from lib import REPO
from lib.env import base_env, django_setup, progress, temp_dir
from lib.figures import machine_busy, other_cpu
from lib.printing.fulltext import report
from lib.report import OtherLoad

sys.path.insert(0, str(REPO))

from tests.support.pages import LabelledPage, load_pages, word_counts  # noqa: E402

REQUIREMENTS = "bench/requirements-fulltext.txt"
DEFAULT_RUNS = 20
QUICK_RUNS = 3

Extractor = Callable[[LabelledPage], str]


def peer_extractors() -> dict[str, Extractor]:
    """trafilatura with its defaults and with favor_precision (see the module docstring)."""
    import trafilatura

    def default(page: LabelledPage) -> str:
        text = trafilatura.extract(page.body, url=page.url, include_comments=False)
        return text or ""

    def precise(page: LabelledPage) -> str:
        text = trafilatura.extract(
            page.body, url=page.url, include_comments=False, favor_precision=True
        )
        return text or ""

    return {"trafilatura": default, "traf. precision": precise}


def ours_extractor() -> tuple[Extractor | None, str]:
    """Our extractor as the fetch task calls it, or None and why it cannot be imported."""
    try:
        from articles.fulltext.extract import extract_article
    except ImportError as error:
        return None, f"{type(error).__name__}: {error}"

    def ours(page: LabelledPage) -> str:
        return extract_article(
            page.body,
            url=page.url,
            headers=page.headers,
            body_selector=page.body_selector,
            drop_selector=page.drop_selector,
        ).text

    return ours, ""


def cpu_ms(function: Extractor, page: LabelledPage) -> float:
    start = time.process_time()
    function(page)
    return (time.process_time() - start) * 1000


def measure(
    extractors: dict[str, Extractor], pages: list[LabelledPage], runs: int
) -> dict[str, dict[str, dict[str, Any]]]:
    """For each extractor and page: its text, word counts and median CPU ms."""
    results: dict[str, dict[str, dict[str, Any]]] = {name: {} for name in extractors}
    names = list(extractors)
    for page in pages:
        progress(f"  {page.name}: {runs} runs x {len(names)} extractors ...")
        timings: dict[str, list[float]] = {name: [] for name in names}
        for name in names:
            text = extractors[name](page)  # warm-up, and the text that is scored
            results[name][page.name] = {
                "text": text,
                "counts": word_counts(text, page.expected),
            }
        for run in range(runs):
            order = names if run % 2 == 0 else names[::-1]
            for name in order:
                timings[name].append(cpu_ms(extractors[name], page))
        for name in names:
            results[name][page.name]["ms"] = statistics.median(timings[name])
    return results


def metadata_checks(pages: list[LabelledPage]) -> list[tuple[str, str, str, str]]:
    """Ours only: lead image, author and publication time against the manifest
    ("ok", "MISS" with what came out, or "-" when the manifest expects nothing)."""
    from articles.fulltext.extract import extract_article

    rows = []
    for page in pages:
        got = extract_article(
            page.body,
            url=page.url,
            headers=page.headers,
            body_selector=page.body_selector,
            drop_selector=page.drop_selector,
        )
        want_time = datetime.fromisoformat(page.published) if page.published else None
        checks = []
        for want, have in (
            (page.lead_image, got.lead_image),
            (page.author, got.author),
            (want_time, got.published_at),
        ):
            if not want:
                checks.append(f"- ({short(have)})" if have else "-")
            else:
                checks.append("ok" if want == have else f"MISS ({short(have) or 'nothing'})")
        rows.append((page.name, checks[0], checks[1], checks[2]))
    return rows


def short(value: object, width: int = 40) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= width else text[: width - 1] + "…"


# The labelled sets under tests/data (tests/data/pages/README.md says how each was made).
SETS = {
    name: REPO / "tests" / "data" / name
    for name in ("pages", "pages-heldout", "pages-blind")
    if (REPO / "tests" / "data" / name / "pages.json").exists()
}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--runs", type=int, default=None, help=f"timed calls per page, {DEFAULT_RUNS}"
    )
    parser.add_argument(
        "--quick", action="store_true", help=f"{QUICK_RUNS} timed calls per page (unless --runs)"
    )
    parser.add_argument("--pages", default="", help="comma-separated page names (default all)")
    parser.add_argument(
        "--set",
        default="pages",
        choices=sorted(SETS),
        help="which labelled set: pages (written beside the extractor), pages-heldout and "
        "pages-blind (written blind, without reading it); default pages",
    )
    parser.add_argument(
        "--show", default="", help="print every extractor's text of this page, and the label"
    )
    args = parser.parse_args()
    if args.runs is None:
        args.runs = QUICK_RUNS if args.quick else DEFAULT_RUNS
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    return args


def main() -> int:
    args = parse_args()
    try:
        import trafilatura
    except ImportError:
        print(
            "bench/fulltext.py needs trafilatura (the peer): "
            f".venv/bin/pip install -r {REQUIREMENTS}",
            file=sys.stderr,
        )
        return 2
    logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
    logging.getLogger("htmldate").setLevel(logging.CRITICAL)
    logging.getLogger("courlan").setLevel(logging.CRITICAL)

    pages = load_pages(SETS[args.set])
    if args.pages:
        wanted = {name.strip() for name in args.pages.split(",") if name.strip()}
        unknown = wanted - {page.name for page in pages}
        if unknown:
            print(f"unknown pages: {', '.join(sorted(unknown))}", file=sys.stderr)
            return 1
        pages = [page for page in pages if page.name in wanted]

    with temp_dir("newsroom-bench-fulltext-", keep=False) as tmp:
        env = {**base_env(tmp / "var"), "SQLITE_PATH": str(tmp / "unused.sqlite3")}
        django_setup(env)
        ours, why_not = ours_extractor()
        extractors: dict[str, Extractor] = {}
        if ours is not None:
            extractors["ours"] = ours
        extractors.update(peer_extractors())
        progress(f"measuring {len(pages)} pages ...")
        gc.collect()
        busy0, cpu0, wall0 = machine_busy(), time.process_time(), time.perf_counter()
        results = measure(extractors, pages, args.runs)
        wall = time.perf_counter() - wall0
        other = other_cpu(machine_busy() - busy0, time.process_time() - cpu0)
        load = OtherLoad()
        share = load.share("timing)", other, wall)
        meta = metadata_checks(pages) if ours is not None else []
        unselected = {}
        if ours is not None:
            for page in pages:
                if page.body_selector or page.drop_selector:
                    bare = dataclasses.replace(page, body_selector="", drop_selector="")
                    unselected[page.name] = word_counts(ours(bare), page.expected)

    report(args, pages, extractors, results, meta, unselected, why_not, trafilatura.__version__)
    print()
    print(f"other load during the timed runs: {share:.0%} of the machine's CPUs ({wall:.1f} s).")
    load.print_note()
    return 0


if __name__ == "__main__":
    sys.exit(main())
