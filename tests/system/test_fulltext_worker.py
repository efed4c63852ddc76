"""Full text from the outlet's page with real `celery worker` processes, no mocks.

Feeds, article pages, robots.txt and pictures come from a threaded local HTTP server
(FeedServer, tests/support/workers.py) that records when each request started and ended; the stored
rows are read back, and the article pages rendered, through ``manage.py shell``.

- Two workers (two pool processes each) on PostgreSQL and Redis, the production
  configuration, share one host: its page requests never overlap, and each waits
  FULLTEXT_HOST_DELAY_SECONDS after the previous one ended.
- On the embedded default (SQLite, filesystem broker), a full-text outlet's teaser
  becomes the whole article with its lead image copied as our own; an outlet with full
  text off is never asked for its pages, until staff turn it on and re-run it, through
  ``manage.py fulltext --rerun`` (inline) and through the worker (queue_again).
"""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

import lxml.html
import pytest
from PIL import Image as PILImage
from PIL import ImageDraw

from tests.support.workers import (
    FeedServer,
    Stack,
    wait_until,
)

HTML = "text/html; charset=utf-8"
ROBOTS = "User-agent: *\nDisallow: /wp-admin/\nAllow: /\n"
ENQUEUE_DUE = (
    "import json; from articles.tasks import schedule_due_outlets\n"
    "print(json.dumps(schedule_due_outlets()))"
)
NEWEST = datetime(2025, 12, 22, 10, 0, tzinfo=UTC)
# Clock granularity between the server's time.time() and the rows' timestamps.
TOLERANCE = 0.005

# The body of every page: realistic Moroccan news prose, several paragraphs.
PARAGRAPHS = (
    "أعلنت وزارة التجهيز والماء، اليوم الإثنين، عن إطلاق برنامج استعجالي لتأهيل "
    "المقاطع الطرقية المتضررة من التساقطات المطرية الأخيرة بجهة درعة تافيلالت، بغلاف "
    "مالي يناهز ملياري درهم.",
    "وأوضح بلاغ للوزارة أن الأشغال ستنطلق خلال الأسابيع المقبلة، وستشمل إعادة بناء "
    "القناطر التي جرفتها السيول وتقوية جنبات الطرق القروية التي تربط الدواوير المعزولة "
    "بالمراكز الحضرية.",
    "وأكد مسؤول بالمديرية الجهوية أن فرق الصيانة تعمل منذ أيام على فتح المسالك المغلقة، "
    "وأن حركة السير عادت إلى طبيعتها في أغلب المحاور، باستثناء بعض المقاطع الجبلية.",
    "من جهتهم، عبر عدد من سكان المنطقة عن ارتياحهم لهذا الإعلان، مطالبين بتسريع وتيرة "
    "الأشغال قبل حلول فصل الشتاء وتوفير حلول دائمة تحد من تكرار هذه الأضرار كل سنة.",
    "ويأتي هذا البرنامج في إطار رؤية شاملة تروم تقليص الفوارق المجالية وتحسين ظروف "
    "عيش ساكنة العالم القروي، وفق ما جاء في البلاغ ذاته.",
)
SUBHEADING = "تفاصيل البرنامج"
ITEMS = ("تأهيل 300 كيلومتر من الطرق القروية", "إعادة بناء 12 قنطرة")
QUOTE = "هذا البرنامج سيغير حياة الساكنة ويفك العزلة عن عشرات الدواوير"
CAPTION = "قنطرة في طور البناء بإقليم الرشيدية"
# What the page has around the article, which must not come along.
BOILERPLATE = ("الرئيسية", "فيسبوك", "واتساب", "مواضيع ذات صلة", "جميع الحقوق محفوظة", "اقرأ أيضا")


