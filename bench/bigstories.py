"""Big stories benchmark: what a story of hundreds of reports costs the pages and answers
that show it, against the same page or answer of ordinary stories measured in the same
run. A benchmark, not a test: it prints figures and asserts nothing.

    .venv/bin/python bench/bigstories.py                  # a story of 462 reports
    .venv/bin/python bench/bigstories.py --reports 2000 --runs 20

A fresh SQLite database (migrated, in a temp dir) holds 20 outlets and 20 stories of 5
reports each, a "small" story of 50 reports (a full story page) and, once the baselines
are measured, the big one (``--reports``, 462 by default: the size the soak test's
grouping reached); every report has a 4 KB body and a stored picture. Each figure is
the median over ``--runs`` requests through Django's test client in this process, the
page cache emptied before each, so every request builds its answer:

- the story page (/story/<id>/): the big story's against the small one's;
- the API's stories list (/api/v1/stories, 20 stories): with the big story first in it,
  against the same list before it existed;
- one story's answer (/api/v1/stories/<id>): the big one against the small one (this
  answer carries every report, so it grows with the story: the ratio says by how much).

Wall and CPU milliseconds (``time.process_time``), the SQL queries of one request and
the answer's size. The ratio is big / baseline, by CPU.
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from lib.env import base_env, django_setup, progress, temp_dir

OUTLETS = 20
STORIES = 20
PER_STORY = 5
SMALL = 50  # a story page holds 50 reports: the baseline page is a full one


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reports", type=int, default=462, help="the big story's reports")
    parser.add_argument("--runs", type=int, default=30, help="requests per figure")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir")
    args = parser.parse_args()
    if args.reports < 2 or args.runs < 1:
        parser.error("--reports must be at least 2 and --runs at least 1")
    return args


def setup(tmp: Path) -> None:
    env = base_env(tmp / "var")
    env.update({"SQLITE_PATH": str(tmp / "db.sqlite3"), "DATABASE_URL": ""})
    env.update({"ALLOWED_HOSTS": "testserver", "SECURE_SSL_REDIRECT": "0"})
    django_setup(env)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)  # pages link hashed names


# A report as feeds give them: a body of some 4 KB and one picture we hold a copy of.
BODY = "<p>" + "نص التقرير كما نشره المنبر، فقرة بعد فقرة. " * 90 + "</p>"


def make_story(outlets: list[Any], reports: int, newest: Any, title: str) -> int:
    """A story of ``reports`` reports a minute apart, outlets in turn, each with a body
    and a stored picture; its id."""
    from articles.models import Article, ArticleImage, Image, Story
    from articles.stories.summary import refresh

    story = Story.objects.create(
        first_published_at=newest - timedelta(minutes=reports - 1), last_published_at=newest
    )
    rows = []
    for n in range(reports):
        at = newest - timedelta(minutes=n)
        key = f"{story.id}-{n}"
        rows.append(
            Article(
                outlet=outlets[n % len(outlets)],
                key=key,
                url=f"https://{outlets[n % len(outlets)].slug}.example.ma/{key}",
                title=f"{title}: تقرير رقم {n}",
                summary=f"ملخص التقرير رقم {n}",
                body_html=BODY,
                published_at=at,
                fetched_at=at,
                updated_at=at,
                content_hash=key,
                story=story,
            )
        )
    Article.objects.bulk_create(rows)
    digests = [f"{story.id:08d}{n:056d}" for n in range(reports)]
    images = Image.objects.bulk_create(
        Image(
            url=f"https://cdn.example.ma/{digest}.jpg",
            status=Image.Status.STORED,
            sha256=digest,
            copy=f"images/{digest[:2]}/{digest}-1200.webp",
            copy_width=1200,
            copy_height=675,
            copy_byte_size=54_321,
            thumbnail=f"images/{digest[:2]}/{digest}-400.webp",
            thumbnail_width=400,
            thumbnail_height=225,
        )
        for digest in digests
    )
    stored = Article.objects.filter(story=story).order_by("id")
    ArticleImage.objects.bulk_create(
        ArticleImage(article=article, image=image, position=0)
        for article, image in zip(stored, images, strict=True)
    )
    refresh([story.id])
    return story.id


def measure(path: str, runs: int) -> dict[str, float]:
    from django.core.cache import caches
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    walls, cpus = [], []
    queries = size = 0
    for _ in range(runs):
        for cache in caches.all():
            cache.clear()
        wall, cpu = time.perf_counter(), time.process_time()
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path)
        cpus.append((time.process_time() - cpu) * 1000)
        walls.append((time.perf_counter() - wall) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"{path}: {response.status_code}")
        queries, size = len(captured), len(response.content)
    return {
        "wall": statistics.median(walls),
        "cpu": statistics.median(cpus),
        "queries": queries,
        "kb": size / 1024,
    }


def row(name: str, figures: dict[str, float], baseline: dict[str, float] | None) -> str:
    ratio = f"{figures['cpu'] / baseline['cpu']:.2f}" if baseline else "1.00"
    return (
        f"{name:<44} {figures['wall']:>8.1f} {figures['cpu']:>8.1f} "
        f"{figures['queries']:>7.0f} {figures['kb']:>8.1f} {ratio:>6}"
    )


def main() -> None:
    args = parse_args()
    with temp_dir("newsroom-bigstories-", args.keep) as tmp:
        setup(tmp)
        from django.utils import timezone

        from articles.models import Outlet

        outlets = [
            Outlet.objects.create(
                slug=f"outlet-{n}", name=f"منبر {n}", feed_url=f"http://127.0.0.1:9/{n}.xml"
            )
            for n in range(OUTLETS)
        ]
        now = timezone.now()
        progress(f"{STORIES} stories of {PER_STORY} reports, one of {SMALL} ...")
        for n in range(STORIES):
            make_story(outlets, PER_STORY, now - timedelta(hours=n + 1), f"قصة {n}")
        small = make_story(outlets, SMALL, now - timedelta(hours=STORIES + 1), "قصة صغيرة")
        runs = args.runs
        story_small = measure(f"/story/{small}/", runs)
        list_before = measure("/api/v1/stories", runs)
        answer_small = measure(f"/api/v1/stories/{small}", runs)
        progress(f"the big story: {args.reports} reports ...")
        big = make_story(outlets, args.reports, now, "قصة كبيرة")
        story_big = measure(f"/story/{big}/", runs)
        list_after = measure("/api/v1/stories", runs)
        answer_big = measure(f"/api/v1/stories/{big}", runs)

    print(f"Big stories: {args.reports} reports vs baselines measured in the same run")
    print(f"(SQLite, in-process test client, page cache emptied, median of {runs} requests)")
    print()
    print(f"{'':<44} {'wall ms':>8} {'CPU ms':>8} {'queries':>7} {'KB':>8} {'ratio':>6}")
    print(row(f"story page, {SMALL} reports (baseline)", story_small, None))
    print(row(f"story page, {args.reports} reports", story_big, story_small))
    print(row(f"API stories list, {STORIES} stories (baseline)", list_before, None))
    print(row("API stories list, the big story first", list_after, list_before))
    print(row(f"API story answer, {SMALL} reports (baseline)", answer_small, None))
    print(row(f"API story answer, {args.reports} reports", answer_big, answer_small))


if __name__ == "__main__":
    main()
