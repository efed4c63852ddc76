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
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from articles.lib.sql import insert_rows
from articles.models import Article, ContentVersion, Story, StoryKey, StoryPrint, StoryTurn
from articles.search.documents import body_text
from articles.stories.features import Print, dumps, loads, print_of
from articles.stories.grouping import MIN_SHARED_KEYS, Groups
from articles.stories.likeness import WINDOW, same_event
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
    """Give the articles that have no print yet their place in the stories.
    Returns the ids of the stories that changed. Running it again changes nothing."""
    ids = sorted(set(article_ids))
    if not ids:
        return set()
    with transaction.atomic():
        take_turn()
        prints, times = file_prints(ids)
        if not prints:
            return set()
        links = find_links(prints, times)
        changed = join(set(prints), links)
        refresh(changed)
        if changed:
            ContentVersion.objects.bump()
    return changed


def file_prints(ids: list[int]) -> tuple[dict[int, Print], dict[int, datetime]]:
    """Print the articles of ``ids`` that have none yet; store prints and keys."""
    rows = (
        Article.objects.filter(id__in=ids, story_print__isnull=True)
        .order_by("id")
        .values_list(*ARTICLE_COLUMNS, "story_by_staff", "story_id")
    )
    prints: dict[int, Print] = {}
    times: dict[int, datetime] = {}
    alone = set()
    for article_id, title, summary, body_html, language, published_at, staff, story in rows:
        prints[article_id] = print_article(title, summary, body_html, language)
        times[article_id] = published_at
        if staff and story is None:
            alone.add(article_id)
    insert_rows(
        StoryPrint, ("article", "published_at", "text"),
        ((i, times[i], dumps(p)) for i, p in prints.items()), conflict=("article",),
    )  # fmt: skip
    insert_rows(
        StoryKey, ("key", "published_at", "article"),
        sorted({(key_hash(k), times[i], i) for i, p in prints.items() for k in p.index_keys()}),
        conflict=("key", "published_at", "article"),
    )  # fmt: skip
    # Filed like any other, but linked to none: staff took them out of their story.
    return {i: p for i, p in prints.items() if i not in alone}, times


def find_links(prints: dict[int, Print], times: dict[int, datetime]) -> list[tuple[int, int]]:
    """Pairs (new article, other article) that report one event."""
    wanted: dict[int, list[int]] = defaultdict(list)
    for article_id, p in prints.items():
        for key in p.index_keys():
            wanted[key_hash(key)].append(article_id)
    shared: Counter[tuple[int, int]] = Counter()
    for key, other, published_at in postings(wanted, min(times.values()), max(times.values())):
        for article_id in wanted[key]:
            if other != article_id and abs(published_at - times[article_id]) <= WINDOW:
                # A pair of two new articles is counted once, from its lower id.
                if other in prints and other < article_id:
                    continue
                shared[article_id, other] += 1
    pairs = sorted(pair for pair, count in shared.items() if count >= MIN_SHARED_KEYS)
    others = {other for _, other in pairs if other not in prints}
    known = {**prints, **stored_prints(others)}
    return [(a, b) for a, b in pairs if b in known and same_event(known[a], known[b])]


def postings(
    wanted: dict[int, list[int]], first: datetime, last: datetime
) -> Iterable[tuple[int, int, datetime]]:
    keys = sorted(wanted)
    for start in range(0, len(keys), 500):
        yield from StoryKey.objects.filter(
            key__in=keys[start : start + 500],
            published_at__gte=first - WINDOW,
            published_at__lte=last + WINDOW,
        ).values_list("key", "article_id", "published_at")


def stored_prints(article_ids: Iterable[int]) -> dict[int, Print]:
    """The prints of articles already filed, but not of those staff took out of a
    story (they stay alone)."""
    alone = Q(article__story_by_staff=True, article__story__isnull=True)
    rows = StoryPrint.objects.filter(article_id__in=list(article_ids)).exclude(alone)
    return {article_id: loads(text) for article_id, text in rows.values_list("article_id", "text")}


def join(new: set[int], links: list[tuple[int, int]]) -> set[int]:
    """Merge linked articles' stories; make a story of linked articles that have none.
    Returns the ids of the stories that changed."""
    involved = new | {b for _, b in links}
    story_of: dict[int, int | None] = dict(
        Article.objects.filter(id__in=involved).values_list("id", "story_id")
    )
    found = Groups()
    first_of_story: dict[int, int] = {}
    for article_id in sorted(involved):
        found.find(article_id)
        story = story_of.get(article_id)
        if story is not None:
            found.union(article_id, first_of_story.setdefault(story, article_id))
    for a, b in links:
        found.union(a, b)
    changed: set[int] = set()
    for members in found.groups():
        if len(members) > 1:
            changed |= settle(sorted(members), story_of)  # type: ignore[arg-type]
    return changed


def settle(members: list[int], story_of: dict[int, int | None]) -> set[int]:
    """One group's articles in one story: the oldest of their stories, or a new one."""
    stories = sorted({s for m in members if (s := story_of.get(m)) is not None})
    if stories:
        target = stories[0]
    else:
        now = timezone.now()
        target = Story.objects.create(first_published_at=now, last_published_at=now).id
    others = stories[1:]
    if others:
        Article.objects.filter(story_id__in=others).update(story_id=target)
        Story.objects.filter(id__in=others).delete()
    joining = [m for m in members if story_of.get(m) != target]
    Article.objects.filter(id__in=joining).update(story_id=target)
    return {target, *others} if (joining or others) else set()


def clear(article_ids: Iterable[int]) -> None:
    """Forget the prints, keys and story places of articles (not staff's) for a
    rebuild; stories left with fewer than two articles are undone by ``refresh``."""
    ids = list(article_ids)
    stories = set(
        Article.objects.filter(id__in=ids, story_by_staff=False, story__isnull=False).values_list(
            "story_id", flat=True
        )
    )
    Article.objects.filter(id__in=ids, story_by_staff=False).update(story=None)
    StoryKey.objects.filter(article_id__in=ids).delete()
    StoryPrint.objects.filter(article_id__in=ids).delete()
    refresh(stories)


def rebuild(since: datetime, until: datetime | None = None, batch: int = 2000) -> dict[str, Any]:
    """Group again the articles published in [since, until): their prints are made
    anew, then they are assigned in order of publication, as if they arrived then."""
    window = Article.objects.filter(published_at__gte=since)
    if until is not None:
        window = window.filter(published_at__lt=until)
    ids = list(window.order_by("published_at", "id").values_list("id", flat=True))
    with transaction.atomic():
        take_turn()
        for start in range(0, len(ids), batch):
            clear(ids[start : start + batch])
    changed: set[int] = set()
    for start in range(0, len(ids), batch):
        changed |= assign(ids[start : start + batch])
    return {"articles": len(ids), "stories": len(changed)}


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
