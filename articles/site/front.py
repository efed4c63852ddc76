"""The home page's blocks: the leads ("أبرز الأخبار": the ranked stories of the last
two days, then the newest illustrated reports when there are not enough of them), the
trending stories ("الأكثر تداولا"), the latest news, each section's newest and the
outlets. One card per story on the whole page's first part: a story among the leads
is not repeated below them, and a list folds the later reports of a story into the
card of its newest (``articles.site.cards``).

A fixed number of queries whatever the number of stories; the page is rebuilt once per
content version (``{% cache %}`` in home.html).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from articles.models import Article, ArticleQuerySet, Outlet, Section
from articles.site.cards import Card, Item, add_pictures, fold_many, items, story_card
from articles.site.reading import OutletBlock, outlet_blocks
from articles.stories.ranking import Trending, lead_stories, trending

LEAD_COUNT = 5
LATEST_COUNT = 12
SECTION_COUNT = 4
TRENDING_COUNT = 5
HOME_OUTLET_COUNT = 12
# Articles read for a list, so that it stays full once repeats of a story are folded.
OVERREAD = 2
SECTION_SPARE = 2  # a section block's four cards rarely hold two reports of one story


@dataclass(frozen=True)
class SectionBlock:
    section: Section
    cards: list[Card]


@dataclass(frozen=True)
class HomeBlocks:
    leads: list[Card]
    trending: list[Trending]
    latest: list[Card]
    sections: list[SectionBlock]
    outlets: list[OutletBlock]


def home_blocks(now: datetime | None = None) -> HomeBlocks:
    # Every article of the page as plain values (``cards.Item``), with only its first
    # pictures, in one query for them all: the page names some 200 of them.
    now = now or timezone.now()
    ranked = lead_stories(now, LEAD_COUNT, load=_story_items)
    newest = items(_card_articles()[: (LEAD_COUNT * 4 + LATEST_COUNT) * OVERREAD])
    section_lists = _section_articles()
    add_pictures(
        [r for story in ranked for r in story.reports]
        + newest
        + [a for articles in section_lists.values() for a in articles]
    )
    leads = [story_card(story.story, story.reports) for story in ranked]
    shown = {story.story.id for story in ranked}
    cards, *section_cards = fold_many([newest, *section_lists.values()], shown=shown)
    # The leads are made up with the newest reports whose first picture is shown.
    fillers = [c for c in cards if c.link is not None and not c.link.image.is_hidden]
    leads += fillers[: LEAD_COUNT - len(leads)]
    latest = [c for c in cards if c not in leads][:LATEST_COUNT]
    sections = [
        SectionBlock(section, block[:SECTION_COUNT])
        for section, block in zip(section_lists, section_cards, strict=True)
        if block
    ]
    shown_outlets = Outlet.objects.listed().only("name", "name_latin", "slug")
    outlets = outlet_blocks(shown_outlets, limit=HOME_OUTLET_COUNT)
    return HomeBlocks(leads, trending(now, TRENDING_COUNT), latest, sections, outlets)


def _card_articles() -> ArticleQuerySet:
    return Article.objects.visible().order_by("-published_at", "-id")


def _story_items(story_ids: list[int]) -> dict[int, list[Item]]:
    """Each story's visible reports, newest first (as ``ranking.story_reports``)."""
    by_story: dict[int, list[Item]] = {}
    for item in items(_card_articles().filter(story_id__in=story_ids)):
        assert item.story_id is not None
        by_story.setdefault(item.story_id, []).append(item)
    return by_story


def _section_articles() -> dict[Section, list[Item]]:
    """Each section's newest articles, a query each: one query with a subquery per
    section (``id IN (...) OR id IN (...)``) costs PostgreSQL a scan of every article."""
    return {
        section: items(_card_articles().filter(section=section)[: SECTION_COUNT * OVERREAD])
        for section in Section.objects.all()
    }
