"""The reading site through Django's test client: every address in both editions, feed
text escaped everywhere, keyset pages, Moroccan dates and Arabic plural forms, reserved
outlet slugs, our RSS and sitemap, and what the home, article and outlet pages show.

Rows are written directly (``Article.objects.create``, or ``articles.ingest.store.insert_rows``
for many) unless a test is about what ingest stores: a page must be safe whatever text
it is given. Caching is covered in test_site_cache.py.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from io import StringIO
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import feedparser
import lxml.html
import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.templatetags.static import static
from django.test import Client
from django.utils import translation

from articles.ingest.feeds import ingest_bytes
from articles.ingest.store import ARTICLE_FIELDS
from articles.lib.sql import insert_rows
from articles.models import Article, ArticleImage, Category, ContentVersion, Image, Source
from articles.site.cache import forget_version
from articles.site.paging import PAGE_SIZE
from articles.site.sitemaps import ArticleSitemap
from articles.templatetags.reading import relative_time

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2025, 12, 22, 10, 0, tzinfo=UTC)
CASABLANCA = ZoneInfo("Africa/Casablanca")
ARTICLE_PATH = re.compile(r"^(?:https?://testserver)?/(?:fr/)?([\w-]+)/(\d+)/$")
ARABIC_INDIC_DIGITS = "٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹"
SOURCE_LINK_TEXT = "انقر هنا لقراءة الخبر من مصدره"
SITEMAP_NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}
_serial = itertools.count(1)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sections")]


# --- helpers -------------------------------------------------------------------------


def changed() -> None:
    """Say that what readers see changed, as the writers do after storing rows."""
    ContentVersion.objects.bump()
    forget_version()


def section(slug: str = "sports") -> Category:
    return Category.objects.get(slug=slug)


def make_article(
    source: Source,
    *,
    title: str | None = None,
    published_at: datetime = NOW,
    category: Category | None = None,
    url: str | None = None,
    **fields: object,
) -> Article:
    n = next(_serial)
    fields.setdefault("summary", f"ملخص الخبر رقم {n}")
    fields.setdefault("body_html", f"<p>نص الخبر رقم {n}</p>")
    return Article.objects.create(
        source=source,
        key=f"key-{n}",
        url=f"https://{source.slug}.example.ma/news/{n}" if url is None else url,
        title=title if title is not None else f"خبر رقم {n}",
        published_at=published_at,
        fetched_at=published_at,
        updated_at=published_at,
        content_hash=f"hash-{n}",
        category=category,
        **fields,
    )


def stored_image(article: Article | None = None, position: int = 0) -> Image:
    """An image we hold a copy of (the files themselves are not needed to render)."""
    n = next(_serial)
    digest = hashlib.sha256(str(n).encode()).hexdigest()
    image = Image.objects.create(
        url=f"https://cdn.outlet.example.ma/photos/{n}.jpg",
        status=Image.Status.STORED,
        sha256=digest,
        copy=f"images/{digest[:2]}/{digest}-1200.webp",
        copy_width=1200,
        copy_height=675,
        copy_byte_size=54_321,
        thumbnail=f"images/{digest[:2]}/{digest}-400.webp",
        thumbnail_width=400,
        thumbnail_height=225,
    )
    if article is not None:
        ArticleImage.objects.create(article=article, image=image, position=position)
    return image


def bulk_articles(
    source: Source,
    count: int,
    *,
    category: Category | None = None,
    newest: datetime = NOW,
    step: timedelta = timedelta(minutes=1),
) -> None:
    """``count`` articles in one statement, one ``step`` apart, the newest at ``newest``."""
    rows = []
    for i in range(count):
        n = next(_serial)
        moment = newest - step * i
        rows.append(
            (source.id, f"bulk-{n}", f"https://{source.slug}.example.ma/b/{n}", f"خبر {n}",
             "ملخص", "<p>نص</p>", "", "ar", category.id if category else None, moment,
             moment, moment, f"hash-{n}")
        )  # fmt: skip
    insert_rows(Article, ARTICLE_FIELDS, rows, conflict=("source", "key"))


def parse(response) -> lxml.html.HtmlElement:
    assert response.status_code == 200, (response.status_code, response.get("Location"))
    return lxml.html.fromstring(response.content.decode())


def text(element: lxml.html.HtmlElement) -> str:
    return " ".join(element.text_content().split())


def only(tree: lxml.html.HtmlElement, css_xpath: str) -> lxml.html.HtmlElement:
    found = tree.xpath(css_xpath)
    assert len(found) == 1, (css_xpath, len(found))
    return found[0]


def article_id(href: str) -> int:
    """The article id in one of our article addresses (relative or absolute)."""
    match = ARTICLE_PATH.match(href)
    assert match, href
    return int(match[2])


def story_ids(tree: lxml.html.HtmlElement) -> list[int]:
    """Article ids of the story list in the page's main part, in page order."""
    hrefs = tree.xpath(
        "//main//div[contains(concat(' ', @class, ' '), ' story-list ')]"
        "//h3[@class='story-title']/a/@href"
    )
    return [article_id(href) for href in hrefs]


def pager_link(tree: lxml.html.HtmlElement, kind: str) -> str | None:
    hrefs = tree.xpath(f"//nav[@class='pager']/a[@class='pager-{kind}']/@href")
    return hrefs[0] if hrefs else None


def newest_first(articles: list[Article]) -> list[int]:
    return [a.id for a in sorted(articles, key=lambda a: (a.published_at, a.id), reverse=True)]


@dataclass
class Site:
    hespress: Source
    le360: Source
    article: Article
    other: Article


@pytest.fixture
def site(make_source) -> Site:
    hespress = make_source(name="هسبريس", name_latin="Hespress", slug="hespress",
                           site_url="https://www.hespress.com")  # fmt: skip
    le360 = make_source(name="لو360", name_latin="Le360", slug="le360", language="fr")
    article = make_article(hespress, title="المنتخب يفوز", category=section())
    stored_image(article)
    other = make_article(le360, title="Le Maroc gagne", category=section(), language="fr")
    changed()
    return Site(hespress, le360, article, other)


# --- every address -------------------------------------------------------------------

ADDRESSES = [
    ("", 200),
    ("outlets/", 200),
    ("about/", 200),
    ("search/", 200),
    ("section/sports/", 200),
    ("section/no-such-section/", 404),
    ("{outlet}/", 200),
    ("no-such-outlet/", 404),
    ("{outlet}/{id}/", 200),
    ("{outlet}/999999/", 404),
    ("no-such-outlet/{id}/", 301),
    ("{other}/{id}/", 301),
    ("rss/", 200),
    ("section/sports/rss/", 200),
    ("section/no-such-section/rss/", 404),
    ("{outlet}/rss/", 200),
    ("no-such-outlet/rss/", 404),
    ("no/such/address/", 404),
    ("outlets", 301),  # APPEND_SLASH
    ("{outlet}", 301),
]


