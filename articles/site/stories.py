"""What the story page and an article's coverage show: the story's headline, who
reported it first and when, its visible reports newest first in keyset pages, the
outlets covering it, its picture, and its schema.org description.

Arabic and French reports of one event are in one story when the grouping linked them
(``articles.stories.likeness``: the names, places, event types and figures they share),
so the story page of an Arabic story lists its French reports and the reverse.

A story of 500 reports costs its page what one of 50 does: the page reads one keyset
page of reports with their pictures, and of the others only (id, outlet, language)
tuples for the counts, the first report and the outlets' order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import F, Window
from django.db.models.functions import RowNumber
from django.http import QueryDict

from articles.models import Article, ArticleImage, Image, Outlet, Story
from articles.models.images import HIDDEN
from articles.site.paging import Page, keyset_page
from articles.site.reading import with_images

# Reports on one page of a story: title lines, so more than a list's 20 cards.
STORY_PAGE_SIZE = 50


@dataclass(frozen=True)
class StoryPage:
    story: Story
    reports: Page  # one keyset page of its visible reports, newest first, with images
    report_count: int  # every visible report, on every page
    start: int  # the position of this page's first report, newest first, from 1
    first: Article  # the first report: who broke it, and when
    outlets: list[Outlet]  # covering it, in the order they first reported it
    languages: list[str]
    picture: ArticleImage | None  # the first shown picture: the lead's, then the newest


@dataclass(frozen=True)
class Coverage:
    story: Story
    reports: list[Article]  # each other outlet's newest visible report, newest first


def story_page(pk: int, params: QueryDict | None = None) -> StoryPage | None:
    """The story ``pk`` and the page of its visible reports that ``params`` (``before``
    or ``after``, as on every list) asks for; None when it does not exist or staff hid
    every report of it."""
    story = Story.objects.select_related("lead").filter(pk=pk).first()
    if story is None:
        return None
    visible = Article.objects.filter(story_id=pk).visible()
    rows = list(visible.order_by("published_at", "id").values_list("id", "outlet_id", "language"))
    if not rows:
        return None
    reports = keyset_page(visible.listed(), params or QueryDict(), STORY_PAGE_SIZE)
    with_images(reports.articles)
    # Read again, not by the id in ``rows``: staff may have hidden it since.
    first = visible.listed().order_by("published_at", "id").first()
    if first is None:
        return None
    order = list(dict.fromkeys(outlet_id for _id, outlet_id, _language in rows))
    outlets = Outlet.objects.in_bulk(order)
    newest_first = [article_id for article_id, _outlet, _language in reversed(rows)]
    shown = reports.articles
    start = newest_first.index(shown[0].id) + 1 if shown and shown[0].id in newest_first else 1
    return StoryPage(
        story,
        reports,
        report_count=len(rows),
        start=start,
        first=first,
        outlets=[outlets[outlet_id] for outlet_id in order],
        languages=sorted({language for *_ids, language in rows}),
        picture=_picture(story, newest_first),
    )


def _picture(story: Story, newest_first: list[int]) -> ArticleImage | None:
    """The lead's first shown picture, else the newest report's that has one. The
    story's links are read as tuples and chosen from here (no image filter in SQL, as
    ``with_images`` explains); then the one chosen, with its image and the article its
    caption names."""
    order = sorted(newest_first, key=lambda article_id: article_id != story.lead_id)
    links = (
        ArticleImage.objects.filter(article__story_id=story.pk, article__hidden=False)
        .order_by("position", "id")
        .values_list("id", "article_id", "image__status", "image__visibility")
    )
    shown: dict[int, int] = {}
    for link_id, article_id, status, visibility in links:
        if status == Image.Status.STORED and visibility not in HIDDEN:
            shown.setdefault(article_id, link_id)
    chosen = next((shown[article_id] for article_id in order if article_id in shown), None)
    if chosen is None:
        return None
    picture = ArticleImage.objects.select_related("image").filter(id=chosen).first()
    article = Article.objects.listed().filter(id=picture.article_id).first() if picture else None
    if picture is None or article is None:  # hidden or gone since
        return None
    picture.article = article
    return picture


def coverage(article: Article) -> Coverage | None:
    """The other outlets' reports of ``article``'s story, for its page: each outlet's
    newest, newest first. One per outlet, as the heading counts them (the story page
    lists them all, in pages): a story of 500 reports costs the page what one of 20 outlets
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
    """schema.org CollectionPage of our story page: an ItemList of this page's
    NewsArticle reports (our pages, ``absolute`` makes their addresses absolute), newest
    first; ``numberOfItems`` counts them all, as schema.org says for paged lists."""
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
        for position, report in enumerate(page.reports.articles, start=page.start)
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
            "numberOfItems": page.report_count,  # the whole list, over its pages
            "itemListOrder": "https://schema.org/ItemListOrderDescending",
            "itemListElement": items,
        },
    }
    if image_url:
        data["image"] = [image_url]
    return data
