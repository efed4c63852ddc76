"""Report benchmark: what "report this image" costs the reading site, counted and hiding.

A benchmark, not a test: it prints figures and ratios and asserts nothing about time.
See bench/README.md. Run from the repository root:

    .venv/bin/python bench/reports.py                # 100,000 articles, SQLite + PostgreSQL
    .venv/bin/python bench/reports.py --quick        # 5,000 articles, 10 reports a reader
    .venv/bin/python bench/reports.py --no-postgres --profile   # + where a report goes

Layout of one run, for SQLite and then (when it answers) PostgreSQL:

* the reading site's database, migrated and loaded as bench/web.py loads it
  (lib/sitedata.py), and ``collectstatic`` once;
* the counted path: a gunicorn run (one sync worker, production settings, page cache
  on) with IMAGE_REPORT_RATE and IMAGE_REPORT_THRESHOLD set very high has 20 readers at
  once (threads in a spawned client process, each with its own cookies and its socket
  bound to 127.0.N.1, so each comes from its own /24: lib/readers.py) GET report form
  pages, POST reports of many stored images (Accept: application/json) and GET a cached
  page, every request timed; then one reader alone does the same;
* the hiding path: every stored image made a picture of its own, some targets given
  look-alikes (lib/moderation.py), then a run with the default settings times the
  report that hides an image (the look-alike scan over every stored image's perceptual
  hash), one request at a time;
* with --profile, the report view through Django's test client (lib/profiling.py).

What it prints is in lib/printing/reports.py.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import time
from pathlib import Path
from typing import Any

from lib.databases import (
    Databases,
    add_backend_options,
    check_backend_options,
    on_each_backend,
)
from lib.env import DEFAULT_SEED, collect_static, progress, temp_dir
from lib.figures import process_cpu
from lib.gunicorn import fetch, gunicorn, pinned
from lib.moderation import (
    COUNTED_RATE,
    COUNTED_THRESHOLD,
    LOOKALIKES,
    hide_prep,
    moderation_env,
    report_state,
)
from lib.printing.reports import report
from lib.processes import child
from lib.profiling import profile_reports
from lib.readers import Reader, form_path, run_phase
from lib.sitedata import prepare_site

DEFAULT_ARTICLES = 100_000
QUICK_ARTICLES = 5_000

READERS = 20  # concurrent readers of the report measurement


REPORTS = 50  # reports per reader (QUICK_REPORTS with --quick)


QUICK_REPORTS = 10


HIDES = 5  # images hidden one at a time for the hiding path (QUICK_HIDES with --quick)


QUICK_HIDES = 3


# --------------------------------------------------------------------------- clients


def _readers(port: int, worker: int, plan: dict[str, Any], conn: Any) -> None:
    """Client process (pinned to CPU 0, as wrk is): the counted-report measurement.
    Each reader first opens one form page, untimed (its CSRF cookie and token), then,
    everyone at once, phase by phase: GET the form page of each of its images, POST a
    report of each, GET the cached article page as many times; then one reader alone
    (context: the same requests without the 19 others ahead in the worker's queue)."""
    if pinned(0):
        os.sched_setaffinity(0, {0})
    back, reasons = plan["article"], plan["reasons"]
    work: list[list[int]] = plan["work"]
    readers = [Reader(port, address) for address in plan["sources"]]
    warm = [
        reader.open_form(form_path(images[0], back))[0]
        for reader, images in zip(readers, work, strict=True)
    ]
    # One report, untimed, by a reader of its own: the worker's first POST imports and
    # warms what every POST uses.
    spare = Reader(port, "127.0.0.1")
    spare.open_form(form_path(plan["warm_image"], back))
    warm.append(spare.report(plan["warm_image"], reasons[0], back)[0])

    def form(reader: Reader, image: int, n: int) -> tuple[bool, float]:
        return reader.open_form(form_path(image, back))

    def post(reader: Reader, image: int, n: int) -> tuple[bool, float]:
        # A note on one report in five, as some readers write one.
        note = "الصورة لا علاقة لها بالخبر" if n % 5 == 4 else ""
        return reader.report(image, reasons[n % len(reasons)], back, note)

    def page(reader: Reader, image: int, n: int) -> tuple[bool, float]:
        return reader.page(back)

    phases = {
        "form": run_phase(readers, work, form, worker),
        "report": run_phase(readers, work, post, worker),
        "page": run_phase(readers, work, page, worker),
        # Reader 0 alone, on reader 1's images (reported from another network: counted).
        "form_alone": run_phase(readers[:1], work[1:2], form, worker),
        "report_alone": run_phase(readers[:1], work[1:2], post, worker),
    }
    conn.send({"warm_failed": warm.count(False), "phases": phases})
    conn.close()


def _hiders(port: int, worker: int, plan: dict[str, Any], conn: Any) -> None:
    """Client process: for each target image, ``threshold`` readers from as many
    networks report it, one request at a time: the last report hides it. Each POST is
    timed, with the worker's CPU over it."""
    if pinned(0):
        os.sched_setaffinity(0, {0})
    back, reasons, threshold = plan["article"], plan["reasons"], plan["threshold"]
    warm = Reader(port, "127.0.0.1")
    warm.open_form(form_path(plan["warm_image"], back))
    warm_ok = warm.report(plan["warm_image"], reasons[0], back)[0]
    rows = []
    for t, image in enumerate(plan["targets"]):
        for nth in range(1, threshold + 1):
            reader = Reader(port, f"127.0.{threshold * t + nth}.1")
            opened, _seconds = reader.open_form(form_path(image, back))
            cpu0 = process_cpu(worker)
            ok, seconds = reader.report(image, reasons[nth % len(reasons)], back)
            rows.append(
                {"target": image, "nth": nth, "ok": ok and opened, "seconds": seconds,
                 "cpu": process_cpu(worker) - cpu0 if worker else None}
            )  # fmt: skip
    conn.send({"warm_ok": warm_ok, "rows": rows})
    conn.close()


# --------------------------------------------------------------------------- runs


def counted_run(
    ctx: Any,
    env: dict[str, str],
    data: dict[str, Any],
    kind: str,
    args: argparse.Namespace,
    log: Path,
) -> tuple[dict[str, Any], list[int]]:
    """The counted-report run (20 readers at once). Returns its figures and the stored
    images it left aside (for the hiding run)."""
    article = data["urls"]["article"]
    images: list[int] = data["report_images"]
    extra = 2 if args.profile else 0
    # Kept aside for the hiding run: targets and their look-alikes, warm-ups, profile.
    aside = (args.hides + extra) * (1 + LOOKALIKES) + args.profile_requests + 10
    pool = images[: max(1, min(args.readers * args.reports, len(images) - aside))]
    work = [
        [pool[(r * args.reports + n) % len(pool)] for n in range(args.reports)]
        for r in range(args.readers)
    ]
    spare = images[len(pool) :]
    plan = {
        "article": article,
        "reasons": data["reasons"],
        "work": work,
        "sources": [f"127.0.{r + 1}.1" for r in range(args.readers)],
        "warm_image": spare[0],
    }
    counted_env = moderation_env(
        env, IMAGE_REPORT_RATE=COUNTED_RATE, IMAGE_REPORT_THRESHOLD=COUNTED_THRESHOLD
    )
    progress(
        f"[{kind}] gunicorn, {args.readers} readers x {args.reports} reports (counted path) ..."
    )
    with gunicorn(counted_env, log) as (base, worker):
        status = fetch(base + form_path(pool[0], article))[0]
        if status != 200:
            raise RuntimeError(f"the report form answered {status}; see {log}")
        counted = child(ctx, _readers, int(base.rsplit(":", 1)[1]), worker, plan)
    counted["state"] = child(ctx, report_state, env)
    # Counted: each (reader, image) once (readers are distinct networks too), the
    # lone reader's reports of reader 1's images, and the warm-up report.
    pairs = {(r, image) for r, images in enumerate(work) for image in images}
    pairs |= {(0, image) for image in work[1]}
    counted.update(
        distinct=len(set(pool)),
        sent=args.readers * args.reports,
        expected=len(pairs) + 1,
    )
    return counted, spare


def hiding_run(
    ctx: Any,
    env: dict[str, str],
    data: dict[str, Any],
    kind: str,
    args: argparse.Namespace,
    log: Path,
    spare: list[int],
) -> dict[str, Any]:
    """The hiding run (one request at a time, default settings), after its preparation."""
    extra = 2 if args.profile else 0
    hide_env = moderation_env(env)
    progress(f"[{kind}] one picture per image row, {args.hides} targets with look-alikes ...")
    prep = child(ctx, hide_prep, hide_env, kind, spare[1:], args.hides + extra, args.seed)
    targets = prep["targets"][: args.hides]
    if prep["threshold"] * len(targets) > 254:
        raise RuntimeError(
            f"IMAGE_REPORT_THRESHOLD {prep['threshold']} x {len(targets)} images: more "
            "networks than 127.0.N.1 gives"
        )
    hide_plan = {
        "article": data["urls"]["article"],
        "reasons": data["reasons"],
        "targets": targets,
        "threshold": prep["threshold"],
        "warm_image": prep["rest"][0],
    }
    progress(
        f"[{kind}] gunicorn, default settings: {len(targets)} images reported until hidden ..."
    )
    with gunicorn(hide_env, log) as (base, worker):
        hiding = child(ctx, _hiders, int(base.rsplit(":", 1)[1]), worker, hide_plan)
    hiding["state"] = child(ctx, report_state, env)
    hiding["prep"] = prep
    return hiding


def run_backend(
    ctx: Any,
    args: argparse.Namespace,
    databases: Databases,
    common: dict[str, str],
    tmp: Path,
) -> dict[str, Any]:
    """Load the site on ``databases``; the counted run, the hiding run, the profile."""
    env, data = prepare_site(ctx, databases, common, args.articles, args.seed, tmp)
    kind, log = databases.kind, tmp / "gunicorn.log"
    counted, spare = counted_run(ctx, env, data, kind, args, log)
    hiding = hiding_run(ctx, env, data, kind, args, log, spare)
    hiding["before"] = counted["state"]
    profile = ""
    if args.profile:
        progress(f"[{kind}] profiling the report view (test client) ...")
        prep = hiding["prep"]
        rest = prep["rest"][1:]
        profile = child(
            ctx,
            profile_reports,
            moderation_env(env),
            rest[: args.profile_requests + 2],
            prep["targets"][args.hides :],
            args.profile_requests,
        )
    return {
        "kind": kind,
        "where": databases.describe("web"),
        "data": data,
        "reports": {"counted": counted, "hiding": hiding, "profile": profile},
    }


# --------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument(
        "--articles", type=int, default=None, help=f"articles to load (default {DEFAULT_ARTICLES})"
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"{QUICK_ARTICLES} articles (unless --articles), {QUICK_REPORTS} reports a "
        f"reader, {QUICK_HIDES} hides",
    )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="corpus seed")
    add_backend_options(parser)
    parser.add_argument(
        "--profile",
        action="store_true",
        help="also profile the report view (test client): SQL and cProfile",
    )
    parser.add_argument(
        "--readers",
        type=int,
        default=READERS,
        help=f"concurrent readers of the report measurement ({READERS})",
    )
    parser.add_argument(
        "--reports",
        type=int,
        default=None,
        help=f"reports (and form pages, cached pages) per reader ({REPORTS}; --quick "
        f"{QUICK_REPORTS})",
    )
    parser.add_argument(
        "--hides",
        type=int,
        default=None,
        help=f"images reported until hidden, one at a time ({HIDES}; --quick {QUICK_HIDES})",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temp dir")
    args = parser.parse_args(argv)
    if args.reports is None:
        args.reports = QUICK_REPORTS if args.quick else REPORTS
    if args.hides is None:
        args.hides = QUICK_HIDES if args.quick else HIDES
    if args.articles is None:
        args.articles = QUICK_ARTICLES if args.quick else DEFAULT_ARTICLES
    args.profile_requests = 5 if args.quick else 20
    if args.articles < 1_000:
        parser.error("--articles must be at least 1000 (12 sections x 100 outlets)")
    # Reader N connects from 127.0.N.1; the hiding run's readers use 127.0.1.1 up to
    # 127.0.(3 x hides).1, and the default IMAGE_HIDE_BREAKER (20) must not trip.
    if not 2 <= args.readers <= 250:
        parser.error("--readers must be between 2 and 250 (one 127.0.N.1 network each)")
    if not 1 <= args.reports <= 10_000:
        parser.error("--reports must be between 1 and 10000")
    if not 1 <= args.hides <= 15:
        parser.error("--hides must be between 1 and 15 (under the hiding breaker)")
    check_backend_options(parser, args)
    return args


def main() -> None:
    args = parse_args()
    ctx = mp.get_context("spawn")
    started = time.perf_counter()
    with temp_dir("newsroom-bench-reports-", args.keep) as tmp:
        common, _static = collect_static(tmp)
        results, skipped = on_each_backend(
            tmp,
            args.no_postgres,
            args.database_url,
            lambda databases: run_backend(ctx, args, databases, common, tmp),
        )
        report(args, results, skipped, time.perf_counter() - started)


if __name__ == "__main__":
    main()
