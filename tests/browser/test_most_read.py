"""The "most read" block in headless Chromium under the site's CSP: loading an article page sends
the beacon from static/js/count.js (one reader, counted once however often they load
it), the flush puts it in the table, and the home and article pages then show the block:
axe-core finds no violation, the console and the CSP stay quiet, the Nu Html Checker
finds no error. Screenshots at 390 and 1280 px, light and dark, in /tmp/shots-mostread/."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone, translation
from playwright.sync_api import Browser, Page

from articles.models import Article, DailyReads, Story
from articles.reads import flush
from tests.support.reads import reads_cache
from tests.support.site import changed, make_article, section
from tests.support.site_browser import DESKTOP, PHONE, audit_pages, open_page

pytestmark = pytest.mark.usefixtures("_fresh_pages")

SHOTS = Path("/tmp/shots-mostread")


@pytest.fixture
def reads(settings: Any, tmp_path: Path) -> Iterator[str]:
    yield from reads_cache(settings, "file", tmp_path / "reads")


def articles(make_outlet: Any) -> tuple[Article, Article, Story]:
    now = timezone.now() - timedelta(minutes=5)
    outlets = [make_outlet(name=f"منبر {n}") for n in range(2)]
    story = Story.objects.create(first_published_at=now, last_published_at=now, outlet_count=2)
    lead = make_article(outlets[0], title="الحكومة تعلن خطة للماء", published_at=now,
                        section=section(), story=story)  # fmt: skip
    make_article(outlets[1], title="خطة الماء: ما الجديد", published_at=now, story=story)
    Story.objects.filter(pk=story.pk).update(lead=lead, article_count=2)
    alone = make_article(outlets[1], title="افتتاح معرض الكتاب بالرباط", published_at=now,
                         section=section())  # fmt: skip
    changed()
    return lead, alone, story


def load_and_count(page: Page, url: str) -> None:
    with page.expect_response(lambda r: r.url.endswith("/read/")) as beacon:
        response = page.goto(url)
    assert response is not None and response.status == 200
    assert beacon.value.status == 204
    assert beacon.value.request.method == "POST"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("sections", "reads")
def test_the_article_page_counts_its_reader_once_and_the_home_page_shows_the_block(
    live_server: Any, browser: Browser, make_outlet: Any
) -> None:
    lead, alone, story = articles(make_outlet)
    with translation.override("ar"):
        lead_url, alone_url = lead.get_absolute_url(), alone.get_absolute_url()
    with open_page(browser, live_server.url, viewport=PHONE) as (page, watch):
        load_and_count(page, lead_url)
        load_and_count(page, lead_url)  # the same reader again: counted once
        load_and_count(page, alone_url)
        assert page.evaluate("window.__csp") == []
        assert [m for m in watch.console if m.startswith("error")] == [] and not watch.errors
        assert not watch.foreign_requests
    assert flush.flush() == 2
    assert dict(DailyReads.objects.values_list("article_id", "readers")) == {
        lead.pk: 1,
        alone.pk: 1,
    }
    # Another reader (another browser) reads the story's other report: the story leads.
    other = Article.objects.filter(story=story).exclude(pk=lead.pk).get()
    with open_page(browser, live_server.url, user_agent="Another Browser/1.0") as (page, _w):
        load_and_count(page, other.get_absolute_url())
    flush.flush()
    changed()
    with open_page(browser, live_server.url, viewport=DESKTOP) as (page, watch):
        page.goto("/")
        links = page.locator("section.most-read ol li a")
        assert links.evaluate_all("as => as.map(a => a.getAttribute('href'))") == [
            f"/story/{story.pk}/",
            alone_url,
        ]
        assert links.first.inner_text() == "الحكومة تعلن خطة للماء"
        assert page.locator("section.most-read h2").inner_text() == "الأكثر قراءة"
        assert page.evaluate("window.__csp") == [] and not watch.errors


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("sections", "reads")
def test_the_block_passes_axe_and_the_nu_checker_light_and_dark_at_both_widths(
    live_server: Any, browser: Browser, make_outlet: Any, tmp_path: Path
) -> None:
    lead, alone, story = articles(make_outlet)
    for article, readers in ((lead, 3), (alone, 1)):
        DailyReads.objects.create(article=article, day=timezone.localdate(), readers=readers)
    changed()
    with translation.override("ar"):
        pages = {"home": "/", "article": alone.get_absolute_url()}
    pages |= {f"fr-{name}": f"/fr{url}" for name, url in pages.items()}

    def two_entries(page: Page, url: str) -> None:
        assert page.locator("section.most-read ol li").count() == 2, url

    audit_pages(browser, live_server.url, pages, SHOTS, tmp_path, check=two_entries)
