"""Reader pages and their parts, cached by the content version.

``ContentVersion`` grows whenever the ingest code stores articles or an image copy;
every key here carries its number, so a new article makes every cached page and
fragment stale at once, on every web process, without waiting for a timer. A web
process re-reads the number at most every ``CONTENT_VERSION_RECHECK_SECONDS``.

``PageCacheMiddleware`` keeps whole responses of the views marked ``@cached_page``,
as they were sent (compressed when the client accepts gzip); ``@cached_page`` gives them
``Last-Modified`` and ``Cache-Control``, and ``ConditionalGetMiddleware`` (inside
GZipMiddleware, so it hashes the uncompressed body) the ETag and the 304. Only pages
that are the same for every reader may be marked: no CSRF token, no session, no
message; a response that sets a cookie is never kept.
"""

from __future__ import annotations

import functools
import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date, parse_http_date_safe, urlencode
from django.utils.translation import get_language, get_language_from_path

from articles.models import ContentVersion

T = TypeVar("T")
View = TypeVar("View", bound=Callable[..., HttpResponseBase])
PAGE_PARAMETERS = ("before", "after", "p")
MESSAGES_COOKIE = "messages"  # django.contrib.messages' CookieStorage
GZIP = "gzip"
API_PREFIX = "/api/"
# What the API's answers depend on (its articles list's parameters: tests/api keeps this in
# step with articles.api.schemas.ArticleFilters); any other parameter changes nothing, so
# it neither splits the cache nor travels in a `next` address.
API_PARAMETERS = (
    "outlet", "section", "region", "story", "lang", "since", "until", "q", "limit", "before",
)  # fmt: skip


@dataclass(frozen=True)
class Version:
    number: int
    changed_at: datetime


_memo: tuple[float, Version] | None = None


def current_version() -> Version:
    """The content version, read from the database at most once per recheck period."""
    global _memo
    now = time.monotonic()
    if _memo is not None and now - _memo[0] < settings.CONTENT_VERSION_RECHECK_SECONDS:
        return _memo[1]
    row = ContentVersion.objects.current()
    version = Version(row.number, row.changed_at)
    _memo = (now, version)
    return version


def forget_version() -> None:
    """Read the version afresh next time (tests, and after a bump in this process)."""
    global _memo
    _memo = None


def cached(name: str, build: Callable[[], T]) -> T:
    """``build()``, kept under ``name`` for the current version and language."""
    key = f"fragment:{current_version().number}:{get_language()}:{name}"
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, settings.PAGE_CACHE_SECONDS or 60)
    return value  # type: ignore[no-any-return]


def cached_page(view: View) -> View:
    """Mark a view whose pages are the same for every reader of one edition, and give
    its pages their validators: they changed when the content did (``Last-Modified``,
    which also replaces a feed's own newest-item date) and may be kept briefly."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        # Marked on the request, not on the view: a view wrapped by another framework
        # (the API's operations run inside django-ninja's own view) is not the one the
        # URL resolver gives middleware.
        request._page_cacheable = True  # type: ignore[attr-defined]
        response = view(request, *args, **kwargs)
        if response.status_code == 200:
            changed_at = current_version().changed_at
            response["Last-Modified"] = http_date(changed_at.timestamp())
            patch_cache_control(response, public=True, max_age=settings.PAGE_MAX_AGE_SECONDS)
        return response

    return wrapper  # type: ignore[return-value]


def page_query(request: HttpRequest) -> str:
    """The query parameters reader pages read (keyset cursors, sitemap pages), in a
    fixed order: any other parameter changes nothing, so it neither splits the cache
    nor reaches a link."""
    return urlencode(
        [(name, request.GET[name]) for name in PAGE_PARAMETERS if name in request.GET]
    )


def cache_query(request: HttpRequest) -> str:
    """The parameters a cached answer depends on, in a fixed order: for reader pages the
    ones they read (``page_query``), for the API its list's parameters."""
    if request.path.startswith(API_PREFIX):
        return api_query(request)
    return page_query(request)


def api_query(request: HttpRequest) -> str:
    return urlencode(
        [(name, value) for name in API_PARAMETERS for value in request.GET.getlist(name)]
    )


def page_key(request: HttpRequest, version: Version) -> str:
    """The edition comes from the address as LocaleMiddleware reads it (/fr/... is
    French, everything else Arabic), and pages hold absolute addresses (canonical,
    og:image), so the scheme and host are part of the key too."""
    language = get_language_from_path(request.path_info) or settings.LANGUAGE_CODE
    encoding = GZIP if GZIP in request.headers.get("Accept-Encoding", "") else "identity"
    address = f"{request.scheme}://{request.get_host()}{request.path}?{cache_query(request)}"
    digest = hashlib.sha256(address.encode()).hexdigest()[:32]
    return f"page:{version.number}:{language}:{request.method}:{encoding}:{digest}"


def _has_messages(request: HttpRequest) -> bool:
    """A message really waits for this reader: the messages cookie is there and its
    signature holds (a made-up cookie must not turn the page cache off)."""
    value = request.COOKIES.get(MESSAGES_COOKIE)
    if not value:
        return False
    return bool(CookieStorage(request)._decode(value))  # type: ignore[attr-defined]


class PageCacheMiddleware:
    """Whole responses of ``@cached_page`` views, as sent: compressed by GZipMiddleware
    and with the ETag ConditionalGetMiddleware computed on the uncompressed body (both
    listed after this one), so that every process agrees on it.

    A hit is answered before any inner middleware runs (sessions, locale, CSRF, CSP,
    compression): the stored response already carries what they added. Only responses
    of views marked ``@cached_page`` are stored, so only they can be hits.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if request.method not in ("GET", "HEAD") or not settings.PAGE_CACHE_SECONDS:
            return self.get_response(request)
        if _has_messages(request):
            # A message waits for this reader (the thanks for a report): their page is
            # their own, neither answered from the cache nor stored in it (the response
            # deletes the cookie, and a response setting cookies is never kept).
            response = self.get_response(request)
            patch_cache_control(response, private=True, no_store=True)
            return response
        key = page_key(request, current_version())
        hit = cache.get(key)
        if hit is not None:
            return self._replay(request, *hit)
        response = self.get_response(request)
        if getattr(request, "_page_cacheable", False) and self._keeps(response):
            assert isinstance(response, HttpResponse)
            entry = (response.status_code, dict(response.items()), response.content)
            cache.set(key, entry, settings.PAGE_CACHE_SECONDS)
        return response

    @staticmethod
    def _replay(
        request: HttpRequest, status: int, headers: dict[str, str], content: bytes
    ) -> HttpResponseBase:
        response = HttpResponse(content, status=status)
        for name, value in headers.items():
            response[name] = value
        last_modified = parse_http_date_safe(headers.get("Last-Modified", ""))
        conditional = get_conditional_response(
            request, etag=headers.get("ETag"), last_modified=last_modified, response=response
        )
        return conditional or response

    @staticmethod
    def _keeps(response: HttpResponseBase) -> bool:
        return (
            response.status_code == 200
            and not response.streaming
            and not response.cookies
            and "private" not in response.get("Cache-Control", "")
        )


def back_path(request: Any) -> str:
    """Where a reader returns after reporting: this page with the parameters it reads
    (the cache key's for cached pages; all of them on the search page, never cached)."""
    match = getattr(request, "resolver_match", None)
    if match is not None and match.url_name == "search":
        return str(request.get_full_path())
    query = page_query(request)
    return f"{request.path}?{query}" if query else str(request.path)
