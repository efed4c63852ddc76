"""The reading site as readers get it, in headless Chromium (Debian's, via Playwright):
hostile feeds run no script, the headline ticker moves and stops as it should, text
runs in its own direction, the article page names its source, no page breaks the
Content-Security-Policy, axe-core finds no serious accessibility fault, the Nu Html
Checker finds no HTML error, and screenshots of every page kind for a person to look at.

axe-core and vnu.jar come from npm into tests/tools/node_modules (`make install`).
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest
from browserlib import AXE_RUN
from django.core.cache import cache
from django.utils import timezone, translation
from playwright.sync_api import Browser, BrowserContext, Page

from articles.images.copy import copy_image
from articles.ingest.feeds import ingest_bytes
from articles.ingest.roster import bundled_picture, load_demo
from articles.models import Article, Category, ContentVersion, Image, Source
from articles.site.cache import forget_version

ROOT = Path(__file__).resolve().parent.parent
XSS = Path(__file__).parent / "corpora" / "xss"
NODE_MODULES = Path(__file__).parent / "tools" / "node_modules"
AXE = NODE_MODULES / "axe-core" / "axe.min.js"
VNU = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}

# Before any page script: record dialogs instead of opening them, and CSP violations.
INIT_SCRIPT = """
window.__dialogs = [];
for (const name of ["alert", "confirm", "prompt", "print"]) {
  window[name] = (...args) => { window.__dialogs.push([name, String(args[0])]); };
}
window.__csp = [];
document.addEventListener("securitypolicyviolation", (event) => {
  const target = event.target instanceof Element ? event.target.outerHTML.slice(0, 300) : "";
  window.__csp.push({
    directive: event.violatedDirective, blocked: event.blockedURI, source: event.sourceFile,
    line: event.lineNumber, column: event.columnNumber, sample: event.sample, element: target,
  });
}, true);
"""
# What a page may not hold: scripts but ours, frames and plugins, handlers, script URLs.
PAGE_PROBLEMS = """
([ticker, report]) => {
  const problems = [];
  for (const script of document.scripts) {
    const ours = script.src === ticker || script.src === report;
    const data = !script.src && script.type === "application/ld+json"
      && script.parentElement === document.head;
    if (!ours && !data) problems.push("script: " + script.outerHTML.slice(0, 200));
  }
  const foreign = "iframe, frame, frameset, object, embed, applet, portal, fencedframe, "
    + "base, meta[http-equiv], link[rel=import], main svg, main math";
  for (const element of document.querySelectorAll(foreign)) {
    problems.push("element: " + element.outerHTML.slice(0, 200));
  }
  const urls = ["href", "src", "action", "formaction", "xlink:href", "poster",
                "background", "data", "srcset", "cite"];
  for (const element of document.querySelectorAll("*")) {
    for (const attribute of element.attributes) {
      const name = attribute.name.toLowerCase();
      if (name.startsWith("on")) {
        problems.push(`handler ${name}: ` + element.outerHTML.slice(0, 200));
      }
      if (!urls.includes(name)) continue;
      let scheme = "";
      try { scheme = new URL(attribute.value.split(/[\\s,]/)[0] || "x", document.baseURI)
        .protocol; } catch (error) { continue; }
      const html = /^\\s*data:\\s*text\\/html/i.test(attribute.value);
      if (["javascript:", "vbscript:"].includes(scheme) || html) {
        problems.push(`${name}=${attribute.value.slice(0, 80)}`);
      }
    }
  }
  return {
    problems,
    dialogs: window.__dialogs,
    csp: window.__csp,
    tickerScripts: [...document.scripts].filter((s) => s.src === ticker).length,
    data: [...document.querySelectorAll('script[type="application/ld+json"]')]
      .map((s) => s.textContent),
  };
}
"""
MATRIX_X = "el => new DOMMatrixReadOnly(getComputedStyle(el).transform).m41"


# ---------------------------------------------------------------------------------------
# Fixtures: one browser for the module; every test sees its own data at once.
# ---------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _fresh_pages(settings: Any) -> Iterator[None]:
    """New rows show at once. A transactional test empties the tables, so the content
    version starts again from 0: pages cached by an earlier test under the same number
    must not be served to this one. And addresses are reversed in Arabic: a test client
    request to /fr/ leaves French active in this thread (as LocaleMiddleware does)."""
    settings.CONTENT_VERSION_RECHECK_SECONDS = 0
    cache.clear()
    forget_version()
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)
    cache.clear()
    forget_version()


@dataclass
class Watch:
    """What pages in one browser context did that they should not have."""

    origin: str
    console: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    foreign_requests: list[str] = field(default_factory=list)

    def attach(self, context: BrowserContext) -> None:
        context.on("console", lambda m: self.console.append(f"{m.type}: {m.text} @ {m.location}"))
        context.on("weberror", lambda e: self.errors.append(str(e.error)))
        context.on("dialog", self._dialog)
        context.on("request", self._request)

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def _request(self, request: Any) -> None:
        if not request.url.startswith(self.origin + "/"):
            self.foreign_requests.append(request.url)

    def clear(self) -> None:
        for log in (self.console, self.errors, self.dialogs, self.foreign_requests):
            log.clear()


@contextmanager
def open_page(browser: Browser, origin: str, **options: Any) -> Iterator[tuple[Page, Watch]]:
    options.setdefault("viewport", PHONE)
    options.setdefault("locale", "ar-MA")
    context = browser.new_context(base_url=origin, **options)
    context.add_init_script(INIT_SCRIPT)
    watch = Watch(origin)
    watch.attach(context)
    try:
        yield context.new_page(), watch
    finally:
        context.close()


def require_tool(path: Path) -> Path:
    if not path.is_file():
        pytest.fail(
            f"{path.relative_to(ROOT)} is missing: `make install` installs the test tools "
            "(npm ci --ignore-scripts --prefix tests/tools)"
        )
    return path


# ---------------------------------------------------------------------------------------
# Hostile feeds: every XSS corpus payload in every field a page shows.
# ---------------------------------------------------------------------------------------

XML_FORBIDDEN_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
FIELDS = ("title", "author", "body", "summary", "image")
RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
 xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:media="http://search.yahoo.com/mrss/">
<channel><title>x</title><link>https://example.ma/</link><description>x</description>
{items}
</channel></rss>
"""


