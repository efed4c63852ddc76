"""Articles, outlets and sections as the API gives them: plain dicts the schemas check,
built from rows read in a constant number of queries (a list's articles with their
outlet and section in one, their pictures in one more)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Prefetch, prefetch_related_objects
from django.http import HttpRequest
from django.templatetags.static import static
from django.utils import timezone

from articles.models import Article, Image, Outlet, Region, Section
from articles.site.body import BodyImages, render_body


def absolute(request: HttpRequest, path: str) -> str:
    return request.build_absolute_uri(path)


def with_regions(articles: Iterable[Article]) -> list[Article]:
    """``articles`` with their regions' slugs, in one query for the whole list."""
    articles = list(articles)
    prefetch_related_objects(articles, Prefetch("regions", Region.objects.only("slug")))
    return articles


def picture(request: HttpRequest, image: Image) -> dict[str, Any]:
    return {
        "url": absolute(request, image.copy.url),
        "width": image.copy_width,
        "height": image.copy_height,
    }


def article_item(request: HttpRequest, article: Article) -> dict[str, Any]:
    """One article of a list; ``article`` comes with its outlet, section and pictures
    (``site.reading.with_images``)."""
    outlet, section = article.outlet, article.section
    lead = article.pictures[0].image if article.pictures else None
    return {
        "id": article.id,
        "url": absolute(request, article.get_absolute_url()),
        "original_url": article.original_url or None,
        "title": article.title,
        "summary": article.summary,
        "outlet": {"slug": outlet.slug, "name": outlet.name, "lang": outlet.language},
        "section": {"slug": section.slug, "name": section.name} if section else None,
        "author": article.byline_author,
        "lang": article.language,
        "published_at": timezone.localtime(article.published_at),
        "story": article.story_id,
        "regions": [region.slug for region in article.regions.all()],
        # A hidden lead is a placeholder on the page: no picture here.
        "image": picture(request, lead) if lead and not lead.is_hidden else None,
    }


def article_detail(request: HttpRequest, article: Article) -> dict[str, Any]:
    """One article with its body as the article page renders it (the lead, shown above
    the body there, is ``image`` here, not a second time in the body)."""
    images = BodyImages(
        by_url={link.image.url: link.image for link in article.pictures[1:]},
        placeholder_src=absolute(request, static("img/hidden.svg")),
        copy_url=lambda image: absolute(request, image.copy.url),
    )
    body = render_body(article.body_html, images) if article.body_html else ""
    return article_item(request, article) | {"body_html": body}


def outlet_answer(request: HttpRequest, outlet: Outlet) -> dict[str, Any]:
    """``outlet`` annotated with ``article_count`` (visible articles)."""
    return {
        "slug": outlet.slug,
        "name": outlet.name,
        "name_latin": outlet.name_latin,
        "url": absolute(request, outlet.get_absolute_url()),
        "site_url": outlet.site_url,
        "lang": outlet.language,
        "article_count": outlet.article_count,  # type: ignore[attr-defined]
        "last_success_at": (
            timezone.localtime(outlet.last_success_at) if outlet.last_success_at else None
        ),
    }


def section_answer(request: HttpRequest, section: Section) -> dict[str, Any]:
    return {
        "slug": section.slug,
        "name": section.name,
        "name_fr": section.name_fr,
        "url": absolute(request, section.get_absolute_url()),
    }
