"""Regions benchmark: the tagger's quality on a labelled set, and what tagging costs
beside ingest. A benchmark, not a test: it prints figures and asserts nothing.

    .venv/bin/python bench/regions.py --quality dev           # the tuning set
    .venv/bin/python bench/regions.py --quality dev --errors  # and what it got wrong
    .venv/bin/python bench/regions.py --quality blind         # never for tuning
    .venv/bin/python bench/regions.py --cost                  # 5,000 new articles

Quality (tests/data/regions/<set>.json): precision and recall over (article, region)
pairs, and the traps (items the set gives no region) that got one. An item's outlet is
looked up in the roster (articles/ingest/data/outlets.csv): a regional outlet's region
counts, as at ingest.

Cost: the story corpus (bench/lib/storydata.py, fixed seed; titles and leads written
with the gazetteer's places) as one RSS feed per outlet, in a fresh SQLite database:
``time.process_time`` around each outlet's parse + ``store_entries`` (the ingest), and
around the tagging calls the store makes inside it (``articles.regions.assign``'s
``tag_new`` and ``tag``, timed where the store calls them), in the same process and
loop. The ratio is tagging CPU / ingest CPU (tagging included). Then, for comparison,
``tag`` again on the same stored articles: what ``manage.py regions --retag`` costs per
article (it reads each text back and replaces the rows).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SETS = ROOT / "tests" / "data" / "regions"
ROSTER = ROOT / "articles" / "ingest" / "data" / "outlets.csv"


def setup(database: Path | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    if database is not None:
        os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    import django

    django.setup()


def outlet_regions() -> dict[str, str]:
    """Roster slug -> region, for the regional outlets."""
    with ROSTER.open(encoding="utf-8") as rows:
        return {
            row["slug"]: row["region"]
            for row in csv.DictReader(rows)
            if row["kind"] == "regional" and row["region"]
        }


def quality(name: str, errors: bool) -> None:
    setup()
    from articles.regions.scoring import score
    from articles.regions.tagger import regions_of

    items = json.loads((SETS / f"{name}.json").read_text(encoding="utf-8"))
    regional = outlet_regions()
    found = {
        item["id"]: regions_of(item["title"], item["summary"], regional.get(item["outlet"]))
        for item in items
    }
    gold = {item["id"]: item["regions"] for item in items}
    print(f"{name}: {score(found, gold).line()}")
    for lang in ("ar", "fr"):
        ids = {item["id"] for item in items if item["lang"] == lang}
        part = score({i: found[i] for i in ids}, {i: gold[i] for i in ids})
        print(f"  {lang}: {part.line()}")
    if errors:
        for item in items:
            mine, theirs = set(found[item["id"]]), set(item["regions"])
            if mine != theirs:
                print(f"- {item['id']} found {sorted(mine)} gold {sorted(theirs)}")
                print(f"    {item['title']}\n    {item['summary']}")


def cost(count: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="bench-regions-"))
    setup(folder / "bench.sqlite3")
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.db import transaction

    from articles.ingest import store
    from articles.ingest.parse import parse_feed
    from articles.models import Outlet
    from articles.regions.assign import tag

    tag_cpu = 0.0

    def timed(function):  # type: ignore[no-untyped-def]
        def call(*args, **kwargs):  # type: ignore[no-untyped-def]
            nonlocal tag_cpu
            started = time.process_time()
            try:
                return function(*args, **kwargs)
            finally:
                tag_cpu += time.process_time() - started

        return call

    store.tag_new_regions = timed(store.tag_new_regions)
    store.tag_regions = timed(store.tag_regions)
    from articles.regions.gazetteer import gazetteer
    from bench.lib import storydata

    gazetteer()  # read once per process (a worker's first fetch), not per article
    _, new = storydata.corpus(0, seed=7, end=datetime(2026, 12, 1, tzinfo=UTC), new=count)
    by_outlet: dict[int, list[storydata.Item]] = {}
    for item in new:
        by_outlet.setdefault(item.outlet, []).append(item)
    ingest_cpu = retag_cpu = 0.0
    stored: list[int] = []
    for number, items in sorted(by_outlet.items()):
        outlet = Outlet.objects.create(
            name=f"منبر {number}", slug=f"outlet-{number}", feed_url=f"https://o{number}.ma/feed",
            language=storydata.outlet_language(number),
        )  # fmt: skip
        body = storydata.feed_bytes(number, items)
        started = time.process_time()
        parsed = parse_feed(
            body, url=outlet.feed_url, fetched_at=datetime.now(UTC), language=outlet.language
        )
        result = store.store_entries(outlet, parsed.entries, fetched_at=datetime.now(UTC))
        ingest_cpu += time.process_time() - started
        stored.extend(result.article_ids)
        started = time.process_time()
        with transaction.atomic():  # as ``manage.py regions --retag`` does, a batch at a time
            tag(result.article_ids)
        retag_cpu += time.process_time() - started
    each = len(stored)
    print(
        f"{each} articles: ingest {ingest_cpu:.2f} s CPU ({ingest_cpu / each * 1e6:.0f} µs "
        f"each), tagging inside it {tag_cpu:.2f} s ({tag_cpu / each * 1e6:.0f} µs each): "
        f"tagging / ingest = {tag_cpu / ingest_cpu:.3f}"
    )
    print(
        f"retagging the stored articles: {retag_cpu:.2f} s ({retag_cpu / each * 1e6:.0f} µs "
        f"each) = {retag_cpu / ingest_cpu:.3f} of ingest"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quality", metavar="SET", help="dev or blind")
    parser.add_argument("--errors", action="store_true", help="list the items missed")
    parser.add_argument("--cost", action="store_true", help="tagging CPU beside ingest CPU")
    parser.add_argument("--new", type=int, default=5000, help="articles for --cost")
    options = parser.parse_args()
    if options.quality:
        quality(options.quality, options.errors)
    elif options.cost:
        cost(options.new)
    else:
        parser.error("give --quality SET or --cost")


if __name__ == "__main__":
    main()
