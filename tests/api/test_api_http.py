"""The public JSON API's HTTP, through Django's test client: JSON errors naming the
parameter, a JSON 404 for any other address under /api/, 304 by ETag and Last-Modified,
Cache-Control and gzip like the pages, CORS on every answer, never a cookie, the rate
limit per network (behind trusted proxies too, cached answers counted), and a number of
queries that does not grow with the articles or outlets.

Rows come from tests/support/site.py, the JSON reading from tests/support/api.py.
"""

from __future__ import annotations

import gzip
import json
import logging
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils.http import http_date

from articles.api import limits
from articles.api.schemas import ArticleFilters, StoryFilters
from articles.models import Article, ContentVersion, Outlet
from articles.search.index import index_articles
from articles.search.words import MAX_QUERY_LENGTH
from articles.site.cache import API_PARAMETERS, forget_version
from tests.support.api import API, answer, get
from tests.support.site import NOW, bulk_articles, changed, make_article, section, stored_image

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sections")]

Response = Any


@pytest.fixture
def article(outlets: tuple[Outlet, Outlet]) -> Article:
    hespress, le360 = outlets
    article = make_article(hespress, section=section(), title="المنتخب يفوز")
    stored_image(article)
    make_article(le360, language="fr", published_at=NOW - timedelta(hours=1))
    changed()
    return article


ENDPOINTS = [
    "/articles", "/articles?outlet=le360&limit=1", "/articles/{id}", "/outlets",
    "/outlets/hespress", "/sections",
]  # fmt: skip


def path_of(template: str, article: Article) -> str:
    return f"{API}{template.format(id=article.id)}"


# --- errors --------------------------------------------------------------------------------

BAD_PARAMETERS = [
    ("limit=abc", 422, "limit"),
    ("limit=0", 422, "limit"),
    ("limit=101", 422, "limit"),
    ("limit=1.5", 422, "limit"),
    ("since=notadate", 422, "since"),
    ("until=2025-13-01", 422, "until"),
    ("until=0001-01-01T00:00:00%2B14:00", 400, "until"),  # before what a database holds
    ("lang=en", 422, "lang"),
    ("outlet=nope", 400, "outlet"),
    ("outlet=a%20b", 422, "outlet"),
    ("section=nope", 400, "section"),
    ("before=garbage", 422, "before"),
    ("before=k123", 400, "before"),  # a search's cursor given to the list
    ("q=x&before=123-4", 400, "before"),  # the list's cursor given to a search
    ("q=x&before=k9999999999999999999", 400, "before"),  # past any sort key
    (f"q={'x' * (MAX_QUERY_LENGTH + 1)}", 422, "q"),
]


@pytest.mark.parametrize(
    ("query", "status", "name"), BAD_PARAMETERS, ids=[q[:40] for q, *_ in BAD_PARAMETERS]
)
def test_a_bad_parameter_is_a_json_error_naming_it(
    client: Client, article: Article, query: str, status: int, name: str
) -> None:
    body = get(client, f"/articles?{query}", status)

    assert list(body) == ["detail"]
    assert body["detail"].startswith(f"{name}: "), body


@pytest.mark.parametrize(
    ("path", "status", "detail"),
    [
        ("/articles/999999", 404, "no article with id 999999"),
        ("/articles/abc", 422, "article_id: "),
        ("/articles/0", 422, "article_id: "),
        (f"/articles/{2**63}", 422, "article_id: "),
        ("/outlets/nope", 404, "no outlet with slug 'nope'"),
        ("/outlets/no%20pe", 422, "slug: "),
    ],
)
def test_an_unknown_or_malformed_id_is_a_json_error(
    client: Client, article: Article, path: str, status: int, detail: str
) -> None:
    assert get(client, path, status)["detail"].startswith(detail)


@pytest.mark.parametrize(
    "path",
    ["/api", "/api/", "/api/v1", "/api/v1/", "/api/v1/nope", "/api/v1/articles/",
     "/api/v2/articles", "/api/v1/articles/1/body", "/api/v1/outlets/hespress/articles",
     "/api/v1/%3Cscript%3E"],
)  # fmt: skip
def test_any_other_address_under_api_is_a_json_404_never_html(
    client: Client, article: Article, path: str
) -> None:
    response = client.get(path)

    body = answer(response, 404)
    assert body["detail"].startswith("no such address: /api")
    assert not response.content.lstrip().startswith(b"<")  # never the site's HTML page
    assert response["X-Content-Type-Options"] == "nosniff"  # an echoed path stays JSON


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete", "options"])
def test_other_methods_are_refused_in_json_never_with_an_html_csrf_page(
    article: Article, method: str
) -> None:
    client = Client(enforce_csrf_checks=True)  # as browsers are checked
    for template in [*ENDPOINTS, "/openapi.json"]:
        response = getattr(client, method)(path_of(template, article))
        body = answer(response, 405)
        assert body["detail"] == f"method not allowed: {method.upper()}", template
        assert response["Allow"] == "GET, HEAD", template
    for path in ("/api/v1/", "/api/v1/nope", "/api/v2/articles"):
        assert answer(getattr(client, method)(path), 404)["detail"].startswith("no such")
    assert Article.objects.count() == 2