def load_payloads() -> list[str]:
    """DOMPurify's payloads, then bleach's, with the C0 controls XML can't carry removed."""
    payloads = json.loads((XSS / "dompurify-payloads.json").read_text(encoding="utf-8"))
    for path in sorted((XSS / "bleach").glob("*.test"), key=lambda p: int(p.stem)):
        payloads.append(path.read_text(encoding="utf-8").split("\n--\n", 1)[0].strip())
    return [XML_FORBIDDEN_CONTROLS.sub("", payload) for payload in payloads]


XML_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;",
               "\r": "&#13;", "\t": "&#9;", "\n": "&#10;"}  # fmt: skip


def xml_text(value: str) -> str:
    """``value`` as XML character data (or attribute value) that parses back to itself."""
    return "".join(XML_ESCAPES.get(char, char) for char in value)


def hostile_item(field_name: str, index: int, payload: str, section: str) -> str:
    """An item with ``payload`` in ``field_name`` and ordinary values elsewhere."""
    text = xml_text(payload)
    published = format_datetime(timezone.now() - timedelta(minutes=index + 1))
    parts = [
        f'<guid isPermaLink="false">{field_name}-{index}</guid>',
        f"<title>{text if field_name == 'title' else f'خبر {field_name} رقم {index}'}</title>",
        f"<link>https://example.ma/{field_name}/{index}</link>",
        f"<pubDate>{published}</pubDate>",
        f"<category>{section}</category>",
    ]
    if field_name == "author":
        parts.append(f"<dc:creator>{text}</dc:creator>")
    if field_name == "body":
        parts.append(f"<description>ملخص {index}</description>")
        parts.append(f"<content:encoded>{text}</content:encoded>")
    elif field_name == "summary":
        parts.append(f"<description>{text}</description>")  # the body too: no content
    else:
        parts.append(f"<description>نص الخبر رقم {index}</description>")
    if field_name == "image":
        if index % 2:
            parts.append(f'<enclosure url="{text}" type="image/jpeg" length="1"/>')
        else:
            parts.append(f'<media:content url="{text}" medium="image"/>')
    return "<item>" + "".join(parts) + "</item>"


