"""What the reading site shows: the ticker, the navigation, the home page's blocks and an
article's related stories. Plain functions over the models; views cache their results
by content version (``articles.site.cache.cached``)."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    Count,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    prefetch_related_objects,
)
from django.http import HttpRequest, QueryDict
from django.templatetags.static import static
from django.utils.http import urlencode
from django.utils.safestring import SafeString
from django.utils.translation import get_language, gettext

from articles.models import (
    Article,
    ArticleImage,
    ArticleQuerySet,
    Image,
    Outlet,
    Section,
    Story,
    image_report_path,
    outlet_path,
)
from articles.search.documents import Filters, body_text
from articles.search.highlight import highlight, snippet
from articles.search.query import Order, find
from articles.search.words import Query
from articles.site.body import BodyImages, render_body
from articles.site.cache import back_path, cached
from articles.site.cards import Card, Item, OutletRef, fold, items
from articles.site.paging import PAGE_SIZE, Page, keyset_page

TICKER_SIZE = 60
RELATED_COUNT = 6
RELATED_POOL = 40


@dataclass(frozen=True)
class Headline:
    """One ticker item: plain values, cheap to cache. A story's item carries the
    story's headline and its number of outlets, and links to the story page."""

    article_id: int
    title: str
    language: str
    outlet_slug: str
    outlet_name: str
    outlet_name_latin: str
    story_id: int | None = None
    outlet_count: int | None = None

    @property
    def url(self) -> str:
        """The story page's address, or the article's (as ``Story`` and ``Article``
        make them, without reversing a route for each of the sixty items)."""
        if self.story_id is not None:
            return Story(pk=self.story_id).get_absolute_url()
        return f"{outlet_path(self.outlet_slug, get_language())}{self.article_id}/"

    @property
    def outlet_display_name(self) -> str:
        """As ``Source.display_name``: Latin letters in the French edition."""
        if get_language() == "fr" and self.outlet_name_latin:
            return self.outlet_name_latin
        return self.outlet_name


@dataclass(frozen=True)
class Navigation:
    sections: list[Section]
    outlets: list[Outlet]


@dataclass(frozen=True)
class OutletBlock:
    outlet: OutletRef
    latest: Item | None
    article_count: int | None = None


def has_visible_text(text: str) -> bool:
    """False for empty titles and titles made only of spaces, marks or format
    characters (zero-width spaces and joiners), which would show as a blank item."""
    return any(unicodedata.category(ch)[0] not in "ZCM" for ch in text)


def ticker_headlines(size: int = TICKER_SIZE) -> list[Headline]:
    """The newest headlines, one per story: a story's newest report stands for it,
    under the story's headline."""
    rows = (
        Article.objects.visible()
        .order_by("-published_at", "-id")
        .values_list(
            "id", "title", "language", "outlet__slug", "outlet__name", "outlet__name_latin",
            "story_id", "story__headline", "story__lead__title", "story__lead__language",
            "story__outlet_count",
        )[: size * 2]
    )  # fmt: skip
    headlines: list[Headline] = []
    seen: set[int] = set()
    for row in rows:
        article_id, title, language, slug, name, name_latin = row[:6]
        story_id, headline, lead_title, lead_language, outlets = row[6:]
        if story_id is not None:
            if story_id in seen:
                continue
            seen.add(story_id)
            title, language = headline or lead_title or title, lead_language or language
        if has_visible_text(title):
            headlines.append(
                Headline(article_id, title, language, slug, name, name_latin, story_id, outlets)
            )
    return headlines[:size]


def navigation() -> Navigation:
    outlets = Outlet.objects.listed().only("name", "name_latin", "slug", "language")
    return Navigation(sections=list(Section.objects.all()), outlets=list(outlets))


def with_images(articles: Iterable[Article]) -> list[Article]:
    """``articles`` with the images a page may use, in order, in one query:

    - ``pictures``: every image we hold a copy of, hidden ones included (a page shows
      a placeholder of the same size in their place);
    - ``shown_images``: those not hidden, the only ones feeds, OpenGraph and the home
      page's leads may use.

    Prefetched by article only: filtering on the image's status in SQL leads SQLite
    (which keeps no statistics) to walk every stored image instead of the page's links."""
    articles = list(articles)
    links = Prefetch(
        "article_images",
        queryset=ArticleImage.objects.select_related("image").order_by("position"),
        to_attr="pictures",
    )
    prefetch_related_objects(articles, links)
    for article in articles:
        article.pictures = [
            link for link in article.pictures if link.image.status == Image.Status.STORED
        ]
        article.shown_images = [link for link in article.pictures if not link.image.is_hidden]
    return articles


def article_body(request: HttpRequest, article: Article) -> str:
    """The body as the article page shows it: our copies with their report links,
    placeholders for hidden images, and not the lead (shown above it) a second time."""
    if not article.body_html:
        return ""
    language = get_language()
    back = urlencode({"next": back_path(request)})
    images = BodyImages(
        by_url={link.image.url: link.image for link in article.pictures[1:]},
        placeholder_src=static("img/hidden.svg"),
        report_href=lambda image: f"{image_report_path(image.pk, language)}?{back}",
        report_text=gettext("الإبلاغ عن الصورة"),
    )
    return render_body(article.body_html, images)


def article_page(articles: ArticleQuerySet, params: QueryDict) -> Page:
    """One keyset page of ``articles``, newest first, with the images a list shows."""
    page = keyset_page(articles.listed(), params)
    with_images(page.articles)
    return page


