"""The story page and the home page that ranks stories, as readers get them in headless
Chromium at phone and desktop widths, in both editions: axe-core finds no violation at
all, the console stays clean, and screenshots for a person to look at
(test-artifacts/screenshots/story-*.png); the Nu Html Checker finds no error in them.

The data is the bundled demo, moved to the last hours (the home page ranks the stories
of the last 48 hours) and grouped into stories as a worker does, plus one story too big
for a page, whose second page is checked too."""

from __future__ import annotations

import json
import subprocess
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db.models import F, Max
from django.utils import timezone, translation
from playwright.sync_api import Browser

from articles.ingest.roster import load_demo
from articles.models import Article, Outlet, Story
from articles.site.paging import encode_cursor
from articles.site.stories import STORY_PAGE_SIZE
from articles.stories.assign import assign
from tests.support.browser import AXE_RUN, settle_for_screenshot
from tests.support.site import changed, make_article
from tests.support.site_browser import (
    AXE,
    DESKTOP,
    PHONE,
    SCREENSHOTS,
    VNU,
    open_page,
    require_tool,
)
from tests.support.story_rows import make_story

pytestmark = pytest.mark.usefixtures("_fresh_pages")

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def recent_demo_with_stories() -> dict[str, str]:
    """The demo, its newest article five minutes ago, grouped into stories; the pages
    to look at: the biggest story's, an article of it, and the home page."""
    load_demo()
    newest = Article.objects.aggregate(newest=Max("published_at"))["newest"]
    shift = timezone.now() - timedelta(minutes=5) - newest
    Article.objects.update(published_at=F("published_at") + shift)
    assign(Article.objects.values_list("id", flat=True))
    changed()
    story = Story.objects.order_by("-outlet_count", "-last_published_at").first()
    assert story is not None and story.outlet_count >= 2, "the demo has no story"
    article = Article.objects.filter(story=story).select_related("outlet").first()
    assert article is not None
    big = big_story()
    with translation.override("ar"):
        pages = {
            "story": story.get_absolute_url(),
            "home": "/",
            "article": article.get_absolute_url(),
            # A later page of a story too big for one.
            "story-older": f"{big.get_absolute_url()}?before={older_cursor(big)}",
        }
    return pages | {f"fr-{name}": f"/fr{url}" for name, url in pages.items()}


def big_story() -> Story:
    """A story of more reports than one page shows, by the demo's outlets in turn."""
    outlets = list(Outlet.objects.filter(articles__isnull=False).distinct()[:6])
    reports = [
        make_article(outlets[n % len(outlets)], title=f"فيضانات في الشمال: حصيلة جديدة {n}",
                     published_at=timezone.now() - timedelta(hours=1, minutes=n))
        for n in range(STORY_PAGE_SIZE + 5)
    ]  # fmt: skip
    return make_story(*reports)


def older_cursor(story: Story) -> str:
    """The cursor of the story page's "older" link: after its first page's last report."""
    shown = Article.objects.filter(story=story).order_by("-published_at", "-id")
    return encode_cursor(shown[STORY_PAGE_SIZE - 1])


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_story_and_home_pages_pass_axe_with_a_clean_console_at_both_widths(
    live_server: Any, browser: Browser, sections: None
) -> None:
    axe = require_tool(AXE)
    pages = recent_demo_with_stories()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    failures: dict[str, Any] = {}
    shots = []
    for width, viewport in ((390, PHONE), (1280, DESKTOP)):
        # The page's CSP would refuse axe's injected script; this context ignores it.
        options = {"viewport": viewport, "bypass_csp": True}
        with open_page(browser, live_server.url, **options) as (page, watch):
            for name, url in pages.items():
                response = page.goto(url)
                assert response is not None and response.status == 200, url
                settle_for_screenshot(page, pause_ms=300)
                path = SCREENSHOTS / f"story-{name}-{width}.png"
                path.unlink(missing_ok=True)
                page.screenshot(path=str(path), full_page=True)
                shots.append(path)
                page.add_script_tag(path=str(axe))
                violations = page.evaluate(AXE_RUN)
                if violations:
                    failures[f"{url} at {width}"] = violations
            errors = [m for m in watch.console if m.startswith("error")]
            assert not errors and not watch.errors, (width, errors, watch.errors)
            assert not watch.foreign_requests, watch.foreign_requests
    assert not failures, json.dumps(failures, ensure_ascii=False, indent=1)
    for path in shots:
        assert path.read_bytes()[:8] == PNG_SIGNATURE and path.stat().st_size > 10_000, path


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_story_page_lists_every_report_and_the_home_page_one_card_per_story(
    live_server: Any, browser: Browser, sections: None
) -> None:
    pages = recent_demo_with_stories()
    story = Story.objects.get(id=int(pages["story"].split("/")[2]))  # the demo's biggest
    with open_page(browser, live_server.url, viewport=PHONE) as (page, _watch):
        page.goto(pages["story"])
        reports = page.locator("ol.report-list > li")
        assert reports.count() == story.article_count
        assert page.locator("ul.outlet-chips > li").count() == story.outlet_count
        page.goto("/")
        hrefs = page.locator(".front h3.story-title a").evaluate_all(
            "links => links.map(a => a.getAttribute('href'))"
        )
        assert len(hrefs) == len(set(hrefs))
    lead_ids = [int(h.split("/")[2]) for h in hrefs if h.startswith("/story/")]
    article_ids = [int(h.rstrip("/").rsplit("/", 1)[-1]) for h in hrefs if "/story/" not in h]
    assert lead_ids, "no story card on the home page"
    # No report of a story among the leads heads a card of its own, and no story has two.
    assert not Article.objects.filter(id__in=article_ids, story_id__in=lead_ids).exists()
    grouped = Article.objects.filter(id__in=article_ids, story__isnull=False)
    story_ids = list(grouped.values_list("story_id", flat=True))
    assert len(story_ids) == len(set(story_ids))


@pytest.mark.java
@pytest.mark.django_db
def test_story_pages_are_valid_html(client: Any, tmp_path: Path, sections: None) -> None:
    vnu = require_tool(VNU)
    pages = recent_demo_with_stories()
    files = []
    for name, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200, url
        path = tmp_path / f"{name}.html"
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