def article_html(
    outlet: str, title: str, marker: str, *, lead: str = "", figure: str = ""
) -> bytes:
    """An outlet's article page as WordPress themes make them: header and menu, the
    article in ``<article><div class="entry-content">``, a share bar, "read also" and
    related posts, a sidebar and a footer. ``marker`` makes each page's text its own."""
    paragraphs = [f"{text} ({marker})" if n == 0 else text for n, text in enumerate(PARAGRAPHS)]
    figure_html = (
        f'<figure class="wp-block-image"><img src="{figure}" alt="{CAPTION}" width="800" '
        f'height="450"><figcaption>{CAPTION}</figcaption></figure>'
        if figure
        else ""
    )
    og_image = f'<meta property="og:image" content="{lead}">' if lead else ""
    page = f"""<!doctype html>
<html lang="ar" dir="rtl"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)} | {outlet}</title>
<meta property="og:type" content="article"><meta property="og:title" content="{escape(title)}">
{og_image}
<link rel="stylesheet" href="/wp-content/themes/news/style.css">
<script>window.dataLayer = window.dataLayer || []; dataLayer.push({{page: "single"}});</script>
</head><body class="single single-post">
<header class="site-header"><div class="logo"><a href="/">{outlet}</a></div>
<nav class="main-menu"><ul><li><a href="/">الرئيسية</a></li><li><a href="/politique/">سياسة</a>
</li><li><a href="/economie/">اقتصاد</a></li><li><a href="/sport/">رياضة</a></li></ul></nav>
</header>
<main class="site-main"><article class="post type-post">
<h1 class="entry-title">{escape(title)}</h1>
<div class="post-meta"><span class="posted-on">منذ ساعتين</span></div>
<div class="entry-content">
<p>{paragraphs[0]}</p><p>{paragraphs[1]}</p>
{figure_html}
<p>{paragraphs[2]}</p>
<h2>{SUBHEADING}</h2><ul><li>{ITEMS[0]}</li><li>{ITEMS[1]}</li></ul>
<blockquote><p>{QUOTE}</p></blockquote>
<p><strong>اقرأ أيضا:</strong> <a href="/news/old.html">وزير التجهيز يتفقد الأشغال</a></p>
<p>{paragraphs[3]}</p><p>{paragraphs[4]}</p>
<div class="share-bar"><a href="https://www.facebook.com/sharer.php">فيسبوك</a>
<a href="https://wa.me/">واتساب</a></div>
</div>
<div class="related-posts"><h3>مواضيع ذات صلة</h3><ul>
<li><a href="/news/a.html">أمطار رعدية مرتقبة بعدد من مناطق المملكة</a></li>
<li><a href="/news/b.html">انقطاع الطريق الوطنية رقم 10 بسبب السيول</a></li></ul></div>
</article>
<aside class="sidebar"><div class="widget"><h3>الأكثر قراءة</h3><ul>
<li><a href="/news/c.html">ارتفاع أسعار الخضر بالأسواق</a></li></ul></div></aside></main>
<footer class="site-footer"><p>جميع الحقوق محفوظة © 2025 {outlet}</p>
<p><a href="/about/">من نحن</a> <a href="/contact/">اتصل بنا</a></p></footer>
</body></html>"""
    return page.encode("utf-8")


def teaser(marker: str) -> str:
    return f"أعلنت وزارة التجهيز والماء عن برنامج استعجالي لتأهيل الطرق ({marker})."


def rss(slug: str, items: list[tuple[str, str, str]]) -> bytes:
    """An RSS 2.0 feed whose items (title, link, teaser) carry a teaser only, no image."""
    parts = []
    for i, (title, link, text) in enumerate(items):
        parts.append(
            f"<item><title>{escape(title)}</title><link>{escape(link)}</link>"
            f'<guid isPermaLink="false">{slug}-{i}</guid>'
            f"<pubDate>{format_datetime(NEWEST - timedelta(hours=i))}</pubDate>"
            f"<category>مجتمع</category>"
            f"<description>{escape(f'<p>{text}</p>')}</description></item>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{slug}</title><link>https://{slug}.example.ma/</link>"
        f"<description>{slug}</description>{''.join(parts)}</channel></rss>"
    ).encode()