@pytest.mark.parametrize("prefix", ["/", "/fr/"], ids=["ar", "fr"])
@pytest.mark.parametrize(("template", "status"), ADDRESSES)
def test_every_reader_address_answers_as_it_should(
    client: Client, site: Site, prefix: str, template: str, status: int
) -> None:
    path = prefix + template.format(outlet="hespress", other="le360", id=site.article.id)

    response = client.get(path)

    assert response.status_code == status, path
    if status == 200 and "rss" not in path:
        tree = parse(response)
        assert tree.get("lang") == ("fr" if prefix == "/fr/" else "ar")


@pytest.mark.parametrize("prefix", ["/", "/fr/"], ids=["ar", "fr"])
@pytest.mark.parametrize("wrong", ["le360", "no-such-outlet", "HESPRESS"])
def test_an_article_under_another_slug_redirects_permanently_to_its_address(
    client: Client, site: Site, prefix: str, wrong: str
) -> None:
    response = client.get(f"{prefix}{wrong}/{site.article.id}/")

    assert response.status_code == 301
    assert response["Location"] == f"{prefix}hespress/{site.article.id}/"


def test_robots_txt_points_at_the_sitemap(client: Client, site: Site) -> None:
    response = client.get("/robots.txt")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert "Sitemap: http://testserver/sitemap.xml" in lines
    assert "Disallow: /admin/" in lines
    assert client.get("/sitemap.xml").status_code == 200


def test_favicon_redirects_to_the_icon_we_ship(client: Client) -> None:
    response = client.get("/favicon.ico")

    assert response.status_code == 301
    assert response["Location"] == static("favicon.ico")
    assert (ROOT / "static" / "favicon.ico").stat().st_size > 0


@pytest.mark.parametrize(
    "template",
    ["", "fr/", "outlets/", "about/", "section/sports/", "hespress/", "hespress/{id}/",
     "fr/hespress/{id}/", "robots.txt"],
)  # fmt: skip
def test_post_to_a_reader_page_is_refused_with_405(
    client: Client, site: Site, template: str
) -> None:
    response = client.post("/" + template.format(id=site.article.id), {"q": "x"})

    assert response.status_code == 405


@pytest.mark.parametrize(
    "path", ["/rss/", "/section/sports/rss/", "/hespress/rss/", "/sitemap.xml"]
)
def test_feeds_and_the_sitemap_refuse_post_like_the_pages(
    client: Client, site: Site, path: str
) -> None:
    response = client.post(path)

    assert response.status_code == 405


def test_head_answers_like_get(client: Client, site: Site) -> None:
    got = client.get("/")
    head = client.head("/")

    assert head.status_code == 200
    assert head["Content-Type"] == got["Content-Type"]


# --- feed text is text -----------------------------------------------------------------

HOSTILE_TITLE = '<script>alert("title")</script>"><img src=x onerror=alert(1)>'
HOSTILE_OUTLET = '"><img src=x onerror=alert(2)><script>alert("outlet")</script>'
HOSTILE_AUTHOR = '<script>alert("author")</script><b onmouseover=alert(3)>'
HOSTILE_SUMMARY = '</p><script>alert("summary")</script><img src=x onerror=alert(4)>'
OUR_SCRIPTS = {"/static/js/ticker.js", "/static/js/report.js"}


def assert_no_injected_markup(tree: lxml.html.HtmlElement) -> None:
    for script in tree.iter("script"):
        assert script.get("src") in OUR_SCRIPTS or script.get("type") == "application/ld+json"
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue
        handlers = [name for name in element.attrib if name.lower().startswith("on")]
        assert not handlers, (element.tag, handlers)
        assert element.tag not in ("iframe", "object", "embed", "b")
    assert not tree.xpath("//img[@src='x']")


@pytest.fixture
def hostile(make_source) -> Article:
    outlet = make_source(name=HOSTILE_OUTLET, slug="bad-outlet")
    article = make_article(
        outlet, title=HOSTILE_TITLE, author=HOSTILE_AUTHOR, summary=HOSTILE_SUMMARY,
        body_html="", category=section(),
    )  # fmt: skip
    stored_image(article)
    make_article(
        outlet, title="خبر آخر", category=section(), published_at=NOW - timedelta(hours=1)
    )
    changed()
    return article


@pytest.mark.parametrize(
    "template",
    ["/", "/fr/", "/section/sports/", "/bad-outlet/", "/outlets/", "/bad-outlet/{id}/",
     "/fr/bad-outlet/{id}/"],
)  # fmt: skip
def test_hostile_feed_text_is_escaped_on_every_page(
    client: Client, hostile: Article, template: str
) -> None:
    tree = parse(client.get(template.format(id=hostile.id)))

    assert_no_injected_markup(tree)
    # The title as the reader sees it, in the main part: headline links, or the h1.
    titles = [
        text(a) for a in tree.xpath("//main//a[@href]") if a.get("href").endswith(
            f"/bad-outlet/{hostile.id}/"
        )
    ]  # fmt: skip
    titles += [text(h) for h in tree.xpath("//h1[@class='article-title']")]
    assert HOSTILE_TITLE in titles
    outlet_names = [text(b) for b in tree.xpath("//bdi")]
    assert HOSTILE_OUTLET in outlet_names


def test_hostile_author_and_summary_are_text_on_the_article_page(
    client: Client, hostile: Article
) -> None:
    tree = parse(client.get(f"/bad-outlet/{hostile.id}/"))

    assert_no_injected_markup(tree)
    assert HOSTILE_AUTHOR in text(only(tree, "//p[@class='dateline']"))
    assert text(only(tree, "//div[contains(@class, 'article-body')]")) == " ".join(
        HOSTILE_SUMMARY.split()
    )
    assert only(tree, "//meta[@property='og:title']").get("content") == HOSTILE_TITLE
    assert HOSTILE_TITLE in only(tree, "//title").text


def test_hostile_text_is_escaped_in_the_ticker(client: Client, hostile: Article) -> None:
    tree = parse(client.get("/about/"))

    items = tree.xpath("//ul[@class='ticker-track']/li/a")
    assert f"{HOSTILE_TITLE} - {HOSTILE_OUTLET}" in [text(a) for a in items]
    assert_no_injected_markup(tree)


