"""Which stories matter now, for the reading site: the ranked leads, the trending
stories, and each story's visible reports (what lists fold into one card).

Read-only, a fixed number of queries whatever the number of stories (no query per
story), and ranked in Python from the counts ``articles.stories.summary`` keeps on each
story row: they are already the visible reports and outlets only, so a report staff hid
neither ranks a story nor shows in it.

- **Leads** (``lead_stories``): stories of two outlets or more whose last report came in
  the last ``LEAD_WINDOW`` (48 hours), scored

      score = outlets * 0.5 ** (hours since the last report / HALF_LIFE_HOURS)

  with a half-life of 12 hours: a story twelve outlets carry still outranks a fresh one
  of two outlets for a day (12 * 0.5 ** 2 = 3 > 2 at 24 hours), and one of three
  outlets falls behind a fresh one of two after seven hours. Ties: the latest report,
  then the newest story.
- **Trending** (``trending``): stories whose last report came in the last
  ``TRENDING_WINDOW`` (3 hours), by the number of distinct outlets whose first visible
  report of the story came in that window (the outlets it gained), then by its outlets,
  then by its latest report. A story that gained no outlet is not trending.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol, TypeVar

from django.db.models import Min
from django.utils.translation import get_language

from articles.models import Article, Story, outlet_path

LEAD_WINDOW = timedelta(hours=48)
HALF_LIFE_HOURS = 12.0
TRENDING_WINDOW = timedelta(hours=3)
# Stories read to rank the leads: the newest of the window. A story past the first
# CANDIDATES by its last report is at least that many stories older than the newest,
# which on the busiest days means hours; its decayed score rarely matters.
CANDIDATES = 400
MIN_OUTLETS = 2


class FromOutlet(Protocol):
    @property
    def outlet_id(self) -> int: ...


class OutletValues(Protocol):
    id: int
    slug: str
    name: str
    name_latin: str


class ReportLike(FromOutlet, Protocol):
    """An article with its outlet: a model instance or plain values (``site.cards.Item``)."""

    @property
    def id(self) -> int: ...
    @property
    def story_id(self) -> int | None: ...
    @property
    def title(self) -> str: ...
    @property
    def language(self) -> str: ...
    @property
    def published_at(self) -> datetime: ...
    @property
    def outlet(self) -> Any: ...


R = TypeVar("R", bound=FromOutlet)


@dataclass(frozen=True)
class RankedStory:
    story: Story  # with its lead article (select_related)
    reports: Sequence[Any]  # visible, newest first, as ``load`` gives them
    score: float


@dataclass(frozen=True)
class Report:
    """One visible report as a list names it: plain values, no model instance (a page
    names hundreds of them)."""

    article_id: int
    story_id: int
    title: str
    language: str
    published_at: datetime
    outlet_id: int
    outlet_slug: str
    outlet_name: str
    outlet_name_latin: str

    def get_absolute_url(self, language: str | None = None) -> str:
        """Our page of the report in ``language``'s edition (the current one unless
        given: a card naming sixty outlets asks for it once)."""
        return f"{outlet_path(self.outlet_slug, language or get_language())}{self.article_id}/"

    @property
    def outlet_display_name(self) -> str:
        return self.outlet_name_in(get_language())

    def outlet_name_in(self, language: str | None) -> str:
        """As ``Outlet.display_name``: Latin letters in the French edition."""
        if language == "fr" and self.outlet_name_latin:
            return self.outlet_name_latin
        return self.outlet_name


@dataclass(frozen=True)
class Trending:
    story: Story  # with its lead article
    gained: int  # outlets whose first report came in the window
    reports: list[Report]  # one per outlet, newest first


def score(outlets: int, last_published_at: datetime, now: datetime) -> float:
    hours = max(0.0, (now - last_published_at).total_seconds() / 3600)
    return float(outlets * 0.5 ** (hours / HALF_LIFE_HOURS))


def lead_stories(
    now: datetime,
    limit: int,
    load: Callable[[list[int]], dict[int, list[Any]]] | None = None,
) -> list[RankedStory]:
    """The ``limit`` best stories of the last 48 hours with their reports: three
    queries (the window's counts, the chosen stories, their reports: ``story_reports``
    unless ``load`` reads them otherwise, by story id, newest first)."""
    rows = (
        Story.objects.filter(
            last_published_at__gte=now - LEAD_WINDOW,
            last_published_at__lte=now,
            outlet_count__gte=MIN_OUTLETS,
        )
        .order_by("-last_published_at", "-id")
        .values_list("id", "outlet_count", "last_published_at")[:CANDIDATES]
    )
    scored = sorted(
        ((score(outlets, last, now), last, story_id) for story_id, outlets, last in rows),
        reverse=True,
    )[:limit]
    stories = _stories([story_id for _, _, story_id in scored])
    reports = (load or story_reports)(list(stories))
    return [
        RankedStory(stories[story_id], reports.get(story_id, []), value)
        for value, _, story_id in scored
        if story_id in stories and reports.get(story_id)
    ]


def trending(now: datetime, limit: int) -> list[Trending]:
    """The ``limit`` stories that gained the most outlets in the last three hours,
    with one report per outlet: four queries."""
    since = now - TRENDING_WINDOW
    recent = list(
        Story.objects.filter(
            last_published_at__gte=since,
            last_published_at__lte=now,
            outlet_count__gte=MIN_OUTLETS,
        ).values_list("id", "outlet_count", "last_published_at")
    )
    firsts = (
        Article.objects.visible()
        .filter(story_id__in=[row[0] for row in recent])
        .values_list("story_id", "outlet_id")
        .annotate(first=Min("published_at"))
    )
    gained: dict[int, int] = {}
    for story_id, _outlet_id, first in firsts:
        if since <= first <= now:
            gained[story_id] = gained.get(story_id, 0) + 1
    ranked = sorted(
        ((gained[i], outlets, last, i) for i, outlets, last in recent if gained.get(i)),
        reverse=True,
    )[:limit]
    stories = _stories([row[-1] for row in ranked])
    reports = story_outlets(stories)
    return [
        Trending(stories[row[-1]], row[0], reports.get(row[-1], []))
        for row in ranked
        if row[-1] in stories
    ]


def story_outlets(story_ids: Iterable[int]) -> dict[int, list[Report]]:
    """Each story's visible reports as plain values, newest first: one query."""
    by_story: dict[int, list[Report]] = {}
    ids = list(story_ids)
    if not ids:
        return by_story
    rows = (
        Article.objects.visible()
        .filter(story_id__in=ids)
        .order_by("-published_at", "-id")
        .values_list(
            "id", "story_id", "title", "language", "published_at", "outlet_id",
            "outlet__slug", "outlet__name", "outlet__name_latin",
        )
    )  # fmt: skip
    for row in rows:
        by_story.setdefault(row[1], []).append(Report(*row))
    return by_story