def jpeg(seed: int) -> bytes:
    """A real photo-sized JPEG, different for each ``seed``."""
    gradient = PILImage.radial_gradient("L").resize((1200, 675))
    channels = [
        gradient,
        gradient.rotate(90 * seed),
        PILImage.linear_gradient("L").resize((1200, 675)),
    ]
    picture = PILImage.merge("RGB", channels[seed % 3 :] + channels[: seed % 3])
    draw = ImageDraw.Draw(picture)
    draw.rectangle((100 + 40 * seed, 80, 500 + 40 * seed, 400), fill=(30 * seed % 256, 90, 160))
    draw.ellipse((700, 200 + 20 * seed, 1000, 500), fill=(200, 40 * seed % 256, 60))
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=85)
    return out.getvalue()


def create_outlets(stack: Stack, outlets: dict[str, dict[str, Any]]) -> dict[str, int]:
    """One active, due source per outlet (slug -> name, feed_url, full_text)."""
    return stack.shell(
        "import json; from articles.models import Outlet\n"
        f"spec = json.loads({json.dumps(json.dumps(outlets))})\n"
        "ids = {slug: Outlet.objects.create(slug=slug, **fields).id"
        " for slug, fields in spec.items()}\n"
        "print(json.dumps(ids))"
    )


ARTICLE_STATES = (
    "import json; from articles.models import Article\n"
    "print(json.dumps({a.url: {'id': a.id, 'status': a.fulltext_status,"
    " 'code': a.fulltext_code, 'page_body': a.page_body, 'outlet': a.outlet.slug}"
    " for a in Article.objects.select_related('outlet')}))"
)
IMAGE_STATES = (
    "import json; from articles.models import Image\n"
    "print(json.dumps({i.url: {'status': i.status, 'copy': i.copy.url if i.copy else '',"
    " 'articles': sorted(i.articles.values_list('url', flat=True))}"
    " for i in Image.objects.all()}))"
)
# Each article page rendered by Django's test client, as a reader gets it. The shell
# runs with DEBUG's ALLOWED_HOSTS (127.0.0.1, localhost), so the client names one.
RENDER_PAGES = (
    "import json; from django.test import Client; from articles.models import Article\n"
    "client = Client(HTTP_HOST='localhost')\n"
    "pages = {}\n"
    "for article in Article.objects.select_related('outlet'):\n"
    "    response = client.get(article.get_absolute_url())\n"
    "    pages[article.url] = [response.status_code, response.content.decode()]\n"
    "print(json.dumps(pages))"
)


def all_extracted(stack: Stack, urls: list[str]) -> dict[str, dict[str, Any]] | None:
    states = stack.shell(ARTICLE_STATES)
    done = all(states.get(url, {}).get("status") == "extracted" for url in urls)
    if any(states.get(url, {}).get("status") == "failed" for url in urls):
        raise AssertionError(f"a page failed: {states}")
    return states if done else None


def stored_images(stack: Stack, urls: list[str]) -> dict[str, dict[str, Any]] | None:
    images = stack.shell(IMAGE_STATES)
    return images if all(images.get(u, {}).get("status") == "stored" for u in urls) else None


def text_of(element: Any) -> str:
    return " ".join(element.text_content().split())


# The two configurations, ``postgres_redis`` and ``embedded``, are the fixtures of
# tests/system/conftest.py, as in test_worker.py.


# ---------------------------------------------------------------------------------------
# a. One host, two workers: one page request at a time, and the delay between them
# ---------------------------------------------------------------------------------------

PAGES = 8
PAGE_TASK_DONE = re.compile(
    r"fetch_page\[[^\]]+\] succeeded in [^:]+: \{'status': '\w+', 'code': '(\w+)'\}"
)
HOST_DELAY = 0.3
PAGE_HOLD = 0.3


