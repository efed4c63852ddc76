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
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection, transaction
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
        text = dumps(print_article(title, summary, body_html, language))
        if stored is not None and stored == text:
            continue  # filed as it stands
        if stored is not None:
            replaced.append(article_id)
        # The print as its stored text reads back: one object for one print, so that
        # what is worked out once per print (likeness.weights) is found by identity.
        prints[article_id], times[article_id] = loads(text), published_at
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
    seconds = {i: int(t.timestamp()) for i, t in times.items()}
    known = dict(prints)
    pairs = []
    for a, b, text in candidates(prints, seconds):
        if b in prints:
            if b < a:
                continue  # a pair of two new articles is compared once, from its lower id
        else:
            known.setdefault(b, loads(text))
        pairs.append((a, b))
    scored = ((a, b, strength(known[a], known[b])) for a, b in sorted(pairs))
    return [link for link in scored if link[2] > 0]


# Rows of (key, article, second) sent to the database in one statement: three
# parameters each, well under SQLite's 32,766 and PostgreSQL's 65,535.
CANDIDATE_ROWS = 3000


def candidates(
    prints: dict[int, Print], seconds: dict[int, int]
) -> Iterable[tuple[int, int, str]]:
    """(new article, other article, the other's stored print) for the pairs that share
    at least ``MIN_SHARED_KEYS`` index keys and were published within ``WINDOW`` of
    each other, but not with an article staff took out of its story (it stays alone).
    Counted by the database over the candidate index, one indexed range per key of
    each new article: the postings themselves never cross into Python."""
    chunk: list[tuple[int, int, int]] = []
    for article_id, p in sorted(prints.items()):
        keys = [(key_hash(k), article_id, seconds[article_id]) for k in sorted(p.index_keys())]
        if chunk and len(chunk) + len(keys) > CANDIDATE_ROWS:
            yield from _shared(chunk)
            chunk = []
        chunk += keys  # an article's keys are counted in one statement
    if chunk:
        yield from _shared(chunk)


def _shared(rows: list[tuple[int, int, int]]) -> list[tuple[int, int, str]]:
    quote = connection.ops.quote_name
    keys, prints, articles = (
        quote(model._meta.db_table) for model in (StoryKey, StoryPrint, Article)
    )  # fmt: skip
    # Typed, so that PostgreSQL compares bigints with bigints (and uses the index).
    values = ", ".join(
        ["(CAST(%s AS BIGINT), CAST(%s AS BIGINT), CAST(%s AS BIGINT))"] * len(rows)
    )
    window = int(WINDOW.total_seconds())
    # Table names are ours and the window a constant; every value is a parameter.
    sql = (
        f"WITH fresh (key, article, published) AS (VALUES {values}), "  # noqa: S608
        "shared (article, other) AS ("
        f" SELECT fresh.article, k.article_id FROM fresh JOIN {keys} k ON k.key = fresh.key"
        f" AND k.published BETWEEN fresh.published - {window} AND fresh.published + {window}"
        " WHERE k.article_id <> fresh.article GROUP BY fresh.article, k.article_id"
        f" HAVING COUNT(*) >= {MIN_SHARED_KEYS}) "
        f"SELECT shared.article, shared.other, p.text FROM shared"
        f" JOIN {prints} p ON p.article_id = shared.other"
        f" JOIN {articles} a ON a.id = shared.other"
        " WHERE NOT a.story_by_staff OR a.story_id IS NOT NULL"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [value for row in rows for value in row])
        return [(int(a), int(b), text) for a, b, text in cursor.fetchall()]


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
