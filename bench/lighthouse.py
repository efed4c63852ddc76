"""Lighthouse audit: the reader's pages scored by Lighthouse, as production serves them.

Not a test: it prints Lighthouse's four category scores, the bytes each page load
transfers and, for every category under the threshold, the failing audits with what
fails (element, request, ...). Its exit status says only whether the run worked.
See bench/README.md. Run from the repository root:

    npm ci --prefix bench                            # once: Lighthouse into bench/node_modules
    .venv/bin/python bench/lighthouse.py             # all five pages, one run each
    .venv/bin/python bench/lighthouse.py --pages home,article --runs 3 --reports /tmp/lh

Layout of one run:

* a fresh temp dir as NEWSROOM_VAR_DIR (SQLite, media, collected static files), set up
  with ``manage.py migrate``, ``collectstatic``, ``loadoutlets`` and ``loaddemo``;
* gunicorn on 127.0.0.1 (a free port) with production settings: DEBUG=0, a SECRET_KEY,
  ALLOWED_HOSTS=127.0.0.1, SECURE_SSL_REDIRECT=0, SERVE_MEDIA=1 (the demo's images);
* each page fetched once first (a 500 prints gunicorn's log, and that page is not
  audited), then audited by Lighthouse (bench/node_modules, mobile, simulated
  throttling, its defaults) in Debian's headless Chromium, with Chromium's own
  background connections turned off (the machine has no network).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from benchlib import REPO, base_env, django_setup, progress, temp_dir

BENCH = REPO / "bench"
LIGHTHOUSE = BENCH / "node_modules" / ".bin" / "lighthouse"
LIGHTHOUSE_CLI = BENCH / "node_modules" / "lighthouse" / "cli" / "index.js"
PYTHON = REPO / ".venv" / "bin" / "python"
GUNICORN = REPO / ".venv" / "bin" / "gunicorn"
CHROME_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
CATEGORIES = [
    ("performance", "perf"),
    ("accessibility", "a11y"),
    ("best-practices", "bp"),
    ("seo", "seo"),
]
# Shown under a performance score below the threshold, whatever their own score.
CONTEXT_AUDITS = ("largest-contentful-paint-element", "long-tasks", "bootup-time")
SLOW_BENCHMARK = 1000  # Lighthouse warns of a slow CPU under about this benchmarkIndex
PAGES = ("home", "article", "section", "outlet", "search", "fr")
AUDIT_FAILS = 0.9  # an audit scored under this is listed as failing
# Lighthouse 12.2.3's trace engine reads PipelineReporter's ``args.chrome_frame_reporter``,
# which this Chromium (156) names ``args.frame_reporter``: unpatched, six audits fail
# with "Cannot read properties of undefined (reading 'frame_sequence')"
# (render-blocking-resources, largest-contentful-paint-element, layout-shifts,
# non-composited-animations, prioritize-lcp-image, lcp-lazy-loaded). A Node module hook,
# given to node as a data: URL, reads either name while the module loads; nothing in
# node_modules is changed. --no-trace-shim runs Lighthouse as shipped.
SHIM_OLD = "evt.args.data.beginEvent.args.chrome_frame_reporter.frame_sequence"
SHIM_NEW = (
    "(evt.args.data.beginEvent.args.chrome_frame_reporter"
    " ?? evt.args.data.beginEvent.args.frame_reporter ?? {}).frame_sequence"
)
SHIM_HOOKS = f"""
export async function load(url, context, nextLoad) {{
  const result = await nextLoad(url, context);
  if (url.endsWith("/trace_engine/models/trace/handlers/ScreenshotsHandler.js")) {{
    return {{...result, source: String(result.source).replace({json.dumps(SHIM_OLD)},
      {json.dumps(SHIM_NEW)})}};
  }}
  return result;
}}
"""
SHIM_IMPORT = "data:text/javascript," + quote(
    "import {register} from 'node:module'; "
    f"register({json.dumps('data:text/javascript,' + quote(SHIM_HOOKS))});"
)
INSTALL_HINT = (
    "Lighthouse is not installed in bench/node_modules. From the repository root run:\n"
    "    npm ci --prefix bench\n"
    "(or pass --install to let this script run it)."
)


@dataclass
class Page:
    name: str
    path: str
    note: str = ""
    status: int | None = None
    error: str = ""
    reports: list[dict[str, Any]] = field(default_factory=list)
    report_files: list[Path] = field(default_factory=list)

    @property
    def report(self) -> dict[str, Any] | None:
        """The run with the median performance score (Lighthouse's advice for N runs)."""
        if not self.reports:
            return None
        ranked = sorted(self.reports, key=lambda lhr: score(lhr, "performance") or 0)
        return ranked[len(ranked) // 2]


# --------------------------------------------------------------------------- arguments


def positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more: {text}")
    return value


def page_list(text: str) -> list[str]:
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in PAGES]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown page {', '.join(unknown) or '(none)'}; choose from {','.join(PAGES)}"
        )
    return list(dict.fromkeys(names))