@pytest.mark.parametrize("template", ENDPOINTS)
def test_head_is_answered_like_get_without_a_body(
    client: Client, article: Article, template: str
) -> None:
    path = path_of(template, article)
    got = client.get(path)

    for attempt in ("miss", "hit"):
        head = client.head(path)
        assert head.status_code == 200, attempt
        assert head.content == b"", attempt
        for header in ("Content-Type", "Last-Modified", "Cache-Control", "Content-Language"):
            assert head[header] == got[header], (attempt, header)
        assert head["Access-Control-Allow-Origin"] == "*" and not head.cookies


# --- caching and headers -----------------------------------------------------------------


def test_the_cache_keys_every_parameter_of_the_lists_and_nothing_else() -> None:
    assert set(API_PARAMETERS) == set(ArticleFilters.model_fields) | set(StoryFilters.model_fields)


def test_an_unknown_parameter_neither_splits_the_cache_nor_travels_in_next(
    client: Client, article: Article
) -> None:
    """Else any client could make every request a miss, and fill the cache with copies."""
    first = get(client, "/articles", data={"limit": 1, "zzz": "1"})
    assert "zzz" not in first["next"] and "limit=1" in first["next"]
    before = len(cache._cache)  # type: ignore[attr-defined]  # the local-memory cache
    for n in range(5):
        assert get(client, "/articles", data={"limit": 1, "zzz": str(n)}) == first
    assert len(cache._cache) == before  # type: ignore[attr-defined]


def test_a_cursor_out_of_range_is_refused_not_read_as_the_first_page(
    client: Client, article: Article
) -> None:
    refused = get(client, "/articles", 400, data={"before": "999999999999999999-5"})
    assert refused["detail"].startswith("before:")


@pytest.mark.parametrize("encoding", ["", "gzip"])
@pytest.mark.parametrize("template", ENDPOINTS)
def test_an_unchanged_answer_is_304_to_its_etag_and_to_if_modified_since(
    client: Client, article: Article, template: str, encoding: str
) -> None:
    path = path_of(template, article)
    first = client.get(path, HTTP_ACCEPT_ENCODING=encoding)
    assert first.status_code == 200 and first.has_header("ETag")
    version = ContentVersion.objects.current()
    assert first["Last-Modified"] == http_date(version.changed_at.timestamp())

    by_etag = client.get(path, HTTP_ACCEPT_ENCODING=encoding, HTTP_IF_NONE_MATCH=first["ETag"])
    cache.clear()  # another process: same content version, nothing cached
    elsewhere = client.get(path, HTTP_ACCEPT_ENCODING=encoding, HTTP_IF_NONE_MATCH=first["ETag"])
    by_date = client.get(path, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])

    for response in (by_etag, elsewhere, by_date):
        assert response.status_code == 304 and response.content == b""
        assert not response.cookies


def test_a_new_article_changes_the_etag_and_the_answer_at_once(
    client: Client, article: Article, outlets
) -> None:
    # Validators carry whole seconds: the fixture's change is moved an hour back.
    ContentVersion.objects.update(changed_at=NOW - timedelta(hours=1))
    forget_version()
    first = client.get(f"{API}/articles")
    assert client.get(f"{API}/articles", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304

    new = make_article(outlets[0], title="عاجل", published_at=NOW + timedelta(minutes=1))
    changed()
    again = client.get(f"{API}/articles", HTTP_IF_NONE_MATCH=first["ETag"])
    dated = client.get(f"{API}/articles", HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])

    assert again.status_code == 200 and again["ETag"] != first["ETag"]
    assert answer(again)["items"][0]["id"] == new.id
    assert dated.status_code == 200


