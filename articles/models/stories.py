"""Stories: the reports of one event by several outlets (articles.stories groups them).

An article belongs to at most one story; an article alone in its event has none. What
a story shows (its headline, picture, outlets) is read from its visible articles; the
columns here are what lists rank and page by, kept by ``articles.stories.assign``.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class Story(models.Model):
    # A headline staff chose; empty: the lead article's.
    headline = models.CharField(_("العنوان المختار"), max_length=500, blank=True)
    lead = models.ForeignKey(
        "Article", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("المقال الرئيسي"),
    )  # fmt: skip
    first_published_at = models.DateTimeField(_("أول نشر"))
    last_published_at = models.DateTimeField(_("آخر نشر"))
    outlet_count = models.PositiveSmallIntegerField(_("المنابر"), default=0)
    article_count = models.PositiveIntegerField(_("المقالات"), default=0)
    updated_at = models.DateTimeField(_("آخر تحديث"), default=timezone.now)

    class Meta:
        verbose_name = _("قصة")
        verbose_name_plural = _("القصص")
        indexes = [
            # The home page's stories of the last hours, and the stories' keyset pages.
            models.Index(fields=["-last_published_at", "-id"], name="story_latest_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        prefix = "/fr" if get_language() == "fr" else ""
        return f"{prefix}/story/{self.pk}/"

    @property
    def title(self) -> str:
        if self.headline:
            return self.headline
        return self.lead.title if self.lead_id and self.lead else f"#{self.pk}"


class StoryMoveQuerySet(models.QuerySet["StoryMove"]):
    def record(self, old_ids: list[int], target: int) -> None:
        """Stories ``old_ids`` were merged into ``target``: their addresses lead there,
        and so do those of stories merged into them before (no chains)."""
        if not old_ids:
            return
        self.filter(story_id__in=old_ids).update(story_id=target)
        self.bulk_create(
            [self.model(old_id=old, story_id=target) for old in old_ids],
            update_conflicts=True,
            unique_fields=["old_id"],
            update_fields=["story"],
        )


class StoryMove(models.Model):
    """The address of a story merged into another (by the grouping or by staff): its
    page answers with a permanent redirect to the story it joined, so links shared to
    it keep working. Gone with the story it points at."""

    old_id = models.PositiveBigIntegerField(primary_key=True)
    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="+")

    objects = StoryMoveQuerySet.as_manager()

    def __str__(self) -> str:
        return f"story {self.old_id} -> {self.story_id}"


class StoryPrint(models.Model):
    """What the grouping reads of an article (articles.stories.features.dumps)."""

    article = models.OneToOneField(
        "Article", on_delete=models.CASCADE, primary_key=True, related_name="story_print"
    )
    published_at = models.DateTimeField()
    text = models.TextField()

    def __str__(self) -> str:
        return f"print:{self.article_id}"


class StoryKey(models.Model):
    """The candidate index: one row per key of an article's print (a 63-bit hash)."""

    key = models.BigIntegerField()
    article = models.ForeignKey("Article", on_delete=models.CASCADE, related_name="+")
    # The article's publication time in seconds since 1970: rows are read by the
    # hundred thousand, and integers cost nothing to read where dates must be parsed.
    published = models.BigIntegerField()

    class Meta:
        constraints = [
            # Also the lookup index: a key's postings in a time window, by one seek.
            models.UniqueConstraint(
                fields=["key", "published", "article"], name="storykey_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key}:{self.article_id}"


class StoryTurn(models.Model):
    """One row that every assignment updates first: assignments take turns, on every
    database, so two workers never make two stories of one event."""

    assigned_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"turn {self.assigned_at:%Y-%m-%d %H:%M:%S}"
