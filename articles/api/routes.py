"""The API's operations (django-ninja: typed parameters, the OpenAPI document built from
them, Swagger UI served from our own static files). Every answer is public data: cached
whole by content version like the pages, with ETag/Last-Modified, CORS for any origin,
and no cookie; every error is JSON."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from csp.decorators import csp_update
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.http.response import HttpResponseBase
from django.urls import URLPattern, URLResolver
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI, Path, Query
from ninja.decorators import decorate_view
from ninja.errors import HttpError, ValidationError
from ninja.openapi.docs import Swagger
from ninja.renderers import JSONRenderer

from articles.api import answers, schemas
from articles.api import stories as story_answers
from articles.api.listing import article_page
from articles.models import Article, Outlet, Section
from articles.site.cache import api_query, cached_page
from articles.site.reading import with_images

PROBLEMS: dict[int, type[schemas.Problem]] = {
    400: schemas.Problem, 404: schemas.Problem, 422: schemas.Problem, 429: schemas.Problem,
}  # fmt: skip
MAX_ID = 2**63 - 1
# What the articles list refuses although the parameters' schemas allow it.
LIST_REFUSED = (
    "Bad Request: an `outlet`, `section` or `region` slug that none has, a `story` id "
    "that no story has, a `before` "
    "cursor this list did not give (a search's without `q`, a list's with it, or one out "
    "of range), or a date out of the range the databases hold."
)

STORIES_REFUSED = (
    "Bad Request: an `outlet` slug that no outlet has, a `before` cursor this list did "
    "not give, or a date out of the range the databases hold."
)


class ReadableJSON(JSONRenderer):
    """UTF-8 as it is: Arabic titles stay readable in the answer (and a third shorter)."""

    json_dumps_params = {"ensure_ascii": False}


class ReadOnlyAPI(NinjaAPI):
    """Every address JSON whatever the method: HEAD is answered as GET (as the pages
    are), another method is a JSON 405 (ninja's is text/html), the root a JSON 404
    (ninja's raises Http404, which Django answers with the site's HTML page), and no
    CSRF check answers a POST with Django's HTML 403."""

    @property
    def urls(self) -> tuple[list[URLResolver | URLPattern], str, str]:
        patterns, app_name, namespace = super().urls
        for pattern in patterns:
            if isinstance(pattern, URLPattern):
                root = pattern.name == "api-root"
                pattern.callback = missing if root else read_only(pattern.callback)
        return patterns, app_name, namespace


api = ReadOnlyAPI(
    renderer=ReadableJSON(),
    title="Newsroom",
    version="1",
    description="Moroccan news as this site shows it: articles, stories (the reports of "
    "one event by several outlets), outlets and sections. "
    "Read-only and public; answers are cached for a minute and carry ETag and "
    "Last-Modified. Errors are JSON with a `detail`.",
    urls_namespace="api",
    docs=Swagger(settings={"defaultModelsExpandDepth": 0}),
    docs_url="/docs",
    openapi_url="/openapi.json",
    # Swagger UI's style sheet draws two icons (a select's arrow, the copy button) as
    # data: SVG images: the site's CSP plus images from data: URLs, for the docs page
    # and its document alone (an image runs no script).
    docs_decorator=csp_update({"img-src": ["data:"]}),
)


def public(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Cached whole like the pages (``cached_page``), readable from any origin."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = view(request, *args, **kwargs)
        response["Access-Control-Allow-Origin"] = "*"
        return response

    return cached_page(wrapper)


def problem(request: HttpRequest, status: int, detail: str) -> HttpResponse:
    response = api.create_response(request, {"detail": detail}, status=status)
    response["Access-Control-Allow-Origin"] = "*"
    return response


@api.exception_handler(ValidationError)
def invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    """Which parameter, and what is wrong with it: "limit: Input should be ..."."""
    parts = []
    for error in exc.errors:
        where = [str(part) for part in error.get("loc", ()) if part not in ("query", "path")]
        parts.append(f"{'.'.join(where) or 'request'}: {error.get('msg', 'invalid')}")
    return problem(request, 422, "; ".join(parts) or "invalid request")


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return problem(request, 404, str(exc) or "not found")


@api.exception_handler(HttpError)
def refused(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return problem(request, exc.status_code, str(exc))


@api.get(
    "/articles",
    response={200: schemas.ArticlePage, **PROBLEMS},
    summary="Articles, newest first",
    tags=["articles"],
    openapi_extra={"responses": {400: {"description": LIST_REFUSED}}},
)
@decorate_view(public)
def list_articles(request: HttpRequest, filters: Query[schemas.ArticleFilters]) -> Any:
    """Filter by outlet, section, region, story, language and dates, or search with `q`;
    follow `next` for older articles (every article once, newest first)."""
    page = article_page(filters)
    articles = answers.with_regions(page.articles)
    items = [answers.article_item(request, article) for article in articles]
    return {"items": items, "next": _next_url(request, page.cursor)}


@api.get(
    "/articles/{article_id}",
    response={200: schemas.ArticleDetail, **PROBLEMS},
    summary="One article, with its body",
    tags=["articles"],
)
@decorate_view(public)
def get_article(request: HttpRequest, article_id: int = Path(..., ge=1, le=MAX_ID)) -> Any:
    found = Article.objects.newest().filter(pk=article_id).first()
    if found is None:
        raise Http404(f"no article with id {article_id}")
    (article,) = answers.with_regions(with_images([found]))
    return answers.article_detail(request, article)


@api.get(
    "/stories",
    response={200: schemas.StoryPage, **PROBLEMS},
    summary="Stories, latest report first",
    tags=["stories"],
    openapi_extra={"responses": {400: {"description": STORIES_REFUSED}}},
)
@decorate_view(public)
def list_stories(request: HttpRequest, filters: Query[schemas.StoryFilters]) -> Any:
    """The reports of one event by several outlets, grouped: by their latest visible
    report, newest first; follow `next` for older stories (every story once)."""
    page = story_answers.story_page(filters)
    items = [story_answers.story_answer(request, found) for found in page.stories]
    return {"items": items, "next": _next_url(request, page.cursor)}


@api.get(
    "/stories/{story_id}",
    response={200: schemas.Story, **PROBLEMS},
    summary="One story, with its reports",
    tags=["stories"],
)
@decorate_view(public)
def get_story(request: HttpRequest, story_id: int = Path(..., ge=1, le=MAX_ID)) -> Any:
    found = story_answers.one_story(story_id)
    if found is None:
        raise Http404(f"no story with id {story_id}")
    return story_answers.story_answer(request, found)


@api.get(
    "/outlets",
    response={200: list[schemas.Outlet], **PROBLEMS},
    summary="Outlets",
    tags=["outlets"],
)
@decorate_view(public)
def list_outlets(request: HttpRequest) -> Any:
    return [answers.outlet_answer(request, outlet) for outlet in _outlets().order_by("name")]


@api.get(
    "/outlets/{slug}",
    response={200: schemas.Outlet, **PROBLEMS},
    summary="One outlet",
    tags=["outlets"],
)
@decorate_view(public)
def get_outlet(
    request: HttpRequest, slug: str = Path(..., pattern=schemas.SLUG, max_length=100)
) -> Any:
    outlet = _outlets().filter(slug=slug).first()
    if outlet is None:
        raise Http404(f"no outlet with slug {slug!r}")
    return answers.outlet_answer(request, outlet)


@api.get(
    "/sections",
    response={200: list[schemas.Section], **PROBLEMS},
    summary="Sections",
    tags=["sections"],
)
@decorate_view(public)
def list_sections(request: HttpRequest) -> Any:
    return [answers.section_answer(request, section) for section in Section.objects.all()]


def _outlets() -> Any:
    """Outlets with the count of their visible articles (one query)."""
    return Outlet.objects.annotate(
        article_count=Count("articles", filter=Q(articles__hidden=False))
    )


def _next_url(request: HttpRequest, cursor: str | None) -> str | None:
    """This list's address with the next page's cursor: the list's own parameters only."""
    if cursor is None:
        return None
    query = QueryDict(api_query(request), mutable=True)
    query["before"] = cursor
    return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")


def read_only(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """``view`` for GET and HEAD (run as GET: the server sends the head only); any
    other method a JSON 405."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.method == "HEAD":
            request.method = "GET"  # ninja finds the operation by the method
            try:
                return view(request, *args, **kwargs)
            finally:
                request.method = "HEAD"
        if request.method != "GET":
            response = problem(request, 405, f"method not allowed: {request.method}")
            response["Allow"] = "GET, HEAD"
            return response
        return view(request, *args, **kwargs)

    return csrf_exempt(wrapper)


@csrf_exempt
def missing(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Any other address under /api/: a JSON 404, never the site's HTML page."""
    return problem(request, 404, f"no such address: {request.path}")
