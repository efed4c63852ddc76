"""What the extractor takes from an outlet's page: the labelled pages of tests/data come
out with precision and recall of at least 0.9 (bench/fulltext.py prints the figures);
boilerplate is dropped and structure kept; microdata, JSON-LD and meta tags give the
author, date and lead image; the outlet's selectors; hostile markup comes out clean; the
page's charset is read right."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.core.exceptions import ValidationError

from articles.fulltext.extract import EXTRACTED, NO_ARTICLE_FOUND, decode_page, extract_article
from articles.lib.selectors import validate_selector
from tests.support.fulltext import PARAGRAPH, TEASER, article_page
from tests.support.pages import PAGES_DIR, load_pages, word_scores

# Marked as the rest of the full-text tests are: run again in the PostgreSQL pass.
pytestmark = pytest.mark.postgres


# ---------------------------------------------------------------------------------------
# Extraction quality on the labelled pages
# ---------------------------------------------------------------------------------------

# The set written beside the extractor, then those written blind (tests/data/*/README.md).
LABELLED = [
    page
    for folder in ("pages", "pages-heldout", "pages-blind")
    if (PAGES_DIR.parent / folder / "pages.json").exists()
    for page in load_pages(PAGES_DIR.parent / folder)
]


@pytest.mark.parametrize("page", LABELLED, ids=[page.name for page in LABELLED])
def test_labelled_pages_come_out_with_precision_and_recall_of_at_least_0_9(page) -> None:  # type: ignore[no-untyped-def]
    found = extract_article(
        page.body,
        url=page.url,
        headers=page.headers,
        body_selector=page.body_selector,
        drop_selector=page.drop_selector,
    )
    precision, recall = word_scores(found.text, page.expected)
    assert found.code == EXTRACTED
    assert precision >= 0.9 and recall >= 0.9, (
        f"{page.name}: precision {precision:.3f}, recall {recall:.3f}\n--- got:\n{found.text}"
    )
    if page.lead_image:
        assert found.lead_image == page.lead_image
    if page.author:
        assert found.author == page.author
    if page.published:
        assert found.published_at == datetime.fromisoformat(page.published).astimezone(UTC)


def test_boilerplate_inside_the_body_is_dropped_and_structure_kept() -> None:
    extra = (
        '<p><strong>اقرأ أيضا:</strong> <a href="/a">وزير التجهيز يتفقد الأشغال</a></p>'
        '<div class="share-bar"><a href="#">فيسبوك</a><a href="#">واتساب</a></div>'
        '<div class="related-posts"><h3>مواضيع ذات صلة</h3><ul><li><a href="/b">خبر</a></li>'
        '<li><a href="/c">خبر آخر</a></li></ul></div>'
        "<h2>تفاصيل البرنامج</h2><ul><li>تأهيل 300 كيلومتر</li><li>بناء 12 قنطرة</li></ul>"
        "<blockquote><p>هذا البرنامج سيغير حياة الساكنة</p></blockquote>"
        '<figure><img data-src="/up/bridge.jpg" src="data:image/gif;base64,R0lGOD"'
        ' alt="قنطرة"><figcaption>قنطرة في طور البناء</figcaption></figure>'
        '<div class="ads"><span>إعلان</span></div>'
        '<div id="comments"><p>تعليق قارئ طويل بما يكفي ليبدو فقرة من الفقرات هنا</p></div>'
    )
    found = extract_article(
        article_page(extra=extra).encode(), url="https://news.example.ma/2026/11/road.html"
    )
    assert found.code == EXTRACTED
    for gone in ("اقرأ أيضا", "فيسبوك", "مواضيع ذات صلة", "إعلان", "تعليق قارئ", "الرئيسية",
                 "من نحن", "العنوان"):  # fmt: skip
        assert gone not in found.text, gone
    for kept in ("<h2>تفاصيل البرنامج</h2>", "<li>تأهيل 300 كيلومتر</li>", "<blockquote>",
                 "<figcaption>قنطرة في طور البناء</figcaption>"):  # fmt: skip
        assert kept in found.body_html, kept
    # The lazy image is the real one, resolved against the page.
    assert found.image_urls == ("https://news.example.ma/up/bridge.jpg",)


def test_text_straight_in_divs_keeps_its_paragraph_breaks() -> None:
    body = "".join(f"<div>{PARAGRAPH} {n}</div>" for n in range(5))
    page = f'<html><body><div class="entry-content">{body}</div></body></html>'
    found = extract_article(page.encode(), url="https://example.ma/a")
    assert len(found.text.splitlines()) == 5
    assert found.body_html.count("<p>") == 5


def test_without_known_containers_the_densest_block_of_paragraphs_wins() -> None:
    sidebar = "".join(
        f'<p><a href="/n{n}">خبر قصير رقم {n} في الشريط الجانبي</a></p>' for n in range(30)
    )
    body = "".join(f"<p>{PARAGRAPH}</p>" for _ in range(4))
    page = (
        f'<html><body><div class="c1">{sidebar}</div>'
        f'<div class="c2"><div class="c3">{body}</div></div></body></html>'
    )
    found = extract_article(page.encode(), url="https://example.ma/a")
    assert found.code == EXTRACTED
    assert "الشريط الجانبي" not in found.text
    assert found.text.count("وزارة التجهيز") == 4


def test_state_classes_and_modifiers_do_not_make_the_body_boilerplate() -> None:
    body = "".join(f"<p>{PARAGRAPH}</p>" for _ in range(4))
    for wrapper in (
        f'<div class="entry-content no-share">{body}</div>',
        f'<article class="node node--promoted"><div class="field">{body}</div></article>',
        f'<div class="layout sidebar-right"><div class="c">{body}</div>'
        '<div class="sidebar"><p><a href="/x">خبر جانبي قصير</a></p></div></div>',
    ):
        found = extract_article(
            f"<html><body>{wrapper}</body></html>".encode(), url="https://e.ma/"
        )
        assert found.text.count("وزارة التجهيز") == 4, wrapper


def test_paragraphs_made_of_double_line_breaks_become_paragraphs() -> None:
    cell = "<br><br>".join(f"{PARAGRAPH} {n}" for n in range(4))
    page = (
        '<html><body><table><tr><td class="nav"><a href="/">الرئيسية</a></td></tr>'
        f'<tr><td class="text">{cell}</td></tr></table>'
        f'<div class="post"><span style="x">{PARAGRAPH}<br>سطر ثان</span><br><br>'
        f"<span>{PARAGRAPH}</span></div></body></html>"
    )
    found = extract_article(page.encode(), url="https://e.ma/")
    lines = found.text.splitlines()
    assert len(lines) == 4 and all(line.startswith("أعلنت") for line in lines), lines
    assert "<br><br>" not in found.body_html


def test_microdata_gives_the_author_and_date() -> None:
    head = ""
    byline = (
        '<span itemprop="author" itemscope><a href="/u"><span itemprop="name">إبراهيم</span></a>'
        '</span><abbr itemprop="datePublished" title="2026-02-15T11:20:00+01:00">15 فبراير</abbr>'
    )
    found = extract_article(article_page(head=head, extra=byline).encode(), url="https://e.ma/")
    assert found.author == "إبراهيم"
    assert found.published_at == datetime(2026, 2, 15, 10, 20, tzinfo=UTC)


def test_json_ld_article_body_is_used_when_the_html_has_only_a_shell() -> None:
    head = (
        '<script type="application/ld+json">{"@context":"https://schema.org","@graph":['
        '{"@type":"WebSite","name":"x"},{"@type":["NewsArticle"],"headline":"h",'
        f'"articleBody":"{PARAGRAPH}\\n{PARAGRAPH}\\n{PARAGRAPH}",'
        '"author":[{"@type":"Person","name":"مريم العلوي"}],'
        '"datePublished":"2026-11-29T08:30:00","image":{"url":"/img/lead.jpg"}}]}</script>'
    )
    page = f'<html><head>{head}</head><body><div id="root"><p>{TEASER}</p></div></body></html>'
    found = extract_article(page.encode(), url="https://example.ma/a/1")
    assert found.code == EXTRACTED
    assert found.text.count("وزارة التجهيز") == 3
    assert found.author == "مريم العلوي"
    # No offset: Moroccan time (UTC+1).
    assert found.published_at == datetime(2026, 11, 29, 7, 30, tzinfo=UTC)
    assert found.lead_image == "https://example.ma/img/lead.jpg"


def test_meta_tags_give_the_lead_image_author_and_date() -> None:
    head = (
        '<meta property="og:image" content="https://cdn.example.ma/lead.jpg">'
        '<meta name="author" content="عبد الله">'
        '<meta property="article:author" content="https://example.ma/author/x">'
        '<meta property="article:published_time" content="2026-11-28T10:00:00+00:00">'
    )
    found = extract_article(article_page(head=head).encode(), url="https://example.ma/a")
    assert (found.lead_image, found.author) == ("https://cdn.example.ma/lead.jpg", "عبد الله")
    assert found.published_at == datetime(2026, 11, 28, 10, tzinfo=UTC)
    twitter = '<meta name="twitter:image" content="/t.jpg">'
    found = extract_article(article_page(head=twitter).encode(), url="https://example.ma/a")
    assert found.lead_image == "https://example.ma/t.jpg"


def test_a_page_with_no_article_says_so() -> None:
    page = '<html><body><nav><a href="/">الرئيسية</a></nav><p>قصير</p></body></html>'
    assert extract_article(page.encode(), url="https://example.ma/").code == NO_ARTICLE_FOUND
    assert extract_article(b"", url="https://example.ma/").code == NO_ARTICLE_FOUND
    assert (
        extract_article(b"\xff\xfe\x00garbage", url="https://example.ma/").code == NO_ARTICLE_FOUND
    )


def test_the_outlets_selectors_choose_the_body_and_drop_blocks() -> None:
    page = (
        "<html><body>"
        + "".join(
            f"<p>ملخص اليوم: خبر طويل من أخبار اليوم في فقرة لا علاقة لها بالمقال {n}</p>"
            for n in range(12)
        )
        + '<div class="story">'
        + "".join(f"<p>{PARAGRAPH}</p>" for _ in range(3))
        + '<p class="promo">اشترك في النشرة البريدية لتصلك آخر الأخبار كل صباح</p></div>'
        "</body></html>"
    )
    found = extract_article(
        page.encode(),
        url="https://example.ma/a",
        body_selector="div.story",
        drop_selector=".promo",
    )
    assert found.text.count("وزارة التجهيز") == 3
    assert "ملخص اليوم" not in found.text and "النشرة" not in found.text


@pytest.mark.parametrize(
    "selector", ["div[", "..x", "a >> b", "p:unknown-pseudo", "#", "x" * 1001]
)
def test_a_selector_that_does_not_parse_is_refused(selector: str) -> None:
    with pytest.raises(ValidationError):
        validate_selector(selector)


def test_good_selectors_pass() -> None:
    for selector in (
        "",
        "div.entry-content",
        ".related, .share-bar > a",
        'article [itemprop="articleBody"]',
    ):
        validate_selector(selector)


# ---------------------------------------------------------------------------------------
# Hostile pages
# ---------------------------------------------------------------------------------------

HOSTILE = (
    '<base href="https://evil.example/">'
    '<meta http-equiv="refresh" content="0; url=https://evil.example/">'
    "<script>alert(1)</script>"
    '<p onclick="alert(2)" onmouseover="alert(3)">انقر</p>'
    '<svg onload="alert(4)"><script>alert(5)</script></svg>'
    '<form action="https://evil.example/steal"><input name="password"><button>أرسل</button></form>'
    '<a href="javascript:alert(6)">رابط</a> <a href="/rel">نسبي</a>'
    '<img src="x" onerror="alert(7)"> <img src="/up/ok.jpg">'
    '<iframe src="https://evil.example/frame"></iframe>'
    "<style>body{display:none}</style>"
    '<math><mi xlink:href="javascript:alert(8)">x</mi></math>'
    '<p style="position:fixed">\u202eنص\u200f معكوس</p>'
)


def test_hostile_markup_comes_out_clean() -> None:
    page = article_page(head=HOSTILE, extra=HOSTILE)
    found = extract_article(page.encode(), url="https://example.ma/news/1.html")
    html = found.body_html.lower()
    assert found.code == EXTRACTED
    for bad in ("<script", "alert", "onclick", "onerror", "onload", "<svg", "<form", "<input",
                "<base", "http-equiv", "javascript:", "<iframe", "<style", "style=", "<math",
                "evil.example", "\u202e", "\u200f"):  # fmt: skip
        assert bad not in html, bad
    # Relative links resolve against the page's own address, never a <base>.
    assert 'href="https://example.ma/rel"' in found.body_html
    assert "https://example.ma/up/ok.jpg" in found.image_urls


def test_deeply_nested_and_huge_pages_do_not_crash() -> None:
    nested = "<div>" * 5000 + f"<p>{PARAGRAPH}</p>" * 3 + "</div>" * 5000
    found = extract_article(nested.encode(), url="https://example.ma/")
    assert found.code in (EXTRACTED, NO_ARTICLE_FOUND)
    many = "<p>" + "كلمة " * 40 + "</p>"
    found = extract_article(
        ("<div class='entry-content'>" + many * 5000 + "</div>").encode(),
        url="https://example.ma/",
    )
    assert found.code == EXTRACTED


# ---------------------------------------------------------------------------------------
# Decoding
# ---------------------------------------------------------------------------------------


def test_windows_1256_declared_in_meta_is_read_as_such() -> None:
    page = article_page(charset="windows-1256").encode("cp1256")
    assert "وزارة التجهيز" in decode_page(page, {"content-type": "text/html"})
    page = (
        article_page(charset="x")
        .replace(
            '<meta charset="x">',
            '<meta http-equiv="Content-Type" content="text/html; charset=windows-1256">',
        )
        .encode("cp1256")
    )
    found = extract_article(
        page, url="https://example.ma/a", headers={"Content-Type": "text/html"}
    )
    assert found.text.count("وزارة التجهيز") == 6


def test_the_http_charset_wins_over_meta_and_utf8_is_not_misread() -> None:
    utf8 = article_page(charset="windows-1256").encode()
    # Valid UTF-8 Arabic labelled windows-1256 (in meta, or in HTTP): read as UTF-8.
    assert "وزارة التجهيز" in decode_page(utf8, {})
    assert "وزارة التجهيز" in decode_page(
        utf8, {"content-type": "text/html; charset=windows-1256"}
    )
    legacy = article_page(charset="utf-8").encode("cp1256")
    # Legacy bytes labelled UTF-8 in meta: the Arabic letters show they are windows-1256.
    assert "وزارة التجهيز" in decode_page(legacy, {})
    latin = "<p>Le ministère de l'Équipement a annoncé</p>".encode("cp1252")
    assert "ministère" in decode_page(latin, {"content-type": "text/html; charset=iso-8859-1"})
