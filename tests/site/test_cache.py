"""The reading site's caching and response headers: query counts with warm caches at 10
and 1,000 articles, 304s by ETag and Last-Modified, a new article showing at once, and
what every page response carries (Cache-Control, no cookie, CSP, gzip); tracking
parameters neither split the page cache nor reach the links.

Rows and page readers come from tests/support/site.py.
"""

from __future__ import annotations

import gzip
from datetime import timedelta

import feedparser
import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from articles.ingest.feeds import ingest_bytes
from articles.models import Article, ArticleImage, ContentVersion, Image, Outlet
from articles.site.cache import forget_version
from articles.site.sitemaps import ArticleSitemap
from tests.support.site import (
    NOW,
    bulk_articles,
    changed,
    make_article,
    parse,
    rss,
    rss_item,
    section,
    stored_image,
    text,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sections")]

MAX_QUERIES = 6


@pytest.fixture
def outlets(make_outlet) -> tuple[Outlet, Outlet]:
    hespress = make_outlet(name="هسبريس", name_latin="Hespress", slug="hespress",
                           site_url="https://www.hespress.com")  # fmt: skip
    le360 = make_outlet(name="لو360", name_latin="Le360", slug="le360", language="fr")
    return hespress, le360


def grow(hespress: Outlet, le360: Outlet, count: int, *, illustrated: int = 0) -> None:
    """``count`` more articles, older than NOW, over two outlets and two sections; the
    newest ``illustrated`` of each outlet get a stored image."""
    half = count // 2
    bulk_articles(hespress, half, section=section(), newest=NOW - timedelta(minutes=1))
    bulk_articles(le360, count - half, section=section("politics"),
                  newest=NOW - timedelta(seconds=30))  # fmt: skip
    for outlet in (hespress, le360):
        for article in outlet.articles.order_by("-published_at")[:illustrated]:
            if not article.article_images.exists():
                stored_image(article)
    changed()


# --- query counts ------------------------------------------------------------------------

PAGES = [
    "/", "/fr/", "/hespress/{id}/", "/section/sports/", "/hespress/", "/outlets/", "/rss/",
    "/section/sports/rss/", "/hespress/rss/",
]  # fmt: skip


def warm_count(client: Client, path: str, assert_max_queries) -> int:
    """Queries of one request of ``path`` with warm caches.

    "Warm" here: the fragment caches (navigation, ticker, home blocks, outlet list) hold
    the current content version, because the same page was just rendered once; the
    whole-page cache misses, because the test turns it off (PAGE_CACHE_SECONDS = 0:
    ``PageCacheMiddleware`` then renders every time, while ``cache.cached`` still keeps
    fragments for 60 s). So what is counted is the view's own work on a page-cache
    miss, plus one read of the content version: the request is taken at a recheck
    boundary (the memo is forgotten just before it), the worst case for a web process
    whose CONTENT_VERSION_RECHECK_SECONDS is not 0.
    """
    assert client.get(path).status_code == 200
    forget_version()
    with assert_max_queries(MAX_QUERIES) as captured:
        response = client.get(path)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.postgres
@pytest.mark.parametrize("template", PAGES)
def test_a_page_costs_at_most_six_queries_with_warm_caches_however_many_articles(
    client: Client, settings, outlets, django_assert_max_num_queries, template: str
) -> None:
    settings.PAGE_CACHE_SECONDS = 0
    settings.CONTENT_VERSION_RECHECK_SECONDS = 3600  # data changes only through changed()
    hespress, le360 = outlets
    article = make_article(hespress, section=section(), published_at=NOW)
    stored_image(article)
    grow(hespress, le360, 9, illustrated=2)
    path = template.format(id=article.id)

    at_ten = warm_count(client, path, django_assert_max_num_queries)
    grow(hespress, le360, 990, illustrated=10)
    assert Article.objects.count() == 1000
    at_thousand = warm_count(client, path, django_assert_max_num_queries)

    assert at_thousand == at_ten


@pytest.mark.postgres
@pytest.mark.parametrize("template", PAGES)
def test_a_cold_page_costs_as_many_queries_at_1000_articles_as_at_10(
    client: Client, settings, outlets, template: str
) -> None:
    settings.PAGE_CACHE_SECONDS = 0
    settings.CONTENT_VERSION_RECHECK_SECONDS = 3600  # data changes only through changed()
    hespress, le360 = outlets
    article = make_article(hespress, section=section(), published_at=NOW)
    stored_image(article)
    grow(hespress, le360, 9, illustrated=2)
    path = template.format(id=article.id)

    def cold() -> int:
        cache.clear()
        forget_version()
        with CaptureQueriesContext(connection) as captured:
            assert client.get(path).status_code == 200
        return len(captured)

    at_ten = cold()
    grow(hespress, le360, 990, illustrated=10)

    assert cold() == at_ten


@pytest.mark.postgres
def test_a_page_served_from_the_page_cache_costs_at_most_the_version_read(
    client: Client, outlets, django_assert_max_num_queries
) -> None:
    hespress, le360 = outlets
    article = make_article(hespress, section=section())
    grow(hespress, le360, 20)

    for path in ("/", f"/hespress/{article.id}/", "/section/sports/", "/rss/", "/sitemap.xml"):
        first = client.get(path)
        with django_assert_max_num_queries(1):
            again = client.get(path)
        assert again.content == first.content


def test_parameters_pages_do_not_read_neither_split_the_cache_nor_reach_links(
    make_outlet, client: Client, django_assert_max_num_queries
) -> None:
    outlet = make_outlet(slug="params")
    for _ in range(3):
        make_article(outlet, section=section())
    changed()
    client.get("/section/sports/")  # cached now

    with django_assert_max_num_queries(1):  # at most the version check
        response = client.get("/section/sports/?utm_source=x&fbclid=y")
    assert response.status_code == 200
    assert "utm_source" not in response.content.decode()
    assert "fbclid" not in response.content.decode()


@pytest.mark.postgres
def test_a_sitemap_page_reads_only_its_own_rows(
    client: Client, outlets, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ArticleSitemap, "limit", 10)
    hespress, le360 = outlets
    grow(hespress, le360, 200)

    with CaptureQueriesContext(connection) as captured:
        assert client.get("/sitemap-articles.xml?p=3").status_code == 200

    table = Article._meta.db_table
    reads = [q["sql"] for q in captured if f'FROM "{table}"' in q["sql"]]
    assert reads
    unbounded = [sql for sql in reads if "LIMIT" not in sql and "COUNT(" not in sql]
    assert not unbounded, unbounded


# --- conditional GET ----------------------------------------------------------------------

CACHED_PAGES = [
    "/", "/fr/", "/hespress/{id}/", "/section/sports/", "/hespress/", "/outlets/", "/about/",
    "/rss/", "/hespress/rss/", "/sitemap.xml", "/sitemap-articles.xml",
]  # fmt: skip


@pytest.fixture
def article(outlets) -> Article:
    hespress, le360 = outlets
    article = make_article(hespress, section=section())
    stored_image(article)
    make_article(le360, section=section("politics"), published_at=NOW - timedelta(hours=1))
    changed()
    return article


@pytest.mark.parametrize("encoding", ["", "gzip"])
@pytest.mark.parametrize("template", CACHED_PAGES)
def test_an_unchanged_page_answers_304_to_its_etag(
    client: Client, article: Article, template: str, encoding: str
) -> None:
    path = template.format(id=article.id)
    first = client.get(path, HTTP_ACCEPT_ENCODING=encoding)
    assert first.status_code == 200 and first.has_header("ETag")

    again = client.get(path, HTTP_ACCEPT_ENCODING=encoding, HTTP_IF_NONE_MATCH=first["ETag"])

    assert again.status_code == 304
    assert again.content == b""


@pytest.mark.parametrize("template", CACHED_PAGES)
def test_an_unchanged_page_answers_304_to_if_modified_since(
    client: Client, article: Article, template: str
) -> None:
    path = template.format(id=article.id)
    first = client.get(path)
    assert first.status_code == 200 and first.has_header("Last-Modified")

    again = client.get(path, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])

    assert again.status_code == 304


