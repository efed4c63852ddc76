"""sitemap.xml (django.contrib.sitemaps): articles, stories, sections and outlets of both
editions, with ``lastmod``, served as an index of paged sitemaps.

One sitemap per edition rather than Django's ``i18n`` sitemaps: those build every
(item, language) pair in memory for each page, where a plain one reads its page of
articles with LIMIT/OFFSET.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from django.contrib.sitemaps import Sitemap
from django.db.models import Max, QuerySet
from django.urls import reverse
from django.utils import translation

from articles.models import Article, Outlet, Region, Section, Story


class EditionSitemap(Sitemap):  # type: ignore[type-arg]
    latest_field = "articles__published_at"

    def __init__(self, language: str) -> None:
        self.language = language

    def get_urls(self, *args: Any, **kwargs: Any) -> list[dict[str, Any]]:
        # One switch for the page, not one per item: each address is reversed in it.
        with translation.override(self.language):
            return super().get_urls(*args, **kwargs)  # type: ignore[no-any-return]

    def get_latest_lastmod(self) -> datetime | None:
        """For the index, in one query (Django's default calls lastmod on every item)."""
        items = cast("QuerySet[Any]", self.items())
        return items.aggregate(latest=Max(self.latest_field))["latest"]  # type: ignore[no-any-return]


class ArticleSitemap(EditionSitemap):
    changefreq = "never"
    limit = 5000
    latest_field = "updated_at"

    def items(self) -> QuerySet[Article]:
        return (
            Article.objects.visible()
            .select_related("outlet")
            .only("id", "updated_at", "outlet__slug")
            .order_by("-published_at", "-id")
        )

    def lastmod(self, item: Article) -> datetime:
        return item.updated_at


class StorySitemap(EditionSitemap):
    """Stories with a visible report (the others' pages are 404)."""

    changefreq = "hourly"
    limit = 5000
    latest_field = "updated_at"

    def items(self) -> QuerySet[Story]:
        return (
            Story.objects.filter(article_count__gt=0)
            .only("id", "updated_at")
            .order_by("-last_published_at", "-id")
        )

    def lastmod(self, item: Story) -> datetime:
        return item.updated_at


class SectionSitemap(EditionSitemap):
    changefreq = "hourly"

    def items(self) -> QuerySet[Section]:
        sections = Section.objects.exclude(slug=Section.REGIONS)  # the region pages have it
        return sections.annotate(latest_at=Max("articles__published_at")).order_by("position")

    def lastmod(self, item: Section) -> datetime | None:
        return item.latest_at  # type: ignore[attr-defined,no-any-return]


class RegionSitemap(EditionSitemap):
    """The twelve region pages and the page that lists them. No lastmod: it would
    read every region's articles, and the pages change with each ingest anyway."""

    changefreq = "hourly"

    def items(self) -> list[Region | str]:
        return ["articles:regions", *Region.objects.all()]

    def location(self, item: Region | str) -> str:
        return reverse(item) if isinstance(item, str) else item.get_absolute_url()

    def get_latest_lastmod(self) -> None:
        return None


class OutletSitemap(EditionSitemap):
    changefreq = "hourly"

    def items(self) -> QuerySet[Outlet]:
        return (
            Outlet.objects.listed()
            .annotate(latest_at=Max("articles__published_at"))
            .order_by("slug")
        )

    def lastmod(self, item: Outlet) -> datetime | None:
        return item.latest_at  # type: ignore[attr-defined,no-any-return]


SITEMAPS = {
    f"{name}{suffix}": sitemap(language)
    for language, suffix in (("ar", ""), ("fr", "-fr"))
    for name, sitemap in (
        ("articles", ArticleSitemap),
        ("stories", StorySitemap),
        ("sections", SectionSitemap),
        ("outlets", OutletSitemap),
        ("regions", RegionSitemap),
    )
}
