"""Our RSS feeds (valid RSS 2.0 pointing at our pages and our image copies, newest
first) and the sitemaps (an index of every page with its lastmod, paged by articles, at
a few queries whatever the article count)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import timedelta
from urllib.parse import urlsplit

import feedparser
import pytest
from django.test import Client

from articles.models import Article, ArticleImage, Image, Outlet
from articles.site.sitemaps import ArticleSitemap
from tests.support.site import (
    CASABLANCA,
    NOW,
    Site,
    article_id,
    bulk_articles,
    changed,
    make_article,
    newest_first,
    section,
    stored_image,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sections")]


SITEMAP_NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}


# --- our RSS -----------------------------------------------------------------------------


@pytest.fixture
def feed_site(make_outlet) -> Site:
    hespress = make_outlet(name="هسبريس", name_latin="Hespress", slug="hespress")
    le360 = make_outlet(name="لو360", name_latin="Le360", slug="le360", language="fr")
    article = make_article(hespress, section=section(), published_at=NOW)
    stored_image(article)
    pending = Image.objects.create(url="https://cdn.outlet.example.ma/pending.jpg")
    other = make_article(le360, section=section(), published_at=NOW - timedelta(hours=1))
    ArticleImage.objects.create(article=other, image=pending)
    for i in range(3):
        stored_image(make_article(hespress, section=section("politics"),
                                  published_at=NOW - timedelta(hours=2 + i)))  # fmt: skip
    changed()
    return Site(hespress, le360, article, other)


@pytest.mark.parametrize(
    ("path", "count"),
    [("/rss/", 5), ("/section/sports/rss/", 2), ("/hespress/rss/", 4), ("/le360/rss/", 1),
     ("/fr/rss/", 5), ("/fr/section/politics/rss/", 3)],
)  # fmt: skip
def test_our_feeds_are_valid_rss_pointing_at_our_pages_and_copies(
    client: Client, feed_site: Site, path: str, count: int
) -> None:
    response = client.get(path)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/rss+xml")
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "rss20"
    assert len(feed.entries) == count
    language_prefix = "/fr" if path.startswith("/fr/") else ""
    by_id = Article.objects.select_related("outlet").in_bulk()
    for entry in feed.entries:
        parts = urlsplit(entry.link)
        assert (parts.scheme, parts.netloc) == ("http", "testserver")
        article = by_id[article_id(parts.path)]
        assert parts.path == f"{language_prefix}/{article.outlet.slug}/{article.id}/"
        expected_author = article.outlet.name_latin if language_prefix else article.outlet.name
        assert entry.author == expected_author
        links = article.article_images.filter(image__status=Image.Status.STORED)
        if links.exists():
            (enclosure,) = entry.enclosures
            assert enclosure.type == "image/webp"
            assert enclosure.href == f"http://testserver/media/{links.get().image.copy.name}"
        else:
            assert entry.get("enclosures", []) == []
    assert b"cdn.outlet.example.ma" not in response.content


def test_a_feed_lists_the_newest_articles_first(client: Client, feed_site: Site) -> None:
    feed = feedparser.parse(client.get("/rss/").content)

    assert [article_id(e.link) for e in feed.entries] == (
        newest_first(list(Article.objects.all()))
    )


# --- sitemap -----------------------------------------------------------------------------


def sitemap_urls(client: Client, loc: str) -> dict[str, str | None]:
    """{loc: lastmod} of one sitemap page, fetched by its absolute address."""
    parts = urlsplit(loc)
    response = client.get(parts.path + (f"?{parts.query}" if parts.query else ""))
    assert response.status_code == 200, loc
    root = ET.fromstring(response.content)
    assert root.tag == "{http://www.sitemaps.org/schemas/sitemap/0.9}urlset"
    urls = {}
    for url in root.findall("sm:url", SITEMAP_NS):
        location = url.findtext("sm:loc", namespaces=SITEMAP_NS)
        assert location not in urls, f"{location} listed twice"
        urls[location] = url.findtext("sm:lastmod", namespaces=SITEMAP_NS)
    return urls


def sitemap_index(client: Client) -> list[ET.Element]:
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    root = ET.fromstring(response.content)
    assert root.tag == "{http://www.sitemaps.org/schemas/sitemap/0.9}sitemapindex"
    return root.findall("sm:sitemap", SITEMAP_NS)


@pytest.mark.postgres
def test_the_sitemap_index_points_at_sitemaps_listing_every_page_with_lastmod(
    client: Client, feed_site: Site, make_outlet
) -> None:
    make_outlet(slug="paused-one", status=Outlet.Status.PAUSED)

    entries = sitemap_index(client)

    locs = [e.findtext("sm:loc", namespaces=SITEMAP_NS) for e in entries]
    assert {urlsplit(loc).path for loc in locs} == {
        "/sitemap-articles.xml", "/sitemap-sections.xml", "/sitemap-outlets.xml",
        "/sitemap-articles-fr.xml", "/sitemap-sections-fr.xml", "/sitemap-outlets-fr.xml",
        "/sitemap-stories.xml", "/sitemap-stories-fr.xml",
        "/sitemap-regions.xml", "/sitemap-regions-fr.xml",
    }  # fmt: skip
    urls: dict[str, str | None] = {}
    for loc in locs:
        urls |= sitemap_urls(client, loc)
    for article in Article.objects.select_related("outlet"):
        for prefix in ("", "/fr"):
            url = f"http://testserver{prefix}/{article.outlet.slug}/{article.id}/"
            assert urls[url] == article.updated_at.astimezone(CASABLANCA).date().isoformat()
    for prefix in ("", "/fr"):
        assert urls[f"http://testserver{prefix}/section/sports/"]
        assert urls[f"http://testserver{prefix}/section/politics/"]
        assert f"http://testserver{prefix}/section/health/" in urls  # no articles: no lastmod
        assert urls[f"http://testserver{prefix}/hespress/"]
        assert urls[f"http://testserver{prefix}/le360/"]
        assert f"http://testserver{prefix}/paused-one/" not in urls
        # The regions' list and the twelve region pages (no lastmod: docs/regions.md).
        assert f"http://testserver{prefix}/regions/" in urls
        assert f"http://testserver{prefix}/region/souss-massa/" in urls


@pytest.mark.postgres
def test_the_article_sitemap_is_paged_and_its_pages_cover_every_article_once(
    client: Client, make_outlet, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ArticleSitemap, "limit", 5)
    outlet = make_outlet(slug="big")
    bulk_articles(outlet, 12)
    changed()

    locs = [e.findtext("sm:loc", namespaces=SITEMAP_NS) for e in sitemap_index(client)]
    article_pages = [loc for loc in locs if "sitemap-articles" in loc]

    # One sitemap per edition, each paged by articles: 12 articles / 5 per page.
    pages = sorted((urlsplit(loc).path, urlsplit(loc).query) for loc in article_pages)
    assert pages == [
        (path, query)
        for path in ("/sitemap-articles-fr.xml", "/sitemap-articles.xml")
        for query in ("", "p=2", "p=3")
    ]
    seen: list[str] = []
    for loc in article_pages:
        urls = sitemap_urls(client, loc)
        assert 0 < len(urls) <= 5 and all(urls.values())
        seen += urls
    assert len(seen) == len(set(seen)) == 24
    assert client.get("/sitemap-articles.xml?p=4").status_code == 404


# --- the sitemap's cost --------------------------------------------------------------


@pytest.mark.postgres
def test_the_sitemap_index_costs_a_few_queries_whatever_the_article_count(
    make_outlet, client: Client, django_assert_max_num_queries
) -> None:
    bulk_articles(make_outlet(slug="many"), 300)
    changed()

    # Per sitemap (four kinds, two editions) a count and a latest date; the regions'
    # (two editions) their list, without lastmod; the version.
    with django_assert_max_num_queries(8 * 2 + 2 + 2):
        response = client.get("/sitemap.xml")
    assert response.status_code == 200