def threshold(text: str) -> int:
    value = positive(text)
    if value > 100:
        raise argparse.ArgumentTypeError(f"must be 1..100: {text}")
    return value


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--pages",
        type=page_list,
        default=list(PAGES),
        help=f"comma-separated pages to audit (default {','.join(PAGES)})",
    )
    parser.add_argument("--runs", type=positive, default=1, help="Lighthouse runs per page (1)")
    parser.add_argument("--article", type=positive, help="article id (default: one with an image)")
    parser.add_argument("--section", help="section slug (default: the one with most articles)")
    parser.add_argument("--outlet", help="outlet slug (default: the one with most articles)")
    parser.add_argument(
        "--threshold",
        type=threshold,
        default=95,
        help="list the failing audits of categories scored under this (95)",
    )
    parser.add_argument(
        "--items", type=positive, default=6, help="details shown per failing audit (6)"
    )
    parser.add_argument("--workers", type=positive, default=2, help="gunicorn workers (2)")
    parser.add_argument(
        "--chrome", default="/usr/bin/chromium", help="Chromium binary (CHROME_PATH)"
    )
    parser.add_argument(
        "--reports", type=Path, help="write each run's Lighthouse JSON and HTML report here"
    )
    parser.add_argument(
        "--install",
        action="store_true",
        help="run `npm ci --prefix bench` if Lighthouse is missing",
    )
    parser.add_argument(
        "--no-trace-shim",
        dest="trace_shim",
        action="store_false",
        help="run Lighthouse as shipped, without the trace-format hook (six audits then fail)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temp dir")
    args = parser.parse_args()
    if not Path(args.chrome).is_file():
        parser.error(f"no Chromium at {args.chrome} (apt-get install chromium)")
    if args.reports is not None and args.reports.exists() and not args.reports.is_dir():
        parser.error(f"--reports {args.reports} is not a directory")
    return args


def ensure_lighthouse(install: bool) -> None:
    if shutil.which("node") is None:
        print(
            "node is not on PATH (Lighthouse 12.2.3 needs Node.js 18.20 or later).",
            file=sys.stderr,
        )
        sys.exit(2)
    if LIGHTHOUSE.exists() and LIGHTHOUSE_CLI.exists():
        return
    if not install:
        print(INSTALL_HINT, file=sys.stderr)
        sys.exit(2)
    if shutil.which("npm") is None:
        print("npm is not on PATH (apt-get install npm, or Node.js 20).", file=sys.stderr)
        sys.exit(2)
    progress("installing Lighthouse: npm ci --prefix bench ...")
    done = subprocess.run(["npm", "ci", "--prefix", str(BENCH)], check=False)
    if done.returncode or not (LIGHTHOUSE.exists() and LIGHTHOUSE_CLI.exists()):
        print("npm ci --prefix bench failed.", file=sys.stderr)
        sys.exit(1)


# --------------------------------------------------------------------------- the site


def site_env(var_dir: Path) -> dict[str, str]:
    return {
        **base_env(var_dir),
        "FETCH_ALLOW_PRIVATE_ADDRESSES": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "SERVE_MEDIA": "1",
        "SQLITE_PATH": str(var_dir / "newsroom.sqlite3"),
        "DATABASE_URL": "",
        "LOG_LEVEL": "WARNING",
    }


