"""Feed text is text: hostile titles, outlet names, authors and summaries are escaped on
every page, in the ticker and in the JSON-LD block; an article body shows only sanitized
HTML; only an http(s) original is the source link; control characters never break a
page."""

from __future__ import annotations

import json
from datetime import timedelta

import lxml.html
import pytest
from django.test import Client

from articles.ingest.feeds import ingest_bytes
from articles.models import Article
from articles.site.cache import forget_version
from tests.support.site import (
    NOW,
    OUR_SCRIPTS,
    changed,
    make_article,
    only,
    parse,
    rss,
    rss_item,
    section,
    stored_image,
    text,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sections")]


SOURCE_LINK_TEXT = "انقر هنا لقراءة الخبر من مصدره"


# --- feed text is text -----------------------------------------------------------------

HOSTILE_TITLE = '<script>alert("title")</script>"><img src=x onerror=alert(1)>'
HOSTILE_OUTLET = '"><img src=x onerror=alert(2)><script>alert("outlet")</script>'
HOSTILE_AUTHOR = '<script>alert("author")</script><b onmouseover=alert(3)>'
HOSTILE_SUMMARY = '</p><script>alert("summary")</script><img src=x onerror=alert(4)>'


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
def hostile(make_outlet) -> Article:
    outlet = make_outlet(name=HOSTILE_OUTLET, slug="bad-outlet")
    article = make_article(
        outlet, title=HOSTILE_TITLE, author=HOSTILE_AUTHOR, summary=HOSTILE_SUMMARY,
        body_html="", section=section(),
    )  # fmt: skip
    stored_image(article)
    make_article(outlet, title="خبر آخر", section=section(), published_at=NOW - timedelta(hours=1))
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


def test_a_title_cannot_break_out_of_the_json_ld_block(make_outlet, client: Client) -> None:
    outlet = make_outlet(name="مصدر </script><script>alert(1)</script>")
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


def test_the_article_body_shows_only_sanitized_html(make_outlet, client: Client) -> None:
    outlet = make_outlet()
    body = (
        "<p>فقرة أولى</p><script>alert(1)</script>"
        '<img src="https://cdn.example.ma/x.jpg" onerror="alert(2)">'
        '<a href="javascript:alert(3)">رابط خبيث</a> <a href="https://example.ma/ok">رابط سليم</a>'
        '<iframe src="https://evil.example/"></iframe><object data="x.swf"></object>'
        '<p onclick="alert(4)" style="position:fixed">فقرة ثانية</p>'
        "<svg><script>alert(5)</script></svg><form action='https://evil.example/'><input></form>"
    )
    ingest_bytes(outlet, rss(rss_item("a1", "عنوان", body=body)))
    forget_version()
    article = Article.objects.get(outlet=outlet)

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
    make_outlet, client: Client, url: str
) -> None:
    article = make_article(make_outlet(), url=url)
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
def test_an_http_original_is_the_source_link(make_outlet, client: Client, url: str) -> None:
    article = make_article(make_outlet(), url=url)
    changed()

    tree = parse(client.get(article.get_absolute_url()))

    link = only(tree, "//p[@class='source-link']/a")
    assert (link.get("href"), text(link)) == (url, SOURCE_LINK_TEXT)
    assert json.loads(only(tree, "//script[@type='application/ld+json']").text)["isBasedOn"] == url


def test_an_ingested_javascript_link_never_becomes_the_source_link(
    make_outlet, client: Client
) -> None:
    outlet = make_outlet()
    ingest_bytes(
        outlet, rss(rss_item("j1", "عنوان", link="javascript:alert(1)", body="<p>نص</p>"))
    )
    forget_version()
    article = Article.objects.get(outlet=outlet)

    response = client.get(article.get_absolute_url())

    assert response.status_code == 200
    assert "javascript:" not in response.content.decode().lower()
    assert SOURCE_LINK_TEXT not in response.content.decode()


# --- control characters ------------------------------------------------------------


def test_control_characters_in_a_body_never_break_the_article_page(
    make_outlet, client: Client
) -> None:
    outlet = make_outlet(slug="controls")
    body = "a\x01b<img src='https://cdn.example.ma/p.jpg'> <a href='https://example.ma/x'>x</a>"
    ingest_bytes(outlet, rss(rss_item("c1", "خبر", body=body)))
    # A row stored before ingest stripped them (or written some other way).
    stored = make_article(
        outlet, body_html="<p>a\x01b<img src='https://cdn.example.ma/q.jpg'></p>"
    )
    changed()

    for article in (Article.objects.get(outlet=outlet, key="c1"), stored):
        response = client.get(article.get_absolute_url())
        assert response.status_code == 200
        page = response.content.decode()
        assert "cdn.example.ma" not in page  # never the outlet's own image
        assert "\x01" not in page
    assert "\x01" not in Article.objects.get(outlet=outlet, key="c1").body_html
