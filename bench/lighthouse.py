"""Lighthouse audit: the reader's pages scored by Lighthouse, as production serves them.

Not a test: it prints Lighthouse's four category scores, the bytes each page load
transfers and, for every category under the threshold, the failing audits with what
fails (element, request, ...). Its exit status says only whether the run worked.
See bench/README.md. Run from the repository root:

    npm ci --prefix bench                            # once: Lighthouse into bench/node_modules
    .venv/bin/python bench/lighthouse.py             # all six pages, one run each
    .venv/bin/python bench/lighthouse.py --quick     # the home page, one run
    .venv/bin/python bench/lighthouse.py --pages home,article --runs 3 --reports /tmp/lh
    .venv/bin/python bench/lighthouse.py --site-only # the site and its pages, no Lighthouse

Layout of one run:

* a fresh temp dir as NEWSROOM_VAR_DIR (SQLite, media, collected static files), set up
  with ``manage.py migrate``, ``collectstatic``, ``loadoutlets`` and ``loaddemo``;
* gunicorn on 127.0.0.1 (a free port; lib/gunicorn.py) with production settings:
  DEBUG=0, a SECRET_KEY, ALLOWED_HOSTS=127.0.0.1, SECURE_SSL_REDIRECT=0, SERVE_MEDIA=1
  (the demo's images);
* each page fetched once first (a 500 prints gunicorn's log, and that page is not
  audited), then audited by Lighthouse (lib/lighthouse_cli.py: bench/node_modules,
  mobile, simulated throttling, its defaults) in Debian's headless Chromium, with
  Chromium's own background connections turned off (the machine has no network).

What it prints is in lib/printing/lighthouse.py.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from lib.env import base_env, django_setup, manage, progress, temp_dir
from lib.gunicorn import Gunicorn, fetch
from lib.lighthouse_cli import ensure_lighthouse, run_lighthouse
from lib.printing.lighthouse import print_report, print_site_check, score

PAGES = ("home", "article", "section", "outlet", "search", "fr", "story", "offline")
UA = {"User-Agent": "newsroom-bench"}


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
        default=None,
        help=f"comma-separated pages to audit (default {','.join(PAGES)}; --quick home)",
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
    parser.add_argument(
        "--quick", action="store_true", help="the home page only, one run (unless --pages)"
    )
    parser.add_argument(
        "--site-only",
        action="store_true",
        help="set up the site and GET each page once, without Lighthouse (no Node, no "
        "Chromium needed): checks the pages answer",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temp dir")
    args = parser.parse_args()
    if args.pages is None:
        args.pages = ["home"] if args.quick else list(PAGES)
    if args.site_only:
        return args
    if not Path(args.chrome).is_file():
        parser.error(f"no Chromium at {args.chrome} (apt-get install chromium)")
    if args.reports is not None and args.reports.exists() and not args.reports.is_dir():
        parser.error(f"--reports {args.reports} is not a directory")
    return args


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


def choose_pages(args: argparse.Namespace, env: dict[str, str]) -> list[Page]:
    """The addresses to audit, picked from the demo data (or as given)."""
    django_setup(env)
    from django.db import connections
    from django.db.models import Count

    from articles.models import Article, Image, Outlet, Section, Story

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
                sections = Section.objects.annotate(n=Count("articles")).order_by("-n", "slug")
                section = sections.filter(slug=args.section).first() if args.section else None
                section = section or (None if args.section else sections.first())
                if section is None:
                    fail(f"no section {args.section or ''} in the database")
                    return []
                pages.append(Page("section", section.get_absolute_url(), f"{section.n} articles"))
            elif name == "outlet":
                outlets = Outlet.objects.annotate(n=Count("articles")).order_by("-n", "slug")
                outlet = outlets.filter(slug=args.outlet).first() if args.outlet else None
                outlet = outlet or (None if args.outlet else outlets.first())
                if outlet is None:
                    fail(f"no outlet {args.outlet or ''} in the database")
                    return []
                pages.append(Page("outlet", outlet.get_absolute_url(), f"{outlet.n} articles"))
            elif name == "story":
                story = Story.objects.order_by("-outlet_count", "-last_published_at").first()
                if story is None:
                    fail("no story in the database")
                    return []
                pages.append(
                    Page("story", story.get_absolute_url(), f"{story.outlet_count} outlets")
                )
            elif name == "offline":
                pages.append(Page("offline", "/offline/"))
    finally:
        connections.close_all()
    return pages


def build_site(env: dict[str, str]) -> None:
    """migrate, collectstatic, loadoutlets and loaddemo, each a manage.py process."""
    for command in (
        ("migrate", "--noinput"),
        ("collectstatic", "--noinput"),
        ("loadoutlets",),
        ("loaddemo",),
    ):
        progress(f"manage.py {' '.join(command)} ...")
        manage({**os.environ, **env}, *command)


def get_page(server: Gunicorn, page: Page) -> bool:
    """GET the page once as Lighthouse will (which also fills the page cache); True if
    it answered 200, else the page keeps the error (and gunicorn's log for a 5xx)."""
    url = server.base + page.path
    offset = server.mark()
    try:
        page.status = fetch(url, UA)[0]
    except OSError as error:
        page.error = f"GET {url}: {error}; gunicorn log:\n{server.since(offset)}"
        progress(f"{page.name}: {page.error}")
        return False
    if page.status != 200:
        log = server.since(offset).strip()
        page.error = f"HTTP {page.status} on a plain GET"
        progress(f"{page.name}: {url} answered {page.status}; gunicorn log:\n{log}")
        if page.status >= 500:
            page.error += "; gunicorn log:\n" + log
        return False
    return True


def audit(page: Page, url: str, args: argparse.Namespace, reports: Path) -> dict[str, str]:
    """``--runs`` Lighthouse runs of one page; returns the versions the last one saw."""
    versions: dict[str, str] = {}
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
    return versions


# --------------------------------------------------------------------------- main


def main() -> int:
    args = parse_args()
    if not args.site_only:
        ensure_lighthouse(args.install)
    versions: dict[str, str] = {}
    with temp_dir("newsroom-lighthouse-", args.keep) as tmp:
        var_dir = tmp / "var"
        var_dir.mkdir()
        env = site_env(var_dir)
        try:
            build_site(env)
        except RuntimeError as error:
            print(error, file=sys.stderr)
            return 1
        pages = choose_pages(args, env)
        reports = args.reports or tmp / "reports"
        reports.mkdir(parents=True, exist_ok=True)
        server = Gunicorn(
            {**os.environ, **env}, tmp / "gunicorn.log", workers=args.workers, access_log=True
        )
        progress(f"starting gunicorn on 127.0.0.1:{server.port} ({args.workers} workers) ...")
        try:
            server.start()
            for page in pages:
                if get_page(server, page) and not args.site_only:
                    versions = audit(page, server.base + page.path, args, reports) or versions
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
        if args.site_only:
            print_site_check(pages)
            return 0 if pages and all(page.status == 200 for page in pages) else 1
        print_report(pages, args, versions)
    return 0 if pages and all(page.report for page in pages) else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
