"""Hostile feeds run no script on any page, in headless Chromium (Debian's, via
Playwright): every XSS corpus payload (DOMPurify's and bleach's) in every field a page
shows (title, author, body, summary, image, outlet name), on the lists, the article pages
and in both editions; no dialog, console message, page error, request to another host,
CSP violation, foreign element or handler, and one intact JSON-LD block per article."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page

from articles.images.copy import copy_image
from articles.ingest.feeds import ingest_bytes
from articles.ingest.roster import bundled_picture
from articles.models import Article, ContentVersion, Image, Outlet, Section
from tests.support.site import OUR_SCRIPTS
from tests.support.site_browser import RSS, Watch, open_page, xml_text

# New rows show at once, in the edition asked for (tests/browser/conftest.py).
pytestmark = pytest.mark.usefixtures("_fresh_pages")


# What a page may not hold: scripts but ours, frames and plugins, handlers, script URLs.
PAGE_PROBLEMS = """
(ourScripts) => {
  const problems = [];
  for (const script of document.scripts) {
    const ours = ourScripts.includes(script.src);
    const data = !script.src && script.type === "application/ld+json"
      && script.parentElement === document.head;
    if (!ours && !data) problems.push("script: " + script.outerHTML.slice(0, 200));
  }
  const foreign = "iframe, frame, frameset, object, embed, applet, portal, fencedframe, "
    + "base, meta[http-equiv], link[rel=import], main svg, main math";
  for (const element of document.querySelectorAll(foreign)) {
    problems.push("element: " + element.outerHTML.slice(0, 200));
  }
  const urls = ["href", "src", "action", "formaction", "xlink:href", "poster",
                "background", "data", "srcset", "cite"];
  for (const element of document.querySelectorAll("*")) {
    for (const attribute of element.attributes) {
      const name = attribute.name.toLowerCase();
      if (name.startsWith("on")) {
        problems.push(`handler ${name}: ` + element.outerHTML.slice(0, 200));
      }
      if (!urls.includes(name)) continue;
      let scheme = "";
      try { scheme = new URL(attribute.value.split(/[\\s,]/)[0] || "x", document.baseURI)
        .protocol; } catch (error) { continue; }
      const html = /^\\s*data:\\s*text\\/html/i.test(attribute.value);
      if (["javascript:", "vbscript:"].includes(scheme) || html) {
        problems.push(`${name}=${attribute.value.slice(0, 80)}`);
      }
    }
  }
  return {
    problems,
    dialogs: window.__dialogs,
    csp: window.__csp,
    tickerScripts: [...document.scripts]
      .filter((s) => s.src.endsWith("/static/js/ticker.js")).length,
    data: [...document.querySelectorAll('script[type="application/ld+json"]')]
      .map((s) => s.textContent),
  };
}
"""


XSS = Path(__file__).resolve().parents[1] / "corpora" / "xss"
XML_FORBIDDEN_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
FIELDS = ("title", "author", "body", "summary", "image")


def load_payloads() -> list[str]:
    """DOMPurify's payloads, then bleach's, with the C0 controls XML can't carry removed."""
    payloads = json.loads((XSS / "dompurify-payloads.json").read_text(encoding="utf-8"))
    for path in sorted((XSS / "bleach").glob("*.test"), key=lambda p: int(p.stem)):
        payloads.append(path.read_text(encoding="utf-8").split("\n--\n", 1)[0].strip())
    return [XML_FORBIDDEN_CONTROLS.sub("", payload) for payload in payloads]


def hostile_item(field_name: str, index: int, payload: str, section: str) -> str:
    """An item with ``payload`` in ``field_name`` and ordinary values elsewhere."""
    text = xml_text(payload)
    published = format_datetime(timezone.now() - timedelta(minutes=index + 1))
    parts = [
        f'<guid isPermaLink="false">{field_name}-{index}</guid>',
        f"<title>{text if field_name == 'title' else f'خبر {field_name} رقم {index}'}</title>",
        f"<link>https://example.ma/{field_name}/{index}</link>",
        f"<pubDate>{published}</pubDate>",
        f"<category>{section}</category>",
    ]
    if field_name == "author":
        parts.append(f"<dc:creator>{text}</dc:creator>")
    if field_name == "body":
        parts.append(f"<description>ملخص {index}</description>")
        parts.append(f"<content:encoded>{text}</content:encoded>")
    elif field_name == "summary":
        parts.append(f"<description>{text}</description>")  # the body too: no content
    else:
        parts.append(f"<description>نص الخبر رقم {index}</description>")
    if field_name == "image":
        if index % 2:
            parts.append(f'<enclosure url="{text}" type="image/jpeg" length="1"/>')
        else:
            parts.append(f'<media:content url="{text}" medium="image"/>')
    return "<item>" + "".join(parts) + "</item>"


@dataclass(frozen=True)
class HostileSite:
    articles: dict[str, list[Article]]  # by field, in payload order
    field_sources: dict[str, Outlet]
    name_sources: list[Outlet]


