"""Readers hide an image and staff restore it, end to end in headless Chromium against
the live server:

- readers from distinct networks report the image until the threshold: the other readers
  are real HTTP clients whose sockets are bound to 127.0.N.1 (the browser always comes
  from 127.0.0.1); then the image is a placeholder of the same size on its article, on
  the home page and in the other articles that use it, and its /media/ address is 404;
- staff sign in to the Arabic admin, follow the banner to the review queue, restore the
  image, and it is back everywhere, its /media/ address serving it again;
- screenshots of the placeholders and the queue (test-artifacts/report-*.png).
"""

from __future__ import annotations

import http.client
import re
from collections.abc import Callable
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
from playwright.sync_api import Browser, Locator, Page

from articles.lib import clients
from articles.models import Article, Image, ImageReport, ModerationEvent, Outlet, Visibility
from articles.moderation import visibility
from tests.support.browser import DESKTOP, PHONE, goto, open_page, settle_for_screenshot
from tests.support.report_browser import (
    DEVICES,
    HIDDEN_LABEL,
    PASSWORD,
    REASON_VIOLENT,
    SUBMIT,
    THANKS,
    Site,
    build_site,
    lead_link,
    shot,
    wait_for_form,
)

# Hidden copies go to a fresh folder, never into var/quarantine.
pytestmark = pytest.mark.usefixtures("_quarantine_in_tmp")


# ---------------------------------------------------------------------------------------
# The threshold, from distinct networks
# ---------------------------------------------------------------------------------------