def story_reports(story_ids: Iterable[int]) -> dict[int, list[Article]]:
    """Each story's visible reports, newest first, with outlet and section: one query."""
    by_story: dict[int, list[Article]] = {}
    ids = list(story_ids)
    if not ids:
        return by_story
    for article in Article.objects.listed().filter(story_id__in=ids):
        assert article.story_id is not None
        by_story.setdefault(article.story_id, []).append(article)
    return by_story


def report_of(article: ReportLike) -> Report:
    """``article`` (with its outlet) as a ``Report``."""
    assert article.story_id is not None
    outlet = article.outlet
    return Report(
        article.id, article.story_id, article.title, article.language, article.published_at,
        outlet.id, outlet.slug, outlet.name, outlet.name_latin,
    )  # fmt: skip


def one_per_outlet(reports: Iterable[R], *, besides: FromOutlet | None = None) -> list[R]:
    """The newest report of each outlet (``reports`` newest first), leaving out
    ``besides`` and its outlet's other reports."""
    seen = {besides.outlet_id} if besides is not None else set()
    kept = []
    for report in reports:
        if report.outlet_id not in seen:
            seen.add(report.outlet_id)
            kept.append(report)
    return kept


def _stories(ids: list[int]) -> dict[int, Story]:
    if not ids:
        return {}
    found = Story.objects.select_related("lead").defer(
        "lead__body_html", "lead__content_hash", "lead__key"
    )
    return found.in_bulk(ids)