@dataclass(frozen=True)
class HostileSite:
    articles: dict[str, list[Article]]  # by field, in payload order
    field_sources: dict[str, Source]
    name_sources: list[Source]


def build_hostile_site(make_source: Callable[..., Source]) -> HostileSite:
    payloads = load_payloads()
    sections = list(Category.objects.values_list("name", flat=True))
    articles: dict[str, list[Article]] = {}
    field_sources = {}
    for field_name in FIELDS:
        source = make_source(name=f"مصدر تجريبي {field_name}", slug=f"xss-{field_name}")
        items = "".join(
            hostile_item(field_name, i, payload, sections[i % len(sections)])
            for i, payload in enumerate(payloads)
        )
        result = ingest_bytes(source, RSS.format(items=items).encode("utf-8"))
        assert result.new == len(payloads), (field_name, result)
        field_sources[field_name] = source
        articles[field_name] = list(source.articles.order_by("-published_at", "-id"))
    # Outlet names come from staff, not feeds: one outlet per payload, one article each.
    name_sources = []
    for i, payload in enumerate(payloads):
        source = make_source(name=payload[:200])
        ingest_bytes(
            source,
            RSS.format(items=hostile_item("outlet", i, "", sections[i % len(sections)])).encode(),
        )
        name_sources.append(source)
    articles["outlet"] = [source.articles.get() for source in name_sources]
    # Image copies from bundled pictures, as the demo makes them: the pages then show
    # our copies (with the payloads' alt text) where the feeds named hostile URLs.
    pending = Image.objects.filter(
        status=Image.Status.PENDING,
        articles__source__in=[field_sources["image"], field_sources["body"]],
    ).distinct()
    for image_id in pending.values_list("id", flat=True):
        copy_image(image_id, download=bundled_picture)
    return HostileSite(articles, field_sources, name_sources)


def visit_inert(page: Page, watch: Watch, url: str, *, settle_ms: int = 0) -> dict[str, Any]:
    """Open ``url`` and return what ran or appeared that should not have."""
    response = page.goto(url, wait_until="load")
    assert response is not None and response.status == 200, (url, response and response.status)
    if settle_ms:
        page.wait_for_timeout(settle_ms)  # timers, autofocus and animations
    scripts = [f"{watch.origin}/static/js/ticker.js", f"{watch.origin}/static/js/report.js"]
    found = page.evaluate(PAGE_PROBLEMS, scripts)
    found.update(
        url=url,
        console=list(watch.console),
        errors=list(watch.errors),
        dialog_events=list(watch.dialogs),
        foreign_requests=list(watch.foreign_requests),
    )
    watch.clear()
    return found


def assert_inert(found: dict[str, Any], *, structured: bool) -> None:
    url = found["url"]
    assert found["dialogs"] == [] and found["dialog_events"] == [], (url, found)
    assert found["errors"] == [], (url, found["errors"])
    assert found["console"] == [], (url, found["console"])
    assert found["foreign_requests"] == [], (url, found["foreign_requests"])
    assert found["problems"] == [], (url, found["problems"])
    assert found["csp"] == [], (url, found["csp"])
    assert found["tickerScripts"] == 1, (url, "our ticker.js is missing or doubled")
    if structured:
        # Exactly one JSON-LD block, and it parses: no payload broke out of it.
        assert len(found["data"]) == 1, (url, found["data"])
        assert json.loads(found["data"][0])["@type"] == "NewsArticle"
    else:
        assert found["data"] == [], (url, found["data"])


