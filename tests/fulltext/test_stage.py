"""The full-text stage (``fill_article``): what is kept (a longer page body, the feed's
own image and author, the feed's text when the page is no longer), what is recorded and
what is retried (HTTP and network errors, pages that are not HTML, too large or too
slow, private addresses, lost tasks), and the article page a reader then gets. Pages are
served by local servers (pytest-httpserver, and a raw socket server for a page that
drips); nothing reaches the internet."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from django.utils import timezone
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from articles.fulltext.pages import fill_article, queue_again, stranded_page_ids
from articles.ingest.store import store_entries
from articles.models import Article, FullTextStatus, Image, Outlet, PageHost
from tests.support.fulltext import (
    NOW,
    PARAGRAPH,
    TEASER,
    article_page,
    feed_entry,
    html_response,
    refreshed,
    stored_article,
)

# The lease, the upsert that keeps a page's body and the stage's transactions run on
# both databases.
pytestmark = pytest.mark.postgres


# ---------------------------------------------------------------------------------------
# The stage: what is kept, what is recorded, what is retried
# ---------------------------------------------------------------------------------------


def test_a_longer_page_body_replaces_the_teaser_and_brings_its_lead_image(
    outlet: Outlet, httpserver: HTTPServer
) -> None:
    head = '<meta property="og:image" content="/up/lead.jpg"><meta name="author" content="سعيد">'
    httpserver.expect_request("/news/1.html").respond_with_response(
        html_response(article_page(head=head, extra='<p><img src="/up/inline.jpg" alt="x"></p>'))
    )
    article = stored_article(outlet, httpserver, "/news/1.html")
    result = fill_article(article.id)
    article = refreshed(article)
    assert (article.fulltext_status, article.fulltext_code) == ("extracted", "extracted")
    assert article.page_body and article.body_html.count("وزارة التجهيز") == 6
    assert article.summary == TEASER  # the feed's summary stays
    assert article.author == "سعيد"
    urls = [link.image.url for link in article.article_images.select_related("image")]
    assert urls == [httpserver.url_for("/up/lead.jpg"), httpserver.url_for("/up/inline.jpg")]
    assert set(result.new_image_ids) == set(Image.objects.values_list("id", flat=True))


def test_the_feeds_own_image_and_author_are_kept(outlet: Outlet, httpserver: HTTPServer) -> None:
    head = '<meta property="og:image" content="/up/lead.jpg"><meta name="author" content="سعيد">'
    httpserver.expect_request("/news/1.html").respond_with_response(
        html_response(article_page(head=head))
    )
    article = stored_article(
        outlet,
        httpserver,
        "/news/1.html",
        images=("https://cdn.example.ma/feed.jpg",),
        author="مريم",
    )
    fill_article(article.id)
    article = refreshed(article)
    assert article.author == "مريم"
    assert [link.image.url for link in article.article_images.all()] == [
        "https://cdn.example.ma/feed.jpg"
    ]


def test_a_page_no_longer_than_the_feed_keeps_the_feeds_text(
    outlet: Outlet, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/news/1.html").respond_with_response(html_response(article_page(2)))
    body = "".join(f"<p>{PARAGRAPH}</p>" for _ in range(2))
    article = stored_article(outlet, httpserver, "/news/1.html", body=body)
    fill_article(article.id)
    article = refreshed(article)
    assert (article.fulltext_status, article.fulltext_code) == ("kept", "kept_summary_longer")
    assert article.body_html == body and not article.page_body


def test_a_feed_with_the_full_text_is_not_fetched(outlet: Outlet, httpserver: HTTPServer) -> None:
    body = "".join(f"<p>{PARAGRAPH}</p>" for _ in range(12))
    article = stored_article(outlet, httpserver, "/news/1.html", body=body)
    assert (article.fulltext_status, article.fulltext_code) == ("kept", "feed_full_text")
    assert fill_article(article.id).status == "skipped"
    assert httpserver.log == []


def test_an_outlet_with_full_text_off_queues_nothing(make_outlet, httpserver: HTTPServer) -> None:
    outlet = make_outlet()
    article = stored_article(outlet, httpserver, "/news/1.html")
    assert article.fulltext_status == FullTextStatus.NONE
    assert fill_article(article.id).status == "skipped"


def test_a_feed_update_keeps_the_page_body_and_asks_for_the_page_again(
    outlet: Outlet, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/news/1.html").respond_with_response(
        html_response(article_page(extra='<p><img src="/up/inline.jpg" alt="x"></p>'))
    )
    article = stored_article(outlet, httpserver, "/news/1.html")
    fill_article(article.id)
    extracted = refreshed(article).body_html
    url = httpserver.url_for("/news/1.html")
    changed = feed_entry("/news/1.html", url, body="<p>مقتطف معدل</p>")
    result = store_entries(outlet, [changed], fetched_at=NOW + timedelta(hours=1))
    article = refreshed(article)
    assert result.page_ids == (article.id,)
    assert article.body_html == extracted and article.fulltext_status == FullTextStatus.PENDING
    assert article.article_images.count() == 1  # the body's image stays linked


def test_http_errors_are_final_and_recorded(outlet: Outlet, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/news/gone.html").respond_with_data("", status=404)
    article = stored_article(outlet, httpserver, "/news/gone.html")
    result = fill_article(article.id)
    assert (result.status, result.code, result.retry_in) == ("failed", "http_404", None)
    assert refreshed(article).body_html == f"<p>{TEASER}</p>"


def test_network_errors_are_retried_with_backoff_a_few_times_only(
    settings, outlet: Outlet, httpserver: HTTPServer
) -> None:  # type: ignore[no-untyped-def]
    settings.FULLTEXT_MAX_ATTEMPTS = 3
    httpserver.expect_request("/news/1.html").respond_with_data("", status=503)
    article = stored_article(outlet, httpserver, "/news/1.html")
    waits = []
    for _ in range(5):
        result = fill_article(article.id)
        waits.append(result.retry_in)
    assert waits == [60, 120, None, None, None]
    article = refreshed(article)
    assert (article.fulltext_status, article.fulltext_code, article.fulltext_attempts) == (
        "failed", "http_503", 3,
    )  # fmt: skip
    assert [r.path for r, _ in httpserver.log].count("/news/1.html") == 3


def test_a_page_that_is_not_html_is_refused(outlet: Outlet, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/news/1.pdf").respond_with_data(
        b"%PDF-1.4", content_type="application/pdf"
    )
    article = stored_article(outlet, httpserver, "/news/1.pdf")
    assert fill_article(article.id).code == "not_html"


def test_a_private_address_is_refused_before_any_request(
    settings, make_outlet, httpserver: HTTPServer
) -> None:  # type: ignore[no-untyped-def]
    outlet = make_outlet(full_text=True)
    article = stored_article(outlet, httpserver, "/news/1.html")
    settings.FETCH_ALLOW_PRIVATE_ADDRESSES = False
    assert fill_article(article.id).code == "blocked_address"
    assert httpserver.log == []
    assert not PageHost.objects.filter(robots_status=PageHost.Robots.DISALLOW_ALL).exists()


def test_a_20_mb_page_is_cut_off_by_the_byte_cap(outlet: Outlet, httpserver: HTTPServer) -> None:
    big = b"<html><body>" + b"<p>" + b"x" * (20 * 1024 * 1024) + b"</p></body></html>"
    httpserver.expect_request("/news/declared.html").respond_with_data(
        big, content_type="text/html"
    )

    def undeclared(request: Request) -> Response:
        chunks = (b"<p>" + b"y" * 65536 + b"</p>" for _ in range(320))
        return Response(chunks, headers={"Content-Type": "text/html"}, direct_passthrough=True)

    httpserver.expect_request("/news/streamed.html").respond_with_handler(undeclared)
    for path in ("/news/declared.html", "/news/streamed.html"):
        article = stored_article(outlet, httpserver, path)
        assert fill_article(article.id).code == "too_large", path
        assert refreshed(article).fulltext_status == FullTextStatus.FAILED


def test_a_page_that_drips_is_cut_off_by_its_deadline(settings, make_outlet) -> None:  # type: ignore[no-untyped-def]
    import socket

    settings.FULLTEXT_TIMEOUT_SECONDS = 1
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            conn, _ = listener.accept()
            with conn:
                request = conn.recv(4096)
                if b"/robots.txt" in request:
                    conn.sendall(
                        b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                    )
                    continue
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<p>")
                for _ in range(40):
                    if stop.wait(0.1):
                        break
                    try:
                        conn.sendall("ك".encode())
                    except OSError:
                        break

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    outlet = make_outlet(full_text=True)
    url = f"http://127.0.0.1:{port}/news/drip.html"
    store_entries(outlet, [feed_entry("drip", url)], fetched_at=NOW)
    started = time.monotonic()
    result = fill_article(Article.objects.get(key="drip").id)
    stop.set()
    listener.close()
    assert result.code == "timeout"
    assert time.monotonic() - started < 3


def test_lost_tasks_are_found_again_and_queue_again_resets_tries(
    outlet: Outlet, httpserver: HTTPServer
) -> None:
    article = stored_article(outlet, httpserver, "/news/1.html")
    assert stranded_page_ids() == []
    assert stranded_page_ids(timezone.now() + timedelta(hours=1)) == [article.id]
    Article.objects.filter(id=article.id).update(
        fulltext_status=FullTextStatus.FAILED, fulltext_attempts=3, fulltext_code="http_503"
    )
    assert queue_again(outlet=outlet) == [article.id]
    article = refreshed(article)
    assert (article.fulltext_status, article.fulltext_attempts, article.fulltext_code) == (
        "pending",
        0,
        "",
    )


def test_an_undated_entry_takes_the_pages_date(outlet: Outlet, httpserver: HTTPServer) -> None:
    head = '<meta property="article:published_time" content="2026-11-30T08:15:00+01:00">'
    httpserver.expect_request("/news/1.html").respond_with_response(
        html_response(article_page(head=head))
    )
    article = stored_article(outlet, httpserver, "/news/1.html")
    Article.objects.filter(id=article.id).update(published_at=article.fetched_at)
    fill_article(article.id)
    assert refreshed(article).published_at == datetime(2026, 11, 30, 7, 15, tzinfo=UTC)


# ---------------------------------------------------------------------------------------
# The article page
# ---------------------------------------------------------------------------------------


def test_the_article_page_shows_the_whole_article_with_the_outlet_and_link(
    client: Client, outlet: Outlet, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/news/1.html").respond_with_response(html_response(article_page()))
    article = stored_article(outlet, httpserver, "/news/1.html")
    fill_article(article.id)
    page = client.get(refreshed(article).get_absolute_url()).content.decode()
    assert page.count("وزارة التجهيز") >= 6
    assert httpserver.url_for("/news/1.html") in page
    assert outlet.name in page


def test_a_figures_report_link_closes_its_caption() -> None:
    from articles.models import Image as ImageRow
    from articles.site.body import BodyImages, render_body

    picture = ImageRow(
        id=7, url="https://e.ma/a.jpg", status=ImageRow.Status.STORED,
        copy="images/ab/ab-1200.webp", copy_width=1200, copy_height=675, visibility="shown",
    )  # fmt: skip
    body = (
        '<figure><img src="https://e.ma/a.jpg" alt="قنطرة"><figcaption>قنطرة</figcaption></figure>'
    )
    shown = BodyImages({picture.url: picture}, report_href=lambda image: f"/images/{image.pk}/",
                       report_text="الإبلاغ عن الصورة")  # fmt: skip
    html = render_body(body, shown)
    assert html.index("<img") < html.index('<figcaption>قنطرة<br><a class="report-link"')
    assert html.endswith("الإبلاغ عن الصورة</a></figcaption></figure>")