@pytest.mark.parametrize("encoding", ["", "gzip"])
@pytest.mark.parametrize("template", ["/", "/hespress/{id}/", "/rss/"])
def test_the_etag_of_an_unchanged_page_is_the_same_from_another_process(
    client: Client, article: Article, template: str, encoding: str
) -> None:
    """Each web process has its own page cache (local memory by default): one that never
    rendered the page must still recognise the ETag a browser got from another."""
    path = template.format(id=article.id)
    first = client.get(path, HTTP_ACCEPT_ENCODING=encoding)

    for _process in range(5):
        cache.clear()  # as in another process: same content version, nothing cached
        again = client.get(path, HTTP_ACCEPT_ENCODING=encoding, HTTP_IF_NONE_MATCH=first["ETag"])
        assert again.status_code == 304, (first["ETag"], again.get("ETag"))


def an_hour_ago_the_content_last_changed() -> None:
    """Validators carry whole seconds: a change in the second of the previous one would
    not be seen by If-Modified-Since alone, so the fixtures' change is moved back."""
    ContentVersion.objects.update(changed_at=NOW - timedelta(hours=1))
    forget_version()


def test_a_new_article_stored_by_ingest_shows_at_once_on_home_and_in_the_ticker(
    client: Client, article: Article, outlets
) -> None:
    hespress, _ = outlets
    an_hour_ago_the_content_last_changed()
    home = client.get("/")
    about = client.get("/about/")
    assert "عاجل من الاختبار" not in home.content.decode()

    ingest_bytes(hespress, rss(rss_item("new-1", "عاجل من الاختبار",
                                        date="Mon, 22 Dec 2025 12:00:00 +0100")))  # fmt: skip

    fresh = client.get("/", HTTP_IF_NONE_MATCH=home["ETag"])
    assert fresh.status_code == 200
    tree = parse(fresh)
    new = Article.objects.get(key__contains="new-1")
    ticker = [text(a) for a in tree.xpath("//ul[@class='ticker-track']/li/a")]
    assert ticker[0] == "عاجل من الاختبار - هسبريس"
    latest_titles = [text(a) for a in tree.xpath("//main//h3[@class='story-title']/a")]
    assert "عاجل من الاختبار" in latest_titles
    about_again = client.get("/about/", HTTP_IF_MODIFIED_SINCE=about["Last-Modified"])
    assert about_again.status_code == 200
    assert f"/hespress/{new.id}/" in about_again.content.decode()