def sample(items: list[Any], step: int, offset: int = 0) -> list[Any]:
    return items[offset % step :: step]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_hostile_feeds_run_no_script_on_any_page(
    live_server: Any, browser: Browser, make_source: Callable[..., Source], sections: None
) -> None:
    site = build_hostile_site(make_source)
    title_outlet = site.field_sources["title"].get_absolute_url()
    # Lists, with all 248 outlets in every page's outlet menu: home and the outlet list in
    # both editions, sections, the field outlets, some hostile-name outlets.
    lists = ["/", "/fr/", "/outlets/", "/fr/outlets/"]
    lists += [f"/section/{slug}/" for slug in Category.objects.values_list("slug", flat=True)[:4]]
    lists += [site.field_sources[name].get_absolute_url() for name in FIELDS if name != "title"]
    lists += [source.get_absolute_url() for source in sample(site.name_sources, 60)]
    shown_titles = 0
    with open_page(browser, live_server.url) as (page, watch):
        for url in lists:
            assert_inert(visit_inert(page, watch, url, settle_ms=200), structured=False)
        # The title outlet's pages to the end: every hostile title shown in a list once.
        url: str | None = title_outlet
        while url:
            assert_inert(visit_inert(page, watch, url), structured=False)
            shown_titles += page.locator(".story-title").count()
            older = page.locator("a.pager-older").first
            url = title_outlet + older.get_attribute("href") if older.count() else None
        for article in sample(site.articles["outlet"], 16):
            assert_inert(visit_inert(page, watch, article.get_absolute_url()), structured=True)
        # Article pages: every third body (the one field a page shows as HTML), a sample
        # of the other fields. The hostile-name outlets are paused first so that menus
        # are short and pages quick (their names were on every page above); a change
        # to a source does not bump the content version, so the test does.
        Source.objects.filter(pk__in=[s.pk for s in site.name_sources]).update(
            status=Source.Status.PAUSED
        )
        ContentVersion.objects.bump()
        articles = sample(site.articles["body"], 3)
        for offset, name in enumerate(("title", "author", "summary", "image")):
            articles += sample(site.articles[name], 16, offset * 4)
        for article in articles:
            assert_inert(visit_inert(page, watch, article.get_absolute_url()), structured=True)
        for article in sample(articles, 15):
            found = visit_inert(page, watch, "/fr" + article.get_absolute_url(), settle_ms=50)
            assert_inert(found, structured=True)
    assert shown_titles == len(site.articles["title"])


# ---------------------------------------------------------------------------------------
# The headline ticker
# ---------------------------------------------------------------------------------------


ANIMATIONS_READY = """track => Promise.all(track.getAnimations().map(a => a.ready))
    .then(() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done))))"""


def track_x(page: Page) -> float:
    return float(page.locator(".ticker-track").evaluate(MATRIX_X))


def motion(page: Page, ms: int = 1000, *, scripted: bool = True) -> float:
    """How far the ticker's track moved along x in ``ms`` (positive: to the right).

    A pause or play asked for by hover, focus or the button is *pending* until the
    browser's next frames (Web Animations: the ``ready`` promise); under load that can
    be tens of milliseconds, so the count starts once every animation is ready."""
    if scripted:  # without JavaScript no pause is asked for, and frames run no callbacks
        page.locator(".ticker-track").evaluate(ANIMATIONS_READY)
    before = track_x(page)
    page.wait_for_timeout(ms)
    return track_x(page) - before


def move_mouse_off_the_ticker(page: Page) -> None:
    box = page.locator("main").bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + 5, box["y"] + box["height"] / 2)


def hover_the_headlines(page: Page) -> None:
    # By coordinates: the links themselves move, and Playwright waits for stillness.
    box = page.locator(".ticker-viewport").bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


