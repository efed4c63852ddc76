"""Issue 17, item 7: on the Arabic admin, addresses, slugs, selectors and codes are laid
out left to right as staff type and read them (computed direction in Chromium), and
screenshots of the pages for a person to look at (/tmp/shots-admin/)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Browser

from articles.models import FetchLog, Outlet
from tests.browser.test_site_pages import admin_login
from tests.support.site_browser import DESKTOP, PHONE, open_page

SHOTS = Path("/tmp/shots-admin")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_addresses_and_codes_run_left_to_right(
    live_server: Any, browser: Browser, django_user_model: Any, make_outlet: Any
) -> None:
    outlet = make_outlet(name="كود", slug="goud", feed_url="https://www.goud.ma/feed/",
                         site_url="https://www.goud.ma/", body_selector="div.entry-content",
                         last_error_code="http_404",
                         last_status=Outlet.FetchStatus.ERROR)  # fmt: skip
    FetchLog.objects.create(outlet=outlet, started_at=timezone.now(),
                            status=Outlet.FetchStatus.ERROR, error_code="http_404")  # fmt: skip
    SHOTS.mkdir(exist_ok=True)
    with open_page(browser, live_server.url, viewport=DESKTOP) as (page, _watch):
        admin_login(page, django_user_model)
        page.goto(f"/admin/articles/outlet/{outlet.pk}/change/")
        direction = "el => getComputedStyle(el).direction"
        for field in ("#id_feed_url", "#id_site_url", "#id_slug", "#id_body_selector"):
            assert page.locator(field).evaluate(direction) == "ltr", field
        assert page.locator("p.url a").first.evaluate(direction) == "ltr"
        assert page.locator("#id_name").evaluate(direction) == "rtl"
        assert page.locator(".field-last_error_code .readonly").evaluate(direction) == "ltr"
        for width, size in ((1280, DESKTOP), (390, PHONE)):
            page.set_viewport_size(size)
            page.screenshot(path=SHOTS / f"outlet-change-{width}.png", full_page=True)
        page.goto("/admin/articles/fetchlog/")
        assert page.locator("td.field-error_code").first.evaluate(direction) == "ltr"
        assert page.locator("td.field-error_code").first.inner_text() == "http_404"
        for path, name in (("/admin/", "index"), ("/admin/articles/fetchlog/", "fetchlog"),
                           ("/admin/articles/reviewqueueimage/", "review-queue"),
                           ("/admin/articles/outlet/", "outlets")):  # fmt: skip
            page.goto(path)
            for width, size in ((1280, DESKTOP), (390, PHONE)):
                page.set_viewport_size(size)
                page.screenshot(path=SHOTS / f"{name}-{width}.png", full_page=True)
