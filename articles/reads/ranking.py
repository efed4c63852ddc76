"""What was read most in the last 24 hours: stories (an article in a story counts for
its story) and articles alone, by their readers.

Counts are kept per day, so "the last 24 hours" is today's readers plus yesterday's
weighted by the share of yesterday that lies in the last 24 hours (at 06:00, three
quarters of them); earlier days count for nothing. Two queries whatever the numbers:
the day rows with their articles' stories, then the headlines shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from articles.models import Article, DailyReads, Story

Key = tuple[str, int]  # ("story", id) or ("article", id)


@dataclass(frozen=True)
class MostRead:
    title: str
    url: str
    language: str


def most_read(limit: int, now: datetime | None = None) -> list[MostRead]:
    ranked = [key for key, _score in scores(now)[:limit]]
    stories = Story.objects.select_related("lead").in_bulk([i for k, i in ranked if k == "story"])
    articles = Article.objects.select_related("outlet").in_bulk(
        [i for k, i in ranked if k == "article"]
    )
    shown = []
    for kind, pk in ranked:
        if kind == "story" and pk in stories:
            story = stories[pk]
            language = story.lead.language if story.lead else ""
            shown.append(MostRead(story.title, story.get_absolute_url(), language))
        elif kind == "article" and pk in articles:
            article = articles[pk]
            shown.append(MostRead(article.title, article.get_absolute_url(), article.language))
    return shown


def scores(now: datetime | None = None) -> list[tuple[Key, float]]:
    """Every story and article read in the last 24 hours, most read first (ties: the
    newest id first)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    yesterday = today - timedelta(days=1)
    weights = {today: 1.0, yesterday: _share_of_yesterday(now)}
    rows = DailyReads.objects.filter(day__in=list(weights), article__hidden=False).values_list(
        "article_id", "article__story_id", "day", "readers"
    )
    totals: dict[Key, float] = {}
    for article_id, story_id, day, readers in rows:
        key = ("story", story_id) if story_id else ("article", article_id)
        totals[key] = totals.get(key, 0.0) + readers * weights[day]
    ranked = [(key, score) for key, score in totals.items() if score > 0]
    return sorted(ranked, key=lambda pair: (-pair[1], -pair[0][1]))


def _share_of_yesterday(now: datetime) -> float:
    start = timezone.make_aware(datetime.combine(timezone.localdate(now), datetime.min.time()))
    elapsed = (now - start) / timedelta(hours=24)
    return min(max(1.0 - elapsed, 0.0), 1.0)
