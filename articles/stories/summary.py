"""What a story shows and is ranked by, kept on its row: the number of its visible
reports and outlets, its first and last report, its lead (the report whose print is
closest to all the others': the most typical headline, the earliest on a tie).

A story with fewer than two reports is undone: its article is alone again, unless
staff placed it there.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db.models import Q
from django.utils import timezone

from articles.lib.sql import update_rows
from articles.models import Article, Story, StoryPrint
from articles.stories.features import Print, loads
from articles.stories.likeness import likeness

# The lead is looked for among a story's latest reports: enough to find the typical
# headline, few enough that a story of a hundred reports costs no more than one of 12.
LEAD_CANDIDATES = 12


def refresh(story_ids: Iterable[int]) -> None:
    """Sum up the stories of ``story_ids`` again from their articles: a few statements
    whatever their number (an ingest's assignment changes dozens at a time)."""
    ids = sorted(set(story_ids))
    if not ids:
        return
    rows: dict[int, list[tuple[int, int, datetime, bool]]] = {i: [] for i in ids}
    for article_id, story_id, outlet_id, published_at, hidden in (
        Article.objects.filter(story_id__in=ids)
        .order_by("published_at", "id")
        .values_list("id", "story_id", "outlet_id", "published_at", "hidden")
    ):
        rows[story_id].append((article_id, outlet_id, published_at, hidden))
    small = [i for i, members in rows.items() if len(members) < 2]
    placed = set(
        Article.objects.filter(story_id__in=small, story_by_staff=True).values_list(
            "story_id", flat=True
        )
    )
    undone = [i for i in small if i not in placed]
    if undone:
        Article.objects.filter(story_id__in=undone).update(story=None)
        Story.objects.filter(id__in=undone).delete()
    kept = {i: members for i, members in rows.items() if i not in undone}
    shown = {i: [m for m in members if not m[3]] or members for i, members in kept.items()}
    ordered = {i: [m[0] for m in members] for i, members in shown.items()}
    prints = _prints([a for members in ordered.values() for a in members[-LEAD_CANDIDATES:]])
    now = timezone.now()
    update_rows(
        Story, SUMMED,
        (
            (
                sum(1 for m in members if not m[3]),
                len({m[1] for m in members if not m[3]}),
                shown[i][0][2],
                shown[i][-1][2],
                _lead(ordered[i], prints),
                now,
                i,
            )
            for i, members in kept.items()
        ),
    )  # fmt: skip


SUMMED = (
    "article_count", "outlet_count", "first_published_at", "last_published_at", "lead",
    "updated_at",
)  # fmt: skip


def _prints(article_ids: list[int]) -> dict[int, Print]:
    found: dict[int, Print] = {}
    for start in range(0, len(article_ids), 500):
        rows = StoryPrint.objects.filter(article_id__in=article_ids[start : start + 500])
        found.update((a, loads(text)) for a, text in rows.values_list("article_id", "text"))
    return found


def lead_of(article_ids: list[int]) -> int | None:
    """The most typical of the articles (ids in order of publication)."""
    return _lead(article_ids, _prints(article_ids[-LEAD_CANDIDATES:]))


def _lead(article_ids: list[int], prints: dict[int, Print]) -> int | None:
    """Of the latest ``LEAD_CANDIDATES`` articles, the one whose print is most like the
    others' (each pair compared once), the earliest on a tie; the first article if
    none has a print."""
    latest = [a for a in article_ids[-LEAD_CANDIDATES:] if a in prints]
    if not latest:
        return article_ids[0] if article_ids else None
    total = dict.fromkeys(latest, 0.0)
    for n, a in enumerate(latest):
        for b in latest[n + 1 :]:
            alike = likeness(prints[a], prints[b])
            total[a] += alike
            total[b] += alike
    return max(latest, key=lambda a: (total[a], -latest.index(a)))


def stories_of(article_ids: Iterable[int]) -> set[int]:
    return set(
        Article.objects.filter(Q(id__in=list(article_ids)), story__isnull=False).values_list(
            "story_id", flat=True
        )
    )