def assert_plain_list_of_links(page: Page) -> None:
    ticker = page.locator("[data-ticker]")
    items = ticker.locator("ul.ticker-track > li")
    assert items.count() >= 10
    assert ticker.locator("ul.ticker-track > li > a").count() == items.count()
    assert items.evaluate_all("lis => lis.every(li => li.children.length === 1)")
    live = "[data-ticker][aria-live], [data-ticker] [aria-live], [data-ticker] [role]"
    assert page.locator(live).count() == 0, "the ticker must not announce itself"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_ticker_moves_toward_the_inline_start_and_stops_when_asked(
    live_server: Any, browser: Browser, sections: None
) -> None:
    load_demo()
    # Arabic (RTL) moves right, toward its start; French (LTR) moves left.
    for edition, toward, locale in (("/", 1, "ar-MA"), ("/fr/", -1, "fr-MA")):
        with open_page(browser, live_server.url, locale=locale) as (page, watch):
            page.goto(edition)
            move_mouse_off_the_ticker(page)
            assert page.locator(".ticker-track").is_visible()
            assert_plain_list_of_links(page)
            moved = motion(page)
            assert moved * toward > 15, (edition, "the ticker does not move", moved)

            hover_the_headlines(page)
            assert abs(motion(page, 600)) < 1, (edition, "the ticker moves under the mouse")
            move_mouse_off_the_ticker(page)
            assert motion(page, 600) * toward > 5, (edition, "it did not go on after hover")

            # Keyboard: Tab from the last section link lands on the first headline.
            page.locator(".sections a").last.focus()
            page.keyboard.press("Tab")
            focused = page.evaluate("document.activeElement.closest('.ticker-track') !== null")
            assert focused, (edition, "Tab did not reach the ticker's first link")
            assert abs(motion(page, 600)) < 1, (edition, "the ticker moves under focus")
            page.locator("#search-q").focus()
            assert motion(page, 600) * toward > 5, (edition, "it did not go on after focus")

            toggle = page.locator(".ticker-toggle")
            assert toggle.is_visible()
            pause_label = toggle.get_attribute("data-label-pause") or ""
            play_label = toggle.get_attribute("data-label-play") or ""
            assert pause_label and play_label and pause_label != play_label
            button = page.get_by_role("button", name=pause_label, exact=True)
            assert button.is_visible(), (edition, "no button named", pause_label)
            button.click()
            assert abs(motion(page, 600)) < 1, (edition, "the pause button did not stop it")
            playing = page.get_by_role("button", name=play_label, exact=True)
            assert playing.is_visible(), (edition, "the label did not change to", play_label)
            # The pointer is still on the button and the button has focus: play must play.
            playing.click()
            assert motion(page, 600) * toward > 5, (edition, "the play button did not restart it")
            assert page.get_by_role("button", name=pause_label, exact=True).is_visible()
            assert watch.errors == [] and watch.console == [], (watch.errors, watch.console)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_ticker_stands_still_for_reduced_motion_and_scrolls_by_hand(
    live_server: Any, browser: Browser, sections: None
) -> None:
    load_demo()
    for edition, toward in (("/", -1), ("/fr/", 1)):
        options = {"reduced_motion": "reduce"}
        with open_page(browser, live_server.url, **options) as (page, watch):
            page.goto(edition)
            assert page.locator(".ticker-track").is_visible()
            transform = page.locator(".ticker-track").evaluate(
                "e => getComputedStyle(e).transform"
            )
            assert transform == "none", (edition, transform)
            assert motion(page) == 0, (edition, "the ticker moves for reduced motion")
            viewport = page.locator(".ticker-viewport")
            assert viewport.evaluate("el => el.scrollWidth > el.clientWidth + 100")
            assert viewport.evaluate("el => el.scrollLeft") == 0
            # A horizontal wheel (a trackpad swipe) toward the inline end scrolls it.
            box = viewport.bounding_box()
            assert box is not None
            page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
            page.mouse.wheel(300 * toward, 0)
            for _ in range(20):  # smooth scrolling takes a few frames
                if abs(viewport.evaluate("el => el.scrollLeft")) > 100:
                    break
                page.wait_for_timeout(50)
            assert viewport.evaluate("el => el.scrollLeft") * toward > 0
            # No motion, so nothing to pause: the button is not offered.
            assert not page.locator(".ticker-toggle").is_visible()
            assert watch.errors == [] and watch.console == [], (watch.errors, watch.console)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_ticker_without_javascript_moves_and_offers_no_dead_button(
    live_server: Any, browser: Browser, sections: None
) -> None:
    load_demo()
    with open_page(browser, live_server.url, java_script_enabled=False) as (page, _watch):
        page.goto("/")
        move_mouse_off_the_ticker(page)
        assert motion(page, scripted=False) > 15, "the ticker moves by CSS alone"
        # The button works only through ticker.js: without it, it must not be shown.
        assert not page.locator(".ticker-toggle").is_visible()