def page_cards(articles: ArticleQuerySet, page: Page) -> list[Card]:
    """The cards of ``page`` (of ``articles``): one per story, and none for a story that
    had its card on a newer page (a report of it in ``articles`` is newer than this
    page's first): one query, on later pages only."""
    stories = {a.story_id for a in page.articles if a.story_id is not None}
    if page.is_first or not stories:
        return fold(page.articles)
    first = page.articles[0]
    earlier = (
        articles.visible()
        .filter(story_id__in=stories)
        .newer_than(first.published_at, first.id)
        .values_list("story_id", flat=True)
    )
    return fold(page.articles, shown={s for s in earlier if s is not None})


def outlet_blocks(
    outlets: QuerySet[Outlet], *, counts: bool = False, limit: int | None = None
) -> list[OutletBlock]:
    """Each outlet with its latest headline (index seeks per outlet, in one query),
    the freshest outlets first, outlets with nothing yet last; the first ``limit``."""
    newest = (
        Article.objects.visible().filter(outlet=OuterRef("pk")).order_by("-published_at", "-id")
    )
    annotated = outlets.annotate(
        latest_id=Subquery(newest.values("id")[:1]),
        latest_at=Subquery(newest.values("published_at")[:1]),
    )
    if counts:
        annotated = annotated.annotate(
            article_count=Count("articles", filter=Q(articles__hidden=False))
        )
    fields = ["id", "slug", "name", "name_latin", "latest_id", "latest_at"]
    rows = sorted(
        annotated.values_list(*fields, *(["article_count"] if counts else [])),
        key=lambda row: (row[5] is None, -(row[5].timestamp() if row[5] else 0)),
    )[:limit]
    # Plain values (cards.OutletRef, cards.Item): what outlet_grid.html shows of them.
    found = items(Article.objects.visible().filter(id__in=[row[4] for row in rows if row[4]]))
    latest = {item.id: item for item in found}
    return [
        OutletBlock(OutletRef(*row[:4]), latest.get(row[4]), row[6] if counts else None)
        for row in rows
    ]


def related_articles(article: Article, size: int = RELATED_COUNT) -> list[Card]:
    """Recent news of the same section, other outlets first, one card per story,
    never the article nor its own story (the page lists that one's reports)."""
    pool = Article.objects.listed().exclude(id=article.id)
    if article.section_id is not None:
        pool = pool.filter(section_id=article.section_id)
    candidates = list(pool[:RELATED_POOL])
    candidates.sort(key=lambda a: a.outlet_id == article.outlet_id)  # stable: keeps recency
    shown = {article.story_id} if article.story_id is not None else set()
    return fold(with_images(candidates[: size * 2]), shown=shown)[:size]


DESCRIPTION_LENGTH = 200


def article_description(article: Article) -> str:
    """The page's meta description: the summary, else the start of the body, else the
    headline and its outlet. Never empty, or search engines make up their own."""
    text = article.summary or body_text(article.body_html[: DESCRIPTION_LENGTH * 20])
    if not text:
        text = f"{article.title} - {article.outlet.display_name}"
    return text


def news_article_data(article: Article, url: str, image_url: str) -> dict[str, Any]:
    """schema.org NewsArticle for our page, based on the outlet's original."""
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.title[:110],
        "inLanguage": article.language,
        "datePublished": article.published_at.isoformat(),
        "dateModified": article.updated_at.isoformat(),
        "mainEntityOfPage": url,
        "url": url,
        "publisher": {"@type": "Organization", "name": article.outlet.display_name},
    }
    if article.original_url:
        data["isBasedOn"] = article.original_url
    if image_url:
        data["image"] = [image_url]
    if article.byline_author:
        data["author"] = {"@type": "Person", "name": article.byline_author}
    else:
        data["author"] = {"@type": "Organization", "name": article.outlet.display_name}
    if article.section:
        data["articleSection"] = article.section.display_name
    return data


def search_choices() -> dict[str, list[tuple[str, str]]]:
    """The search form's outlet and section lists as (slug, name) pairs, in the
    edition's language, kept by content version (outlets change with staff edits)."""

    def build() -> dict[str, list[tuple[str, str]]]:
        outlets = Outlet.objects.only("name", "name_latin", "slug").order_by("name")
        return {
            "outlet_choices": [(s.slug, s.display_name) for s in outlets],
            "section_choices": [(c.slug, c.display_name) for c in Section.objects.all()],
        }

    return cached("search-choices", build)


@dataclass(frozen=True)
class SearchResult:
    article: Article
    title: SafeString  # escaped, matched words in <mark>
    snippet: SafeString

    @property
    def card(self) -> Card:
        return Card(self.article)


@dataclass(frozen=True)
class SearchPage:
    results: list[SearchResult]
    next_cursor: str | None  # ?after= for the next page, if there is one


def search_page(
    query: Query, filters: Filters, order: Order, after: str, size: int = PAGE_SIZE
) -> SearchPage:
    """One page of search results, highlighted, with the images a list shows."""
    hits = find(query, filters, order=order, after=after, limit=size + 1)
    more = len(hits) > size
    hits = hits[:size]
    found = (
        Article.objects.newest().defer("content_hash", "key").in_bulk([h.article_id for h in hits])
    )
    articles = with_images(found[h.article_id] for h in hits if h.article_id in found)
    wanted = query.words
    results = [
        SearchResult(
            article,
            highlight(article.title, wanted),
            snippet(_snippet_texts(article), wanted),
        )
        for article in articles
    ]
    return SearchPage(results, hits[-1].cursor if more and hits else None)


def _snippet_texts(article: Article) -> Iterator[str]:
    yield article.summary
    yield body_text(article.body_html)  # only if the summary has no match
