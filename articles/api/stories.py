"""Stories as the API gives them: one page of the stories list (by their latest visible
report, newest first, keyset pages like the articles list), and one story. A story whose
reports staff all hid does not exist here, as on the site.

A story's answer counts and names all its visible reports' outlets but carries only the
newest ``LIST_ARTICLES`` reports in the list (every report in a story's own answer);
``articles_url`` pages through them all. A page costs a fixed number of queries and
reads a fixed number of reports whatever its stories' sizes: the stories, their newest
reports with outlet, section, pictures and regions, their outlets' first reports.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from django.db.models import Exists, F, OuterRef, QuerySet, Window
from django.db.models.functions import RowNumber
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from ninja.errors import HttpError

from articles.api.answers import absolute, article_item, with_regions
from articles.api.listing import moment, resolve
from articles.api.schemas import StoryFilters
from articles.models import Article, Outlet, Story
from articles.site.paging import EPOCH, MICROSECOND, decode_cursor
from articles.site.reading import with_images

# Reports each story of the list carries, newest first.
LIST_ARTICLES = 10


@dataclass(frozen=True)
class Found:
    """A story with what its answer says of all its visible reports."""

    story: Story
    reports: list[Article]  # newest first: all of them, or the list's newest few
    count: int
    outlets: list[Outlet]  # the first to report first
    first_published_at: datetime
    first_title: str  # its first visible report's


@dataclass(frozen=True)
class StoryPage:
    stories: list[Found]
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
    # A story counted as visible whose reports were hidden since is left out.
    return StoryPage(found_stories(page, newest=LIST_ARTICLES), cursor)


def _older_than(stories: QuerySet[Story], cursor: str) -> QuerySet[Story]:
    position = decode_cursor(cursor)
    if position is None:
        raise HttpError(400, "before: not a cursor of this list (use its `next`)")
    published_at, story_id = position
    return stories.filter(last_published_at__lte=published_at).exclude(
        last_published_at=published_at, id__gte=story_id
    )


def one_story(story_id: int) -> Found | None:
    """The story with every visible report; None when it does not exist or has none."""
    story = Story.objects.select_related("lead").filter(pk=story_id).first()
    if story is None:
        return None
    found = found_stories([story])
    return found[0] if found else None


def found_stories(stories: list[Story], newest: int | None = None) -> list[Found]:
    """``stories`` (in order) with their visible reports, the ``newest`` of each or all,
    and the facts of all of them; those with none left out."""
    ids = [story.id for story in stories]
    reports = reports_of(ids, newest)
    facts = _facts(ids)
    outlets = Outlet.objects.in_bulk({o for fact in facts.values() for o in fact.outlet_ids})
    titles = _first_titles([s.id for s in stories if s.id in facts and not _lead_title(s)])
    found = []
    for story in stories:
        fact, shown = facts.get(story.id), reports.get(story.id)
        if fact is None or not shown:
            continue
        found.append(
            Found(
                story,
                shown,
                count=fact.count,
                outlets=[outlets[outlet_id] for outlet_id in fact.outlet_ids],
                first_published_at=fact.first_published_at,
                first_title=_lead_title(story) or titles[story.id],
            )
        )
    return found


def reports_of(story_ids: Iterable[int], newest: int | None = None) -> dict[int, list[Article]]:
    """Each story's visible reports, newest first, the ``newest`` of each or all, with
    their pictures and regions (three queries)."""
    articles = Article.objects.listed().filter(story_id__in=list(story_ids))
    if newest is not None:
        rank = Window(
            RowNumber(),
            partition_by=[F("story_id")],
            order_by=[F("published_at").desc(), F("id").desc()],
        )
        articles = articles.annotate(rank=rank).filter(rank__lte=newest)
    by_story: dict[int, list[Article]] = {}
    for article in with_regions(with_images(articles)):
        by_story.setdefault(article.story_id or 0, []).append(article)
    return by_story


@dataclass
class _Facts:
    count: int
    outlet_ids: list[int]  # the first to report first, as the story page orders them
    first_published_at: datetime


def _facts(story_ids: list[int]) -> dict[int, _Facts]:
    """What each story's answer says of all its visible reports, from (story, outlet,
    time) tuples in the story page's order, (published_at, id): one query."""
    rows = (
        Article.objects.visible()
        .filter(story_id__in=story_ids)
        .order_by("published_at", "id")
        .values_list("story_id", "outlet_id", "published_at")
    )
    facts: dict[int, _Facts] = {}
    for story_id, outlet_id, published_at in rows:
        fact = facts.get(story_id)
        if fact is None:
            facts[story_id] = _Facts(1, [outlet_id], published_at)
            continue
        fact.count += 1
        if outlet_id not in fact.outlet_ids:
            fact.outlet_ids.append(outlet_id)
    return facts


def _lead_title(story: Story) -> str | None:
    """The lead's title, None when staff hid the lead (or the story has none)."""
    lead = story.lead
    return lead.title if lead is not None and not lead.hidden else None


def _first_titles(story_ids: list[int]) -> dict[int, str]:
    """The title of each story's first visible report (for stories whose lead staff
    hid): one query, none when every lead is shown."""
    if not story_ids:
        return {}
    rank = Window(RowNumber(), partition_by=[F("story_id")], order_by=[F("published_at"), F("id")])
    firsts = (
        Article.objects.visible()
        .filter(story_id__in=story_ids)
        .annotate(rank=rank)
        .filter(rank=1)
        .values_list("story_id", "title")
    )
    return dict(firsts)


def story_answer(request: HttpRequest, found: Found) -> dict[str, Any]:
    story, reports = found.story, found.reports
    articles_path = f"{reverse('api:list_articles')}?{urlencode({'story': story.id})}"
    return {
        "id": story.id,
        "url": absolute(request, story.get_absolute_url()),
        "title": story.headline or found.first_title,
        "outlets": [
            {"slug": o.slug, "name": o.name, "url": absolute(request, o.get_absolute_url())}
            for o in found.outlets
        ],
        "article_count": found.count,
        "articles": [article_item(request, report) for report in reports],
        "articles_url": absolute(request, articles_path),
        "first_published_at": _local(found.first_published_at),
        "last_published_at": _local(reports[0].published_at),
        "updated_at": _local(story.updated_at),
    }


def _local(value: datetime) -> datetime:
    return timezone.localtime(value)
