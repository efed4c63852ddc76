"""What a reader sees of an article whose text came from the outlet's page, in headless
Chromium (Debian's, via Playwright) against the live server.

In-process, through the real code: a full-text outlet's feed entry (a teaser, no
picture) is stored by ``store_entries``, ``fill_article`` reads its page from a local
pytest-httpserver (robots.txt allowing), and ``copy_image`` copies the page's pictures
(real JPEGs made with Pillow). Then, at phone and desktop widths: the headings,
paragraphs, list, quotation and figure caption of the page are on screen, the lead
picture is our copy and loads, the link to the original is the page's address, nothing
scrolls sideways, no console error or CSP violation; axe-core finds no violation; the
Nu Html Checker finds no error; screenshots go to test-artifacts/fulltext-*.png.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone
from PIL import Image as PILImage
from PIL import ImageDraw
from playwright.sync_api import Browser, Page
from pytest_httpserver import HTTPServer

from articles.fulltext.pages import fill_article
from articles.images.copy import copy_image
from articles.ingest.parse import ParsedEntry
from articles.ingest.store import store_entries
from articles.models import Article, FullTextStatus, Image, Outlet
from tests.support.browser import (
    ARTIFACTS,
    AXE,
    AXE_RUN,
    DESKTOP,
    PHONE,
    goto,
    open_page,
    require_tool,
    settle_for_screenshot,
    vnu_errors,
)

# Storage and the host's turn run on the configured database: again in the PostgreSQL pass.
pytestmark = pytest.mark.postgres

DEVICES: dict[str, dict[str, Any]] = {"phone": PHONE, "desktop": DESKTOP}
OUTLET = "صوت الأطلس"
TITLE = "الحكومة تطلق برنامجا استعجاليا لفك العزلة عن المناطق الجبلية"
TEASER = "أطلقت الحكومة برنامجا استعجاليا لفك العزلة عن المناطق الجبلية المتضررة."
AUTHOR = "مريم العلوي"
PARAGRAPHS = (
    "أعلنت الحكومة، في ختام اجتماع مجلسها الأسبوعي، عن إطلاق برنامج استعجالي لفك العزلة "
    "عن المناطق الجبلية المتضررة من موجة البرد والتساقطات الثلجية، بغلاف مالي يناهز "
    "ثلاثة ملايير درهم.",
    "وأوضح الناطق الرسمي باسم الحكومة أن البرنامج يشمل توزيع المساعدات الغذائية والأغطية "
    "على الأسر المعنية، وتعبئة كاسحات الثلوج لفتح المسالك الطرقية المغلقة في أقاليم "
    "خنيفرة وميدلت وأزيلال والحوز.",
    "وتعمل السلطات المحلية، بتنسيق مع مصالح الوقاية المدنية والقوات المسلحة الملكية، على "
    "إحصاء الدواوير المعزولة وتحديد حاجياتها المستعجلة، في انتظار تحسن الأحوال الجوية.",
    "وسجلت المديرية العامة للأرصاد الجوية انخفاضا ملموسا في درجات الحرارة خلال الأيام "
    "الأخيرة، إذ نزلت إلى ما دون الصفر في عدد من المرتفعات التي يفوق علوها 1500 متر.",
    "ويرتقب أن يعرض الوزراء المعنيون حصيلة أولية للعمليات خلال الأسبوع المقبل، وفق "
    "البلاغ الصادر عقب الاجتماع.",
)
HEADINGS = {"h2": "محاور البرنامج", "h3": "الأقاليم المعنية"}
ITEMS = ("توزيع 40 ألف قفة غذائية", "تعبئة 120 كاسحة ثلوج", "إقامة 15 مركزا صحيا متنقلا")
QUOTE = "لن نترك أي أسرة وحيدة في مواجهة البرد، والدولة حاضرة بكل إمكانياتها"
CAPTION = "كاسحة ثلوج تفتح الطريق نحو دوار بإقليم ميدلت"
BOILERPLATE = ("الرئيسية", "فيسبوك", "واتساب", "مواضيع ذات صلة", "جميع الحقوق محفوظة",
               "الأكثر قراءة", "اقرأ أيضا")  # fmt: skip
PAGE_PATH = "/2025/12/22/programme-montagne.html"
LEAD_PATH = "/wp-content/uploads/2025/12/lead.jpg"
FIGURE_PATH = "/wp-content/uploads/2025/12/snowplough.jpg"


def outlet_page() -> str:
    """The outlet's article page, as a WordPress theme makes it."""
    body = (
        f"<p>{PARAGRAPHS[0]}</p><p>{PARAGRAPHS[1]}</p>"
        f'<figure class="wp-block-image"><img src="{FIGURE_PATH}" alt="{CAPTION}" width="1200"'
        f' height="675"><figcaption>{CAPTION}</figcaption></figure>'
        f"<h2>{HEADINGS['h2']}</h2><ul>{''.join(f'<li>{item}</li>' for item in ITEMS)}</ul>"
        f"<blockquote><p>{QUOTE}</p></blockquote>"
        '<p><strong>اقرأ أيضا:</strong> <a href="/2025/12/21/neige.html">ثلوج بالأطلس</a></p>'
        f"<p>{PARAGRAPHS[2]}</p><h3>{HEADINGS['h3']}</h3><p>{PARAGRAPHS[3]}</p>"
        f"<p>{PARAGRAPHS[4]}</p>"
        '<div class="share-bar"><a href="https://www.facebook.com/sharer.php">فيسبوك</a> '
        '<a href="https://wa.me/">واتساب</a></div>'
    )
    return f"""<!doctype html>
<html lang="ar" dir="rtl"><head><meta charset="utf-8"><title>{TITLE} | {OUTLET}</title>
<meta property="og:type" content="article"><meta property="og:title" content="{TITLE}">
<meta property="og:image" content="{LEAD_PATH}"><meta name="author" content="{AUTHOR}">
<script>window.dataLayer = window.dataLayer || [];</script></head>
<body class="single"><header class="site-header"><a class="logo" href="/">{OUTLET}</a>
<nav class="main-menu"><ul><li><a href="/">الرئيسية</a></li><li><a href="/societe/">مجتمع</a>
</li><li><a href="/sport/">رياضة</a></li></ul></nav></header>
<main><article class="post"><h1 class="entry-title">{TITLE}</h1>
<div class="entry-content">{body}</div>
<div class="related-posts"><h3>مواضيع ذات صلة</h3><ul>
<li><a href="/a.html">موجة برد جديدة نهاية الأسبوع</a></li></ul></div></article>
<aside class="sidebar"><div class="widget"><h3>الأكثر قراءة</h3><ul>
<li><a href="/b.html">أسعار المحروقات</a></li></ul></div></aside></main>
<footer class="site-footer"><p>جميع الحقوق محفوظة © 2025 {OUTLET}</p></footer>
</body></html>"""