@pytest.mark.redis
@pytest.mark.postgres_server
@pytest.mark.slow
def test_two_workers_request_one_hosts_pages_one_at_a_time_with_the_delay_between(
    postgres_redis: tuple[Stack, Any],
) -> None:
    stack, _redis = postgres_redis
    with FeedServer() as server, stack:
        server.add_feed("/robots.txt", ROBOTS.encode(), "text/plain; charset=utf-8")
        items = []
        for i in range(PAGES):
            path = f"/news/2025/12/{i}.html"
            title = f"برنامج لتأهيل الطرق القروية بالجهة رقم {i}"
            server.add_feed(path, article_html("صوت الأطلس", title, f"خبر {i}"), HTML)
            server.delays[path] = PAGE_HOLD
            items.append((title, server.url(path), teaser(f"خبر {i}")))
        feed_url = server.add_feed("/feed.xml", rss("atlas", items))
        create_outlets(stack, {"atlas": {"name": "صوت الأطلس", "feed_url": feed_url,
                                         "full_text": True}})  # fmt: skip
        env = {"FULLTEXT_HOST_DELAY_SECONDS": str(HOST_DELAY)}
        stack.start_worker(**env)
        stack.start_worker(**env)
        assert stack.shell(ENQUEUE_DUE) == 1
        urls = [url for _title, url, _text in items]
        states = wait_until(lambda: all_extracted(stack, urls), 40, "every page extracted")

        assert {s["code"] for s in states.values()} == {"extracted"}
        assert all(s["page_body"] for s in states.values())
        pages = server.requests_to("/news/")
        assert sorted(path for path, _start, _end in pages) == sorted(
            f"/news/2025/12/{i}.html" for i in range(PAGES)
        ), "each page is requested exactly once"
        assert server.hits["/robots.txt"] == 1, "robots.txt is fetched once for the host"
        origin = pages[0][1]
        timeline = [(p, round(s - origin, 3), round(e - origin, 3)) for p, s, e in pages]
        for (before, _s, ended), (after, started, _e) in zip(pages, pages[1:], strict=False):
            gap = started - ended
            assert gap >= HOST_DELAY - TOLERANCE, (
                f"{after} started {gap:.3f} s after {before} ended (< 0: they overlapped); "
                f"timeline: {timeline}"
            )
        assert max(server.max_in_flight[path] for path, _s, _e in pages) == 1

        # Both workers ran page tasks (each reserves two of the eight at once), so the
        # turn was contended across processes; each task extracted its page or, the
        # host busy past FULLTEXT_HOST_WAIT_SECONDS, handed it to a later task.
        def outcomes() -> list[list[str]]:
            return [PAGE_TASK_DONE.findall(log.read_text()) for _process, log in stack.workers]

        # (A worker writes its log line just after the row.)
        wait_until(lambda: sum(o.count("extracted") for o in outcomes()) == PAGES, 10, "logs")
        for done in outcomes():
            assert done, f"a worker ran no page task: {outcomes()}"
            assert set(done) <= {"extracted", "host_busy"}, done


# ---------------------------------------------------------------------------------------
# b. End to end on the embedded default: on, off, then turned on
# ---------------------------------------------------------------------------------------

FULL, FULL_NAME = "atlas-voice", "صوت الأطلس"
OFF, OFF_NAME = "sahel-daily", "جريدة الساحل"


