"""Reader-facing pages: thin views over articles.site.reading and the models.

Every page here is the same for every reader of one edition, so each is cached whole
by content version (``@cached_page``) and answers a reload with 304.
"""

from __future__ import annotations

from typing import Any

from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponsePermanentRedirect,
    QueryDict,
)
from django.shortcuts import get_object_or_404, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.views.decorators.http import require_safe

from articles.models import Article, Outlet, Region, Section, StoryMove
from articles.search.words import parse_query
from articles.site import front, outlets, reading, reads, regions, stories
from articles.site.cache import cached, cached_page
from articles.site.forms import SearchForm


@require_safe
@cached_page
def home(request: HttpRequest) -> HttpResponse:
    # Built only when the rendered blocks are not in the fragment cache (home.html).
    blocks = SimpleLazyObject(front.home_blocks)
    most_read = SimpleLazyObject(reads.most_read)
    return render(request, "articles/home.html", {"blocks": blocks, "most_read": most_read})


@require_safe
@cached_page
def article_detail(request: HttpRequest, outlet: str, pk: int) -> HttpResponse:
    article = get_object_or_404(Article.objects.newest(), pk=pk)
    if article.outlet.slug != outlet:
        # The id names the article; a wrong or renamed outlet in the address is mended.
        return HttpResponsePermanentRedirect(article.get_absolute_url())
    (article,) = reading.with_images([article])
    lead = article.pictures[0].image if article.pictures else None
    canonical_url = request.build_absolute_uri(article.get_absolute_url())
    # A hidden lead is a placeholder: no OpenGraph or JSON-LD image goes with it.
    lead_url = request.build_absolute_uri(lead.copy.url) if lead and not lead.is_hidden else ""
    context: dict[str, Any] = {
        "article": article,
        "lead": lead,
        "body": reading.article_body(request, article),
        "related": reading.related_articles(article),
        "coverage": stories.coverage(article),
        "most_read": reads.most_read(),
        "canonical_url": canonical_url,
        "lead_url": lead_url,
        "structured_data": reading.news_article_data(article, canonical_url, lead_url),
        "description": reading.article_description(article),
    }
    return render(request, "articles/article.html", context)


@require_safe
@cached_page
def section_detail(request: HttpRequest, slug: str) -> HttpResponse:
    if slug == Section.REGIONS:
        return HttpResponsePermanentRedirect(reverse("articles:regions"))
    section = get_object_or_404(Section, slug=slug)
    articles = Article.objects.filter(section=section)
    page = reading.article_page(articles, request.GET)
    context = {
        "section": section,
        "page": page,
        "cards": reading.page_cards(articles, page),
        "current_section": section.slug,
    }
    return render(request, "articles/section.html", context)


@require_safe
@cached_page
def region_detail(request: HttpRequest, slug: str) -> HttpResponse:
    region = get_object_or_404(Region, slug=slug)
    articles = Article.objects.in_region(region.pk)
    page = reading.article_page(articles, request.GET)
    context = {
        "region": region,
        "page": page,
        "cards": reading.page_cards(articles, page),
        "outlets": regions.region_outlets(region),
        "current_section": "regions",
    }
    return render(request, "articles/region.html", context)


@require_safe
@cached_page
def region_list(request: HttpRequest) -> HttpResponse:
    blocks = cached("regions", regions.region_blocks)
    context = {"blocks": blocks, "current_section": "regions"}
    return render(request, "articles/regions.html", context)


@require_safe
@cached_page
def outlet_detail(request: HttpRequest, outlet: str) -> HttpResponse:
    shown = get_object_or_404(Outlet, slug=outlet)
    articles = Article.objects.filter(outlet=shown)
    page = reading.article_page(articles, request.GET)
    context = {"outlet": shown, "page": page, "cards": reading.page_cards(articles, page)}
    return render(request, "articles/outlet.html", context)


@require_safe
@cached_page
def story_detail(request: HttpRequest, pk: int) -> HttpResponse:
    page = stories.story_page(pk, request.GET)
    if page is None:
        moved = StoryMove.objects.filter(old_id=pk).select_related("story").first()
        if moved is None:
            raise Http404("no such story")
        return HttpResponsePermanentRedirect(moved.story.get_absolute_url())
    picture = page.picture.image if page.picture else None
    canonical_url = request.build_absolute_uri(page.story.get_absolute_url())
    picture_url = request.build_absolute_uri(picture.copy.url) if picture else ""
    data = stories.story_data(page, canonical_url, picture_url, request.build_absolute_uri)
    context = {
        "page": page,
        "picture": picture,
        "canonical_url": canonical_url,
        "picture_url": picture_url,
        "structured_data": data,
    }
    return render(request, "articles/story.html", context)


@require_safe
@cached_page
def outlet_list(request: HttpRequest) -> HttpResponse:
    groups = cached("outlet-groups", lambda: outlets.outlet_groups(Outlet.objects.all()))
    return render(request, "articles/outlets.html", {"groups": groups})


@require_safe
@cached_page
def about(request: HttpRequest) -> HttpResponse:
    return render(request, "articles/about.html")


@require_safe
def search(request: HttpRequest) -> HttpResponse:
    """Search results. Not cached whole: every query is its own page, and readers'
    queries would only push the site's pages out of the cache."""
    form = SearchForm(request.GET)
    context: dict[str, Any] = {"form": form, **reading.search_choices()}
    if not form.is_valid():
        context["query"] = form.display_query
        return render(request, "articles/search.html", context, status=400)
    text = form.cleaned_data["q"]
    query = parse_query(text)
    context.update(query=text, searched=bool(text), words_found=bool(query))
    if query:
        after = request.GET.get("after", "")
        page = reading.search_page(query, form.filters, form.order, after)
        params = request.GET.copy()
        params.pop("after", None)
        context.update(
            page=page,
            first_page_url=f"?{params.urlencode()}" if after else "",
            next_page_url=_with(params, after=page.next_cursor) if page.next_cursor else "",
            unfiltered_url=_with(QueryDict(), q=text) if form.has_filters else "",
        )
    return render(request, "articles/search.html", context)


def _with(params: QueryDict, **values: str) -> str:
    params = params.copy()
    for name, value in values.items():
        params[name] = value
    return f"?{params.urlencode()}"


@require_safe
def robots_txt(request: HttpRequest) -> HttpResponse:
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /search/",
        "Disallow: /fr/search/",
        "Disallow: /images/",
        "Disallow: /fr/images/",
        f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


def favicon(request: HttpRequest) -> HttpResponsePermanentRedirect:
    return HttpResponsePermanentRedirect(static("favicon.ico"))