def manage(env: dict[str, str], *command: str) -> None:
    progress(f"manage.py {' '.join(command)} ...")
    done = subprocess.run(
        [str(PYTHON), "manage.py", *command],
        cwd=REPO,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        print(done.stdout + done.stderr, file=sys.stderr)
        print(f"manage.py {' '.join(command)} failed ({done.returncode}).", file=sys.stderr)
        sys.exit(1)


def choose_pages(args: argparse.Namespace, env: dict[str, str]) -> list[Page]:
    """The addresses to audit, picked from the demo data (or as given)."""
    django_setup(env)
    from django.db import connections
    from django.db.models import Count

    from articles.models import Article, Category, Image, Source

    def fail(message: str) -> None:
        print(message, file=sys.stderr)
        sys.exit(1)

    pages = []
    try:
        for name in args.pages:
            if name == "home":
                pages.append(Page("home", "/"))
            elif name == "fr":
                pages.append(Page("fr", "/fr/"))
            elif name == "search":
                # A word of the demo's own headlines, typed as phones do (ه for ة).
                pages.append(Page("search", "/search/?" + urlencode({"q": "المملكه"})))
            elif name == "article":
                articles = Article.objects.newest()
                if args.article:
                    article = articles.filter(pk=args.article).first()
                else:
                    with_image = articles.filter(
                        article_images__image__status=Image.Status.STORED
                    ).distinct()
                    article = (
                        with_image.filter(language="ar").first()
                        or with_image.first()
                        or articles.first()
                    )
                if article is None:
                    fail(f"no article {args.article or ''} in the database")
                    return []
                images = article.article_images.filter(image__status=Image.Status.STORED).count()
                pages.append(
                    Page("article", article.get_absolute_url(), f"{images} image(s) stored")
                )
            elif name == "section":
                sections = Category.objects.annotate(n=Count("articles")).order_by("-n", "slug")
                section = sections.filter(slug=args.section).first() if args.section else None
                section = section or (None if args.section else sections.first())
                if section is None:
                    fail(f"no section {args.section or ''} in the database")
                    return []
                pages.append(Page("section", section.get_absolute_url(), f"{section.n} articles"))
            elif name == "outlet":
                outlets = Source.objects.annotate(n=Count("articles")).order_by("-n", "slug")
                outlet = outlets.filter(slug=args.outlet).first() if args.outlet else None
                outlet = outlet or (None if args.outlet else outlets.first())
                if outlet is None:
                    fail(f"no outlet {args.outlet or ''} in the database")
                    return []
                pages.append(Page("outlet", outlet.get_absolute_url(), f"{outlet.n} articles"))
    finally:
        connections.close_all()
    return pages


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str, timeout: float = 30) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers={"User-Agent": "newsroom-bench"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


class Gunicorn:
    """gunicorn serving the site on 127.0.0.1:``port``, its output in ``log``."""

    def __init__(self, env: dict[str, str], port: int, workers: int, log: Path) -> None:
        self.port = port
        self.log = log
        self.base = f"http://127.0.0.1:{port}"
        self.log_file = log.open("w")
        self.process = subprocess.Popen(
            [
                str(GUNICORN),
                "newsroom.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(workers),
                "--access-logfile",
                "-",
                "--error-logfile",
                "-",
                "--log-level",
                "warning",
            ],
            cwd=REPO,
            env={**os.environ, **env},
            stdout=self.log_file,
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited ({self.process.returncode}):\n{self.tail()}")
            try:
                get(self.base + "/robots.txt", timeout=5)
                return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError(f"gunicorn did not answer within {timeout:.0f} s:\n{self.tail()}")

    def mark(self) -> int:
        self.log_file.flush()
        return self.log.stat().st_size

    def since(self, offset: int) -> str:
        self.log_file.flush()
        with self.log.open("rb") as log:
            log.seek(offset)
            return log.read().decode(errors="replace")

    def tail(self, chars: int = 6000) -> str:
        return self.since(max(0, self.mark() - chars))

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log_file.close()


# --------------------------------------------------------------------------- Lighthouse


def run_lighthouse(url: str, out: Path, chrome: str, shim: bool) -> dict[str, Any]:
    """One Lighthouse run; writes ``out``.report.json and .html, returns the report."""
    node = shutil.which("node") or "node"
    command = [
        node,
        *(["--import", SHIM_IMPORT] if shim else []),
        str(LIGHTHOUSE_CLI),
        url,
        "--output=json",
        "--output=html",
        f"--output-path={out}",
        "--quiet",
        f"--chrome-flags={' '.join(CHROME_FLAGS)}",
    ]
    env = {**os.environ, "CHROME_PATH": chrome}
    try:
        done = subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=300, check=False
        )
    except subprocess.TimeoutExpired:
        raise RuntimeError("Lighthouse did not finish within 300 s") from None
    report_file = out.with_name(out.name + ".report.json")
    if not report_file.exists():
        output = (done.stderr or done.stdout).strip()[-2000:]
        raise RuntimeError(f"Lighthouse failed ({done.returncode}): {output}")
    lhr = json.loads(report_file.read_text())
    if lhr.get("runtimeError"):
        error = lhr["runtimeError"]
        raise RuntimeError(f"Lighthouse: {error.get('code')}: {error.get('message')}")
    return lhr


def score(lhr: dict[str, Any], category: str) -> float | None:
    value = lhr["categories"].get(category, {}).get("score")
    return None if value is None else value * 100


def benchmark_index(lhr: dict[str, Any]) -> float:
    return lhr.get("environment", {}).get("benchmarkIndex", 0)


def numeric(lhr: dict[str, Any], audit: str) -> float | None:
    return lhr["audits"].get(audit, {}).get("numericValue")


def failing_audits(lhr: dict[str, Any], category: str) -> list[dict[str, Any]]:
    """The category's audits scored under AUDIT_FAILS, heaviest first."""
    failing = []
    for ref in lhr["categories"][category]["auditRefs"]:
        audit = lhr["audits"][ref["id"]]
        if audit.get("score") is None or audit["score"] >= AUDIT_FAILS:
            continue
        if audit.get("scoreDisplayMode") in {"manual", "notApplicable", "informative"}:
            continue
        failing.append({**audit, "weight": ref.get("weight", 0)})
    return sorted(failing, key=lambda audit: (-audit["weight"], audit["score"]))


# --------------------------------------------------------------------------- report


def kb(value: float | None) -> str:
    return "-" if value is None else f"{value / 1024:.1f} KB"


def one_line(text: str, limit: int = 220) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def format_value(value: Any, value_type: str) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, dict):
        kind = value.get("type")
        if kind == "node":
            parts = [value.get("nodeLabel", ""), value.get("selector", "")]
            snippet = value.get("snippet", "")
            text = " | ".join(part for part in parts if part)
            return f"{text} {snippet}".strip()
        if kind == "source-location":
            return f"{value.get('url', '')}:{value.get('line', 0) + 1}:{value.get('column', 0)}"
        if kind in {"url", "code", "text"}:
            return str(value.get("value", ""))
        if kind == "link":
            return f"{value.get('text', '')} {value.get('url', '')}".strip()
        if kind == "numeric":
            return format_value(value.get("value"), value.get("granularity") and "numeric")
        return json.dumps(value, ensure_ascii=False)[:200]
    if value_type == "bytes" and isinstance(value, int | float):
        return kb(value)
    if value_type in {"ms", "timespanMs"} and isinstance(value, int | float):
        return f"{value:.0f} ms"
    if isinstance(value, float):
        return f"{value:.3g}"
    return str(value)


