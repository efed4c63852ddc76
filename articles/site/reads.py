"""The "most read" beacon and block (articles.reads, docs/privacy.md).

``static/js/count.js`` on an article page posts ``article=<id>`` to ``/read/`` once the
page has loaded, so cached pages count and bots that run no script do not. The endpoint
takes no cookie and sets none, so there is no CSRF token to check: what a forged
cross-site post could do is make another site's visitors count for our articles, and
browsers tell us when a request comes from another site (``Sec-Fetch-Site``, else
``Origin``), which no page can forge. So it is exempt from Django's CSRF check, takes a
payload of at most ``MAX_BODY`` bytes holding one article id, and answers 204 (counted
or already counted), 400 (a bad payload or an unknown article), 403 (another site) or
405 (not a POST), never with a page to cache.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, QueryDict
from django.utils.cache import add_never_cache_headers
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from articles.lib.clients import client_address, network_of
from articles.models import Article
from articles.reads import counting, ranking
from articles.site.cache import cached

MAX_BODY = 64
MOST_READ_COUNT = 5


@csrf_exempt
@require_POST
def count_read(request: HttpRequest) -> HttpResponse:
    if not same_site(request):
        return _answer(403, "cross-site request")
    article_id = article_of(request)
    if article_id is None:
        return _answer(400, "bad payload: expected article=<id>")
    if not Article.objects.visible().filter(pk=article_id).exists():
        return _answer(400, "unknown article")
    network = network_of(client_address(request))
    counting.count_read(article_id, network, request.headers.get("User-Agent", ""))
    return _answer(204, "")


def same_site(request: HttpRequest) -> bool:
    """Sent by a page of ours: browsers say so in ``Sec-Fetch-Site``; those that do not
    send it still send ``Origin`` with a POST."""
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None:
        return fetch_site == "same-origin"
    return request.headers.get("Origin") == f"{request.scheme}://{request.get_host()}"


def article_of(request: HttpRequest) -> int | None:
    """The article id of a small form-encoded payload (``sendBeacon`` and ``fetch``
    send one with a ``URLSearchParams`` body), or None."""
    body = request.read(MAX_BODY + 1)
    if len(body) > MAX_BODY:
        return None
    try:
        values = QueryDict(body.decode("ascii")).getlist("article")
    except (UnicodeDecodeError, ValueError):
        return None
    if len(values) != 1 or not values[0].isascii() or not values[0].isdigit():
        return None
    article_id = int(values[0])
    return article_id if 0 < article_id < 2**63 else None


def most_read() -> list[ranking.MostRead]:
    """The block's entries, built once per content version, language and page-cache
    lifetime (the home page and every article page show it)."""
    return cached("most-read", lambda: ranking.most_read(MOST_READ_COUNT))


def _answer(status: int, message: str) -> HttpResponse:
    response = HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
    add_never_cache_headers(response)
    return response