def test_a_title_cannot_break_out_of_the_json_ld_block(make_source, client: Client) -> None:
    outlet = make_source(name="مصدر </script><script>alert(1)</script>")
    title = "</script><script>alert(2)</script><!--"
    article = make_article(outlet, title=title, author="</script>")
    changed()

    tree = parse(client.get(article.get_absolute_url()))

    blocks = tree.xpath("//script[@type='application/ld+json']")
    assert len(blocks) == 1
    data = json.loads(blocks[0].text)
    assert data["headline"] == title
    assert data["author"]["name"] == "</script>"
    assert_no_injected_markup(tree)


def rss(*items: str, channel: str = "اختبار") -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">'
        f"<channel><title>{channel}</title><link>https://example.ma/</link>"
        + "".join(items)
        + "</channel></rss>"
    ).encode()


def rss_item(guid: str, title: str, *, link: str = "", body: str = "", date: str = "") -> str:
    return (
        f"<item><title>{title}</title><link>{link or 'https://example.ma/' + guid}</link>"
        f'<guid isPermaLink="false">{guid}</guid>'
        f"<pubDate>{date or 'Mon, 22 Dec 2025 10:00:00 +0100'}</pubDate>"
        f"<category>رياضة</category>"
        f"<content:encoded><![CDATA[{body}]]></content:encoded></item>"
    )


def test_the_article_body_shows_only_sanitized_html(make_source, client: Client) -> None:
    source = make_source()
    body = (
        "<p>فقرة أولى</p><script>alert(1)</script>"
        '<img src="https://cdn.example.ma/x.jpg" onerror="alert(2)">'
        '<a href="javascript:alert(3)">رابط خبيث</a> <a href="https://example.ma/ok">رابط سليم</a>'
        '<iframe src="https://evil.example/"></iframe><object data="x.swf"></object>'
        '<p onclick="alert(4)" style="position:fixed">فقرة ثانية</p>'
        "<svg><script>alert(5)</script></svg><form action='https://evil.example/'><input></form>"
    )
    ingest_bytes(source, rss(rss_item("a1", "عنوان", body=body)))
    forget_version()
    article = Article.objects.get(source=source)

    tree = parse(client.get(article.get_absolute_url()))

    body_div = only(tree, "//div[contains(@class, 'article-body')]")
    assert "فقرة أولى" in text(body_div) and "فقرة ثانية" in text(body_div)
    tags = {element.tag for element in body_div.iter() if isinstance(element.tag, str)}
    assert not tags & {"script", "iframe", "object", "svg", "form", "input", "style"}, tags
    for element in body_div.iter():
        if isinstance(element.tag, str):
            assert not [a for a in element.attrib if a.lower().startswith("on")], element.tag
            assert "style" not in element.attrib
    assert [a.get("href") for a in body_div.iter("a") if a.get("href")] == [
        "https://example.ma/ok"
    ]
    # The outlet's image has no copy yet: it is not shown at all, not hotlinked.
    assert b"cdn.example.ma" not in client.get(article.get_absolute_url()).content
    assert_no_injected_markup(tree)


@pytest.mark.parametrize(
    "url",
    ["javascript:alert(1)", "JavaScript:alert(1)", " javascript:alert(1)", "\tjavascript:x",
     "data:text/html,<script>alert(1)</script>", "vbscript:msgbox(1)", "ftp://example.ma/x",
     "//evil.example/x", "/relative/path"],
)  # fmt: skip
def test_only_an_http_original_is_shown_as_the_source_link(
    make_source, client: Client, url: str
) -> None:
    article = make_article(make_source(), url=url)
    changed()

    response = client.get(article.get_absolute_url())
    tree = parse(response)

    assert SOURCE_LINK_TEXT not in response.content.decode()
    assert not tree.xpath("//p[@class='source-link']")
    hrefs = [a.get("href") or "" for a in tree.iter("a")]
    assert not [h for h in hrefs if h.strip().lower().startswith(("javascript:", "data:", "vb"))]
    data = json.loads(only(tree, "//script[@type='application/ld+json']").text)
    assert "isBasedOn" not in data


@pytest.mark.parametrize("url", ["https://www.hespress.com/a-1.html", "http://example.ma/b"])
def test_an_http_original_is_the_source_link(make_source, client: Client, url: str) -> None:
    article = make_article(make_source(), url=url)
    changed()

    tree = parse(client.get(article.get_absolute_url()))

    link = only(tree, "//p[@class='source-link']/a")
    assert (link.get("href"), text(link)) == (url, SOURCE_LINK_TEXT)
    assert json.loads(only(tree, "//script[@type='application/ld+json']").text)["isBasedOn"] == url


def test_an_ingested_javascript_link_never_becomes_the_source_link(
    make_source, client: Client
) -> None:
    source = make_source()
    ingest_bytes(
        source, rss(rss_item("j1", "عنوان", link="javascript:alert(1)", body="<p>نص</p>"))
    )
    forget_version()
    article = Article.objects.get(source=source)

    response = client.get(article.get_absolute_url())

    assert response.status_code == 200
    assert "javascript:" not in response.content.decode().lower()
    assert SOURCE_LINK_TEXT not in response.content.decode()


# --- keyset pages ----------------------------------------------------------------------


def walk(client: Client, path: str, direction: str, start: str = "") -> list[list[int]]:
    """Follow the pager's ``direction`` links from ``path + start``; every page's ids."""
    pages = []
    query = start
    for _ in range(500):
        tree = parse(client.get(path + query))
        pages.append(story_ids(tree))
        query = pager_link(tree, direction) or ""
        if not query:
            return pages
        assert query.startswith("?before=" if direction == "older" else "?after=")
    raise AssertionError("the pager never ended")


def last_page_query(client: Client, path: str) -> str:
    query = ""
    while older := pager_link(parse(client.get(path + query)), "older"):
        query = older
    return query


def tied_articles(source: Source, count: int, category: Category | None) -> list[Article]:
    """``count`` articles over a few instants, so that ties straddle page boundaries;
    some instants carry microseconds."""
    moments = [NOW, NOW - timedelta(seconds=1, microseconds=500_000), NOW - timedelta(hours=1)]
    return [
        make_article(source, category=category, published_at=moments[i % len(moments)])
        for i in range(count)
    ]


@pytest.mark.postgres
@pytest.mark.parametrize("kind", ["section", "outlet"])
def test_keyset_pages_visit_every_article_once_in_order_both_ways(
    make_source, client: Client, kind: str
) -> None:
    source, elsewhere = make_source(slug="paged"), make_source()
    articles = tied_articles(source, 2 * PAGE_SIZE + 7, section())
    make_article(elsewhere, category=section("politics"))  # in neither list
    changed()
    path = "/section/sports/" if kind == "section" else "/paged/"
    expected = newest_first(articles)

    older = walk(client, path, "older")
    assert [len(page) for page in older] == [PAGE_SIZE, PAGE_SIZE, 7]
    assert [i for page in older for i in page] == expected

    newer = walk(client, path, "newer", start=last_page_query(client, path))
    assert newer == older[::-1]


