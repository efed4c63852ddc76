"""Malformed feeds lose only what is malformed.

Each case is a class of input, not one input: the feed around it has good items that
must all come through, and nothing may raise. tests/fuzz/ keeps looking for more.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pytest_httpserver import HTTPServer

from articles.ingest.feeds import ingest_bytes, ingest_outlet
from articles.ingest.parse import parse_feed
from articles.ingest.repair import parse_item_by_item, repair_feed
from articles.lib.html import clean_html
from articles.lib.text import INVISIBLE_CONTROLS
from articles.models import Article, FetchLog, Image
from articles.site.body import BodyImages, render_body

NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)
GOOD = (
    "<item><title>خبر سليم أول</title><link>https://e.ma/1</link></item>"
    "<item><title>خبر سليم ثان</title><link>https://e.ma/2</link></item>"
)


def feed(bad: str, *, declaration: bytes = b'<?xml version="1.0" encoding="utf-8"?>') -> bytes:
    return (
        declaration
        + (
            '<rss version="2.0"><channel><title>t</title><link>https://e.ma/</link>'
            f"{GOOD[: len(GOOD) // 2]}{bad}{GOOD[len(GOOD) // 2 :]}</channel></rss>"
        ).encode()
    )


def titles(body: bytes) -> list[str]:
    parsed = parse_feed(body, url="https://e.ma/feed", fetched_at=NOW)
    assert parsed.error_code == ""
    return sorted(entry.title for entry in parsed.entries)


@pytest.mark.parametrize(
    "bad",
    [
        "<item><title>x</title></width></item>",
        "<item><title>x</title></height></item>",
        "</width>",
        "<item><title>x</title></WIDTH ></item>",
        "<item><title>x</title><category>c</item>",
        "<item><title>x &#55296; &#x110000; &#99999999999; &#0;</title></item><bad",
        '<item><title>x</title><description>&lt;img srcset="a.jpg 2\u00b2w, b.jpg 9w"&gt;'
        "</description></item>",
        '<item><title>x</title><description>&lt;img srcset="a.jpg ' + "9" * 5000 + 'w"&gt;'
        "</description></item>",
        '<item><title>x</title><description>&lt;img data-src="a\ufffe.jpg" src="b\uffff.jpg"'
        "&gt;</description></item>",
        "<item><title>x\x01\x1b</title><description>\x03a\ufffe</description></item>",
    ],
)
def test_a_malformed_item_never_takes_the_good_ones_with_it(bad: str) -> None:
    found = titles(feed(bad))
    assert {"خبر سليم أول", "خبر سليم ثان"} <= set(found), found
    for title in found:
        assert not INVISIBLE_CONTROLS.search(title)


def test_an_unclosed_description_meeting_a_stray_end_tag_is_read_without_raising() -> None:
    # feedparser leaves such a summary None; what follows the unclosed element is its
    # text as far as the loose parser is concerned, so only what precedes is certain.
    found = titles(feed("<item><title>x</title><description>abc</foo></item>"))
    assert "خبر سليم أول" in found and "x" in found


@pytest.mark.parametrize(
    "declaration",
    [
        b'<?xml version="1.0" encoding="utf\x00-8"?>',
        b'<?xml version="1.0" encoding="\xff\xfe"?>',
        b'<?xml version="1.0" encoding="\xd9\x85"?>',
        b"<?xml version='1.0' encoding=''?>",
    ],
)
def test_a_broken_xml_declaration_does_not_lose_the_feed(declaration: bytes) -> None:
    assert set(titles(feed("", declaration=declaration))) == {"خبر سليم أول", "خبر سليم ثان"}


def test_a_namespace_uri_with_a_no_break_space_does_not_lose_the_feed() -> None:
    body = (
        '<?xml version="1.0"?><rss version="2.0" xmlns:x="http://a\u00a0b/ns">'
        f"<channel><title>t</title>{GOOD}<item><title>y</title><x:z>1</x:z></item>"
        "</channel></rss>"
    ).encode()
    assert "خبر سليم أول" in titles(body)


def test_repair_leaves_a_well_formed_feed_as_it_is() -> None:
    body = feed("<item><title>&#1575; &#x627; &amp;</title></item>")
    assert repair_feed(body) == body


def test_item_by_item_parsing_drops_only_the_item_that_fails() -> None:
    from collections import Counter

    dropped: Counter[str] = Counter()
    # Unrepaired, feedparser raises on the middle item; alone, the others parse.
    body = feed("<item><title>x</title></width></item>")
    parsed = parse_item_by_item(body, {}, dropped)
    assert sorted(entry["title"] for entry in parsed.entries) == ["خبر سليم أول", "خبر سليم ثان"]
    assert dropped == {"entry_unparseable": 1}


def test_parse_feed_never_raises_on_garbage() -> None:
    surrogate = "\ud800".encode("utf-8", "surrogatepass")
    atom = b"<feed xmlns='http://www.w3.org/2005/Atom'><entry></entry></feed>"
    for body in (b"", b"\x00" * 100, b"<rss", b"<?xml?>", surrogate, atom):
        parsed = parse_feed(body, url="https://e.ma/feed", fetched_at=NOW)
        assert parsed.error_code in ("", "not_a_feed", "unparseable_feed")


def test_an_item_without_any_identity_is_counted_as_dropped() -> None:
    parsed = parse_feed(feed("<item></item>"), url="https://e.ma/feed", fetched_at=NOW)
    assert len(parsed.entries) == 2
    assert parsed.dropped == (("no_identity", 1),)


@pytest.mark.postgres
def test_every_stored_text_fits_its_column(make_outlet) -> None:
    # No title and a long link: the title falls back to the URL (PostgreSQL refused
    # the whole feed's transaction for it).
    link = "https://e.ma/" + "x" * 1900
    body = feed(f"<item><link>{link}</link><author>{'ك' * 400}</author></item>")
    stored = ingest_bytes(make_outlet(), body, fetched_at=NOW)
    assert stored.new == 3
    article = Article.objects.get(url=link)
    assert len(article.title) <= 500 and article.title.startswith("https://e.ma/xxx")
    assert len(article.author) <= 200


@pytest.mark.postgres
def test_the_fetch_log_records_what_was_dropped(make_outlet, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/feed.xml").respond_with_data(
        feed("<item></item><item>  </item>"), content_type="application/rss+xml"
    )
    outlet = make_outlet(feed_url=httpserver.url_for("/feed.xml"))
    result = ingest_outlet(outlet.id)
    assert (result.status, result.new) == ("ok", 2)
    log = FetchLog.objects.get(outlet=outlet)
    assert (log.dropped_count, log.dropped_code, log.error_code) == (2, "no_identity", "")


def test_clean_html_is_idempotent_on_the_shapes_found() -> None:
    base = "https://e.ma/news/1"
    for html in (
        '<a href="x"><table><a href="y">t</a></table></a>',
        '<table><tr><td><a href="/a">x<table><a href="/b">y</a></table></a></td></tr></table>',
        '<a rel="x" href="javascript:1">t</a>',
        '<p><a href="http://a/"><a href="http://b/">x</a></a></p>',
        "<b><p>x</b>y</p>",
        '<table><img src="/i.jpg"><tr><td>x</td></tr></table>',
        "<pre>\n\n\n\ncode</pre>",
        '<pre class="x">\r\n\nx</pre><p>y</p>',
    ):
        once = clean_html(html, base)
        assert clean_html(once, base) == once, html


def test_clean_html_reports_the_images_of_its_final_pass() -> None:
    found: list[str] = []
    clean_html(
        '<a href="x"><table><a href="y"><img src="/a.jpg"></a></table></a>', "https://e.ma/", found
    )
    assert found == ["https://e.ma/a.jpg"]


def test_render_body_survives_whatever_was_stored() -> None:
    copy = Image(
        id=1, url="https://e.ma/a.jpg", status=Image.Status.STORED, copy="images/ab/a.webp",
        copy_width=10, copy_height=10, visibility="shown",
    )  # fmt: skip
    shown = BodyImages({copy.url: copy})
    for body in (
        '\x03<p>a</p><img src="https://e.ma/a.jpg">',
        '<img src="https://e.ma/unknown.jpg">\x12\ufffe tail',
        '<img src="https://e.ma/a.jpg" alt="a\x03\ufffeb">',
        "\ufffe\ud800 plain text \x00",
        "<img",
        "<<<img src=>>>",
    ):
        out = render_body(body, shown)
        assert not INVISIBLE_CONTROLS.search(out), body
