"""Stories written directly for the site's tests: reports made with
``tests.support.site.make_article`` grouped into one ``Story`` row, whose counts,
dates and lead ``articles.stories.summary.refresh`` fills as the grouping does."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from articles.models import Article, Outlet, Story
from articles.stories.summary import refresh
from tests.support.site import changed, make_article


def ago(**delta: float) -> datetime:
    """A time before now: stories are ranked against the clock."""
    return timezone.now() - timedelta(**delta)


def make_story(*articles: Article) -> Story:
    """One story of ``articles`` (two or more), refreshed, and the content changed."""
    story = Story.objects.create(
        first_published_at=min(a.published_at for a in articles),
        last_published_at=max(a.published_at for a in articles),
    )
    Article.objects.filter(id__in=[a.id for a in articles]).update(story=story)
    refresh([story.id])
    changed()
    story.refresh_from_db()
    return story


def reported(outlets: list[Outlet], title: str, *, newest: datetime, step_minutes: int = 10,
             **fields: object) -> list[Article]:  # fmt: skip
    """One report per outlet, ``step_minutes`` apart, the first outlet's the oldest."""
    count = len(outlets)
    return [
        make_article(
            outlet,
            title=f"{title} ({outlet.slug})",
            published_at=newest - timedelta(minutes=step_minutes * (count - 1 - i)),
            **fields,
        )
        for i, outlet in enumerate(outlets)
    ]
