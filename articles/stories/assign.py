"""Keep the database's stories up to date as articles arrive.

``assign`` runs after each store (the Celery chain of a fetch, and inline in
``manage.py ingest``): it prints the new articles, files their keys in the candidate
index (``StoryKey``), compares each with the articles that share keys with it within
``likeness.WINDOW`` and joins the linked ones' stories, making one story of two when a
new report links them. It runs under a turn (``StoryTurn``): on PostgreSQL several
workers assign one after the other, so that the second always sees the first's reports
and two reports of one event never start two stories.

Staff decisions hold (``articles.stories.staff``): an article staff placed keeps its
story, and one staff took out of a story stays alone.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from articles.lib.sql import insert_rows
from articles.models import Article, ContentVersion, StoryKey, StoryPrint, StoryTurn
from articles.search.documents import body_text
from articles.stories.features import Print, dumps, loads, print_of
from articles.stories.grouping import MIN_SHARED_KEYS
from articles.stories.likeness import WINDOW, strength
from articles.stories.settle import Link, settle
from articles.stories.summary import refresh

ARTICLE_COLUMNS = ("id", "title", "summary", "body_html", "language", "published_at")
BODY_LEAD_CHARS = 2000


def key_hash(key: str) -> int:
    """A print key as a signed 63-bit integer: the same on every machine and run."""
    digest = hashlib.blake2b(key.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") >> 1


def print_article(title: str, summary: str, body_html: str, language: str) -> Print:
    text = summary or body_text(body_html[:BODY_LEAD_CHARS])
    return print_of(title, text, language)


def take_turn() -> None:
    """Wait for the other assignments: the row lock (PostgreSQL) or the write lock
    (SQLite's immediate transactions) is held until this transaction ends."""
    if not StoryTurn.objects.filter(id=1).update(assigned_at=timezone.now()):
        StoryTurn.objects.get_or_create(id=1)
        StoryTurn.objects.filter(id=1).update(assigned_at=timezone.now())


def assign(article_ids: Iterable[int]) -> set[int]:
    """Give new articles, and articles whose text changed since they were printed,
    their place in the stories. Returns the ids of the stories that changed. Running
    it again changes nothing."""
    ids = sorted(set(article_ids))
    if not ids:
        return set()
    with transaction.atomic():
        take_turn()
        filed = file_prints(ids)
        if not filed.prints:
            return set()
        links = find_links(filed.prints, filed.times)
        changed = settle(links, filed.movable)
        refresh(changed)
        if changed:
            ContentVersion.objects.bump()
    return changed


@dataclass(frozen=True)
class Filed:
    # The prints to link (new or changed; not those staff took out of a story).
    prints: dict[int, Print]
    times: dict[int, datetime]
    # Those free to move: not placed by staff.
    movable: set[int]


def file_prints(ids: list[int]) -> Filed:
    """Print the articles of ``ids``; store the prints and keys of those that are new
    or changed (an edited headline is printed and linked again)."""
    rows = (
        Article.objects.filter(id__in=ids)
        .order_by("id")
        .values_list(*ARTICLE_COLUMNS, "story_by_staff", "story_id", "story_print__text")
    )
    prints: dict[int, Print] = {}
    times: dict[int, datetime] = {}
    alone: set[int] = set()
    placed: set[int] = set()
    replaced: list[int] = []
    for article_id, title, summary, body_html, language, published_at, *state in rows:
        staff, story, stored = state
        found = print_article(title, summary, body_html, language)
        if stored is not None and stored == dumps(found):
            continue  # filed as it stands
        if stored is not None:
            replaced.append(article_id)
        prints[article_id], times[article_id] = found, published_at
        if staff:
            (placed if story is not None else alone).add(article_id)
    StoryKey.objects.filter(article_id__in=replaced).delete()
    seconds = {i: int(t.timestamp()) for i, t in times.items()}
    insert_rows(
        StoryPrint, ("article", "published_at", "text"),
        ((i, times[i], dumps(p)) for i, p in prints.items()),
        conflict=("article",), update=("published_at", "text"),
    )  # fmt: skip
    insert_rows(
        StoryKey, ("key", "published", "article"),
        sorted({(key_hash(k), seconds[i], i) for i, p in prints.items() for k in p.index_keys()}),
        conflict=("key", "published", "article"),
    )  # fmt: skip
    # Filed like any other, but linked to none: staff took them out of their story.
    linked = {i: p for i, p in prints.items() if i not in alone}
    return Filed(linked, times, set(linked) - placed)


def find_links(prints: dict[int, Print], times: dict[int, datetime]) -> list[Link]:
    """Pairs (new article, other article, likeness) that report one event."""
    wanted: dict[int, list[int]] = defaultdict(list)
    for article_id, p in prints.items():
        for key in p.index_keys():
            wanted[key_hash(key)].append(article_id)
    shared: Counter[tuple[int, int]] = Counter()
    seconds = {i: int(t.timestamp()) for i, t in times.items()}
    window = int(WINDOW.total_seconds())
    for hashed, other, published in postings(prints, seconds):
        for article_id in wanted[hashed]:
            if other != article_id and abs(published - seconds[article_id]) <= window:
                # A pair of two new articles is counted once, from its lower id.
                if other in prints and other < article_id:
                    continue
                shared[article_id, other] += 1
    pairs = sorted(pair for pair, count in shared.items() if count >= MIN_SHARED_KEYS)
    others = {other for _, other in pairs if other not in prints}
    known = {**prints, **stored_prints(others)}
    scored = ((a, b, strength(known[a], known[b])) for a, b in pairs if b in known)
    return [link for link in scored if link[2] > 0]


def postings(prints: dict[int, Print], seconds: dict[int, int]) -> Iterable[tuple[int, int, int]]:
    """The candidate index's rows for the new prints' keys, day by day: each day's
    keys are looked up within ``WINDOW`` of that day only (a first fetch brings an
    outlet's last week; its keys need not be read over the whole week and more)."""
    window = int(WINDOW.total_seconds())
    days: dict[int, list[int]] = defaultdict(list)
    for article_id, moment in seconds.items():
        if article_id in prints:
            days[moment // 86400].append(article_id)
    seen: set[tuple[int, int]] = set()
    for _day, article_ids in sorted(days.items()):
        keys = sorted({key_hash(k) for a in article_ids for k in prints[a].index_keys()})
        first = min(seconds[a] for a in article_ids) - window
        last = max(seconds[a] for a in article_ids) + window
        for start in range(0, len(keys), 500):
            rows = StoryKey.objects.filter(
                key__in=keys[start : start + 500], published__gte=first, published__lte=last
            ).values_list("key", "article_id", "published")
            for row in rows:
                if (row[0], row[1]) not in seen:
                    seen.add((row[0], row[1]))
                    yield row


def stored_prints(article_ids: Iterable[int]) -> dict[int, Print]:
    """The prints of articles already filed, but not of those staff took out of a
    story (they stay alone)."""
    alone = Q(article__story_by_staff=True, article__story__isnull=True)
    rows = StoryPrint.objects.filter(article_id__in=list(article_ids)).exclude(alone)
    return {article_id: loads(text) for article_id, text in rows.values_list("article_id", "text")}


# Articles stored this long ago without a print lost their task (a worker or broker
# died): the scheduler queues them again.
STRANDED_AFTER = timedelta(minutes=10)
STRANDED_WINDOW = timedelta(days=3)
STRANDED_BATCH = 2000


def unassigned_ids(now: datetime | None = None) -> list[int]:
    """Recent articles whose assignment was lost, oldest first (a bounded sweep)."""
    now = now or timezone.now()
    return list(
        Article.objects.filter(
            published_at__gte=now - STRANDED_WINDOW,
            fetched_at__lte=now - STRANDED_AFTER,
            story_print__isnull=True,
        )
        .order_by("published_at", "id")
        .values_list("id", flat=True)[:STRANDED_BATCH]
    )
