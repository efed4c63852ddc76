"""What a story shows and is ranked by, kept on its row: the number of its visible
reports and outlets, its first and last report, its lead (the report whose print is
closest to all the others': the most typical headline, the earliest on a tie).

A story with fewer than two reports is undone: its article is alone again, unless
staff placed it there.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q
from django.utils import timezone

from articles.models import Article, Story, StoryPrint
from articles.stories.features import loads
from articles.stories.likeness import likeness

# The lead is looked for among a story's latest reports: enough to find the typical
# headline, few enough that a story of a hundred reports costs no more than one of 12.
LEAD_CANDIDATES = 12


def refresh(story_ids: Iterable[int]) -> None:
    ids = sorted(set(story_ids))
    if not ids:
        return
    rows: dict[int, list[tuple[int, int, object, bool]]] = {i: [] for i in ids}
    for article_id, story_id, outlet_id, published_at, hidden in (
        Article.objects.filter(story_id__in=ids)
        .order_by("published_at", "id")
        .values_list("id", "story_id", "outlet_id", "published_at", "hidden")
    ):
        rows[story_id].append((article_id, outlet_id, published_at, hidden))
    undone = [i for i, members in rows.items() if len(members) < 2 and not _staff(i)]
    if undone:
        Article.objects.filter(story_id__in=undone).update(story=None)
        Story.objects.filter(id__in=undone).delete()
    for story_id, members in rows.items():
        if story_id not in undone:
            _update(story_id, members)


def _staff(story_id: int) -> bool:
    return Article.objects.filter(story_id=story_id, story_by_staff=True).exists()


def _update(story_id: int, members: list[tuple[int, int, object, bool]]) -> None:
    shown = [m for m in members if not m[3]] or members
    Story.objects.filter(id=story_id).update(
        article_count=sum(1 for m in members if not m[3]),
        outlet_count=len({m[1] for m in members if not m[3]}),
        first_published_at=shown[0][2],
        last_published_at=shown[-1][2],
        lead_id=lead_of([m[0] for m in shown]),
        updated_at=timezone.now(),
    )


def lead_of(article_ids: list[int]) -> int | None:
    """The most typical of the articles (ids in order of publication)."""
    latest = article_ids[-LEAD_CANDIDATES:]
    prints = {
        article_id: loads(text)
        for article_id, text in StoryPrint.objects.filter(article_id__in=latest).values_list(
            "article_id", "text"
        )
    }
    if not prints:
        return article_ids[0] if article_ids else None
    best = max(
        latest,
        key=lambda a: (
            sum(likeness(prints[a], prints[b]) for b in prints if b != a) if a in prints else -1,
            -latest.index(a),
        ),
    )
    return best


def stories_of(article_ids: Iterable[int]) -> set[int]:
    return set(
        Article.objects.filter(Q(id__in=list(article_ids)), story__isnull=False).values_list(
            "story_id", flat=True
        )
    )