def jpeg(size: tuple[int, int], tint: tuple[int, int, int]) -> bytes:
    """A photo-like JPEG: a gradient sky, a hill and a sun."""
    width, height = size
    sky = PILImage.linear_gradient("L").resize(size)
    picture = PILImage.merge("RGB", (sky.point(lambda v: v // 2 + tint[0]), sky, sky))
    draw = ImageDraw.Draw(picture)
    draw.ellipse((width * 0.6, height * 0.1, width * 0.8, height * 0.45), fill=(250, 210, 90))
    draw.polygon([(0, height), (width * 0.4, height * 0.5), (width, height)], fill=tint)
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=85)
    return out.getvalue()


@dataclass(frozen=True)
class Site:
    article: Article
    page_url: str
    lead: Image
    figure: Image


def build_site(make_outlet: Callable[..., Outlet], httpserver: HTTPServer) -> Site:
    """A full-text outlet's article, read from its page, its pictures copied."""
    httpserver.expect_request("/robots.txt").respond_with_data(
        "User-agent: *\nDisallow: /wp-admin/\n", content_type="text/plain"
    )
    httpserver.expect_request(PAGE_PATH).respond_with_data(
        outlet_page(), content_type="text/html; charset=utf-8"
    )
    httpserver.expect_oneshot_request(LEAD_PATH).respond_with_data(
        jpeg((1600, 900), (60, 110, 50)), content_type="image/jpeg"
    )
    httpserver.expect_oneshot_request(FIGURE_PATH).respond_with_data(
        jpeg((1200, 675), (120, 120, 130)), content_type="image/jpeg"
    )
    outlet = make_outlet(
        name=OUTLET, name_latin="Atlas Voice", slug="atlas-voice", full_text=True,
        site_url=httpserver.url_for("/"), feed_url=httpserver.url_for("/feed/"),
    )  # fmt: skip
    page_url = httpserver.url_for(PAGE_PATH)
    published = timezone.now().replace(microsecond=0) - timedelta(hours=2)
    entry = ParsedEntry(
        key="atlas-1", url=page_url, title=TITLE, summary=TEASER, body_html=f"<p>{TEASER}</p>",
        author="", language="ar", published_at=published, categories=(), image_urls=(),
        content_hash=hashlib.sha256(page_url.encode()).hexdigest(),
    )  # fmt: skip
    stored = store_entries(outlet, [entry], fetched_at=timezone.now())
    article = Article.objects.get(outlet=outlet, key="atlas-1")
    assert stored.page_ids == (article.id,)
    result = fill_article(article.id)
    assert (result.status, result.code) == (FullTextStatus.EXTRACTED, "extracted"), result
    assert len(result.new_image_ids) == 2
    for image_id in result.new_image_ids:
        assert copy_image(image_id).status == Image.Status.STORED
    article = Article.objects.get(id=article.id)
    assert article.page_body and article.author == AUTHOR
    return Site(
        article=article,
        page_url=page_url,
        lead=Image.objects.get(url=httpserver.url_for(LEAD_PATH)),
        figure=Image.objects.get(url=httpserver.url_for(FIGURE_PATH)),
    )


@pytest.fixture(autouse=True)
def _no_host_delay(settings: Any) -> None:
    settings.FULLTEXT_HOST_DELAY_SECONDS = 0


def shot(page: Page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"fulltext-{name}.png"
    path.unlink(missing_ok=True)
    settle_for_screenshot(page)
    # Chromium paints a decoding="async" picture below the fold only once it has been
    # decoded: without this a phone's full-page shot shows the body's figure blank.
    page.evaluate("() => Promise.all([...document.images].map((i) => i.decode().catch(() => 0)))")
    page.wait_for_timeout(150)
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 20_000, path
    return path


IMAGE_STATE = """
(img) => ({src: img.getAttribute("src"), complete: img.complete, natural: img.naturalWidth,
           shown: img.getBoundingClientRect().width})
"""
LAYOUT = """
() => {
  const body = document.querySelector(".article-body");
  const box = body.getBoundingClientRect();
  const root = document.documentElement;
  const wide = [...document.querySelectorAll(".article *")]
    .filter((el) => el.getBoundingClientRect().right > root.clientWidth + 1
                    || el.getBoundingClientRect().left < -1)
    .map((el) => el.outerHTML.slice(0, 120));
  return {overflow: root.scrollWidth - root.clientWidth, dir: getComputedStyle(body).direction,
          htmlDir: root.getAttribute("dir"), lang: root.getAttribute("lang"),
          left: box.left, right: box.right, width: root.clientWidth, wide};
}
"""


# ---------------------------------------------------------------------------------------
# The article page, at phone and desktop widths
# ---------------------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_reader_sees_the_whole_article_from_the_outlets_page(
    live_server: Any,
    browser: Browser,
    make_outlet: Callable[..., Outlet],
    httpserver: HTTPServer,
    sections: None,
) -> None:
    site = build_site(make_outlet, httpserver)
    asked = [request.path for request, _response in httpserver.log]
    assert asked.count(LEAD_PATH) == 1 and asked.count(FIGURE_PATH) == 1, asked
    for device_name, device in DEVICES.items():
        with open_page(browser, live_server.url, device) as (page, watch):
            goto(page, site.article.get_absolute_url())
            settle_for_screenshot(page)
            article = page.locator("article.article")
            assert article.locator("h1.article-title").inner_text().strip() == TITLE
            attribution = article.locator(".attribution")
            assert attribution.is_visible() and OUTLET in attribution.inner_text()
            assert AUTHOR in article.locator(".dateline").inner_text()

            body = article.locator(".article-body")
            for tag, text in HEADINGS.items():
                heading = body.locator(tag)
                assert heading.count() == 1 and heading.inner_text().strip() == text, tag
                assert heading.is_visible(), tag
            for paragraph in PARAGRAPHS:
                found = body.locator("p", has_text=paragraph[:40])
                assert found.count() == 1 and found.is_visible(), paragraph[:40]
                assert " ".join(found.inner_text().split()) == " ".join(paragraph.split())
            items = body.locator("ul > li")
            assert [t.strip() for t in items.all_inner_texts()] == list(ITEMS)
            assert all(items.nth(i).is_visible() for i in range(items.count()))
            quote = body.locator("blockquote")
            assert quote.is_visible() and quote.inner_text().strip() == QUOTE
            caption = body.locator("figure figcaption")
            # The caption, then the picture's report link closing it.
            assert caption.is_visible()
            assert caption.inner_text().split("\n")[0].strip() == CAPTION
            assert caption.locator("a.report-link").count() == 1
            text = body.inner_text()
            for gone in BOILERPLATE:
                assert gone not in text, gone
            assert TITLE not in text, "the page's <h1> is the title, shown once above"

            # The lead and the body's picture: our copies, loaded, never the outlet's.
            lead = page.locator(f".lead-figure#image-{site.lead.pk} img")
            state = lead.evaluate(IMAGE_STATE)
            assert state["src"] == site.lead.copy.url, state
            assert state["src"].startswith(settings.MEDIA_URL), state
            assert state["complete"] and state["natural"] > 0 and state["shown"] > 0, state
            figure = body.locator("figure img")
            state = figure.evaluate(IMAGE_STATE)
            assert state["src"] == site.figure.copy.url, state
            assert state["complete"] and state["natural"] > 0 and state["shown"] > 0, state
            outlets = page.evaluate("[...document.images].map((i) => i.currentSrc || i.src)")
            assert not [s for s in outlets if httpserver.url_for("/") in s], outlets

            original = article.locator(".source-link a")
            assert original.count() == 1 and original.is_visible()
            assert original.get_attribute("href") == site.page_url

            layout = page.evaluate(LAYOUT)
            assert (layout["htmlDir"], layout["lang"], layout["dir"]) == ("rtl", "ar", "rtl")
            assert layout["overflow"] <= 0, layout
            assert layout["wide"] == [], layout
            shot(page, f"article-{device_name}")
            watch.assert_clean(page)
    with open_page(browser, live_server.url, PHONE, color_scheme="dark") as (page, watch):
        goto(page, site.article.get_absolute_url())
        shot(page, "article-phone-dark")
        watch.assert_clean(page)
    # Readers' browsers asked our server for the pictures, never the outlet's.
    asked = [request.path for request, _response in httpserver.log]
    assert asked.count(LEAD_PATH) == 1 and asked.count(FIGURE_PATH) == 1, asked


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("device_name", "scheme"), [("phone", "light"), ("desktop", "light"), ("phone", "dark")]
)
def test_axe_finds_no_violation_on_the_full_text_article(
    live_server: Any,
    browser: Browser,
    make_outlet: Callable[..., Outlet],
    httpserver: HTTPServer,
    sections: None,
    device_name: str,
    scheme: str,
) -> None:
    axe = require_tool(AXE)
    site = build_site(make_outlet, httpserver)
    # The page's CSP would refuse axe's injected script; this context ignores it.
    options = {"bypass_csp": True, "color_scheme": scheme}
    with open_page(browser, live_server.url, DEVICES[device_name], **options) as (page, _w):
        goto(page, site.article.get_absolute_url())
        settle_for_screenshot(page)
        page.add_script_tag(path=str(axe))
        violations = page.evaluate(AXE_RUN)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    report = ARTIFACTS / f"fulltext-axe-{device_name}-{scheme}.json"
    report.write_text(json.dumps(violations, ensure_ascii=False, indent=1))
    assert violations == [], json.dumps(violations, ensure_ascii=False, indent=1)


# ---------------------------------------------------------------------------------------
# HTML validity (the Nu Html Checker), no browser needed
# ---------------------------------------------------------------------------------------


@pytest.mark.java
@pytest.mark.django_db
def test_the_full_text_article_page_is_valid_html(
    client: Any,
    tmp_path: Path,
    make_outlet: Callable[..., Outlet],
    httpserver: HTTPServer,
    sections: None,
) -> None:
    site = build_site(make_outlet, httpserver)
    response = client.get(site.article.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert PARAGRAPHS[-1] in html and f"<blockquote><p>{QUOTE}</p></blockquote>" in html
    path = tmp_path / "fulltext-article.html"
    path.write_bytes(response.content)
    errors = vnu_errors([path])
    assert not errors, "\n".join(errors)