@pytest.mark.parametrize("template", ENDPOINTS)
def test_answers_are_public_for_a_minute_and_never_set_a_cookie(
    client: Client, settings, article: Article, template: str
) -> None:
    path = path_of(template, article)
    # A reader of the site carries cookies; the API ignores them.
    client.cookies["sessionid"] = "x" * 32
    client.cookies["csrftoken"] = "y" * 32
    for attempt in ("miss", "hit"):
        response = client.get(path)
        answer(response)  # JSON, CORS, no Set-Cookie
        control = {part.strip() for part in response["Cache-Control"].split(",")}
        assert control == {"public", f"max-age={settings.PAGE_MAX_AGE_SECONDS}"}, attempt
        assert settings.PAGE_MAX_AGE_SECONDS == 60
        assert "Cookie" not in response.get("Vary", ""), attempt
        assert b"csrfmiddlewaretoken" not in response.content
    assert set(client.cookies) == {"sessionid", "csrftoken"}  # none added, none deleted


# Answers that gzip shortens whatever the up to 100 random bytes GZipMiddleware adds
# against BREACH (a shorter one is sent as it is when padding makes it no shorter).
@pytest.mark.parametrize("template", ["/articles", "/articles/{id}", "/outlets", "/sections"])
def test_answers_are_gzipped_for_clients_that_accept_it_and_only_for_them(
    client: Client, article: Article, template: str
) -> None:
    path = path_of(template, article)
    for attempt in ("miss", "hit"):
        zipped = client.get(path, HTTP_ACCEPT_ENCODING="gzip, deflate, br")
        plain = client.get(path)
        assert zipped["Content-Encoding"] == "gzip", attempt
        assert "Accept-Encoding" in zipped["Vary"] and "Accept-Encoding" in plain["Vary"]
        assert not plain.has_header("Content-Encoding"), attempt
        assert json.loads(gzip.decompress(zipped.content)) == json.loads(plain.content)
        assert zipped["Access-Control-Allow-Origin"] == "*" and not zipped.cookies


def test_arabic_is_written_as_utf8_not_escaped(client: Client, article: Article) -> None:
    response = client.get(f"{API}/articles")

    assert "المنتخب يفوز".encode() in response.content
    assert b"\\u0627" not in response.content


def test_the_answer_is_the_same_whatever_language_the_client_prefers(
    client: Client, article: Article
) -> None:
    arabic = client.get(f"{API}/articles")
    french = client.get(f"{API}/articles", HTTP_ACCEPT_LANGUAGE="fr")

    assert french.content == arabic.content  # our pages' addresses, in the Arabic edition


# --- the rate limit ------------------------------------------------------------------------


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch, settings) -> list[float]:
    """The rate limit's clock, 15.5 s into a window; 3 requests a minute."""
    settings.API_RATE_LIMIT = 3
    settings.API_RATE_WINDOW_SECONDS = 60
    now = [1_800_000_000 + 15.5]  # a multiple of 60, and a half
    monkeypatch.setattr(limits, "time", SimpleNamespace(time=lambda: now[0]))
    return now


def ask(
    client: Client, address: str, path: str = f"{API}/articles", forwarded: str = ""
) -> Response:
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    return client.get(path, REMOTE_ADDR=address, headers=headers)


def test_the_fourth_request_in_a_minute_from_one_network_is_429(
    client: Client, article: Article, clock: list[float]
) -> None:
    paths = [f"{API}/articles", f"{API}/outlets", f"{API}/nope"]  # errors count too
    assert [ask(client, "203.0.113.10", p).status_code for p in paths] == [200, 200, 404]

    refused = ask(client, "203.0.113.200")  # the same /24

    body = answer(refused, 429)
    assert refused["Retry-After"] == "45"  # the seconds left in this window
    assert body["detail"] == "too many requests from your network: try again in 45 s"
    assert ask(client, "203.0.114.10").status_code == 200  # another /24
    assert ask(client, "2001:db8:1::1").status_code == 200
    clock[0] += 45
    assert ask(client, "203.0.113.10").status_code == 200  # a new window


def test_answers_from_the_page_cache_count_too(
    client: Client, article: Article, clock: list[float], django_assert_max_num_queries
) -> None:
    assert ask(client, "198.51.100.7").status_code == 200
    for _hit in range(2):
        with django_assert_max_num_queries(1):  # at most the version check: a cache hit
            assert ask(client, "198.51.100.7").status_code == 200

    assert ask(client, "198.51.100.7").status_code == 429
    assert ask(client, "198.51.100.7", "/").status_code == 200  # pages are not limited


def test_ipv6_clients_are_counted_by_their_48(
    client: Client, article: Article, clock: list[float]
) -> None:
    for address in ("2001:db8:1::1", "2001:db8:1:ffff::2", "2001:db8:1:1::3"):
        assert ask(client, address).status_code == 200

    assert ask(client, "2001:db8:1:2::4").status_code == 429
    assert ask(client, "2001:db8:2::1").status_code == 200


