"""Offline reading and the text size, in headless Chromium against the live server
(http://localhost:<port>, a secure context, so the service worker runs): the worker
keeps what was read and nothing else, drops what was hidden, never serves a stale page
online; the text size control changes the whole site's size, is remembered without a
cookie, and passes axe and the Nu Html Checker. Screenshots in /tmp/shots-offline/."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Browser, Page

from articles.models import Article, ContentVersion, Outlet
from articles.moderation import visibility
from tests.support.browser import (
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
from tests.support.report_browser import PASSWORD, build_site

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("_fresh_pages", "_quarantine_in_tmp"),
]

SHOTS = Path("/tmp/shots-offline")
OFFLINE_HEADING = "لا اتصال بالإنترنت"
KEYS = """async (name) => (await caches.has(name))
    ? (await (await caches.open(name)).keys()).map((r) => new URL(r.url).pathname) : []"""
ALL_KEYS = """async () => (await Promise.all((await caches.keys()).map(async (name) =>
    (await (await caches.open(name)).keys()).map((r) => new URL(r.url).pathname)))).flat()"""
LEAD_SHOWN = """() => { const img = document.querySelector('.lead-figure img');
    return img.complete && img.naturalWidth > 0 ? new URL(img.currentSrc).pathname : null; }"""
BODY_SIZE = "() => parseFloat(getComputedStyle(document.querySelector('.article-body')).fontSize)"


def kept(page: Page, cache: str) -> list[str]:
    return list(page.evaluate(KEYS, cache))


def wait_until(check: Callable[[], bool], what: str, seconds: float = 10) -> None:
    """The worker keeps pages after answering (waitUntil): poll its caches."""
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, what
        time.sleep(0.1)


def under_worker(page: Page, path: str) -> None:
    """Open ``path`` and wait until the service worker controls the page."""
    goto(page, path)
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=10_000)


def lead_path(page: Page) -> str:
    page.wait_for_function(LEAD_SHOWN)
    return str(page.evaluate(LEAD_SHOWN))


def go_offline(page: Page, offline: bool) -> None:
    page.context.set_offline(offline)


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    settle_for_screenshot(page)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_read_article_opens_offline_with_its_picture_and_others_show_the_offline_page(
    live_server: Any, browser: Browser, make_outlet: Callable[..., Outlet]
) -> None:
    site = build_site(make_outlet)
    article = site.article.get_absolute_url()
    with open_page(browser, live_server.url) as (page, watch):
        under_worker(page, article)  # the first page, read before the worker ran
        lead = lead_path(page)
        wait_until(lambda: article in kept(page, "newsroom-pages"), "the article was not kept")
        wait_until(lambda: lead in kept(page, "newsroom-pictures"), "its picture was not kept")

        go_offline(page, True)
        page.reload()
        assert page.locator("h1.article-title").inner_text() == site.article.title
        assert lead_path(page) == lead, "the picture did not show offline"

        # A page never opened: the offline page, which lists the kept article.
        goto(page, site.beside.get_absolute_url())
        assert page.locator("main h1").inner_text() == OFFLINE_HEADING
        saved = page.locator("[data-saved-list] a")
        saved.first.wait_for()
        assert saved.all_inner_texts() == [site.article.title]
        assert saved.first.get_attribute("href") == article
        # Offline, the kept article's lazy card pictures that never loaded online fail
        # (known, docs/offline.md); nothing else may.
        watch.console_errors[:] = [
            e for e in watch.console_errors
            if "ERR_INTERNET" not in e and not ("ERR_FAILED" in e and "/media/" in e)
        ]  # fmt: skip
        watch.assert_clean(page)

        # Online again: the new headline, not the kept copy.
        Article.objects.filter(pk=site.article.pk).update(title="عنوان جديد بعد التصحيح")
        ContentVersion.objects.bump()
        go_offline(page, False)
        goto(page, article)
        page.reload()
        assert page.locator("h1.article-title").inner_text() == "عنوان جديد بعد التصحيح"


def test_hidden_picture_and_hidden_article_leave_the_offline_copies(
    live_server: Any, browser: Browser, make_outlet: Callable[..., Outlet]
) -> None:
    site = build_site(make_outlet)
    article, beside = site.article.get_absolute_url(), site.beside.get_absolute_url()
    with open_page(browser, live_server.url) as (page, _watch):
        under_worker(page, "/")
        goto(page, article)
        lead = lead_path(page)
        goto(page, beside)
        beside_lead = lead_path(page)
        wait_until(lambda: {article, beside} <= set(kept(page, "newsroom-pages")), "not kept")
        wait_until(
            lambda: {lead, beside_lead} <= set(kept(page, "newsroom-pictures")), "no pictures"
        )

        # Staff hide the picture; the home page kept showed it too: both opened again.
        visibility.hide(site.image, None)
        goto(page, article)
        assert page.locator(".lead-figure .hidden-image").count() == 1
        goto(page, "/")
        wait_until(lambda: lead not in kept(page, "newsroom-pictures"), "hidden picture kept")
        assert beside_lead in kept(page, "newsroom-pictures")

        # A hidden article answers 404 online: its copy goes at once.
        visibility.set_article_hidden(site.beside, True, None)
        response = page.goto(beside)
        assert response is not None and response.status == 404
        wait_until(lambda: beside not in kept(page, "newsroom-pages"), "hidden article kept")

        # One hidden while not opened again: the next sweep (every ten minutes, online)
        # asks for each kept page. "Ten minutes later": the worker's mark removed.
        twin = site.twin.get_absolute_url()
        goto(page, twin)
        wait_until(lambda: twin in kept(page, "newsroom-pages"), "twin not kept")
        visibility.set_article_hidden(site.twin, True, None)
        page.evaluate(
            "async () => (await caches.open('newsroom-meta')).delete('/__newsroom/swept')"
        )
        goto(page, "/")
        wait_until(lambda: twin not in kept(page, "newsroom-pages"), "the sweep kept it")
        assert article in kept(page, "newsroom-pages")


def test_admin_posts_and_private_pages_are_never_kept(
    live_server: Any, browser: Browser, make_outlet: Callable[..., Outlet]
) -> None:
    site = build_site(make_outlet)
    get_user_model().objects.create_superuser("editor", "editor@example.ma", PASSWORD)
    with open_page(browser, live_server.url) as (page, _watch):
        under_worker(page, "/")
        # The report form matches a reading page's address, but is private (CSRF cookie).
        report_form = f"/images/{site.image.pk}/"
        goto(page, report_form)
        goto(page, "/admin/login/")
        page.fill("#id_username", "editor")
        page.fill("#id_password", PASSWORD)
        page.click("[type=submit]")
        page.wait_for_url("**/admin/")
        goto(page, "/admin/articles/article/")
        goto(page, "/search/?q=حادثة")
        wait_until(lambda: "/" in kept(page, "newsroom-pages"), "the home page was not kept")
        everything = page.evaluate(ALL_KEYS)
        assert not [p for p in everything if p.startswith("/admin")], everything
        assert report_form not in everything and "/search/" not in everything


def test_text_size_grows_the_article_and_is_remembered_without_a_cookie(
    live_server: Any, browser: Browser, make_outlet: Callable[..., Outlet]
) -> None:
    site = build_site(make_outlet)
    article = site.article.get_absolute_url()
    with open_page(browser, live_server.url) as (page, watch):
        goto(page, article)
        smaller = page.get_by_role("button", name="تصغير النص")
        larger = page.get_by_role("button", name="تكبير النص")
        assert page.get_by_role("group", name="حجم النص").is_visible()
        default = page.evaluate(BODY_SIZE)
        larger.click()
        grown = page.evaluate(BODY_SIZE)
        assert grown == pytest.approx(default * 1.125, rel=0.01)
        larger.click()
        assert larger.get_attribute("aria-disabled") == "true"  # the largest of four
        larger.click(force=True)  # does nothing more
        largest = page.evaluate(BODY_SIZE)
        assert largest == pytest.approx(default * 1.25, rel=0.01)

        page.reload()
        assert page.evaluate(BODY_SIZE) == pytest.approx(largest)
        goto(page, site.beside.get_absolute_url())
        assert page.evaluate(BODY_SIZE) == pytest.approx(largest)
        goto(page, "/")  # the whole site, not only articles
        assert page.evaluate("document.documentElement.dataset.textSize") == "3"
        assert page.context.cookies() == []

        goto(page, article)
        for _ in range(3):
            smaller.click()
        assert page.evaluate(BODY_SIZE) == pytest.approx(default * 0.875, rel=0.01)
        assert smaller.get_attribute("aria-disabled") == "true"
        watch.assert_clean(page)  # under the CSP, enforced in this context


def test_article_with_the_control_and_the_offline_page_pass_axe_and_the_nu_checker(
    live_server: Any, browser: Browser, make_outlet: Callable[..., Outlet], tmp_path: Path
) -> None:
    site = build_site(make_outlet)
    article = site.article.get_absolute_url()
    files = []
    # axe is injected as a script: this context lets it in (the CSP is tested above).
    with open_page(browser, live_server.url, bypass_csp=True) as (page, _watch):
        under_worker(page, article)
        wait_until(lambda: article in kept(page, "newsroom-pages"), "not kept")
        page.get_by_role("button", name="تكبير النص").click()
        for path, name in ((article, "article"), ("/offline/", "offline")):
            goto(page, path)
            if name == "offline":
                page.locator("[data-saved-list] a").first.wait_for()
            page.add_script_tag(path=str(require_tool(AXE)))
            assert page.evaluate(AXE_RUN) == [], name
            files.append(tmp_path / f"{name}.html")
            files[-1].write_text(
                page.evaluate("fetch(location.href).then(r => r.text())"), "utf-8"
            )
    assert vnu_errors(files) == []


def test_without_javascript_the_control_is_not_shown(
    live_server: Any, browser: Browser, make_outlet: Callable[..., Outlet]
) -> None:
    site = build_site(make_outlet)
    with open_page(browser, live_server.url, java_script_enabled=False) as (page, _watch):
        goto(page, site.article.get_absolute_url())
        assert page.locator("[data-text-size-control]").count() == 1
        assert not page.locator("[data-text-size-control]").is_visible()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_screenshots(
    live_server: Any, browser: Browser, make_outlet: Callable[..., Outlet], scheme: str
) -> None:
    """For a person to look at: the offline page, an article at each text size."""
    site = build_site(make_outlet)
    article = site.article.get_absolute_url()
    for device, name in ((PHONE, "390"), (DESKTOP, "1280")):
        with open_page(browser, live_server.url, device, color_scheme=scheme) as (page, _w):
            under_worker(page, article)
            wait_until(lambda: article in kept(page, "newsroom-pages"), "not kept")
            go_offline(page, True)
            goto(page, site.beside.get_absolute_url())
            page.locator("[data-saved-list] a").first.wait_for()
            shot(page, f"offline-{name}-{scheme}")
            go_offline(page, False)
            goto(page, article)
            page.get_by_role("group", name="حجم النص").wait_for()
            page.get_by_role("button", name="تصغير النص").click()
            for size in range(4):
                if size:
                    page.evaluate("window.scrollTo(0, 0)")  # from under the sticky header
                    page.get_by_role("button", name="تكبير النص").click()
                shot(page, f"article-{name}-{scheme}-size{size}")
