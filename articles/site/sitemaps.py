"""sitemap.xml (django.contrib.sitemaps): articles, sections and outlets, in both
editions, with ``lastmod``. Served as an index of paged sitemaps."""

from __future__ import annotations

from datetime import datetime

from django.contrib.sitemaps import Sitemap
from django.db.models import Max, QuerySet

from articles.models import Article, Category, Source


class EditionsSitemap(Sitemap):  # type: ignore[type-arg]
    i18n = True
    languages = ["ar", "fr"]
    alternates = True
    x_default = True


class ArticleSitemap(EditionsSitemap):
    changefreq = "never"
    limit = 2500  # per page, times two editions

    def items(self) -> QuerySet[Article]:
        return (
            Article.objects.select_related("source")
            .only("id", "updated_at", "source__slug")
            .order_by("-published_at", "-id")
        )

    def lastmod(self, item: Article) -> datetime:
        return item.updated_at


class SectionSitemap(EditionsSitemap):
    changefreq = "hourly"

    def items(self) -> QuerySet[Category]:
        return Category.objects.annotate(latest_at=Max("articles__published_at")).order_by(
            "position"
        )

    def lastmod(self, item: Category) -> datetime | None:
        return item.latest_at  # type: ignore[attr-defined,no-any-return]


class OutletSitemap(EditionsSitemap):
    changefreq = "hourly"

    def items(self) -> QuerySet[Source]:
        return Source.objects.active().annotate(latest_at=Max("articles__published_at"))

    def lastmod(self, item: Source) -> datetime | None:
        return item.latest_at  # type: ignore[attr-defined,no-any-return]


SITEMAPS = {"articles": ArticleSitemap, "sections": SectionSitemap, "outlets": OutletSitemap}
