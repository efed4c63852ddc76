"""The newest days of bench/web.py's site as a newsroom sees them: several outlets
reporting one event. lib/sitedata.py's two-year corpus has no events (every title is
drawn on its own), so the home page that ranks stories would have none to rank; this
module adds the last ``RECENT_DAYS`` of lib/storydata.py's event corpus (1,000 articles
a day, 60% of them in events of 2-12 reports from distinct outlets, each event worded
per report) to the site's outlets, through the same store code, then groups them as a
worker does: ``articles.stories.assign.assign`` on the stored ids, a day at a time.

Storydata's outlets 0-79 write in Arabic and 80-99 in French; each is mapped onto the
site's outlets of its language (outlet i -> the (i mod n)-th of them).
"""

from __future__ import annotations

import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

from lib.storydata import PER_DAY, by_day, corpus, parsed_entry

RECENT_DAYS = 2.5  # the ranking's 48-hour window and half a day before it
RECENT_SHARE = 0.25  # at most this share of the site's articles (--quick: fewer days)


def recent_count(total: int) -> int:
    return min(int(RECENT_DAYS * PER_DAY), int(total * RECENT_SHARE))


def store_events(
    by_index: list[Any], languages: list[str], count: int, seed: int
) -> dict[str, Any]:
    """Store ``count`` articles of the event corpus ending now and group them into
    stories. Returns the timings and counts."""
    from articles.ingest.store import store_entries
    from articles.models import Article, Story
    from articles.stories.assign import assign

    t0 = time.perf_counter()
    end = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=3)
    items, _ = corpus(count, seed, end, 0)
    per_language = {
        lang: [i for i, o in enumerate(languages) if o == lang] for lang in ("ar", "fr")
    }
    t1 = time.perf_counter()
    store_s = assign_s = 0.0
    for day in by_day(items):
        batches: dict[int, list[Any]] = defaultdict(list)
        for item in day:
            pool = per_language[item.language]
            batches[pool[item.outlet % len(pool)]].append(parsed_entry(item))
        t2 = time.perf_counter()
        keys = []
        for outlet, entries in sorted(batches.items()):
            store_entries(by_index[outlet], entries, fetched_at=day[-1].published_at)
            keys += [e.key for e in entries]
        ids = list(Article.objects.filter(key__in=keys).values_list("id", flat=True))
        t3 = time.perf_counter()
        assign(ids)
        t4 = time.perf_counter()
        store_s, assign_s = store_s + t3 - t2, assign_s + t4 - t3
    window = end - timedelta(hours=48)
    return {
        "event_articles": len(items),
        "events_generate_s": t1 - t0,
        "events_store_s": store_s,
        "assign_s": assign_s,
        "stories": Story.objects.count(),
        "stories_48h": Story.objects.filter(last_published_at__gte=window).count(),
        "grouped": Article.objects.filter(story__isnull=False).count(),
    }
