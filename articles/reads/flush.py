"""The counters in the ``reads`` cache into ``DailyReads``, by a beat task every minute.

Each article's counter is the day's running total of its readers. A row remembers the
total it last took (``flushed``) and adds only what came since, so running the flush
twice adds nothing the second time; a total below it means the cache lost its counters
(a restart) and counts afresh from zero. One flush at a time (a lock in the cache), so
two never add the same readers. Yesterday's counters are read too until they expire, so
the minutes before midnight are not lost.

The flush also deletes what is past keeping: salts of earlier days, and daily rows older
than ``READS_KEEP_DAYS``.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from articles.models import Article, DailyReads, ReadingSalt
from articles.reads import keys

LOCK = "reads:flushing"
LOCK_SECONDS = 300


def flush(today: date | None = None) -> int:
    """Move the counters of yesterday and today into the table: readers added."""
    today = today or timezone.localdate()
    store = keys.store()
    if not store.add(LOCK, 1, LOCK_SECONDS):
        return 0
    try:
        added = sum(_store(day, cached_totals(day)) for day in (today - timedelta(1), today))
        prune(today)
    finally:
        store.delete(LOCK)
    return added


def cached_totals(day: date) -> dict[int, int]:
    """Each listed article's total for ``day``, as the cache holds it now."""
    store = keys.store()
    count = store.get(keys.slots(day)) or 0
    listed = store.get_many([keys.slot(day, n) for n in range(1, count + 1)])
    ids = sorted(set(listed.values()))
    totals = store.get_many([keys.total(day, article_id) for article_id in ids])
    return {a: totals[keys.total(day, a)] for a in ids if keys.total(day, a) in totals}


def _store(day: date, totals: dict[int, int]) -> int:
    with transaction.atomic():
        rows = {
            row.article_id: row
            for row in DailyReads.objects.filter(day=day, article_id__in=list(totals))
        }
        known = set(Article.objects.filter(pk__in=list(totals)).values_list("pk", flat=True))
        new, changed, added = [], [], 0
        for article_id, total in totals.items():
            row = rows.get(article_id)
            if row is None and article_id in known:
                new.append(DailyReads(article_id=article_id, day=day, readers=total))
                new[-1].flushed, added = total, added + total
            elif row is not None and total != row.flushed:
                more = total - row.flushed if total > row.flushed else total
                row.readers, row.flushed, added = row.readers + more, total, added + more
                changed.append(row)
        DailyReads.objects.bulk_create(new)
        DailyReads.objects.bulk_update(changed, ["readers", "flushed"])
    return added


def prune(today: date) -> None:
    ReadingSalt.objects.filter(day__lt=today).delete()
    DailyReads.objects.filter(day__lt=today - timedelta(days=settings.READS_KEEP_DAYS)).delete()
