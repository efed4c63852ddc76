"""The API's documentation page (/api/v1/docs) in headless Chromium (Debian's, via
Playwright): django-ninja's Swagger UI, from our own static files, lists every operation
of the OpenAPI document, under the site's Content-Security-Policy with no violation, no
console error or warning, and no request to another host; "Try it out" then "Execute"
on the sections list shows its 200 answer; and screenshots at 1280 and 390 px
(test-artifacts/screenshots/api-docs-*.png) for a person to look at."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from articles.models import Outlet
from tests.support.browser import DESKTOP, PHONE, Watch, goto, open_page, settle_for_screenshot
from tests.support.site import changed, make_article, section, stored_image
from tests.support.site_browser import SCREENSHOTS

OPERATIONS = [
    "/api/v1/articles",
    "/api/v1/articles/{article_id}",
    "/api/v1/outlets",
    "/api/v1/outlets/{slug}",
    "/api/v1/sections",
    "/api/v1/stories",
    "/api/v1/stories/{story_id}",
]


def some_rows(make_outlet: Callable[..., Outlet]) -> None:
    hespress = make_outlet(slug="hespress", name="هسبريس", name_latin="Hespress")
    stored_image(make_article(hespress, section=section("sports")))
    make_article(hespress)
    changed()


def open_docs(page: Page, origin: str) -> list[tuple[str, str]]:
    """Open the docs and wait for Swagger UI to list the operations; returns every
    (resource type, URL) the page asked for."""
    requests: list[tuple[str, str]] = []
    page.on("request", lambda request: requests.append((request.resource_type, request.url)))
    goto(page, "/api/v1/docs")
    page.locator(".opblock").first.wait_for(state="visible")
    assert page.locator(".swagger-ui .info .title").inner_text().startswith("Newsroom")
    return requests


def assert_from_our_host(requests: list[tuple[str, str]], origin: str) -> None:
    foreign = [(kind, url) for kind, url in requests if not url.startswith(origin + "/")]
    assert foreign == [], foreign
    kinds = {kind for kind, _ in requests}
    assert {"script", "stylesheet"} <= kinds, kinds


def listed_operations(page: Page) -> list[str]:
    paths = page.locator(".opblock .opblock-summary-path").evaluate_all(
        "els => els.map(el => el.dataset.path || el.textContent.trim())"
    )
    return sorted(paths)


def execute_sections(page: Page) -> None:
    """Try it out, then Execute, on GET /api/v1/sections: the live answer is a 200."""
    block = page.locator(".opblock", has=page.locator('[data-path="/api/v1/sections"]'))
    block.locator(".opblock-summary").click()
    block.locator("button.try-out__btn").click()
    block.locator("button.execute").click()
    live = block.locator(".live-responses-table .response .response-col_status")
    live.first.wait_for(state="visible")
    assert live.first.inner_text().strip() == "200"
    body = block.locator(".live-responses-table .response-col_description pre").first
    assert '"slug": "sports"' in body.inner_text()


def policy(page: Page, url: str) -> dict[str, list[str]]:
    header = page.request.get(url).headers["content-security-policy"]
    directives = (part.split() for part in header.split(";") if part.strip())
    return {
        name: sorted(value for value in values if not value.startswith("'nonce-"))
        for name, *values in directives
    }


def assert_only_data_images_added(page: Page) -> None:
    """The docs page has the site's policy but for images from data: URLs (Swagger
    UI's style sheet draws two icons so)."""
    site, docs = policy(page, "/search/"), policy(page, "/api/v1/docs")
    assert docs.pop("img-src") == sorted([*site.pop("img-src"), "data:"])
    assert docs == site


def assert_clean(page: Page, watch: Watch) -> None:
    watch.assert_clean(page)
    unreached = page.evaluate(
        """() => performance.getEntriesByType("resource")
            .filter(entry => entry.responseStatus >= 400).map(entry => entry.name)"""
    )
    assert unreached == [], unreached


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_docs_page_lists_every_operation_and_runs_one_under_the_csp(
    live_server: Any, browser: Browser, make_outlet: Callable[..., Outlet], sections: None
) -> None:
    some_rows(make_outlet)
    with open_page(browser, live_server.url, DESKTOP, locale="en-US") as (page, watch):
        requests = open_docs(page, live_server.url)
        assert listed_operations(page) == OPERATIONS
        execute_sections(page)
        settle_for_screenshot(page, pause_ms=300)
        assert_clean(page, watch)
        assert_from_our_host(requests, live_server.url)
        assert_only_data_images_added(page)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_screenshots_of_the_docs_page(
    live_server: Any, browser: Browser, make_outlet: Callable[..., Outlet], sections: None
) -> None:
    some_rows(make_outlet)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for width, device in ((1280, DESKTOP), (390, PHONE)):
        with open_page(browser, live_server.url, device, locale="en-US") as (page, watch):
            requests = open_docs(page, live_server.url)
            execute_sections(page)
            wide = page.evaluate("document.documentElement.scrollWidth")
            assert wide <= width, f"the page is {wide} px wide in a {width} px window"
            settle_for_screenshot(page, pause_ms=300)
            path = SCREENSHOTS / f"api-docs-{width}.png"
            path.unlink(missing_ok=True)
            page.screenshot(path=str(path), full_page=True)
            assert path.stat().st_size > 10_000, path
            assert_clean(page, watch)
            assert_from_our_host(requests, live_server.url)
