"""Rows and page readers for the reading-site tests (tests/site/): articles and images
written directly (``Article.objects.create``, or ``articles.ingest.store.insert_rows`` for many),
feeds to ingest, and the parts of a page the tests read.

A test writes rows directly unless it is about what ingest stores: a page must be safe
whatever text it is given. After writing, ``changed()`` says so, as the writers do.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import lxml.html
from django.conf import settings

from articles.ingest.store import ARTICLE_FIELDS
from articles.lib.sql import insert_rows
from articles.models import Article, ArticleImage, ContentVersion, Image, Outlet, Section
from articles.site.cache import forget_version

NOW = datetime(2025, 12, 22, 10, 0, tzinfo=UTC)
CASABLANCA = ZoneInfo("Africa/Casablanca")
ARTICLE_PATH = re.compile(r"^(?:https?://testserver)?/(?:fr/)?([\w-]+)/(\d+)/$")
_serial = itertools.count(1)
# The scripts a page may load: ours, from static/js (the service worker is not a page's
# script: /sw.js registers it). Anything else in a page was injected.
OUR_SCRIPTS = frozenset(
    f"/static/js/{path.name}"
    for path in (Path(settings.BASE_DIR) / "static" / "js").glob("*.js")
    if path.name != "sw.js"
)


def changed() -> None:
    """Say that what readers see changed, as the writers do after storing rows."""
    ContentVersion.objects.bump()
    forget_version()


def section(slug: str = "sports") -> Section:
    return Section.objects.get(slug=slug)


def make_article(
    outlet: Outlet,
    *,
    title: str | None = None,
    published_at: datetime = NOW,
    section: Section | None = None,
    url: str | None = None,
    **fields: object,
) -> Article:
    n = next(_serial)
    fields.setdefault("summary", f"ملخص الخبر رقم {n}")
    fields.setdefault("body_html", f"<p>نص الخبر رقم {n}</p>")
    return Article.objects.create(
        outlet=outlet,
        key=f"key-{n}",
        url=f"https://{outlet.slug}.example.ma/news/{n}" if url is None else url,
        title=title if title is not None else f"خبر رقم {n}",
        published_at=published_at,
        fetched_at=published_at,
        updated_at=published_at,
        content_hash=f"hash-{n}",
        section=section,
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
    outlet: Outlet,
    count: int,
    *,
    section: Section | None = None,
    newest: datetime = NOW,
    step: timedelta = timedelta(minutes=1),
) -> None:
    """``count`` articles in one statement, one ``step`` apart, the newest at ``newest``."""
    rows = []
    for i in range(count):
        n = next(_serial)
        moment = newest - step * i
        rows.append(
            (outlet.id, f"bulk-{n}", f"https://{outlet.slug}.example.ma/b/{n}", f"خبر {n}",
             "ملخص", "<p>نص</p>", "", "ar", section.id if section else None, moment,
             moment, moment, f"hash-{n}")
        )  # fmt: skip
    insert_rows(Article, ARTICLE_FIELDS, rows, conflict=("outlet", "key"))


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
    hespress: Outlet
    le360: Outlet
    article: Article
    other: Article


# Feeds for ingest_bytes.


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
