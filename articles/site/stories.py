"""What the story page and an article's coverage show: the story's headline, who
reported it first and when, every visible report newest first, the outlets covering
it, its picture, and its schema.org description.

Arabic and French reports of one event are in one story when the grouping linked them
(``articles.stories.likeness``: the names, places, event types and figures they share),
so the story page of an Arabic story lists its French reports and the reverse.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import F, Window
from django.db.models.functions import RowNumber

from articles.models import Article, ArticleImage, Outlet, Story
from articles.site.reading import with_images
from articles.stories.ranking import story_reports


@dataclass(frozen=True)
class StoryPage:
    story: Story
    reports: list[Article]  # visible, newest first, with their images
    first: Article  # the first report: who broke it, and when
    outlets: list[Outlet]  # covering it, in the order they first reported it
    picture: ArticleImage | None  # the first shown picture, from the lead on

    @property
    def languages(self) -> list[str]:
        return sorted({report.language for report in self.reports})


@dataclass(frozen=True)
class Coverage:
    story: Story
    reports: list[Article]  # each other outlet's newest visible report, newest first


def story_page(pk: int) -> StoryPage | None:
    """The story ``pk`` with its visible reports; None when it does not exist or
    staff hid every report of it."""
    story = Story.objects.select_related("lead").filter(pk=pk).first()
    if story is None:
        return None
    reports = with_images(story_reports([story.pk]).get(story.pk, []))
    if not reports:
        return None
    oldest_first = reports[::-1]
    outlets = list({r.outlet_id: r.outlet for r in oldest_first}.values())
    lead = next((r for r in reports if r.id == story.lead_id), oldest_first[0])
    ordered = [lead, *(r for r in reports if r is not lead)]
    picture = next((r.shown_images[0] for r in ordered if r.shown_images), None)
    return StoryPage(story, reports, oldest_first[0], outlets, picture)


def coverage(article: Article) -> Coverage | None:
    """The other outlets' reports of ``article``'s story, for its page: each outlet's
    newest, newest first. One per outlet, as the heading counts them (the story page
    lists every report): a story of 500 reports costs the page what one of 20 outlets
    does, where reading all of them made every article of a big story slow (the soak
    test, docs/reliability.md)."""
    if article.story_id is None:
        return None
    story = Story.objects.select_related("lead").filter(pk=article.story_id).first()
    newest_of_outlet = Window(
        RowNumber(),
        partition_by=[F("outlet_id")],
        order_by=[F("published_at").desc(), F("id").desc()],
    )
    others: list[Article] = list(
        Article.objects.listed()
        .filter(story_id=article.story_id)
        .exclude(outlet_id=article.outlet_id)
        .annotate(rank=newest_of_outlet)
        .filter(rank=1)
    )
    if story is None or not others:
        return None
    return Coverage(story, others)


def story_data(page: StoryPage, url: str, image_url: str, absolute: Any) -> dict[str, Any]:
    """schema.org CollectionPage of our story page: an ItemList of the NewsArticle
    reports (our pages, ``absolute`` makes their addresses absolute), newest first."""
    items = [
        {
            "@type": "ListItem",
            "position": position,
            "item": {
                "@type": "NewsArticle",
                "headline": report.title[:110],
                "url": absolute(report.get_absolute_url()),
                "inLanguage": report.language,
                "datePublished": report.published_at.isoformat(),
                "publisher": {"@type": "Organization", "name": report.outlet.display_name},
            },
        }
        for position, report in enumerate(page.reports, start=1)
    ]
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "CollectionPage",
        "name": page.story.title[:110],
        "url": url,
        "datePublished": page.first.published_at.isoformat(),
        "dateModified": page.story.updated_at.isoformat(),
        "mainEntity": {
            "@type": "ItemList",
            "numberOfItems": len(items),
            "itemListOrder": "https://schema.org/ItemListOrderDescending",
            "itemListElement": items,
        },
    }
    if image_url:
        data["image"] = [image_url]
    return data
