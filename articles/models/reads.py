"""What the "most read" block counts (articles.reads): how many readers each article had
each day, and the day's salt. Nothing here names a reader: see docs/privacy.md."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from articles.models.articles import Article


class ReadingSalt(models.Model):
    """Today's random key for the readers' hashes. It is the only one kept: the row of a
    day is deleted as soon as the next day's is made (and by every flush), so a reader's
    hash of one day cannot be linked to the same reader's hash of another."""

    day = models.DateField(unique=True)
    salt = models.CharField(max_length=64)

    def __str__(self) -> str:
        return self.day.isoformat()  # never the salt


class DailyReads(models.Model):
    """Distinct readers of an article on one day (Morocco's date), as the counters in the
    cache held them at the last flush. ``flushed`` is that counter's value then, so a
    flush run twice (or after the cache lost its counters) adds only what is new."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+")
    day = models.DateField(_("اليوم"))
    readers = models.PositiveIntegerField(_("القراء"), default=0)
    flushed = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("قراءات يوم")
        verbose_name_plural = _("قراءات الأيام")
        constraints = [
            models.UniqueConstraint(fields=["article", "day"], name="daily_reads_unique"),
        ]
        indexes = [models.Index(fields=["day"], name="daily_reads_day_idx")]

    def __str__(self) -> str:
        return f"{self.article_id} {self.day.isoformat()}: {self.readers}"