def build_hostile_site(make_outlet: Callable[..., Outlet]) -> HostileSite:
    payloads = load_payloads()
    sections = list(Section.objects.values_list("name", flat=True))
    articles: dict[str, list[Article]] = {}
    field_sources = {}
    for field_name in FIELDS:
        outlet = make_outlet(name=f"مصدر تجريبي {field_name}", slug=f"xss-{field_name}")
        items = "".join(
            hostile_item(field_name, i, payload, sections[i % len(sections)])
            for i, payload in enumerate(payloads)
        )
        result = ingest_bytes(outlet, RSS.format(items=items).encode("utf-8"))
        assert result.new == len(payloads), (field_name, result)
        field_sources[field_name] = outlet
        articles[field_name] = list(outlet.articles.order_by("-published_at", "-id"))
    # Outlet names come from staff, not feeds: one outlet per payload, one article each.
    name_sources = []
    for i, payload in enumerate(payloads):
        outlet = make_outlet(name=payload[:200])
        ingest_bytes(
            outlet,
            RSS.format(items=hostile_item("outlet", i, "", sections[i % len(sections)])).encode(),
        )
        name_sources.append(outlet)
    articles["outlet"] = [outlet.articles.get() for outlet in name_sources]
    # Image copies from bundled pictures, as the demo makes them: the pages then show
    # our copies (with the payloads' alt text) where the feeds named hostile URLs.
    pending = Image.objects.filter(
        status=Image.Status.PENDING,
        articles__outlet__in=[field_sources["image"], field_sources["body"]],
    ).distinct()
    for image_id in pending.values_list("id", flat=True):
        copy_image(image_id, download=bundled_picture)
    return HostileSite(articles, field_sources, name_sources)


def visit_inert(page: Page, watch: Watch, url: str, *, settle_ms: int = 0) -> dict[str, Any]:
    """Open ``url`` and return what ran or appeared that should not have."""
    response = page.goto(url, wait_until="load")
    assert response is not None and response.status == 200, (url, response and response.status)
    if settle_ms:
        page.wait_for_timeout(settle_ms)  # timers, autofocus and animations
    found = page.evaluate(PAGE_PROBLEMS, sorted(watch.origin + path for path in OUR_SCRIPTS))
    found.update(
        url=url,
        console=list(watch.console),
        errors=list(watch.errors),
        dialog_events=list(watch.dialogs),
        foreign_requests=list(watch.foreign_requests),
    )
    watch.clear()
    return found


def assert_inert(found: dict[str, Any], *, structured: bool) -> None:
    url = found["url"]
    assert found["dialogs"] == [] and found["dialog_events"] == [], (url, found)
    assert found["errors"] == [], (url, found["errors"])
    assert found["console"] == [], (url, found["console"])
    assert found["foreign_requests"] == [], (url, found["foreign_requests"])
    assert found["problems"] == [], (url, found["problems"])
    assert found["csp"] == [], (url, found["csp"])
    assert found["tickerScripts"] == 1, (url, "our ticker.js is missing or doubled")
    if structured:
        # Exactly one JSON-LD block, and it parses: no payload broke out of it.
        assert len(found["data"]) == 1, (url, found["data"])
        assert json.loads(found["data"][0])["@type"] == "NewsArticle"
    else:
        assert found["data"] == [], (url, found["data"])


def sample(items: list[Any], step: int, offset: int = 0) -> list[Any]:
    return items[offset % step :: step]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_hostile_feeds_run_no_script_on_any_page(
    live_server: Any, browser: Browser, make_outlet: Callable[..., Outlet], sections: None
) -> None:
    site = build_hostile_site(make_outlet)
    title_outlet = site.field_sources["title"].get_absolute_url()
    # Lists, with all 248 outlets in every page's outlet menu: home and the outlet list in
    # both editions, sections, the field outlets, some hostile-name outlets.
    lists = ["/", "/fr/", "/outlets/", "/fr/outlets/"]
    lists += [f"/section/{slug}/" for slug in Section.objects.values_list("slug", flat=True)[:4]]
    lists += [site.field_sources[name].get_absolute_url() for name in FIELDS if name != "title"]
    lists += [outlet.get_absolute_url() for outlet in sample(site.name_sources, 60)]
    shown_titles = 0
    with open_page(browser, live_server.url) as (page, watch):
        for url in lists:
            assert_inert(visit_inert(page, watch, url, settle_ms=200), structured=False)
        # The title outlet's pages to the end: every hostile title shown in a list once.
        url: str | None = title_outlet
        while url:
            assert_inert(visit_inert(page, watch, url), structured=False)
            shown_titles += page.locator(".story-title").count()
            older = page.locator("a.pager-older").first
            url = title_outlet + older.get_attribute("href") if older.count() else None
        for article in sample(site.articles["outlet"], 16):
            assert_inert(visit_inert(page, watch, article.get_absolute_url()), structured=True)
        # Article pages: every third body (the one field a page shows as HTML), a sample
        # of the other fields. The hostile-name outlets are paused first so that menus
        # are short and pages quick (their names were on every page above); a change
        # to a source does not bump the content version, so the test does.
        Outlet.objects.filter(pk__in=[s.pk for s in site.name_sources]).update(
            status=Outlet.Status.PAUSED
        )
        ContentVersion.objects.bump()
        articles = sample(site.articles["body"], 3)
        for offset, name in enumerate(("title", "author", "summary", "image")):
            articles += sample(site.articles[name], 16, offset * 4)
        for article in articles:
            assert_inert(visit_inert(page, watch, article.get_absolute_url()), structured=True)
        for article in sample(articles, 15):
            found = visit_inert(page, watch, "/fr" + article.get_absolute_url(), settle_ms=50)
            assert_inert(found, structured=True)
    assert shown_titles == len(site.articles["title"])