def detail_lines(details: dict[str, Any] | None, limit: int) -> list[str]:
    """What fails, one line per item of an audit's details (table, opportunity, list)."""
    if not details:
        return []
    if details.get("type") == "list":
        lines = []
        for sub in details.get("items", []):
            lines.extend(detail_lines(sub, limit))
        return lines
    if details.get("type") not in {"table", "opportunity"}:
        return []
    headings = [h for h in details.get("headings", []) if h.get("key")]
    items = details.get("items", [])
    lines = []
    for item in items[:limit]:
        parts = []
        explanation = ""
        for heading in headings:
            value = item.get(heading["key"])
            if isinstance(value, dict) and value.get("type") == "node":
                explanation = value.get("explanation", "")
            text = format_value(value, heading.get("valueType", ""))
            if text:
                label = heading.get("label") or heading["key"]
                label = label if isinstance(label, str) else heading["key"]
                parts.append(f"{label}: {text}")
        sub_items = (item.get("subItems") or {}).get("items") or []
        for sub in sub_items[:3]:
            node = sub.get("relatedNode") or sub.get("node")
            if isinstance(node, dict):
                parts.append("related: " + format_value(node, "node"))
        line = "; ".join(parts)
        if explanation:
            line += " => " + explanation
        lines.append(one_line(line, 400))
    if len(items) > limit:
        lines.append(f"... and {len(items) - limit} more")
    return lines