def outlet_site(server: FeedServer, slug: str, name: str, count: int) -> list[dict[str, Any]]:
    """``count`` articles of one outlet, their pages (og:image lead and a figure in the
    body) and pictures on ``server``; the feed carries the teasers only."""
    articles: list[dict[str, Any]] = []
    for i in range(count):
        marker = f"{slug} {i}"
        uploads = f"/{slug}/wp-content/uploads/2025/12"
        seed = len(server.feeds)  # every picture its own bytes
        lead = server.add_feed(f"{uploads}/lead-{i}.jpg", jpeg(seed), "image/jpeg")
        figure = server.add_feed(f"{uploads}/bridge-{i}.jpg", jpeg(seed + 1), "image/jpeg")
        title = f"برنامج استعجالي لتأهيل الطرق المتضررة من الأمطار ({marker})"
        path = f"/{slug}/news/2025/12/{i}.html"
        page = article_html(name, title, marker, lead=lead, figure=figure)
        articles.append(
            {
                "url": server.add_feed(path, page, HTML),
                "path": path,
                "title": title,
                "teaser": teaser(marker),
                "marker": marker,
                "lead": lead,
                "figure": figure,
                "published": NEWEST - timedelta(hours=i),
            }
        )
    server.add_feed(
        f"/{slug}/feed/",
        rss(slug, [(a["title"], a["url"], a["teaser"]) for a in articles]),
    )
    return articles


def path_of(url: str) -> str:
    return "/" + url.split("/", 3)[3]


def assert_whole_article(html: str, article: dict[str, Any], outlet: str, images: Any) -> None:
    """The reader's page: the page's whole body, the outlet, the date, the link to the
    original, and pictures that are our copies only."""
    doc = lxml.html.fromstring(html)
    assert text_of(doc.cssselect("h1.article-title")[0]) == article["title"]
    body = doc.cssselect(".article-body")[0]
    text = text_of(body)
    assert f"{PARAGRAPHS[0]} ({article['marker']})" in text
    for paragraph in PARAGRAPHS[1:]:
        assert paragraph in text, paragraph
    assert [text_of(h) for h in body.cssselect("h2")] == [SUBHEADING]
    assert [text_of(li) for li in body.cssselect("ul > li")] == list(ITEMS)
    assert QUOTE in text_of(body.cssselect("blockquote")[0])
    # The caption, then the picture's report link closing it.
    assert [(c.text or "").strip() for c in body.cssselect("figcaption")] == [CAPTION]
    assert len(body.cssselect("figcaption > a.report-link")) == 1
    for gone in BOILERPLATE:
        assert gone not in text, gone
    assert outlet in text_of(doc.cssselect(".attribution")[0])
    when = article["published"].astimezone(ZoneInfo("Africa/Casablanca"))
    times = doc.cssselect(".dateline time")
    assert times[0].get("datetime") == when.replace(microsecond=0).isoformat()
    assert text_of(times[0])
    links = doc.cssselect(".source-link a")
    assert [a.get("href") for a in links] == [article["url"]]
    # The lead and the body's figure are our copies, under /media/.
    lead = images[article["lead"]]
    figure = images[article["figure"]]
    assert lead["articles"] == [article["url"]] and figure["articles"] == [article["url"]]
    assert doc.cssselect(".lead-figure img")[0].get("src") == lead["copy"]
    assert [img.get("src") for img in body.cssselect("figure img")] == [figure["copy"]]
    for img in doc.cssselect("img"):
        candidates = (img.get("srcset") or "").split(",")
        outlets = [img.get("src") or ""] + [c.split()[0] for c in candidates if c.strip()]
        for src in outlets:
            assert not src or src.startswith("/media/") or src.startswith("/static/"), src
    # The outlet's picture addresses appear nowhere on our page.
    assert article["lead"] not in html and article["figure"] not in html
    assert "/wp-content/uploads/" not in html


