"""The API's rate limit: requests per client network (the /24 or /48 the report flow
counts, behind the same trusted proxies) in fixed windows, on Django's cache. Placed
before the page cache, so cached answers count too. Only a keyed hash of the network is
kept, for one window."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase

from articles.lib.clients import client_address, keyed_hash, network_of
from articles.site.cache import API_PREFIX

logger = logging.getLogger(__name__)


class ApiRateLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        limit = settings.API_RATE_LIMIT
        if limit and request.path.startswith(API_PREFIX):
            wait = seconds_to_wait(request, limit, settings.API_RATE_WINDOW_SECONDS)
            if wait:
                return too_many(wait)
        return self.get_response(request)


def seconds_to_wait(request: HttpRequest, limit: int, window: int) -> int:
    """0 while the network is within its ``limit`` for this window, else the seconds
    until the window ends. A cache that fails lets the request through (logged)."""
    now = time.time()
    started = int(now // window) * window
    network = keyed_hash("api-network", network_of(client_address(request)))
    key = f"api-rate:{network}:{started}"
    try:
        cache.add(key, 0, timeout=window + 1)
        count = cache.incr(key)
    except Exception:  # noqa: BLE001 - any cache backend's failure
        logger.warning("API rate limit not counted: the cache failed", exc_info=True)
        return 0
    return 0 if count <= limit else max(1, int(started + window - now) + 1)


def too_many(wait: int) -> HttpResponse:
    body = {"detail": f"too many requests from your network: try again in {wait} s"}
    response = HttpResponse(json.dumps(body), status=429, content_type="application/json")
    response["Retry-After"] = str(wait)
    response["Access-Control-Allow-Origin"] = "*"
    return response