def print_report(pages: list[Page], args: argparse.Namespace, versions: dict[str, str]) -> None:
    print(
        f"Lighthouse {versions.get('lighthouse', '?')}, {versions.get('chrome', '?')}, "
        f"mobile (simulated throttling), {args.runs} run(s) per page"
        + (" (median performance run shown)" if args.runs > 1 else "")
        + ("; trace-format shim on" if args.trace_shim else "; no trace-format shim")
    )
    print()
    header = (
        f"{'page':<8} {'perf':>4} {'a11y':>4} {'bp':>4} {'seo':>4} {'transfer':>10} "
        f"{'reqs':>4} {'cpu':>5} {'load':>4}  path"
    )
    print(header)
    print("-" * len(header))
    for page in pages:
        lhr = page.report
        if lhr is None:
            status = f"HTTP {page.status}" if page.status else "error"
            print(
                f"{page.name:<8} {'-':>4} {'-':>4} {'-':>4} {'-':>4} {'-':>10} {'-':>4} "
                f"{'-':>5} {'-':>4}  {page.path}  ({status})"
            )
            continue
        cells = [score(lhr, category) for category, _ in CATEGORIES]
        requests = lhr["audits"].get("network-requests", {}).get("details", {}).get("items", [])
        print(
            f"{page.name:<8} "
            + " ".join("   -" if c is None else f"{c:>4.0f}" for c in cells)
            + f" {kb(numeric(lhr, 'total-byte-weight')):>10} {len(requests):>4}"
            + f" {benchmark_index(lhr):>5.0f} {lhr.get('_load1', 0):>4.1f}  {page.path}"
            + (f"  ({page.note})" if page.note else "")
        )
        if args.runs > 1:
            perfs = sorted(score(r, "performance") or 0 for r in page.reports)
            print(f"{'':<8} perf over {len(perfs)} runs: {', '.join(f'{p:.0f}' for p in perfs)}")
    print(
        "transfer = Lighthouse's total-byte-weight (bytes over the wire, all requests); "
        "cpu = its CPU benchmark (benchmarkIndex) in that run; load = 1-min load average "
        "when the run began."
    )
    shown = [page.report for page in pages if page.report]
    slow = [lhr for lhr in shown if benchmark_index(lhr) < SLOW_BENCHMARK]
    busy = [lhr for lhr in shown if lhr.get("_load1", 0) > (os.cpu_count() or 1)]
    if slow or busy:
        print(
            f"!! {len(slow)} of {len(shown)} runs shown had benchmarkIndex < {SLOW_BENCHMARK} "
            f"and {len(busy)} a load above the {os.cpu_count()} CPUs: the machine was slow "
            "or busy, so performance scores (TBT above all) are pessimistic; re-run on a "
            "quiet machine, with --runs 3 or more."
        )
    print()
    print("transfer by type (Lighthouse resource-summary, transfer sizes):")
    for page in pages:
        lhr = page.report
        if lhr is None:
            continue
        items = lhr["audits"].get("resource-summary", {}).get("details", {}).get("items", [])
        parts = [
            f"{item['resourceType']} {item.get('requestCount', 0)}x {kb(item.get('transferSize'))}"
            for item in items
            if item.get("requestCount") and item["resourceType"] not in {"total", "third-party"}
        ]
        print(f"  {page.name:<8} " + ", ".join(parts))
    metrics = (
        "first-contentful-paint",
        "largest-contentful-paint",
        "total-blocking-time",
        "cumulative-layout-shift",
        "speed-index",
    )
    print()
    print("metrics: " + ", ".join(m.replace("-", " ") for m in metrics))
    for page in pages:
        lhr = page.report
        if lhr is None:
            continue
        values = [lhr["audits"].get(m, {}).get("displayValue", "-") for m in metrics]
        print(f"  {page.name:<8} " + " | ".join(v.replace("\xa0", " ") for v in values))

    for page in pages:
        print()
        lhr = page.report
        if lhr is None:
            print(f"== {page.name} {page.path}: not audited: {page.error}")
            continue
        warnings = list(lhr.get("runWarnings") or [])
        warnings += [
            f"audit {key} could not run: {audit.get('errorMessage', '?')}"
            for key, audit in lhr["audits"].items()
            if audit.get("scoreDisplayMode") == "error"
        ]
        under = [
            (category, s)
            for category, _ in CATEGORIES
            if (s := score(lhr, category)) is not None and s < args.threshold
        ]
        if not under and not warnings:
            print(f"== {page.name} {page.path}: every category at {args.threshold} or more")
            continue
        print(f"== {page.name} {page.path}")
        for warning in warnings:
            print(f"   run warning: {one_line(warning)}")
        for category, s in under:
            print(f"   {category} {s:.0f}: audits under {AUDIT_FAILS}:")
            for audit in failing_audits(lhr, category):
                value = audit.get("displayValue", "")
                weight = f"weight {audit['weight']}" if audit["weight"] else "weight 0"
                print(
                    f"   - {audit['id']} ({audit['score']:.2f}, {weight}"
                    + (f", {value}" if value else "")
                    + f"): {one_line(audit['title'])}"
                )
                for line in detail_lines(audit.get("details"), args.items):
                    print(f"       {line}")
            if category == "performance":
                for key in CONTEXT_AUDITS:
                    audit = lhr["audits"].get(key, {})
                    lines = detail_lines(audit.get("details"), 3)
                    if lines:
                        value = audit.get("displayValue", "")
                        print(f"   context: {key}" + (f" ({value})" if value else ""))
                        for line in lines:
                            print(f"       {line}")
    print()
    if pages and any(page.report_files for page in pages):
        where = sorted({str(f.parent) for page in pages for f in page.report_files})
        print(f"reports (JSON + HTML): {', '.join(where)}")


