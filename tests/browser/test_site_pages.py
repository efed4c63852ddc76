"""The reading site as readers get it, in headless Chromium (Debian's, via Playwright):
the headline ticker moves and stops as it should, text runs in its own direction, the
article page names its source, no page breaks the Content-Security-Policy, axe-core
finds no serious accessibility fault, the Nu Html Checker finds no HTML error, and
screenshots of every page kind for a person to look at."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Callable
from datetime import timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone, translation
from playwright.sync_api import Browser, Page

from articles.ingest.feeds import ingest_bytes
from articles.ingest.roster import load_demo
from articles.models import Article, ContentVersion, Image, Outlet
from tests.support.browser import AXE_RUN, settle_for_screenshot
from tests.support.site_browser import (
    AXE,
    DESKTOP,
    PHONE,
    RSS,
    SCREENSHOTS,
    VNU,
    Watch,
    open_page,
    require_tool,
    xml_text,
)

# New rows show at once, in the edition asked for (tests/browser/conftest.py).
pytestmark = pytest.mark.usefixtures("_fresh_pages")


MATRIX_X = "el => new DOMMatrixReadOnly(getComputedStyle(el).transform).m41"


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
    live_server: Any, browser: Browser, make_outlet: Callable[..., Outlet], sections: None
) -> None:
    outlet = make_outlet()
    items = []
    for i, title in enumerate([*BLANK_TITLES, "عنوان عادي أول", "Un titre ordinaire"]):
        published = format_datetime(timezone.now() - timedelta(minutes=i))
        items.append(
            f"<item><guid>blank-{i}</guid><title>{xml_text(title)}</title>"
            f"<link>https://example.ma/blank/{i}</link><pubDate>{published}</pubDate></item>"
        )
    ingest_bytes(outlet, RSS.format(items="".join(items)).encode("utf-8"))
    # Ingest reads a title with no word as a blank one (the summary's start or the
    # address stands for it); rows stored before that still hold them, as does
    # whitespace the feed path trims away: the ticker must skip them too.
    for i, title in enumerate(BLANK_TITLES):
        Article.objects.filter(outlet=outlet, key=f"blank-{i}").update(title=title)
    stored = set(Article.objects.values_list("title", flat=True))
    assert "\u200b\u200b" in stored and "\u00ad" in stored, stored  # the test means something
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
        assert f"نشر في {article.outlet.name} يوم {day}" in attribution, attribution
        outlet = page.locator(".attribution a")
        assert outlet.get_attribute("href") == article.outlet.get_absolute_url()
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
    outlet = article.outlet
    pages = [
        "/",
        article.get_absolute_url(),
        article.section.get_absolute_url() if article.section else "/section/society/",
        outlet.get_absolute_url(),
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
        for url in ("/admin/articles/outlet/", f"/admin/articles/outlet/{outlet.pk}/change/"):
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
        .exclude(section=None)
        .first()
    )
    assert article is not None and article.section is not None
    with translation.override("ar"):  # unprefixed addresses, whatever is active
        return {
            "home": f"{edition}/",
            "article": edition + article.get_absolute_url(),
            "section": edition + article.section.get_absolute_url(),
            "outlet": edition + article.outlet.get_absolute_url(),
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
                    settle_for_screenshot(page, pause_ms=300)
                    path = SCREENSHOTS / f"{name}-{width}-{scheme}.png"
                    path.unlink(missing_ok=True)
                    page.screenshot(path=str(path), full_page=True)
                    shots.append(path)
    assert len(shots) == 2 * 2 * len(arabic) + 2 * len(french)
    for path in shots:
        assert path.is_file() and path.stat().st_size > 10_000, path
        assert path.read_bytes()[:8] == PNG_SIGNATURE, path