BLANK_TITLES = ("   ", "\u200b\u200b", "\u200c\u200d\u2060", "\u00ad", "\ufeff\u200b", "\u3000")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_ticker_never_shows_a_blank_headline(
    live_server: Any, browser: Browser, make_source: Callable[..., Source], sections: None
) -> None:
    source = make_source()
    items = []
    for i, title in enumerate([*BLANK_TITLES, "عنوان عادي أول", "Un titre ordinaire"]):
        published = format_datetime(timezone.now() - timedelta(minutes=i))
        items.append(
            f"<item><guid>blank-{i}</guid><title>{xml_text(title)}</title>"
            f"<link>https://example.ma/blank/{i}</link><pubDate>{published}</pubDate></item>"
        )
    ingest_bytes(source, RSS.format(items="".join(items)).encode("utf-8"))
    stored = set(Article.objects.values_list("title", flat=True))
    assert "\u200b\u200b" in stored and "\u00ad" in stored, stored  # the test means something
    # Whitespace the feed path trims away, stored directly: the ticker must skip it too.
    Article.objects.filter(title="\u00ad").update(title=" \u2003\t ")
    ContentVersion.objects.bump()

    with open_page(browser, live_server.url) as (page, _watch):
        page.goto("/")
        titles = page.locator(".ticker-track li a bdi:first-child").all_text_contents()
    invisible = re.compile(r"[\s\u00ad\u200b-\u200f\u2060-\u2064\ufeff]+")
    assert titles, "the ticker is empty"
    assert all(invisible.sub("", title) for title in titles), [ascii(t) for t in titles]
    assert "عنوان عادي أول" in titles and "Un titre ordinaire" in titles


# ---------------------------------------------------------------------------------------
# Direction, attribution
# ---------------------------------------------------------------------------------------

DIRECTION = "el => getComputedStyle(el).direction"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_each_edition_and_headline_runs_in_its_own_direction(
    live_server: Any, browser: Browser, sections: None
) -> None:
    load_demo()
    with open_page(browser, live_server.url) as (page, _watch):
        page.goto("/")
        assert page.locator("html").evaluate(DIRECTION) == "rtl"
        assert page.locator("body").evaluate(DIRECTION) == "rtl"
        french = page.locator(".story-title a").filter(has_text=re.compile("^[^\u0600-\u06ff]+$"))
        assert re.search("[A-Za-z]{4}", french.first.inner_text())
        assert french.first.evaluate(DIRECTION) == "ltr"
        ticker_french = page.locator(".ticker-track bdi[lang=fr]").first
        assert ticker_french.evaluate(DIRECTION) == "ltr"

        page.goto("/fr/")
        assert page.locator("html").evaluate(DIRECTION) == "ltr"
        assert page.locator("body").evaluate(DIRECTION) == "ltr"
        arabic = page.locator(".story-title a").filter(has_text=re.compile("^[^A-Za-z]+$"))
        assert re.search("[\u0600-\u06ff]{3}", arabic.first.inner_text())
        assert arabic.first.evaluate(DIRECTION) == "rtl"
        assert page.locator(".ticker-track bdi[lang=ar]").first.evaluate(DIRECTION) == "rtl"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_article_page_names_outlet_and_date_and_links_to_the_original(
    live_server: Any, browser: Browser, sections: None
) -> None:
    load_demo()
    article = Article.objects.newest().filter(language="ar").exclude(url="").first()
    assert article is not None and article.original_url
    day = timezone.localtime(article.published_at).strftime("%d - %m - %Y")
    with open_page(browser, live_server.url) as (page, _watch):
        page.goto(article.get_absolute_url())
        attribution = " ".join(page.locator(".attribution").inner_text().split())
        assert f"نشر في {article.source.name} يوم {day}" in attribution, attribution
        outlet = page.locator(".attribution a")
        assert outlet.get_attribute("href") == article.source.get_absolute_url()
        original = page.get_by_role("link", name="انقر هنا لقراءة الخبر من مصدره", exact=True)
        assert original.count() == 1
        href = original.get_attribute("href") or ""
        assert href == article.original_url and re.match(r"https?://[^/]+\.", href), href
        # Related stories are ordinary cards (the page's own lead image is no reason
        # to show each of them as a lead).
        related = page.locator(".related .story")
        assert related.count() >= 1
        assert page.locator(".related .story-lead").count() == 0


