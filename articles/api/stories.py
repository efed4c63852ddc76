"""Stories as the API gives them: one page of the stories list (by their latest visible
report, newest first, keyset pages like the articles list), and one story with its
visible reports. A story whose reports staff all hid does not exist here, as on the
site. A page costs a fixed number of queries whatever its stories' sizes: the stories,
their reports with outlet and section, the reports' pictures.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from ninja.errors import HttpError

from articles.api.answers import absolute, article_item, with_regions
from articles.api.listing import moment, resolve
from articles.api.schemas import StoryFilters
from articles.models import Article, Outlet, Story
from articles.site.paging import EPOCH, MICROSECOND, decode_cursor
from articles.site.reading import with_images


@dataclass(frozen=True)
class StoryPage:
    stories: list[tuple[Story, list[Article]]]  # each with its visible reports
    cursor: str | None  # where the next page starts, None on the last


def encode_cursor(story: Story) -> str:
    """The articles list's cursor format, on the story's latest report."""
    return f"{(story.last_published_at - EPOCH) // MICROSECOND}-{story.id}"


def story_page(filters: StoryFilters) -> StoryPage:
    stories = Story.objects.filter(article_count__gte=1).select_related("lead")
    outlet_id = resolve(Outlet, "outlet", filters.outlet)
    if outlet_id is not None:
        covered = Article.objects.visible().filter(story=OuterRef("pk"), outlet_id=outlet_id)
        stories = stories.filter(Exists(covered))
    since = moment("since", filters.since)
    if since is not None:
        stories = stories.filter(last_published_at__gte=since)
    if filters.before is not None:
        stories = _older_than(stories, filters.before)
    rows = list(stories.order_by("-last_published_at", "-id")[: filters.limit + 1])
    page = rows[: filters.limit]
    cursor = encode_cursor(page[-1]) if len(rows) > filters.limit else None
    reports = reports_of(story.id for story in page)
    # A story counted as visible whose reports were hidden since is left out.
    return StoryPage([(s, reports[s.id]) for s in page if reports.get(s.id)], cursor)


def _older_than(stories: QuerySet[Story], cursor: str) -> QuerySet[Story]:
    position = decode_cursor(cursor)
    if position is None:
        raise HttpError(400, "before: not a cursor of this list (use its `next`)")
    published_at, story_id = position
    return stories.filter(last_published_at__lte=published_at).exclude(
        last_published_at=published_at, id__gte=story_id
    )


def one_story(story_id: int) -> tuple[Story, list[Article]] | None:
    """The story with its visible reports; None when it does not exist or has none."""
    story = Story.objects.select_related("lead").filter(pk=story_id).first()
    if story is None:
        return None
    reports = reports_of([story.id]).get(story.id)
    return (story, reports) if reports else None


def reports_of(story_ids: Iterable[int]) -> dict[int, list[Article]]:
    """Each story's visible reports, newest first, with their pictures (two queries)."""
    by_story: dict[int, list[Article]] = {}
    articles = with_regions(
        with_images(Article.objects.listed().filter(story_id__in=list(story_ids)))
    )
    for article in articles:
        by_story.setdefault(article.story_id or 0, []).append(article)
    return by_story


def story_answer(request: HttpRequest, story: Story, reports: list[Article]) -> dict[str, Any]:
    """``reports``: the story's visible reports, newest first (``reports_of``)."""
    oldest_first = reports[::-1]
    outlets = {report.outlet_id: report.outlet for report in oldest_first}.values()
    return {
        "id": story.id,
        "url": absolute(request, story.get_absolute_url()),
        "title": _title(story, reports),
        "outlets": [
            {"slug": o.slug, "name": o.name, "url": absolute(request, o.get_absolute_url())}
            for o in outlets
        ],
        "article_count": len(reports),
        "articles": [article_item(request, report) for report in reports],
        "first_published_at": _local(oldest_first[0].published_at),
        "last_published_at": _local(reports[0].published_at),
        "updated_at": _local(story.updated_at),
    }


def _title(story: Story, reports: list[Article]) -> str:
    """Staff's headline, else the lead's title: a lead staff hid since names nothing
    here, the first report does."""
    if story.headline:
        return story.headline
    lead = next((r for r in reports if r.id == story.lead_id), reports[-1])
    return lead.title


def _local(value: datetime) -> datetime:
    return timezone.localtime(value)
