"""Issue 18: /outlets/ with the whole roster loaded (129 outlets, active first, grouped
by kind and region) passes axe-core and the Nu Html Checker at 390 and 1280 px in both
editions; screenshots in /tmp/shots-roster/ for a person to look at."""

from __future__ import annotations

import json
import shutil
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from playwright.sync_api import Browser

from articles.models import REGIONS, Outlet, Region
from tests.support.browser import AXE_RUN, settle_for_screenshot, vnu_errors
from tests.support.site import changed, make_article
from tests.support.site_browser import AXE, DESKTOP, PHONE, open_page, require_tool

pytestmark = pytest.mark.usefixtures("_fresh_pages")
SHOTS = Path("/tmp/shots-roster")
PAGES = {"ar": "/outlets/", "fr": "/fr/outlets/"}


def load_roster() -> None:
    """The roster, with a few articles. A transactional test empties every table, the
    regions of migration 0012 too: they are put back first."""
    for position, (slug, name, name_fr) in enumerate(REGIONS):
        Region.objects.get_or_create(
            slug=slug, defaults={"name": name, "name_fr": name_fr, "position": position}
        )
    call_command("loadoutlets", stdout=StringIO())
    titles = {
        "hespress": "الحكومة تعلن خطة للماء",
        "telquel": "Le plan eau du gouvernement",
        "tanja24": "افتتاح خط بحري جديد بميناء طنجة",
        "elbotola": "الوداد يفوز بالديربي",
    }
    for slug, title in titles.items():
        outlet = Outlet.objects.get(slug=slug)
        make_article(outlet, title=title, language=outlet.language)
    changed()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("sections")
def test_the_outlets_page_passes_axe_and_the_nu_checker_at_both_widths(
    live_server: Any, browser: Browser, tmp_path: Path
) -> None:
    axe = require_tool(AXE)
    load_roster()
    SHOTS.mkdir(exist_ok=True)
    failures: dict[str, Any] = {}
    for width, viewport in ((390, PHONE), (1280, DESKTOP)):
        with open_page(browser, live_server.url, viewport=viewport, bypass_csp=True) as (
            page,
            watch,
        ):
            for language, url in PAGES.items():
                page.goto(url)
                assert page.locator("main .outlet-card").count() == Outlet.objects.count(), url
                assert page.locator("main section.outlet-group").count() == 7, url
                settle_for_screenshot(page, pause_ms=200)
                page.screenshot(path=str(SHOTS / f"outlets-{language}-{width}.png"))
                page.screenshot(
                    path=str(SHOTS / f"outlets-{language}-{width}-full.png"), full_page=True
                )
                page.add_script_tag(path=str(axe))
                if violations := page.evaluate(AXE_RUN):
                    failures[f"{url} {width}"] = violations
            assert [m for m in watch.console if m.startswith("error")] == []
    assert not failures, json.dumps(failures, ensure_ascii=False, indent=1)
    if shutil.which("java"):
        client, files = Client(), []
        for language, url in PAGES.items():
            path = tmp_path / f"outlets-{language}.html"
            path.write_bytes(client.get(url).content)
            files.append(path)
        assert vnu_errors(files) == []