@pytest.mark.slow
def test_full_text_fills_the_article_with_the_page_and_its_lead_image_end_to_end(
    embedded: Stack,
) -> None:
    stack = embedded
    stack.env["FULLTEXT_HOST_DELAY_SECONDS"] = "0.2"  # the worker and the commands alike
    with FeedServer() as server, stack:
        server.add_feed("/robots.txt", ROBOTS.encode(), "text/plain; charset=utf-8")
        full = outlet_site(server, FULL, FULL_NAME, 2)
        off = outlet_site(server, OFF, OFF_NAME, 2)
        create_outlets(
            stack,
            {
                FULL: {"name": FULL_NAME, "feed_url": server.url(f"/{FULL}/feed/"),
                       "full_text": True},
                OFF: {"name": OFF_NAME, "feed_url": server.url(f"/{OFF}/feed/")},
            },
        )  # fmt: skip
        stack.start_worker()
        assert stack.shell(ENQUEUE_DUE) == 2
        stack.wait_all_ok()
        wait_until(lambda: all_extracted(stack, [a["url"] for a in full]), 30, "the full text")
        pictures = [a[k] for a in full for k in ("lead", "figure")]
        images = wait_until(lambda: stored_images(stack, pictures), 30, "the copies")

        # The outlet with full text on: the whole article, our copies of its pictures.
        pages = stack.shell(RENDER_PAGES)
        for article in full:
            status, html = pages[article["url"]]
            assert status == 200
            assert_whole_article(html, article, FULL_NAME, images)
            assert server.hits[article["path"]] == 1
            for picture in (article["lead"], article["figure"]):
                assert server.hits[path_of(picture)] == 1, picture
        assert server.hits["/robots.txt"] == 1

        # The outlet with full text off: the teaser and the link, its pages never asked.
        states = stack.shell(ARTICLE_STATES)
        for article in off:
            assert states[article["url"]]["status"] == "none"
            status, html = pages[article["url"]]
            assert status == 200
            doc = lxml.html.fromstring(html)
            assert text_of(doc.cssselect(".article-body")[0]) == article["teaser"]
            assert [a.get("href") for a in doc.cssselect(".source-link a")] == [article["url"]]
            assert OFF_NAME in text_of(doc.cssselect(".attribution")[0])
            assert doc.cssselect(".lead-figure") == []
        asked = [path for path, _start, _end in server.requests_to(f"/{OFF}/")]
        assert asked == [f"/{OFF}/feed/"], "full text off, yet its pages were requested"
        assert not set(stack.shell(IMAGE_STATES)) & {a["lead"] for a in off}

        # Staff turn it on: the newest article inline (manage.py fulltext --rerun) ...
        newest, older = off
        output = stack.manage("fulltext", OFF, "on", "--rerun", "--limit", "1", "--no-progress")
        assert f"{OFF}: full text on" in output
        assert "1 article(s): extracted: 1; 2 image(s) copied" in output, output
        states = stack.shell(ARTICLE_STATES)
        assert states[newest["url"]]["status"] == "extracted"
        assert states[older["url"]]["status"] == "none"
        assert server.hits[older["path"]] == 0
        # ... and the older one through the worker: queue_again + the page task.
        queued = stack.shell(
            "import json; from django.db import transaction\n"
            "from articles.fulltext.pages import queue_again\n"
            "from articles.models import Article, Outlet\n"
            "from articles.tasks import queue_pages\n"
            f"outlet = Outlet.objects.get(slug={OFF!r})\n"
            f"older = Article.objects.get(url={older['url']!r}).id\n"
            "with transaction.atomic():\n"
            "    ids = queue_again(outlet=outlet, article_ids=[older])\n"
            "    queue_pages(ids)\n"
            "print(json.dumps(ids == [older]))"
        )
        assert queued is True
        wait_until(lambda: all_extracted(stack, [older["url"]]), 30, "the worker's re-run")
        pictures = [a[k] for a in off for k in ("lead", "figure")]
        images = wait_until(lambda: stored_images(stack, pictures), 30, "the re-run's copies")
        pages = stack.shell(RENDER_PAGES)
        for article in off:
            status, html = pages[article["url"]]
            assert status == 200
            assert_whole_article(html, article, OFF_NAME, images)
            assert server.hits[article["path"]] == 1
            for picture in (article["lead"], article["figure"]):
                assert server.hits[path_of(picture)] == 1, picture
        # One host, one robots.txt fetch for both outlets, the worker's and the command's.
        assert server.hits["/robots.txt"] == 1
