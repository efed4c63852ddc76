"""Pages, feed entries and stored articles for the full-text tests (tests/fulltext/):
an outlet's article page around realistic Moroccan news prose, and a teaser entry stored
by ``store_entries`` whose page a local server serves."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from pytest_httpserver import HTTPServer
from werkzeug import Response

from articles.ingest.parse import ParsedEntry
from articles.ingest.store import store_entries
from articles.models import Article, FullTextStatus, Outlet

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
PARAGRAPH = (
    "أعلنت وزارة التجهيز والماء عن إطلاق برنامج جديد لتأهيل الطرق القروية في جهة "
    "درعة تافيلالت، بغلاف مالي يناهز ملياري درهم، على أن تنتهي الأشغال في غضون سنتين. "
)
TEASER = "أعلنت وزارة التجهيز والماء عن إطلاق برنامج جديد لتأهيل الطرق القروية."


def article_page(
    paragraphs: int = 6, *, head: str = "", extra: str = "", charset: str = "utf-8"
) -> str:
    body = "".join(f"<p>{PARAGRAPH}</p>" for _ in range(paragraphs))
    return (
        f'<!doctype html><html lang="ar" dir="rtl"><head><meta charset="{charset}">'
        f"<title>خبر</title>{head}</head><body>"
        '<header><nav><a href="/">الرئيسية</a> <a href="/sport">رياضة</a></nav></header>'
        f'<article><h1>العنوان</h1><div class="entry-content">{body}{extra}</div></article>'
        '<footer><p><a href="/about">من نحن</a> <a href="/contact">اتصل بنا</a></p></footer>'
        "</body></html>"
    )


def html_response(text: str | bytes, content_type: str = "text/html; charset=utf-8") -> Response:
    data = text.encode() if isinstance(text, str) else text
    return Response(data, status=200, headers={"Content-Type": content_type})


def feed_entry(
    key: str, url: str, *, body: str = "", images: tuple[str, ...] = (), author: str = ""
) -> ParsedEntry:
    return ParsedEntry(
        key=key,
        url=url,
        title=f"عنوان {key}",
        summary=TEASER,
        body_html=body or f"<p>{TEASER}</p>",
        author=author,
        language="ar",
        published_at=NOW,
        categories=(),
        image_urls=images,
        content_hash=hashlib.sha256(f"{key}{url}{body}{images}".encode()).hexdigest(),
    )


def stored_article(outlet: Outlet, httpserver: HTTPServer, path: str, **kwargs: object) -> Article:
    url = httpserver.url_for(path)
    result = store_entries(outlet, [feed_entry(path, url, **kwargs)], fetched_at=NOW)  # type: ignore[arg-type]
    article = Article.objects.get(outlet=outlet, key=path)
    assert article.id in result.page_ids or article.fulltext_status != FullTextStatus.PENDING
    return article


def refreshed(article: Article) -> Article:
    return Article.objects.get(id=article.id)