# ---------------------------------------------------------------------------------------
# Content-Security-Policy
# ---------------------------------------------------------------------------------------


def admin_login(page: Page, django_user_model: Any) -> None:
    """Make a superuser and sign in through the admin's own login form."""
    password = "a long pass phrase for the tests 42"  # noqa: S105
    django_user_model.objects.create_superuser("editor", "editor@example.ma", password)
    page.goto("/admin/login/?next=/admin/")
    page.fill("#id_username", "editor")
    page.fill("#id_password", password)
    page.click("[type=submit]")
    page.wait_for_url("**/admin/")
    assert page.locator("#user-tools").count() == 1, "the admin login did not work"


def csp_reports(page: Page, watch: Watch) -> list[Any]:
    page.wait_for_timeout(200)
    found: list[Any] = page.evaluate("window.__csp")
    found += [m for m in watch.console if "Content Security Policy" in m]
    watch.clear()
    return found


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_no_page_breaks_the_content_security_policy(
    live_server: Any, browser: Browser, sections: None, django_user_model: Any
) -> None:
    load_demo()
    article = Article.objects.newest().filter(language="ar").first()
    french = Article.objects.newest().filter(language="fr").first()
    assert article and french
    source = article.source
    pages = [
        "/",
        article.get_absolute_url(),
        article.category.get_absolute_url() if article.category else "/section/society/",
        source.get_absolute_url(),
        "/outlets/",
        "/about/",
        "/search/?q=test",
        "/no-such-outlet/999999/",
        "/fr/",
        "/fr" + french.get_absolute_url(),
        "/fr/outlets/",
    ]
    reports: dict[str, list[Any]] = {}
    with open_page(browser, live_server.url) as (page, watch):
        for url in pages:
            page.goto(url)
            reports[url] = csp_reports(page, watch)
        page.goto("/admin/login/")
        reports["/admin/login/"] = csp_reports(page, watch)
        admin_login(page, django_user_model)
        reports["/admin/"] = csp_reports(page, watch)
        for url in ("/admin/articles/source/", f"/admin/articles/source/{source.pk}/change/"):
            response = page.goto(url)
            assert response is not None and response.status == 200, url
            reports[url] = csp_reports(page, watch)
    violations = {url: found for url, found in reports.items() if found}
    assert not violations, json.dumps(violations, ensure_ascii=False, indent=1)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_admin_image_pages_keep_the_content_security_policy(
    live_server: Any, browser: Browser, sections: None, django_user_model: Any
) -> None:
    load_demo()
    image = Image.objects.filter(status=Image.Status.STORED).first()
    assert image is not None
    reports = {}
    with open_page(browser, live_server.url) as (page, watch):
        admin_login(page, django_user_model)
        watch.clear()
        for url in ("/admin/articles/image/", f"/admin/articles/image/{image.pk}/change/"):
            response = page.goto(url)
            assert response is not None and response.status == 200, url
            reports[url] = csp_reports(page, watch)
    violations = {url: found[:3] for url, found in reports.items() if found}
    assert not violations, json.dumps(violations, ensure_ascii=False, indent=1)


# ---------------------------------------------------------------------------------------
# Accessibility (axe-core) at phone width, both editions
# ---------------------------------------------------------------------------------------


def reader_pages(edition: str = "") -> dict[str, str]:
    """One page of each reader kind for ``edition`` ("" or "/fr"), from demo data."""
    language = "fr" if edition else "ar"
    article = (
        Article.objects.newest()
        .filter(language=language, article_images__image__status=Image.Status.STORED)
        .exclude(category=None)
        .first()
    )
    assert article is not None and article.category is not None
    with translation.override("ar"):  # unprefixed addresses, whatever is active
        return {
            "home": f"{edition}/",
            "article": edition + article.get_absolute_url(),
            "section": edition + article.category.get_absolute_url(),
            "outlet": edition + article.source.get_absolute_url(),
        }


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_axe_finds_no_serious_accessibility_violation(
    live_server: Any, browser: Browser, sections: None
) -> None:
    axe = require_tool(AXE)
    load_demo()
    urls = [*reader_pages().values(), *reader_pages("/fr").values()]
    failures = {}
    # The page's CSP would refuse axe's injected script; this context ignores it.
    with open_page(browser, live_server.url, bypass_csp=True) as (page, _watch):
        for url in urls:
            page.goto(url)
            page.add_script_tag(path=str(axe))
            violations = page.evaluate(AXE_RUN)
            serious = [v for v in violations if v["impact"] in ("serious", "critical")]
            if serious:
                failures[url] = serious
    assert not failures, json.dumps(failures, ensure_ascii=False, indent=1)


