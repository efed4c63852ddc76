"""The ``reads`` cache's keys, shared by the counting and the flush.

For each day (Morocco's date): one marker per reader and article (the reader counted),
one running total per article, and a list of the articles with a total (a counter plus
numbered slots), since a cache cannot list its keys.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.core.cache import BaseCache, caches
from django.utils import timezone

ALIAS = "reads"
# The totals outlive their day by this much, so that the flush after midnight still
# finds the last minutes of the day before.
GRACE = timedelta(hours=3)


def store() -> BaseCache:
    return caches[ALIAS]


def seen(day: date, reader: str, article_id: int) -> str:
    return f"reads:seen:{day.isoformat()}:{reader}:{article_id}"


def total(day: date, article_id: int) -> str:
    return f"reads:total:{day.isoformat()}:{article_id}"


def slots(day: date) -> str:
    return f"reads:slots:{day.isoformat()}"


def slot(day: date, number: int) -> str:
    return f"reads:slot:{day.isoformat()}:{number}"


def seconds_left(day: date, now: datetime | None = None) -> float:
    """Seconds until ``day`` ends in Morocco (at least one)."""
    end = timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))
    return max((end - (now or timezone.now())).total_seconds(), 1.0)
