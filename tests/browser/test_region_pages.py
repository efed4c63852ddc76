"""The region pages in headless Chromium under the site's CSP: a region's page (its
articles, its regional outlets, the "جهات" menu item current), the list of the twelve
regions and an article page naming its regions; axe-core finds no violation, the
console stays quiet, the Nu Html Checker finds no error. Screenshots at 390 and 1280
px, light and dark, in /tmp/shots-regions/."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone, translation
from playwright.sync_api import Browser

from articles.models import REGIONS, Article, Outlet, Region
from tests.support.site import changed, make_article, section
from tests.support.site_browser import DESKTOP, audit_pages, open_page

pytestmark = pytest.mark.usefixtures("_fresh_pages")

SHOTS = Path("/tmp/shots-regions")


def articles(make_outlet: Any) -> Article:
    # A transactional test flushes the tables: the twelve rows of migration 0012 again.
    for position, (slug, name, name_fr) in enumerate(REGIONS):
        Region.objects.get_or_create(
            slug=slug, defaults={"name": name, "name_fr": name_fr, "position": position}
        )
    souss = Region.objects.get(slug="souss-massa")
    local = make_outlet(name="أكادير 24", name_latin="Agadir24", slug="agadir24",
                        kind=Outlet.Kind.REGIONAL, region=souss)  # fmt: skip
    national = make_outlet(name="هسبريس", name_latin="Hespress", slug="hespress")
    now = timezone.now() - timedelta(minutes=5)
    titles = [
        "افتتاح ميناء جديد بأكادير", "أمطار غزيرة في تارودانت وتيزنيت", "Agadir : le festival",
    ]  # fmt: skip
    made = []
    for n, title in enumerate(titles):
        outlet = local if n % 2 else national
        article = make_article(
            outlet,
            title=title,
            published_at=now - timedelta(hours=n),
            section=section(),
            language="fr" if title.isascii() else "ar",
        )
        article.regions.add(souss)
        made.append(article)
    changed()
    return made[0]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("sections")
def test_region_pages_pass_axe_and_the_nu_checker_light_and_dark_at_both_widths(
    live_server: Any, browser: Browser, make_outlet: Any, tmp_path: Path
) -> None:
    article = articles(make_outlet)
    with translation.override("ar"):
        pages = {"region": "/region/souss-massa/", "regions": "/regions/",
                 "article": article.get_absolute_url()}  # fmt: skip
    pages |= {f"fr-{name}": f"/fr{url}" for name, url in pages.items()}
    audit_pages(browser, live_server.url, pages, SHOTS, tmp_path)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("sections")
def test_the_menu_leads_to_the_regions_and_a_region_page_lists_its_articles(
    live_server: Any, browser: Browser, make_outlet: Any
) -> None:
    articles(make_outlet)
    with open_page(browser, live_server.url, viewport=DESKTOP) as (page, watch):
        page.goto("/")
        page.locator("nav.sections a", has_text="جهات").click()
        assert page.url.endswith("/regions/")
        assert page.locator("main .outlet-card").count() == 12
        page.locator("main a", has_text="جهة سوس ماسة").click()
        assert page.url.endswith("/region/souss-massa/")
        assert page.locator("main h1").inner_text() == "جهة سوس ماسة"
        assert page.locator("main .story-list h3").count() == 3
        assert page.locator("main dl.facts a").inner_text() == "أكادير 24"
        assert page.evaluate("window.__csp") == [] and not watch.errors