def test_a_feed_revalidated_after_an_image_copy_arrived_gets_the_enclosure(
    client: Client, outlets
) -> None:
    hespress, _ = outlets
    article = make_article(hespress)
    image = Image.objects.create(url="https://cdn.outlet.example.ma/late.jpg")
    ArticleImage.objects.create(article=article, image=image)
    changed()
    an_hour_ago_the_content_last_changed()
    first = client.get("/rss/")
    assert feedparser.parse(first.content).entries[0].get("enclosures", []) == []

    # What articles.images._record_copy does when the copy is made.
    Image.objects.filter(id=image.id).update(
        status=Image.Status.STORED, copy="images/ab/ab-1200.webp", copy_width=1200,
        copy_height=675, copy_byte_size=100, thumbnail="images/ab/ab-400.webp",
        thumbnail_width=400, thumbnail_height=225,
    )  # fmt: skip
    changed()
    again = client.get("/rss/", HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])

    assert again.status_code == 200
    (enclosure,) = feedparser.parse(again.content).entries[0].enclosures
    assert enclosure.href == "http://testserver/media/images/ab/ab-1200.webp"


# --- what every page response carries ------------------------------------------------------


def directives(policy: str) -> dict[str, list[str]]:
    parsed = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            parsed[words[0]] = words[1:]
    return parsed


@pytest.mark.parametrize("template", CACHED_PAGES)
def test_a_page_is_public_for_a_while_sets_no_cookie_and_has_no_csrf_token(
    client: Client, settings, article: Article, template: str
) -> None:
    path = template.format(id=article.id)
    for attempt in ("miss", "hit"):
        response = client.get(path)
        assert response.status_code == 200, attempt
        control = {part.strip() for part in response["Cache-Control"].split(",")}
        assert "public" in control, attempt
        assert f"max-age={settings.PAGE_MAX_AGE_SECONDS}" in control, attempt
        assert not response.cookies, attempt
        assert not response.has_header("Set-Cookie"), attempt
        assert b"csrfmiddlewaretoken" not in response.content
    assert not client.cookies


@pytest.mark.parametrize("template", [*CACHED_PAGES, "/no-such-outlet/", "/robots.txt"])
def test_every_response_carries_the_security_headers(
    client: Client, article: Article, template: str
) -> None:
    path = template.format(id=article.id)
    for attempt in ("miss", "hit"):
        response = client.get(path)
        policy = directives(response["Content-Security-Policy"])
        assert policy["default-src"] == ["'self'"], attempt
        assert policy["object-src"] == ["'none'"]
        assert policy["base-uri"] == ["'none'"]
        assert policy["frame-ancestors"] == ["'none'"]
        script_src = policy.get("script-src", policy["default-src"])
        assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
        assert not [s for s in script_src if s.startswith("'nonce-")], "a cached nonce"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] in ("same-origin", "strict-origin-when-cross-origin")


@pytest.mark.parametrize("template", ["/", "/fr/", "/hespress/{id}/", "/section/sports/",
                                      "/outlets/", "/rss/"])  # fmt: skip
def test_pages_are_gzipped_for_clients_that_accept_it_and_only_for_them(
    client: Client, article: Article, template: str
) -> None:
    path = template.format(id=article.id)
    for attempt in ("miss", "hit"):
        zipped = client.get(path, HTTP_ACCEPT_ENCODING="gzip, deflate, br")
        assert zipped["Content-Encoding"] == "gzip", attempt
        assert "Accept-Encoding" in zipped["Vary"]
        body = gzip.decompress(zipped.content)
        assert body.lstrip().startswith((b"<!doctype html>", b"<?xml"))

        plain = client.get(path)
        assert not plain.has_header("Content-Encoding"), attempt
        assert plain.content == body or plain.content.startswith(body[:200])
        assert "Accept-Encoding" in plain["Vary"]


def test_the_two_editions_never_share_a_cached_page(client: Client, article: Article) -> None:
    arabic = parse(client.get("/"))
    french = parse(client.get("/fr/"))
    arabic_again = parse(client.get("/"))

    assert (arabic.get("lang"), french.get("lang"), arabic_again.get("lang")) == ("ar", "fr", "ar")
    assert french.xpath("//a[@href='/fr/outlets/']")