@pytest.mark.postgres
def test_the_first_page_reached_by_newer_links_has_no_newer_link(
    make_source, client: Client
) -> None:
    source = make_source(slug="paged")
    tied_articles(source, PAGE_SIZE + 3, None)
    changed()

    second = parse(client.get("/paged/" + pager_link(parse(client.get("/paged/")), "older")))
    back = parse(client.get("/paged/" + pager_link(second, "newer")))

    assert story_ids(back) == story_ids(parse(client.get("/paged/")))
    assert pager_link(back, "newer") is None
    assert pager_link(back, "older") is not None


@pytest.mark.postgres
def test_a_section_of_a_thousand_articles_is_walked_to_its_last_page(
    make_source, client: Client
) -> None:
    source = make_source(slug="big")
    bulk_articles(source, 1000, category=section())
    changed()

    pages = walk(client, "/section/sports/", "older")

    assert len(pages) == 1000 // PAGE_SIZE
    ids = [i for page in pages for i in page]
    assert len(ids) == len(set(ids)) == 1000
    expected = list(
        Article.objects.filter(category=section())
        .order_by("-published_at", "-id")
        .values_list("id", flat=True)
    )
    assert ids == expected


@pytest.mark.postgres
def test_a_cursor_jumps_straight_to_a_deep_page(make_source, client: Client) -> None:
    source = make_source(slug="big")
    bulk_articles(source, 1000, category=section())
    changed()
    ordered = list(Article.objects.filter(source=source).order_by("-published_at", "-id"))
    pivot = ordered[989]
    micros = int(pivot.published_at.timestamp()) * 1_000_000 + pivot.published_at.microsecond

    tree = parse(client.get(f"/big/?before={micros}-{pivot.id}"))

    assert story_ids(tree) == [a.id for a in ordered[990:]]
    assert pager_link(tree, "older") is None
    assert pager_link(tree, "newer") is not None
    assert tree.xpath("//meta[@name='robots' and @content='noindex, follow']")


MALFORMED_CURSORS = [
    "?before=abc", "?before=", "?after=xyz", "?before=12-", "?before=-5", "?after=1.5-3",
    "?before=1e9-3", "?before=%00", "?before=1-2&before=x", "?after=" + "9" * 5000 + "-1",
    "?before=0x10-1", "?after=1734861600000000--1",
]  # fmt: skip
# Well formed but out of any range: any page of the list will do, never an error.
ODD_CURSORS = [
    "?before=99999999999999999-1", "?after=99999999999999999-1", "?after=0-0",
    "?before=1734861600000000-9999999999999999999", "?after=1734861600000000-9999999999999999999",
    "?before=١٧٣٤٨٦١٦٠٠٠٠٠٠٠٠-٣",
]  # fmt: skip


@pytest.mark.postgres
@pytest.mark.parametrize("path", ["/paged/", "/section/sports/"])
@pytest.mark.parametrize("query", MALFORMED_CURSORS)
def test_a_malformed_cursor_gives_the_first_page_not_an_error(
    make_source, client: Client, path: str, query: str
) -> None:
    source = make_source(slug="paged")
    tied_articles(source, PAGE_SIZE + 5, section())
    changed()
    first = story_ids(parse(client.get(path)))

    response = client.get(path + query)

    assert response.status_code == 200
    assert story_ids(parse(response)) == first


@pytest.mark.postgres
@pytest.mark.parametrize("path", ["/paged/", "/section/sports/"])
@pytest.mark.parametrize("query", ODD_CURSORS)
def test_an_out_of_range_cursor_is_not_an_error(
    make_source, client: Client, path: str, query: str
) -> None:
    source = make_source(slug="paged")
    tied_articles(source, PAGE_SIZE + 5, section())
    changed()

    response = client.get(path + query)

    assert response.status_code == 200
    assert set(story_ids(parse(response))) <= set(source.articles.values_list("id", flat=True))


# --- dates: Moroccan month names, Western digits ---------------------------------------

MOROCCAN_MONTHS = [
    (datetime(2024, 5, 17, 10, 0, tzinfo=CASABLANCA), "17 ماي 2024 - 10:00", "مايو"),
    (datetime(2024, 7, 4, 10, 0, tzinfo=CASABLANCA), "4 يوليوز 2024 - 10:00", "يوليو"),
    (datetime(2024, 8, 20, 10, 0, tzinfo=CASABLANCA), "20 غشت 2024 - 10:00", "أغسطس"),
    (datetime(2024, 9, 9, 10, 0, tzinfo=CASABLANCA), "9 شتنبر 2024 - 10:00", "سبتمبر"),
    (datetime(2024, 11, 6, 10, 0, tzinfo=CASABLANCA), "6 نونبر 2024 - 10:00", "نوفمبر"),
    (datetime(2024, 12, 2, 10, 0, tzinfo=CASABLANCA), "2 دجنبر 2024 - 10:00", "ديسمبر"),
]
# June is يونيو in Morocco too; يوليو must not match inside يوليوز.
MASHRIQI_MONTHS = re.compile("(?:مايو|يوليو|أغسطس|سبتمبر|نوفمبر|ديسمبر)(?![\u0621-\u064a])")


@pytest.mark.parametrize(("published_at", "expected", "mashriqi"), MOROCCAN_MONTHS)
def test_the_article_page_prints_moroccan_month_names(
    make_source, client: Client, published_at: datetime, expected: str, mashriqi: str
) -> None:
    article = make_article(make_source(), published_at=published_at)
    changed()

    response = client.get(article.get_absolute_url())
    tree = parse(response)

    time = only(tree, "//p[@class='dateline']/time")
    assert time.get("datetime") == published_at.isoformat()
    assert text(time).endswith(expected)
    assert not set(text(time)) & set(ARABIC_INDIC_DIGITS)
    assert not MASHRIQI_MONTHS.search(response.content.decode()), mashriqi


def test_the_article_page_prints_the_full_date_and_the_attribution(
    make_source, client: Client
) -> None:
    outlet = make_source(name="هسبريس")
    article = make_article(outlet, published_at=datetime(2024, 12, 2, 9, 0, tzinfo=UTC))
    changed()

    tree = parse(client.get(article.get_absolute_url()))

    time = only(tree, "//p[@class='dateline']/time")
    assert text(time) == "الإثنين 2 دجنبر 2024 - 10:00"
    assert time.get("datetime") == "2024-12-02T10:00:00+01:00"
    attribution = only(tree, "//p[@class='attribution']")
    assert text(attribution) == "نشر في هسبريس يوم 02 - 12 - 2024 10:00"
    assert only(attribution, "./a").get("href") == outlet.get_absolute_url()
    assert not set(text(attribution)) & set(ARABIC_INDIC_DIGITS)


