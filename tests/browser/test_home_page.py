"""What a reader sees, in headless Chromium (Debian's, driven by Playwright)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from articles.ingest.feeds import ingest_bytes
from articles.ingest.roster import load_demo

XSS_PAYLOADS = Path(__file__).resolve().parents[1] / "corpora" / "xss" / "dompurify-payloads.json"
DIALOG_HOOK = """
window.__dialogs = [];
for (const name of ["alert", "confirm", "prompt", "print"]) {
  window[name] = (...args) => { window.__dialogs.push([name, String(args[0])]); };
}
"""

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="ar-MA")
    page = context.new_page()
    page.add_init_script(DIALOG_HOOK)
    yield page
    context.close()


def test_home_page_lists_demo_headlines_right_to_left(
    live_server, page: Page, sections: None
) -> None:
    load_demo()

    page.goto(live_server.url)

    html = page.locator("html")
    assert (html.get_attribute("lang"), html.get_attribute("dir")) == ("ar", "rtl")
    headlines = page.locator(".story-title a")
    assert headlines.count() >= 40
    assert "المنتخب الوطني مطالب بالفوز على زامبيا" in headlines.all_inner_texts()[1]
    # A French headline inside the Arabic page lays itself out left to right.
    french = page.locator(".story-title a", has_text="CAN 2025").first
    assert french.evaluate("el => getComputedStyle(el).direction") == "ltr"


def test_hostile_titles_render_as_text_and_run_no_script(
    live_server, page: Page, make_outlet, sections: None
) -> None:
    payloads = json.loads(XSS_PAYLOADS.read_text())
    items = "".join(
        f"<item><guid>p{i}</guid><title>{escape(p)}</title>"
        f"<link>https://example.ma/{i}</link></item>"
        for i, p in enumerate(payloads)
    )
    feed = (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>x</title>'
        f"{items}</channel></rss>"
    )
    ingest_bytes(make_outlet(), strip_controls(feed).encode())
    messages: list[str] = []
    page.on("console", lambda message: messages.append(message.text))
    page.on("dialog", lambda dialog: (messages.append(dialog.message), dialog.dismiss()))

    page.goto(live_server.url)
    page.wait_for_timeout(500)  # let timers, autofocus and animations fire

    # The ticker shows the 60 newest titles; the home page's "latest" block 12 more.
    assert page.locator(".ticker-track li").count() == 60
    assert page.locator(".story-title").count() >= 12
    assert page.evaluate("window.__dialogs") == []
    assert messages == []
    hostile = ", ".join(
        f"{part} {tag}"
        for part in ("main", "[data-ticker]")
        for tag in ("script", "iframe", "img", "svg")
    )
    assert page.locator(hostile).count() == 0


def escape(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def strip_controls(text: str) -> str:
    return "".join(ch for ch in text if ch >= " " or ch in "\t\n\r")


def test_pages_load_images_only_from_our_own_host(live_server, page: Page, sections: None) -> None:
    load_demo()  # stores articles whose feeds reference outlet image URLs, and copies
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))

    page.goto(live_server.url)
    page.wait_for_load_state("networkidle")

    thumbnails = page.locator(".story-media img")
    assert thumbnails.count() >= 40
    for i in range(5):  # lazy images load once scrolled near
        thumbnails.nth(i).scroll_into_view_if_needed()
        thumbnails.nth(i).evaluate(
            "img => img.complete || new Promise(done => { img.onload = img.onerror = done; })"
        )
    assert all(
        thumbnails.nth(i).evaluate("img => img.complete && img.naturalWidth > 0") for i in range(5)
    )
    page.wait_for_load_state("networkidle")
    image_requests = [url for url in requests if "/media/" in url or url.endswith(".jpg")]
    assert image_requests, "the page loaded no image at all"
    assert all(url.startswith(live_server.url) for url in requests), requests
    outlets = page.eval_on_selector_all("img", "imgs => imgs.map(i => i.currentSrc || i.src)")
    assert outlets and all(src.startswith(f"{live_server.url}/media/") for src in outlets)