class Reader:
    """Another reader: a real HTTP client whose socket is bound to ``address`` (any
    127.x.y.z on loopback), with its own cookies, as a browser keeps them."""

    def __init__(self, origin: str, address: str) -> None:
        parts = urlsplit(origin)
        assert parts.port is not None
        self.netloc = parts.netloc
        self.port = parts.port
        self.address = address
        self.cookies: dict[str, str] = {}

    def request(
        self,
        method: str,
        path: str,
        body: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, http.client.HTTPMessage, bytes]:
        connection = http.client.HTTPConnection(
            "127.0.0.1", self.port, timeout=30, source_address=(self.address, 0)
        )
        sent = {"Host": self.netloc, "Accept-Language": "ar", **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            content = response.read()
            for value in response.headers.get_all("Set-Cookie") or []:
                cookie: SimpleCookie = SimpleCookie()
                cookie.load(value)
                for name, morsel in cookie.items():
                    if morsel["max-age"] == "0" or not morsel.value:
                        self.cookies.pop(name, None)
                    else:
                        self.cookies[name] = morsel.coded_value
            return response.status, response.headers, content
        finally:
            connection.close()

    def report(
        self,
        image: Image,
        back: str,
        reason: str = "violent",
        headers: dict[str, str] | None = None,
    ) -> str:
        """Open the form page, post it, follow the redirect: the page the reader lands on."""
        status, _headers, form = self.request(
            "GET", f"/images/{image.pk}/?{urlencode({'next': back})}"
        )
        assert status == 200, (self.address, status)
        found = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', form)
        assert found, "no CSRF token in the form page"
        body = urlencode({"csrfmiddlewaretoken": found.group(1).decode(), "reason": reason,
                          "note": "", "next": back})  # fmt: skip
        posted = {"Content-Type": "application/x-www-form-urlencoded", **(headers or {})}
        status, answer, _ = self.request("POST", f"/images/{image.pk}/report/", body, posted)
        assert status == 302, (self.address, status)
        location = answer["Location"]
        assert urlsplit(location).fragment == "messages", location
        status, _headers, page = self.request("GET", location.split("#")[0])
        assert status == 200, (location, status)
        text = page.decode("utf-8")
        assert THANKS in text, "the reader was not thanked"
        return text


def report_in_browser(page: Page, image: Image) -> None:
    lead_link(page, image).click()
    dialog = wait_for_form(page)
    dialog.locator("label.report-reason", has_text=REASON_VIOLENT).click()
    dialog.get_by_role("button", name=SUBMIT).click()
    dialog.locator(".report-thanks").wait_for()
    page.keyboard.press("Escape")


def media_status(page: Page, url: str) -> tuple[int, str]:
    """A fresh request for ``url`` (no browser cache: our copies are cached for a year)."""
    response = page.request.get(url, fail_on_status_code=False)
    return response.status, response.headers.get("content-type", "")


def image_attributes(locator: Locator) -> dict[str, Any]:
    return locator.evaluate(
        """img => ({src: img.getAttribute("src"), srcset: img.getAttribute("srcset"),
                    width: img.getAttribute("width"), height: img.getAttribute("height"),
                    alt: img.getAttribute("alt"), cls: img.className,
                    box: [Math.round(img.getBoundingClientRect().width),
                          Math.round(img.getBoundingClientRect().height)]})"""
    )


def card_image(page: Page, area: str, article: Article) -> Locator:
    card = page.locator(f"{area} .story").filter(
        has=page.locator(f".story-title a[href='{article.get_absolute_url()}']")
    )
    return card.locator(".story-media img")


def body_image(page: Page) -> Locator:
    return page.locator(".article-body img")


def file_names(image: Image) -> list[str]:
    return [Path(image.copy.name).name, Path(image.thumbnail.name).name]


def assert_no_trace_of(page: Page, image: Image) -> None:
    """Neither file of ``image`` is named anywhere in the page (src, srcset, meta)."""
    html = page.content()
    for name in file_names(image):
        assert name not in html, (page.url, name)


def hide_by_readers(origin: str, site: Site, addresses: list[str]) -> None:
    for address in addresses:
        Reader(origin, address).report(site.image, site.article.get_absolute_url())
    site.refresh()
    assert site.image.visibility == Visibility.AUTO_HIDDEN, site.image.visibility


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_distinct_readers_hide_the_image_everywhere(
    live_server: Any,
    browser: Browser,
    make_outlet: Callable[..., Outlet],
    sections: None,
    settings: Any,
) -> None:
    assert settings.IMAGE_REPORT_THRESHOLD == 3
    site = build_site(make_outlet)
    origin = live_server.url
    article = site.article.get_absolute_url()
    copy_url, thumb_url = site.image.copy.url, site.image.thumbnail.url
    with open_page(browser, origin) as (page, watch):
        # Before: the picture on its article, in the other two, and on the home page.
        goto(page, article)
        lead_before = image_attributes(page.locator(f"#image-{site.image.pk} img"))
        assert lead_before["src"] == copy_url, lead_before
        goto(page, site.inline.get_absolute_url())
        inline_before = image_attributes(body_image(page))
        assert inline_before["src"] == copy_url
        goto(page, "/")
        settle_for_screenshot(page)
        home_before = {
            a.pk: image_attributes(card_image(page, ".section-block", a))
            for a in (site.article, site.twin)
        }
        assert all(v["src"] == thumb_url for v in home_before.values()), home_before
        assert media_status(page, copy_url)[0] == 200 and media_status(page, thumb_url)[0] == 200

        # The first reader is this browser (127.0.0.1, so 127.0.0.0/24).
        goto(page, article)
        report_in_browser(page, site.image)
        # The second reader, from 127.0.2.1: still shown (two networks).
        Reader(origin, "127.0.2.1").report(site.image, article)
        # Two more from 127.0.2.0/24 (a new cookie, one with a spoofed X-Forwarded-For):
        # the same network as the second reader, so neither counts.
        Reader(origin, "127.0.2.9").report(site.image, article)
        spoofed = {"X-Forwarded-For": "203.0.113.7"}
        Reader(origin, "127.0.2.10").report(site.image, article, headers=spoofed)
        site.refresh()
        assert site.image.visibility == Visibility.SHOWN
        assert site.image.report_count == 2
        networks = set(ImageReport.objects.values_list("network", flat=True))
        expected = {clients.keyed_hash("network", n) for n in ("127.0.0.0/24", "127.0.2.0/24")}
        assert networks == expected, "the readers' own addresses did not reach the server"
        goto(page, article)
        assert page.locator(f"#image-{site.image.pk} img").get_attribute("src") == copy_url

        # The third network, 127.0.3.1: hidden.
        Reader(origin, "127.0.3.1").report(site.image, article, reason="inappropriate")
        site.refresh()
        assert site.image.visibility == Visibility.AUTO_HIDDEN
        assert (
            site.other.visibility == Visibility.SHOWN
            and site.market.visibility == Visibility.SHOWN
        )
        events = ModerationEvent.objects.filter(action=ModerationEvent.Action.AUTO_HIDE)
        assert [(e.image_id, e.threshold) for e in events] == [(site.image.pk, 3)]
        # This reader's browser keeps pages a minute (public, max-age=60); a reload asks
        # again (the content changed, so did Last-Modified) and gets the placeholder.
        page.reload(wait_until="load")
        assert page.locator(f"#image-{site.image.pk} img.hidden-image").count() == 1
        watch.assert_clean(page)

    # A reader who comes now, to any page that showed the picture.
    with open_page(browser, origin) as (page, watch):
        for url in (article, site.twin.get_absolute_url()):
            goto(page, url)
            figure = page.locator(f"#image-{site.image.pk}")
            placeholder = figure.locator("img.hidden-image")
            assert placeholder.count() == 1, url
            after = image_attributes(placeholder)
            assert (after["width"], after["height"]) == (
                lead_before["width"],
                lead_before["height"],
            )
            # (rendered size: see test_placeholder_keeps_the_rendered_size)
            assert figure.locator(".hidden-image-label").inner_text().strip() == HIDDEN_LABEL
            assert figure.get_by_text(HIDDEN_LABEL).is_visible()
            assert figure.locator("a.report-link").count() == 0, "a hidden image is not reported"
            assert page.locator("meta[property='og:image']").count() == 0
            assert_no_trace_of(page, site.image)
        goto(page, site.inline.get_absolute_url())
        inline_after = image_attributes(body_image(page))
        assert inline_after["cls"] == "hidden-image" and inline_after["alt"] == ""
        # The reason is written on the inline placeholder too, as on a hidden lead.
        label = page.locator(".article-body .hidden-image-box .hidden-image-label")
        assert label.inner_text().strip() == HIDDEN_LABEL and label.is_visible()
        wanted = (inline_before["width"], inline_before["height"])
        assert (inline_after["width"], inline_after["height"]) == wanted
        assert page.locator(".article-body a.report-link").count() == 0
        # That article's own lead is another picture: still there.
        lead = page.locator(f"#image-{site.other.pk} img")
        assert lead.get_attribute("src") == site.other.copy.url
        assert_no_trace_of(page, site.image)

        goto(page, "/")
        settle_for_screenshot(page)
        for a in (site.article, site.twin):
            after = image_attributes(card_image(page, ".section-block", a))
            before = home_before[a.pk]
            assert after["cls"] == "hidden-image" and after["alt"] == HIDDEN_LABEL, after
            assert (after["width"], after["height"]) == (before["width"], before["height"])
            assert after["box"] == before["box"], (after, before)
        assert page.get_by_role("img", name=HIDDEN_LABEL).count() >= 2
        # Leads show pictures only: the hidden one left them; the market picture stays.
        leads = page.locator(".leads .story-media img")
        assert leads.count() >= 1
        assert page.locator(".leads img.hidden-image").count() == 0
        lead_outlets = set(leads.evaluate_all("imgs => imgs.map((i) => i.getAttribute('src'))"))
        assert {site.market.thumbnail.url, site.other.copy.url} <= lead_outlets, lead_outlets
        assert_no_trace_of(page, site.image)

        # The old file addresses no longer serve the picture; the copies are quarantined.
        assert media_status(page, copy_url)[0] == 404
        assert media_status(page, thumb_url)[0] == 404
        assert media_status(page, site.market.copy.url)[0] == 200
        quarantine = Path(settings.QUARANTINE_ROOT)
        assert (quarantine / site.image.copy.name).is_file()
        assert not (Path(settings.MEDIA_ROOT) / site.image.copy.name).exists()
        watch.assert_clean(page)

    # Screenshots of the placeholders, at both widths.
    for device_name, device in DEVICES.items():
        with open_page(browser, origin, device) as (page, watch):
            goto(page, article)
            shot(page, f"placeholder-article-{device_name}", full_page=True)
            goto(page, "/")
            shot(page, f"placeholder-home-{device_name}", full_page=True)
            goto(page, site.inline.get_absolute_url())
            shot(page, f"placeholder-inline-{device_name}", full_page=True)
            watch.assert_clean(page)
    with open_page(browser, origin, PHONE, color_scheme="dark") as (page, watch):
        goto(page, article)
        shot(page, "placeholder-article-phone-dark", full_page=True)
        goto(page, "/")
        shot(page, "placeholder-home-phone-dark", full_page=True)
        watch.assert_clean(page)


RENDERED_BOXES = """
() => [...document.querySelectorAll(".lead-figure img, .article-body img")].map((img) => {
  const box = img.getBoundingClientRect();
  return [img.closest(".lead-figure") ? "lead" : "body", Math.round(box.width),
          Math.round(box.height)];
})
"""


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_placeholder_keeps_the_rendered_size(
    live_server: Any, browser: Browser, make_outlet: Callable[..., Outlet], sections: None
) -> None:
    """The placeholder takes the place of the picture at the size it was drawn, on the
    article page (lead, and in a body), at phone and desktop widths."""
    site = build_site(make_outlet)
    urls = [site.article.get_absolute_url(), site.inline.get_absolute_url()]

    def boxes() -> dict[str, Any]:
        drawn: dict[str, Any] = {}
        for device_name, device in DEVICES.items():
            with open_page(browser, live_server.url, device) as (page, _watch):
                for url in urls:
                    goto(page, url)
                    settle_for_screenshot(page)
                    drawn[f"{device_name} {url}"] = page.evaluate(RENDERED_BOXES)
        return drawn

    before = boxes()
    visibility.hide(site.image, None, "test")
    after = boxes()
    assert after == before


# ---------------------------------------------------------------------------------------
# Staff restore it from the review queue
# ---------------------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_staff_restore_the_image_from_the_review_queue(
    live_server: Any,
    browser: Browser,
    make_outlet: Callable[..., Outlet],
    sections: None,
    django_user_model: Any,
) -> None:
    site = build_site(make_outlet)
    origin = live_server.url
    copy_url, thumb_url = site.image.copy.url, site.image.thumbnail.url
    hide_by_readers(origin, site, ["127.0.2.1", "127.0.3.1", "127.0.4.1"])
    django_user_model.objects.create_superuser("editor", "editor@example.ma", PASSWORD)
    with open_page(browser, origin, DESKTOP) as (page, watch):
        goto(page, site.article.get_absolute_url())
        assert page.locator(f"#image-{site.image.pk} img.hidden-image").count() == 1
        assert media_status(page, copy_url)[0] == 404

        goto(page, "/admin/login/?next=/admin/")
        assert page.locator("html").get_attribute("lang") == "ar"
        assert page.locator("html").get_attribute("dir") == "rtl"
        page.fill("#id_username", "editor")
        page.fill("#id_password", PASSWORD)
        page.click("[type=submit]")
        page.wait_for_url("**/admin/")
        banner = page.locator(".moderation-queue a")
        assert banner.inner_text().strip() == "صورة واحدة محجوبة تلقائيا تنتظر المراجعة"
        banner.click()
        page.wait_for_url("**/admin/articles/reviewqueueimage/")
        rows = page.locator("#result_list tbody tr")
        assert rows.count() == 1
        row = rows.filter(
            has=page.locator(f"input[name=_selected_action][value='{site.image.pk}']")
        )
        assert row.count() == 1
        assert "3" in row.inner_text()  # three reports
        # Staff see the quarantined copy (a staff-only address), not a broken picture.
        preview = row.locator("img")
        assert "/admin/quarantine/" in (preview.get_attribute("src") or "")
        preview.scroll_into_view_if_needed()
        page.wait_for_function(
            "img => img.complete && img.naturalWidth > 0", arg=preview.element_handle()
        )
        settle_for_screenshot(page)
        shot(page, "queue-desktop", full_page=True)
        page.set_viewport_size(PHONE["viewport"])
        shot(page, "queue-phone", full_page=True)
        page.set_viewport_size(DESKTOP["viewport"])

        row.locator("input[name=_selected_action]").check()
        page.select_option("select[name=action]", "restore_images")
        with page.expect_navigation():
            page.locator("button[name=index]").click()
        assert page.get_by_text("أعيدت صورة واحدة.").is_visible()
        assert page.locator("#result_list tbody tr").count() == 0
        goto(page, "/admin/")
        assert page.locator(".moderation-queue").count() == 0
        watch.assert_clean(page)

    site.refresh()
    assert site.image.visibility == Visibility.RESTORED
    restore = ModerationEvent.objects.get(action=ModerationEvent.Action.RESTORE)
    assert restore.actor is not None and restore.actor.username == "editor"

    # Back everywhere, for a reader.
    with open_page(browser, origin) as (page, watch):
        for url in (site.article.get_absolute_url(), site.twin.get_absolute_url()):
            goto(page, url)
            lead = page.locator(f"#image-{site.image.pk} img")
            assert lead.get_attribute("src") == copy_url, url
            assert page.locator(f"#image-{site.image.pk} a.report-link").count() == 1
            assert page.locator("img.hidden-image").count() == 0
            assert page.locator("meta[property='og:image']").count() == 1
        goto(page, site.inline.get_absolute_url())
        assert body_image(page).get_attribute("src") == copy_url
        goto(page, "/")
        assert page.locator("img.hidden-image").count() == 0
        assert page.locator(f".leads img[src='{copy_url}']").count() >= 1
        for url in (copy_url, thumb_url):
            status, kind = media_status(page, url)
            assert status == 200 and kind.startswith("image/"), (url, status, kind)
        shot(page, "restored-home-phone", full_page=True)
        watch.assert_clean(page)