def test_the_french_edition_prints_french_month_names(make_source, client: Client) -> None:
    outlet = make_source(name="هسبريس", name_latin="Hespress")
    article = make_article(outlet, published_at=datetime(2024, 12, 2, 9, 0, tzinfo=UTC))
    changed()

    tree = parse(client.get(f"/fr/{outlet.slug}/{article.id}/"))

    assert text(only(tree, "//p[@class='dateline']/time")) == "lundi 2 décembre 2024 à 10:00"
    attribution = text(only(tree, "//p[@class='attribution']"))
    assert "Hespress" in attribution and "02/12/2024" in attribution
    assert not re.search("[\u0621-\u064a]", attribution), attribution


# --- relative times: Arabic plural forms -----------------------------------------------

ARABIC_RELATIVE = [
    (timedelta(seconds=20), "الآن"),
    (timedelta(minutes=1), "منذ دقيقة"),
    (timedelta(minutes=2), "منذ دقيقتين"),
    (timedelta(minutes=3), "منذ 3 دقائق"),
    (timedelta(minutes=10), "منذ 10 دقائق"),
    (timedelta(minutes=11), "منذ 11 دقيقة"),
    (timedelta(minutes=59), "منذ 59 دقيقة"),
    (timedelta(minutes=100), "منذ ساعة"),
    (timedelta(hours=1), "منذ ساعة"),
    (timedelta(hours=2), "منذ ساعتين"),
    (timedelta(hours=3), "منذ 3 ساعات"),
    (timedelta(hours=5), "منذ 5 ساعات"),
    (timedelta(hours=10), "منذ 10 ساعات"),
    (timedelta(hours=11), "منذ 11 ساعة"),
    (timedelta(hours=23), "منذ 23 ساعة"),
    (timedelta(hours=100), "منذ 4 أيام"),
    (timedelta(days=1), "منذ يوم"),
    (timedelta(days=2), "منذ يومين"),
    (timedelta(days=3), "منذ 3 أيام"),
    (timedelta(days=6), "منذ 6 أيام"),
    (timedelta(days=10), "12 دجنبر 2025"),
    (timedelta(days=100), "13 شتنبر 2025"),
]


@pytest.mark.parametrize(("ago", "expected"), ARABIC_RELATIVE, ids=[e for _, e in ARABIC_RELATIVE])
def test_relative_time_uses_arabic_plural_forms(ago: timedelta, expected: str) -> None:
    with translation.override("ar"):
        assert relative_time(NOW - ago, NOW) == expected


FRENCH_RELATIVE = [
    (timedelta(seconds=20), r"à l[’']instant|maintenant"),
    (timedelta(minutes=1), r"il y a (1|une) minute"),
    (timedelta(minutes=2), r"il y a 2 minutes"),
    (timedelta(minutes=11), r"il y a 11 minutes"),
    (timedelta(hours=1), r"il y a (1|une) heure"),
    (timedelta(hours=2), r"il y a 2 heures"),
    (timedelta(hours=11), r"il y a 11 heures"),
    (timedelta(days=1), r"il y a (1|un) jour"),
    (timedelta(days=2), r"il y a 2 jours"),
    (timedelta(days=10), r"12 décembre 2025"),
]


@pytest.mark.parametrize(("ago", "pattern"), FRENCH_RELATIVE, ids=[p for _, p in FRENCH_RELATIVE])
def test_relative_time_in_french(ago: timedelta, pattern: str) -> None:
    with translation.override("fr"):
        assert re.fullmatch(pattern, relative_time(NOW - ago, NOW))


def test_relative_time_of_nothing_is_empty() -> None:
    assert relative_time(None) == ""


# --- reserved outlet slugs ---------------------------------------------------------------

RESERVED = ["admin", "search", "section", "rss", "fr", "static", "media", "outlets", "sitemap"]


@pytest.mark.parametrize("slug", [*RESERVED, "Admin", "RSS"])
def test_addsource_refuses_a_reserved_slug(slug: str) -> None:
    with pytest.raises(CommandError, match=re.escape(f"slug {slug!r}")) as refused:
        call_command(
            "addsource", "منبر", f"https://{slug.lower()}-news.example.ma/feed",
            "--slug", slug, stdout=StringIO(), stderr=StringIO(),
        )  # fmt: skip

    assert "--slug" in str(refused.value)
    assert not Source.objects.filter(slug__iexact=slug).exists()


@pytest.fixture(scope="module")
def manage(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., subprocess.CompletedProcess]:
    """``manage.py`` in its own process, on a migrated SQLite database in a temp dir."""
    var_dir = tmp_path_factory.mktemp("var")
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SQLITE_PATH")}
    env.update(NEWSROOM_VAR_DIR=str(var_dir), DEBUG="1", CELERY_BROKER_URL="filesystem://")

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True,
            text=True, timeout=120,
        )  # fmt: skip

    migrated = run("migrate", "--noinput")
    assert migrated.returncode == 0, migrated.stderr
    return run


@pytest.mark.parametrize("slug", ["admin", "sitemap"])
def test_addsource_with_a_reserved_slug_exits_non_zero_with_a_message(
    manage: Callable[..., subprocess.CompletedProcess], slug: str
) -> None:
    result = manage("addsource", "منبر", "https://news.example.ma/feed", "--slug", slug)

    assert result.returncode != 0
    assert f"slug '{slug}'" in result.stderr
    assert "Traceback" not in result.stderr
    listed = manage(
        "shell", "-c", "from articles.models import Source; print(Source.objects.count())"
    )
    assert listed.stdout.strip().splitlines()[-1] == "0"


def admin_add_form(client: Client) -> dict[str, str]:
    """The add form's fields as the browser would send them."""
    tree = parse(client.get("/admin/articles/source/add/"))
    form = only(tree, "//form[@id='source_form']")
    data: dict[str, str] = {}
    for field in form.xpath(".//input[@name] | .//select[@name] | .//textarea[@name]"):
        if field.tag == "input" and field.get("type") in ("submit", "checkbox"):
            continue
        if field.tag == "select":
            chosen = field.xpath("./option[@selected]/@value") or field.xpath("./option/@value")
            data[field.get("name")] = chosen[0] if chosen else ""
        else:
            data[field.get("name")] = field.get("value") or field.text or ""
    return data


