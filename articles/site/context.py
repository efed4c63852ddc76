"""Template context for every reader page: the navigation and the ticker, built only
when a template uses them (admin pages never do), and the content version and lifetime
that key their cached fragments (``{% cache %}`` in base.html and home.html)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from articles.site import reading
from articles.site.cache import current_version


def site(request: HttpRequest) -> dict[str, object]:
    return {
        "nav": SimpleLazyObject(reading.navigation),
        "ticker": SimpleLazyObject(reading.ticker_headlines),
        "content_version": SimpleLazyObject(lambda: current_version().number),
        "fragment_seconds": settings.PAGE_CACHE_SECONDS or 60,
        # The error page (500) renders without this processor: no navigation there.
        "has_site_context": True,
    }