# ---------------------------------------------------------------------------------------
# HTML validity (the Nu Html Checker), no browser needed
# ---------------------------------------------------------------------------------------


@pytest.mark.java
@pytest.mark.django_db
def test_every_page_kind_is_valid_html(client: Any, tmp_path: Path) -> None:
    vnu = require_tool(VNU)
    load_demo()
    files = []
    for edition in ("", "/fr"):
        pages = {
            **reader_pages(edition),
            "outlets": f"{edition}/outlets/",
            "about": f"{edition}/about/",
            "search": f"{edition}/search/?q=test",
            "404": f"{edition}/no-such-outlet/999999/",
        }
        for name, url in pages.items():
            response = client.get(url)
            assert response.status_code == (404 if name == "404" else 200), url
            path = tmp_path / f"{edition.strip('/') or 'ar'}-{name}.html"
            path.write_bytes(response.content)
            files.append(path)
    checked = subprocess.run(
        ["java", "-jar", str(vnu), "--format", "json", "--stdout", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=240,
    )
    messages = json.loads(checked.stdout)["messages"]
    errors = [m for m in messages if m["type"] in ("error", "non-document-error")]
    assert not errors, "\n".join(
        f"{m.get('url', '').rsplit('/', 1)[-1]}:{m.get('lastLine')}: {m['message']}"
        f"  [{m.get('extract', '').strip()[:120]}]"
        for m in errors
    )


# ---------------------------------------------------------------------------------------
# Screenshots for a person to look at: test-artifacts/screenshots/
# ---------------------------------------------------------------------------------------

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def settle_for_screenshot(page: Page) -> None:
    """Lay out every block (content-visibility: auto skips those off screen, and a
    full-page capture would show them blank), load every image, lazy ones too, and the
    fonts. Through the CSSOM, which the CSP allows, not an injected style sheet."""
    page.evaluate(
        """() => document.querySelectorAll("*").forEach((el) => {
            if (getComputedStyle(el).contentVisibility === "auto") {
              el.style.contentVisibility = "visible";
            }
        })"""
    )
    page.evaluate(
        "document.querySelectorAll('img[loading=lazy]').forEach(i => i.loading = 'eager')"
    )
    page.evaluate(
        """() => Promise.all([...document.images].map((img) => img.complete ? null
            : new Promise((done) => { img.onload = img.onerror = done; })))"""
    )
    page.evaluate("() => document.fonts.ready.then(() => true)")
    page.wait_for_timeout(300)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_screenshots_of_every_page_kind(
    live_server: Any, browser: Browser, sections: None
) -> None:
    load_demo()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shots = []
    arabic = {**reader_pages(), "404": "/no-such-outlet/999999/"}
    french = {f"fr-{name}": url for name, url in reader_pages("/fr").items() if name != "section"}
    for width, viewport in ((390, PHONE), (1280, DESKTOP)):
        for scheme in ("light", "dark"):
            pages = arabic | (french if scheme == "light" else {})
            options = {"viewport": viewport, "color_scheme": scheme}
            with open_page(browser, live_server.url, **options) as (page, _watch):
                for name, url in pages.items():
                    page.goto(url)
                    settle_for_screenshot(page)
                    path = SCREENSHOTS / f"{name}-{width}-{scheme}.png"
                    path.unlink(missing_ok=True)
                    page.screenshot(path=str(path), full_page=True)
                    shots.append(path)
    assert len(shots) == 2 * 2 * len(arabic) + 2 * len(french)
    for path in shots:
        assert path.is_file() and path.stat().st_size > 10_000, path
        assert path.read_bytes()[:8] == PNG_SIGNATURE, path
