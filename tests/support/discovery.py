"""Local sites for the discovery tests: a home page, a robots.txt, feeds at chosen
paths, and 404s where a feed used to be."""

from __future__ import annotations

from xml.sax.saxutils import quoteattr

from pytest_httpserver import HTTPServer

FEED = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>موقع الاختبار</title><link>https://example.ma/</link>
<item><title>الكاميرون تتعادل مع كوت ديفوار</title><link>https://example.ma/a/1</link>
<guid isPermaLink="false">https://example.ma/?p=1</guid>
<pubDate>Mon, 22 Dec 2025 10:00:00 +0100</pubDate></item>
<item><title>جبال خنيفرة تلبس الرداء الأبيض</title><link>https://example.ma/a/2</link>
<guid isPermaLink="false">https://example.ma/?p=2</guid>
<pubDate>Mon, 22 Dec 2025 09:00:00 +0100</pubDate></item>
</channel></rss>""".encode()
EMPTY_FEED = b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>'
COMMENTS_FEED = FEED.replace("موقع الاختبار".encode(), b"Comments")


def home_page(advertise: list[str]) -> str:
    links = "".join(
        f'<link rel="alternate" type="application/rss+xml" href={quoteattr(path)}>'
        for path in advertise
    )
    return (
        f'<!doctype html><html lang="ar" dir="rtl"><head><title>موقع</title>{links}</head>'
        "<body><h1>آخر الأخبار</h1></body></html>"
    )


def serve_site(
    server: HTTPServer,
    *,
    advertise: list[str] = (),  # type: ignore[assignment]
    feeds: list[str] = (),  # type: ignore[assignment]
    gone: list[str] = (),  # type: ignore[assignment]
    robots: str = "User-agent: *\nDisallow: /wp-admin/\n",
) -> None:
    """Serve a site on ``server``: ``feeds`` answer a feed with two entries, ``gone``
    answer 404, the home page advertises ``advertise``; any other path is a 404 too."""
    server.expect_request("/robots.txt").respond_with_data(robots, content_type="text/plain")
    for path in feeds:
        body = COMMENTS_FEED if "comments" in path else FEED
        server.expect_request(path).respond_with_data(body, content_type="application/rss+xml")
    for path in gone:
        server.expect_request(path).respond_with_data("Not Found", status=404)
    server.expect_request("/comments/feed/").respond_with_data(
        COMMENTS_FEED, content_type="application/rss+xml"
    )
    server.expect_request("/").respond_with_data(
        home_page(list(advertise)), content_type="text/html; charset=utf-8"
    )
    server.no_handler_status_code = 404


def requested_paths(server: HTTPServer) -> list[str]:
    return [request.full_path.rstrip("?") for request, _response in server.log]