def test_behind_a_trusted_proxy_the_limit_follows_the_forwarded_address(
    client: Client, settings, article: Article, clock: list[float]
) -> None:
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = "10.0.0.2"
    for _ in range(3):
        assert ask(client, proxy, forwarded="203.0.113.5").status_code == 200

    # The client's own leftmost entry is not read: the proxy's entry is the client.
    forged = ask(client, proxy, forwarded="192.0.2.9, 203.0.113.6")
    assert forged.status_code == 429
    for other in ("198.51.100.5", "192.0.2.9"):
        assert ask(client, proxy, forwarded=other).status_code == 200


def test_without_a_trusted_proxy_a_forwarded_for_is_ignored(
    client: Client, settings, article: Article, clock: list[float]
) -> None:
    settings.TRUSTED_PROXY_COUNT = 0
    spoofed = ["198.51.100.1", "192.0.2.1", "100.64.0.1", "203.0.113.77"]

    statuses = [ask(client, "203.0.113.10", forwarded=s).status_code for s in spoofed]

    assert statuses == [200, 200, 200, 429]


def test_a_failing_cache_lets_requests_through(
    client: Client, article: Article, clock: list[float], monkeypatch, caplog
) -> None:
    def broken(*args: object, **kwargs: object) -> int:
        raise ConnectionError("cache down")

    monkeypatch.setattr(limits.cache, "incr", broken)
    with caplog.at_level(logging.WARNING, logger="articles.api.limits"):
        statuses = [ask(client, "203.0.113.10", f"{API}/articles?limit={n}").status_code
                    for n in range(1, 6)]  # fmt: skip

    assert statuses == [200] * 5
    assert "API rate limit not counted" in caplog.text


# --- queries per request -------------------------------------------------------------------


def cold_queries(client: Client, path: str) -> int:
    """Queries of one request on a page-cache miss, the content version read afresh."""
    cache.clear()
    forget_version()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200, response.content[:300]
    return len(captured)


def illustrated(outlet: Outlet, count: int, *, title: str = "") -> None:
    """``count`` more articles of ``outlet``, each with a picture of ours."""
    for n in range(count):
        article = make_article(outlet, section=section(), title=f"{title} {n}".strip(),
                               published_at=NOW - timedelta(minutes=n))  # fmt: skip
        stored_image(article)
    index_articles(Article.objects.values_list("id", flat=True))
    changed()


@pytest.mark.postgres
@pytest.mark.parametrize(
    "query", ["limit=100", "outlet=hespress&section=sports&limit=100", "q=مباراة&limit=100",
              "q=مباراة&lang=ar&limit=100"],
)  # fmt: skip
def test_the_articles_list_costs_as_many_queries_at_50_articles_as_at_5(
    client: Client, outlets, query: str
) -> None:
    hespress, le360 = outlets
    illustrated(hespress, 3, title="مباراة")
    illustrated(le360, 2, title="مباراة")
    path = f"{API}/articles?{query}"
    at_five = cold_queries(client, path)
    assert len(answer(client.get(path))["items"]) in (3, 5)

    illustrated(hespress, 27, title="مباراة")
    illustrated(le360, 18, title="مباراة")
    at_fifty = cold_queries(client, path)

    assert len(answer(client.get(path))["items"]) in (30, 50)
    assert at_fifty == at_five


@pytest.mark.postgres
def test_an_article_costs_as_many_queries_with_ten_pictures_as_with_one(
    client: Client, outlets
) -> None:
    article = make_article(outlets[0])
    images = [stored_image(article, position=n) for n in range(10)]

    def with_pictures(count: int) -> int:
        body = "".join(f'<p><img src="{image.url}" alt="{n}"></p>' for n, image in
                       enumerate(images[:count]))  # fmt: skip
        Article.objects.filter(pk=article.pk).update(body_html=body)
        changed()
        return cold_queries(client, f"{API}/articles/{article.id}")

    assert with_pictures(10) == with_pictures(2)
    assert answer(client.get(f"{API}/articles/{article.id}"))["body_html"].count("<img") == 1


@pytest.mark.postgres
def test_the_outlets_list_costs_as_many_queries_at_30_outlets_as_at_3(
    client: Client, make_outlet
) -> None:
    def grow(count: int) -> None:
        for _ in range(count):
            outlet = make_outlet(last_success_at=NOW)
            bulk_articles(outlet, 2)
        changed()

    grow(3)
    at_three = cold_queries(client, f"{API}/outlets")
    grow(27)
    at_thirty = cold_queries(client, f"{API}/outlets")

    assert len(answer(client.get(f"{API}/outlets"))) == 30
    assert at_thirty == at_three
