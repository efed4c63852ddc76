"""RSS 2.0 out (django.contrib.syndication): the latest articles, each section's and each
outlet's. Items link to our article page, name the outlet as author and carry our
image copy (never the outlet's) as an enclosure. The trending stories' feed
(``TrendingFeed``) links to our story pages and names their outlets."""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any

from django.contrib.syndication.views import Feed
from django.http import HttpRequest, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Enclosure, Rss201rev2Feed
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from articles.models import Article, ArticleQuerySet, Outlet, Region, Section
from articles.site import reading
from articles.stories.ranking import Trending, one_per_outlet, trending

FEED_SIZE = 50
TRENDING_FEED_SIZE = 20


class NewsroomRss(Rss201rev2Feed):
    """RSS 2.0 with each item's ``<source>``: the outlet and its own feed."""

    def add_item_elements(self, handler: Any, item: dict[str, Any]) -> None:
        super().add_item_elements(handler, item)
        if item.get("source_name"):
            handler.addQuickElement("source", item["source_name"], {"url": item["source_url"]})


class ArticleFeed(Feed):  # type: ignore[type-arg]
    feed_type = NewsroomRss
    request: HttpRequest

    def __call__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "HEAD"])
        # One instance serves every request: each gets its own copy to hold its request.
        feed = copy.copy(self)
        feed.request = request
        return Feed.__call__(feed, request, *args, **kwargs)

    def articles(self, obj: Any) -> ArticleQuerySet:
        return Article.objects.listed()

    def items(self, obj: Any) -> list[Article]:
        return reading.with_images(self.articles(obj)[:FEED_SIZE])

    def item_title(self, item: Article) -> str:
        return item.title

    def item_description(self, item: Article) -> str:
        return item.summary

    def item_link(self, item: Article) -> str:
        return item.get_absolute_url()

    def item_pubdate(self, item: Article) -> datetime:
        return item.published_at

    def item_updateddate(self, item: Article) -> datetime:
        return item.updated_at

    def item_author_name(self, item: Article) -> str:
        return item.outlet.display_name

    def item_categories(self, item: Article) -> list[str]:
        return [item.section.display_name] if item.section else []

    def item_enclosures(self, item: Article) -> list[Enclosure]:
        if not item.shown_images:
            return []
        image = item.shown_images[0].image
        url = self.request.build_absolute_uri(image.copy.url)
        return [Enclosure(url, str(image.copy_byte_size or 0), "image/webp")]

    def item_extra_kwargs(self, item: Article) -> dict[str, Any]:
        return {"source_name": item.outlet.display_name, "source_url": item.outlet.feed_url}


class LatestFeed(ArticleFeed):
    def title(self) -> str:
        return _("نيوزروم: آخر أخبار المغرب")

    def link(self) -> str:
        return reverse("articles:home")

    def description(self) -> str:
        return _("آخر ما نشرته المنابر المغربية، مع اسم المصدر ورابط الخبر الأصلي.")


class SectionFeed(ArticleFeed):
    def get_object(self, request: HttpRequest, slug: str) -> Section:  # type: ignore[override]
        return get_object_or_404(Section, slug=slug)

    def articles(self, obj: Section) -> ArticleQuerySet:
        return Article.objects.listed().filter(section=obj)

    def title(self, obj: Section) -> str:
        return _("نيوزروم: %(section)s") % {"section": obj.display_name}

    def link(self, obj: Section) -> str:
        return obj.get_absolute_url()

    def description(self, obj: Section) -> str:
        return _("آخر أخبار قسم %(section)s.") % {"section": obj.display_name}


class RegionFeed(ArticleFeed):
    def get_object(self, request: HttpRequest, slug: str) -> Region:  # type: ignore[override]
        return get_object_or_404(Region, slug=slug)

    def articles(self, obj: Region) -> ArticleQuerySet:
        return Article.objects.listed().in_region(obj.pk)

    def title(self, obj: Region) -> str:
        return _("نيوزروم: %(region)s") % {"region": obj.display_name}

    def link(self, obj: Region) -> str:
        return obj.get_absolute_url()

    def description(self, obj: Region) -> str:
        return _("آخر الأخبار عن %(region)s.") % {"region": obj.display_name}


class OutletFeed(ArticleFeed):
    def get_object(self, request: HttpRequest, outlet: str) -> Outlet:  # type: ignore[override]
        return get_object_or_404(Outlet, slug=outlet)

    def articles(self, obj: Outlet) -> ArticleQuerySet:
        return Article.objects.listed().filter(outlet=obj)

    def title(self, obj: Outlet) -> str:
        return _("نيوزروم: %(outlet)s") % {"outlet": obj.display_name}

    def link(self, obj: Outlet) -> str:
        return obj.get_absolute_url()

    def description(self, obj: Outlet) -> str:
        return _("آخر ما نشره %(outlet)s.") % {"outlet": obj.display_name}


class TrendingFeed(Feed):  # type: ignore[type-arg]
    """The stories gaining outlets fastest now (``articles.stories.ranking.trending``)."""

    feed_type = Rss201rev2Feed

    def __call__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "HEAD"])
        return super().__call__(request, *args, **kwargs)

    def title(self) -> str:
        return _("نيوزروم: الأكثر تداولا")

    def link(self) -> str:
        return reverse("articles:home")

    def description(self) -> str:
        return _("القصص التي تتناقلها المنابر المغربية أكثر في الساعات الأخيرة.")

    def items(self) -> list[Trending]:
        return trending(timezone.now(), TRENDING_FEED_SIZE)

    def item_title(self, item: Trending) -> str:
        return item.story.title

    def item_description(self, item: Trending) -> str:
        names = "، ".join(r.outlet_display_name for r in one_per_outlet(item.reports))
        count = item.story.outlet_count
        return ngettext("منبر واحد: %(names)s", "%(count)d منابر: %(names)s", count) % {
            "count": count,
            "names": names,
        }

    def item_link(self, item: Trending) -> str:
        return item.story.get_absolute_url()

    def item_guid(self, item: Trending) -> str:
        return item.story.get_absolute_url()

    def item_pubdate(self, item: Trending) -> datetime:
        return item.story.first_published_at

    def item_updateddate(self, item: Trending) -> datetime:
        return item.story.last_published_at