@pytest.fixture
def staff(client: Client, django_user_model) -> Client:
    client.force_login(django_user_model.objects.create_superuser("editor", "e@example.ma", "x"))
    return client


@pytest.mark.parametrize("slug", ["admin", "outlets", "sitemap", "Section"])
def test_the_admin_add_form_refuses_a_reserved_slug(staff: Client, slug: str) -> None:
    data = admin_add_form(staff) | {
        "name": "منبر", "name_latin": "Minbar", "slug": slug,
        "feed_url": "https://minbar.example.ma/feed", "site_url": "https://minbar.example.ma",
        "language": "ar", "status": "active",
    }  # fmt: skip

    response = staff.post("/admin/articles/source/add/", data)

    assert response.status_code == 200  # the form again, not a redirect
    tree = parse(response)
    errors = " ".join(text(ul) for ul in tree.xpath("//ul[contains(@class, 'errorlist')]"))
    assert "محجوزة" in errors and slug in errors, errors
    assert not Source.objects.exists()


def test_the_admin_add_form_accepts_an_ordinary_slug(staff: Client) -> None:
    data = admin_add_form(staff) | {
        "name": "منبر", "name_latin": "Minbar", "slug": "minbar",
        "feed_url": "https://minbar.example.ma/feed", "site_url": "https://minbar.example.ma",
        "language": "ar", "status": "active",
    }  # fmt: skip

    response = staff.post("/admin/articles/source/add/", data)

    assert response.status_code == 302, response.content.decode()[-3000:]
    assert Source.objects.get().slug == "minbar"


@pytest.mark.parametrize("slug", [*RESERVED, "ADMIN"])
def test_full_clean_refuses_a_reserved_slug(slug: str) -> None:
    source = Source(name="منبر", slug=slug, feed_url="https://minbar.example.ma/feed")

    with pytest.raises(ValidationError) as refused:
        source.full_clean()

    assert "slug" in refused.value.message_dict


def test_full_clean_accepts_an_ordinary_slug() -> None:
    Source(name="منبر", slug="hespress", feed_url="https://minbar.example.ma/feed").full_clean()


# --- our RSS -----------------------------------------------------------------------------


