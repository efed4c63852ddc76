"""Reader pages and their parts, cached by the content version.

``ContentVersion`` grows whenever the ingest code stores articles or an image copy;
every key here carries its number, so a new article makes every cached page and
fragment stale at once, on every web process, without waiting for a timer. A web
process re-reads the number at most every ``CONTENT_VERSION_RECHECK_SECONDS``.

``PageCacheMiddleware`` keeps whole responses of the views marked ``@cached_page``,
as they were sent (compressed when the client accepts gzip), and marks them with
``Last-Modified`` and ``Cache-Control``; ``ConditionalGetMiddleware`` outside it adds
the ETag and answers 304. Only pages that are the same for every reader may be marked:
no CSRF token, no session, no message; a response that sets a cookie is never kept.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.utils.cache import patch_cache_control
from django.utils.http import http_date
from django.utils.translation import get_language

from articles.models import ContentVersion

T = TypeVar("T")
View = TypeVar("View", bound=Callable[..., HttpResponseBase])
CACHED_PAGE_ATTRIBUTE = "cache_by_content_version"
GZIP = "gzip"


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
    """Mark a view whose pages are the same for every reader of one language."""
    setattr(view, CACHED_PAGE_ATTRIBUTE, True)
    return view


def page_key(request: HttpRequest, version: Version) -> str:
    encoding = GZIP if GZIP in request.headers.get("Accept-Encoding", "") else "identity"
    path = hashlib.sha256(request.get_full_path().encode()).hexdigest()[:32]
    return f"page:{version.number}:{get_language()}:{request.method}:{encoding}:{path}"


class PageCacheMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        version: Version | None = getattr(request, "_page_version", None)
        if version is None or response.status_code != 200:
            return response
        # A page changed when the content did; browsers and proxies may keep it briefly.
        response.setdefault("Last-Modified", http_date(version.changed_at.timestamp()))
        patch_cache_control(response, public=True, max_age=settings.PAGE_MAX_AGE_SECONDS)
        key = getattr(request, "_page_cache_key", None)
        if key is not None and self._keeps(response):
            assert isinstance(response, HttpResponse)
            entry = (response.status_code, dict(response.items()), response.content)
            cache.set(key, entry, settings.PAGE_CACHE_SECONDS)
        return response

    def process_view(
        self,
        request: HttpRequest,
        view: Callable[..., Any],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> HttpResponseBase | None:
        if not getattr(view, CACHED_PAGE_ATTRIBUTE, False) or request.method not in (
            "GET",
            "HEAD",
        ):
            return None
        version = current_version()
        request._page_version = version  # type: ignore[attr-defined]
        if not settings.PAGE_CACHE_SECONDS:
            return None
        key = page_key(request, version)
        hit = cache.get(key)
        if hit is None:
            request._page_cache_key = key  # type: ignore[attr-defined]
            return None
        status, headers, content = hit
        response = HttpResponse(content, status=status)
        for name, value in headers.items():
            response[name] = value
        return response

    @staticmethod
    def _keeps(response: HttpResponseBase) -> bool:
        return (
            not response.streaming
            and not response.cookies
            and "private" not in response.get("Cache-Control", "")
        )
