"""Template context for every reader page: the navigation and the ticker, built only
when a template uses them (admin pages never do) and cached by content version."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from articles.site import reading
from articles.site.cache import cached


def site(request: HttpRequest) -> dict[str, object]:
    return {
        "nav": SimpleLazyObject(lambda: cached("nav", reading.navigation)),
        "ticker": SimpleLazyObject(lambda: cached("ticker", reading.ticker_headlines)),
    }