@pytest.fixture
def feed_site(make_source) -> Site:
    hespress = make_source(name="هسبريس", name_latin="Hespress", slug="hespress")
    le360 = make_source(name="لو360", name_latin="Le360", slug="le360", language="fr")
    article = make_article(hespress, category=section(), published_at=NOW)
    stored_image(article)
    pending = Image.objects.create(url="https://cdn.outlet.example.ma/pending.jpg")
    other = make_article(le360, category=section(), published_at=NOW - timedelta(hours=1))
    ArticleImage.objects.create(article=other, image=pending)
    for i in range(3):
        stored_image(make_article(hespress, category=section("politics"),
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
    by_id = Article.objects.select_related("source").in_bulk()
    for entry in feed.entries:
        parts = urlsplit(entry.link)
        assert (parts.scheme, parts.netloc) == ("http", "testserver")
        article = by_id[article_id(parts.path)]
        assert parts.path == f"{language_prefix}/{article.source.slug}/{article.id}/"
        expected_author = article.source.name_latin if language_prefix else article.source.name
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
    client: Client, feed_site: Site, make_source
) -> None:
    make_source(slug="paused-one", status=Source.Status.PAUSED)

    entries = sitemap_index(client)

    locs = [e.findtext("sm:loc", namespaces=SITEMAP_NS) for e in entries]
    assert {urlsplit(loc).path for loc in locs} == {
        "/sitemap-articles.xml", "/sitemap-sections.xml", "/sitemap-outlets.xml",
        "/sitemap-articles-fr.xml", "/sitemap-sections-fr.xml", "/sitemap-outlets-fr.xml",
    }  # fmt: skip
    urls: dict[str, str | None] = {}
    for loc in locs:
        urls |= sitemap_urls(client, loc)
    for article in Article.objects.select_related("source"):
        for prefix in ("", "/fr"):
            url = f"http://testserver{prefix}/{article.source.slug}/{article.id}/"
            assert urls[url] == article.updated_at.astimezone(CASABLANCA).date().isoformat()
    for prefix in ("", "/fr"):
        assert urls[f"http://testserver{prefix}/section/sports/"]
        assert urls[f"http://testserver{prefix}/section/politics/"]
        assert f"http://testserver{prefix}/section/health/" in urls  # no articles: no lastmod
        assert urls[f"http://testserver{prefix}/hespress/"]
        assert urls[f"http://testserver{prefix}/le360/"]
        assert f"http://testserver{prefix}/paused-one/" not in urls


@pytest.mark.postgres
def test_the_article_sitemap_is_paged_and_its_pages_cover_every_article_once(
    client: Client, make_source, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ArticleSitemap, "limit", 5)
    source = make_source(slug="big")
    bulk_articles(source, 12)
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


# --- what the pages show -----------------------------------------------------------------


def test_home_leads_show_our_image_copies_with_sizes_and_srcset(
    make_source, client: Client
) -> None:
    outlet = make_source()
    images = []
    for i in range(6):
        article = make_article(outlet, published_at=NOW - timedelta(minutes=i))
        images.append(stored_image(article))
    make_article(outlet, published_at=NOW + timedelta(minutes=1))  # no picture: not a lead
    changed()

    response = client.get("/")
    tree = parse(response)

    leads = tree.xpath("//section[@class='leads']//article")
    assert 1 <= len(leads) <= 5
    for lead in leads:
        img = only(lead, ".//img")
        assert img.get("src").startswith("/media/images/")
        assert int(img.get("width")) > 0 and int(img.get("height")) > 0
        copies = {image.copy.url: image for image in images}
        thumbs = {image.thumbnail.url: image for image in images}
        srcset = dict(reversed(part.split()) for part in img.get("srcset").split(", "))
        assert set(srcset) == {"400w", "1200w"}
        assert srcset["1200w"] in copies and srcset["400w"] in thumbs
    first = only(leads[0], ".//img")
    assert first.get("src").endswith("-1200.webp") and first.get("fetchpriority") == "high"
    assert b"cdn.outlet.example.ma" not in response.content


def test_home_shows_section_blocks_and_outlets_with_their_latest_headline(
    make_source, client: Client
) -> None:
    one, two = make_source(name="المنبر الأول"), make_source(name="المنبر الثاني")
    idle = make_source(name="منبر بلا أخبار")
    make_article(one, title="قديم الأول", category=section(), published_at=NOW - timedelta(days=1))
    make_article(one, title="أحدث الأول", category=section(), published_at=NOW)
    make_article(two, title="أحدث الثاني", category=section("economy"),
                 published_at=NOW - timedelta(hours=1))  # fmt: skip
    make_source(name="منبر موقوف", status=Source.Status.PAUSED)
    changed()

    tree = parse(client.get("/"))

    blocks = tree.xpath("//section[@class='section-block']")
    assert [text(only(b, ".//h2")) for b in blocks] == ["اقتصاد", "رياضة"]  # by position
    assert only(blocks[1], ".//h2/a").get("href") == "/section/sports/"
    assert [text(a) for a in blocks[1].xpath(".//h3/a")] == ["أحدث الأول", "قديم الأول"]
    cards = tree.xpath("//section[@class='outlets-block']//li[@class='outlet-card']")
    shown = {text(only(c, ".//h3")): text(only(c, ".//p[contains(@class, 'outlet-latest')]"))
             for c in cards}  # fmt: skip
    assert list(shown) == [one.name, two.name, idle.name]  # freshest first
    assert shown[one.name].startswith("أحدث الأول")
    assert shown[two.name].startswith("أحدث الثاني")
    assert shown[idle.name] == "لا مقالات بعد"


def test_the_article_page_describes_itself_for_sharing_and_search(
    client: Client, site: Site
) -> None:
    article = site.article
    lead = article.article_images.get().image

    tree = parse(client.get(article.get_absolute_url()))

    page_url = f"http://testserver/hespress/{article.id}/"
    meta = {m.get("property") or m.get("name"): m.get("content") for m in tree.iter("meta")}
    assert only(tree, "//link[@rel='canonical']").get("href") == page_url
    assert meta["og:title"] == article.title
    assert meta["og:url"] == page_url
    assert meta["og:image"] == f"http://testserver/media/{lead.copy.name}"
    assert (meta["og:image:width"], meta["og:image:height"]) == ("1200", "675")
    assert meta["twitter:card"] == "summary_large_image"
    assert meta["twitter:image"] == meta["og:image"]
    data = json.loads(only(tree, "//script[@type='application/ld+json']").text)
    assert data["@context"] == "https://schema.org" and data["@type"] == "NewsArticle"
    assert data["isBasedOn"] == article.url
    assert data["url"] == data["mainEntityOfPage"] == page_url
    assert data["image"] == [meta["og:image"]]
    assert data["headline"] == article.title
    assert datetime.fromisoformat(data["datePublished"]) == article.published_at
    assert data["publisher"]["name"] == "هسبريس"
    lead_img = only(tree, "//figure[@class='lead-figure']/img")
    assert lead_img.get("src") == lead.copy.url and lead_img.get("width") == "1200"


def test_an_article_without_a_picture_has_a_small_card_and_no_og_image(
    client: Client, site: Site
) -> None:
    tree = parse(client.get(site.other.get_absolute_url()))

    meta = {m.get("property") or m.get("name"): m.get("content") for m in tree.iter("meta")}
    assert "og:image" not in meta
    assert meta["twitter:card"] == "summary"
    assert "image" not in json.loads(only(tree, "//script[@type='application/ld+json']").text)


def test_related_articles_are_from_the_same_section_other_outlets_first_never_itself(
    make_source, client: Client
) -> None:
    mine, theirs, third = make_source(), make_source(), make_source()
    article = make_article(mine, category=section(), published_at=NOW - timedelta(hours=5))
    same_outlet_new = make_article(mine, category=section(), published_at=NOW)
    other_old = make_article(theirs, category=section(), published_at=NOW - timedelta(days=2))
    other_new = make_article(third, category=section(), published_at=NOW - timedelta(hours=1))
    make_article(theirs, category=section("politics"), published_at=NOW)  # another section
    changed()

    tree = parse(client.get(article.get_absolute_url()))

    related = [article_id(href) for href in tree.xpath("//section[@class='related']//h3/a/@href")]
    assert related == [other_new.id, other_old.id, same_outlet_new.id]


def test_the_outlet_page_shows_name_site_language_and_last_successful_fetch(
    make_source, client: Client
) -> None:
    outlet = make_source(
        name="تيل كيل", name_latin="TelQuel", slug="telquel", site_url="https://telquel.ma",
        language="fr", last_success_at=datetime(2025, 12, 22, 8, 30, tzinfo=UTC),
    )  # fmt: skip
    make_article(outlet, title="Un titre")
    changed()

    tree = parse(client.get("/telquel/"))

    assert text(only(tree, "//h1")) == "تيل كيل"
    facts = {text(only(d, "./dt")): d for d in tree.xpath("//dl[@class='facts']/div")}
    assert only(facts["الموقع"], ".//a").get("href") == "https://telquel.ma"
    assert text(facts["اللغة"]).endswith("الفرنسية")
    time = only(facts["آخر جلب ناجح"], ".//time")
    assert time.get("datetime") == "2025-12-22T09:30:00+01:00"
    with translation.override("ar"):
        assert text(time) == relative_time(outlet.last_success_at)
    assert story_ids(tree) == [a.id for a in outlet.articles.all()]
    french = parse(client.get("/fr/telquel/"))
    assert text(only(french, "//h1")) == "TelQuel"


def test_an_outlet_never_fetched_says_so(make_source, client: Client) -> None:
    make_source(slug="new-one")
    changed()

    tree = parse(client.get("/new-one/"))

    facts = {text(only(d, "./dt")): text(only(d, "./dd")) for d in tree.xpath("//dl/div")}
    assert facts["آخر جلب ناجح"] == "لم يجلب بعد"


def test_the_outlet_list_shows_every_active_outlet_with_its_count_and_latest_headline(
    make_source, client: Client
) -> None:
    busy, quiet = make_source(name="منبر نشيط"), make_source(name="منبر هادئ")
    for i in range(3):
        make_article(busy, title=f"خبر نشيط {i}", published_at=NOW - timedelta(hours=i))
    make_article(quiet, title="خبر هادئ", published_at=NOW - timedelta(days=1))
    make_source(name="منبر موقوف", status=Source.Status.PAUSED)
    changed()

    tree = parse(client.get("/outlets/"))

    cards = {text(only(c, ".//h3")): c for c in tree.xpath("//li[@class='outlet-card']")}
    assert list(cards) == ["منبر نشيط", "منبر هادئ"]
    assert re.search(r"\b3\b", text(only(cards["منبر نشيط"], ".//p[@class='outlet-count']")))
    assert text(only(cards["منبر هادئ"], ".//p[@class='outlet-count']")) == "مقال واحد"
    latest = only(cards["منبر نشيط"], ".//p[@class='outlet-latest']/a")
    assert text(latest) == "خبر نشيط 0"
    assert latest.get("href") == busy.articles.get(title="خبر نشيط 0").get_absolute_url()


# --- the ticker ---------------------------------------------------------------------------


def test_the_ticker_shows_the_newest_sixty_headlines_linking_to_our_pages(
    make_source, client: Client
) -> None:
    outlet = make_source(name="هسبريس")
    articles = [
        make_article(outlet, title=f"عنوان {i}", published_at=NOW - timedelta(minutes=i // 2))
        for i in range(70)
    ]
    changed()

    tree = parse(client.get("/outlets/"))

    items = tree.xpath("//ul[@class='ticker-track']/li/a")
    expected = newest_first(articles)[:60]
    assert len(items) == 60
    assert [article_id(a.get("href")) for a in items] == expected
    by_id = {a.id: a for a in articles}
    for a in items:
        article = by_id[article_id(a.get("href"))]
        assert text(a) == f"{article.title} - هسبريس"
        assert a.get("href") == f"/{outlet.slug}/{article.id}/"


def test_the_french_ticker_names_outlets_in_latin_letters(make_source, client: Client) -> None:
    outlet = make_source(name="هسبريس", name_latin="Hespress")
    article = make_article(outlet, title="عنوان")
    changed()

    tree = parse(client.get("/fr/"))

    (item,) = tree.xpath("//ul[@class='ticker-track']/li/a")
    assert text(item) == "عنوان - Hespress"
    assert item.get("href") == f"/fr/{outlet.slug}/{article.id}/"


@pytest.mark.parametrize(
    "blank",
    ["", "   ", "\u00a0\u00a0", "\u200b", "\u200b\u200c\u200d", "\u2060\ufeff", "\u200f\u200e",
     "\t\n", "\u3000", "\u064e\u0651"],
    ids=["empty", "spaces", "nbsp", "zwsp", "zw-joiners", "word-joiner-bom", "bidi-marks",
         "tab-newline", "ideographic-space", "arabic-marks-only"],
)  # fmt: skip
def test_a_blank_title_never_appears_in_the_ticker(
    make_source, client: Client, blank: str
) -> None:
    outlet = make_source(name="هسبريس")
    make_article(outlet, title="قبل", published_at=NOW - timedelta(minutes=1))
    make_article(outlet, title=blank, published_at=NOW)
    make_article(outlet, title="بعد", published_at=NOW - timedelta(minutes=2))
    changed()

    tree = parse(client.get("/about/"))

    assert [text(a) for a in tree.xpath("//ul[@class='ticker-track']/li/a")] == [
        "قبل - هسبريس", "بعد - هسبريس"
    ]  # fmt: skip


# --- found in review ----------------------------------------------------------------------


def test_control_characters_in_a_body_never_break_the_article_page(
    make_source, client: Client
) -> None:
    source = make_source(slug="controls")
    body = "a\x01b<img src='https://cdn.example.ma/p.jpg'> <a href='https://example.ma/x'>x</a>"
    ingest_bytes(source, rss(rss_item("c1", "خبر", body=body)))
    # A row stored before ingest stripped them (or written some other way).
    stored = make_article(
        source, body_html="<p>a\x01b<img src='https://cdn.example.ma/q.jpg'></p>"
    )
    changed()

    for article in (Article.objects.get(source=source, key="c1"), stored):
        response = client.get(article.get_absolute_url())
        assert response.status_code == 200
        page = response.content.decode()
        assert "cdn.example.ma" not in page  # never the outlet's own image
        assert "\x01" not in page
    assert "\x01" not in Article.objects.get(source=source, key="c1").body_html


@pytest.mark.parametrize("path", ["//evil.example/", "//evil.example/fr/", "/fr//evil.example/"])
def test_the_edition_link_never_leaves_the_site(path: str) -> None:
    from django.test import RequestFactory

    from articles.templatetags.reading import edition_url

    request = RequestFactory().get("/")
    request.path = request.path_info = path  # as a proxy may pass it through
    request.resolver_match = None

    for language in ("ar", "fr"):
        assert edition_url({"request": request}, language) in ("/", "/fr/")


def test_the_edition_link_keeps_the_page_and_its_cursor(make_source, client: Client) -> None:
    source = make_source(slug="edition")
    article = make_article(source, category=section())
    changed()

    page = client.get("/fr/section/sports/?before=123-4&utm=x").content.decode()
    assert 'href="/section/sports/?before=123-4"' in page
    page = client.get(article.get_absolute_url()).content.decode()
    assert f'href="/fr/edition/{article.id}/"' in page


def test_parameters_pages_do_not_read_neither_split_the_cache_nor_reach_links(
    make_source, client: Client, django_assert_max_num_queries
) -> None:
    source = make_source(slug="params")
    for _ in range(3):
        make_article(source, category=section())
    changed()
    client.get("/section/sports/")  # cached now

    with django_assert_max_num_queries(1):  # at most the version check
        response = client.get("/section/sports/?utm_source=x&fbclid=y")
    assert response.status_code == 200
    assert "utm_source" not in response.content.decode()
    assert "fbclid" not in response.content.decode()


def test_articles_dated_before_1970_page_like_any_other(make_source, client: Client) -> None:
    source = make_source(slug="old-dates")
    dates = [
        datetime(1900, 1, 1, tzinfo=UTC),
        datetime(1969, 12, 31, 23, 59, 59, 500000, tzinfo=UTC),
    ]
    dates += [
        datetime(1969, 12, 31, 23, 59, 59, 500000, tzinfo=UTC) - timedelta(days=d)
        for d in range(1, 45)
    ]
    articles = [make_article(source, published_at=moment) for moment in dates]
    changed()

    pages = walk(client, "/old-dates/", "older")

    assert [i for page in pages for i in page] == newest_first(articles)


@pytest.mark.postgres
def test_the_sitemap_index_costs_a_few_queries_whatever_the_article_count(
    make_source, client: Client, django_assert_max_num_queries
) -> None:
    bulk_articles(make_source(slug="many"), 300)
    changed()

    # Per sitemap (three kinds, two editions) a count and a latest date; the version.
    with django_assert_max_num_queries(6 * 2 + 2):
        response = client.get("/sitemap.xml")
    assert response.status_code == 200


def test_article_and_outlet_addresses_match_the_url_conf_in_both_editions(
    make_source,
) -> None:
    from django.urls import reverse

    article = make_article(make_source(slug="routes"))
    for language in ("ar", "fr"):
        with translation.override(language):
            assert article.get_absolute_url() == reverse(
                "articles:detail", args=["routes", article.pk]
            )
            assert article.source.get_absolute_url() == reverse("articles:outlet", args=["routes"])