# --------------------------------------------------------------------------- main


def main() -> int:
    args = parse_args()
    ensure_lighthouse(args.install)
    versions: dict[str, str] = {}
    with temp_dir("newsroom-lighthouse-", args.keep) as tmp:
        var_dir = tmp / "var"
        var_dir.mkdir()
        env = site_env(var_dir)
        manage(env, "migrate", "--noinput")
        manage(env, "collectstatic", "--noinput")
        manage(env, "loadoutlets")
        manage(env, "loaddemo")
        pages = choose_pages(args, env)
        reports = args.reports or tmp / "reports"
        reports.mkdir(parents=True, exist_ok=True)

        port = free_port()
        progress(f"starting gunicorn on 127.0.0.1:{port} ({args.workers} workers) ...")
        server = Gunicorn(env, port, args.workers, tmp / "gunicorn.log")
        try:
            server.wait_ready()
            for page in pages:
                url = server.base + page.path
                offset = server.mark()
                try:
                    page.status, _ = get(url)
                except OSError as error:
                    page.error = f"GET {url}: {error}; gunicorn log:\n{server.since(offset)}"
                    progress(f"{page.name}: {page.error}")
                    continue
                if page.status != 200:
                    log = server.since(offset).strip()
                    page.error = f"HTTP {page.status} on a plain GET"
                    progress(f"{page.name}: {url} answered {page.status}; gunicorn log:\n{log}")
                    if page.status >= 500:
                        page.error += "; gunicorn log:\n" + log
                    continue
                for run in range(1, args.runs + 1):
                    progress(f"lighthouse {page.name} ({url}) run {run}/{args.runs} ...")
                    out = reports / (page.name if args.runs == 1 else f"{page.name}-{run}")
                    load1 = os.getloadavg()[0]
                    try:
                        lhr = run_lighthouse(url, out, args.chrome, args.trace_shim)
                    except RuntimeError as error:
                        page.error = str(error)
                        progress(f"{page.name}: {error}")
                        break
                    lhr["_load1"] = load1
                    page.reports.append(lhr)
                    page.report_files.append(out.with_name(out.name + ".report.json"))
                    versions = {
                        "lighthouse": lhr.get("lighthouseVersion", "?"),
                        "chrome": lhr.get("environment", {}).get("hostUserAgent", "?"),
                    }
                    for token in versions["chrome"].split():
                        if token.startswith(("HeadlessChrome/", "Chrome/")):
                            versions["chrome"] = token
        except RuntimeError as error:
            print(error, file=sys.stderr)
            return 1
        finally:
            server.stop()
        if args.keep and not args.reports:
            progress(f"gunicorn log: {tmp / 'gunicorn.log'}")
        if args.reports is None and not args.keep:
            for page in pages:
                page.report_files.clear()  # in the temp dir, removed at the end
        print_report(pages, args, versions)
    return 0 if pages and all(page.report for page in pages) else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
