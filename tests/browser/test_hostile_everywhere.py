"""Every XSS corpus payload in every field a feed carries, on every page kind, in
headless Chromium (issue 19). test_hostile_feeds.py already opens the home, outlet,
section and article pages with payloads in the title, author, body, summary, picture
and outlet name; this module adds what it leaves out:

* the fields: ``category``, ``link``, ``guid``, ``comments``, ``author`` (RSS's own),
  ``enclosure`` and ``media:content`` URLs, and an Atom feed's ``author/name``,
  ``summary`` and ``content`` beside RSS's ``title``, ``description`` and
  ``content:encoded``, each through the real ingest code (``ingest_bytes``);
* the pages: search results (with matched words highlighted inside hostile text),
  story pages, region pages, the RSS documents (each item's title and description
  rendered as a feed reader would, in a page without any CSP), and the API's
  ``body_html`` put into a page the way an API client would, again without any CSP to
  save it.

One feed per field carries all 243 payloads (batched: a page shows 20 of them at
once). Asserted on every page: no dialog and no hooked alert/confirm/prompt/print call,
no page error, no console message, no CSP violation, no script but ours.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from email.utils import format_datetime
from typing import Any
from urllib.parse import urlencode

import lxml.etree
import pytest
from django.test import Client
from django.utils import timezone
from playwright.sync_api import Browser, Page

from articles.images.copy import copy_image
from articles.ingest.feeds import ingest_bytes
from articles.ingest.roster import bundled_picture
from articles.models import Article, ContentVersion, Image, Outlet, Region, Section
from tests.browser.test_hostile_feeds import assert_inert, load_payloads, visit_inert
from tests.support.site_browser import RSS, Watch, open_page, xml_text
from tests.support.stories import grouped

pytestmark = pytest.mark.usefixtures("_fresh_pages")

RSS_FIELDS = ("title", "description", "content", "author", "creator", "category", "link",
              "guid", "comments", "enclosure", "media")  # fmt: skip
ATOM_FIELDS = ("atom-author", "atom-summary", "atom-content")
ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>x</title><id>urn:x</id>
<updated>2025-01-01T00:00:00Z</updated><link rel="alternate" href="https://example.ma/"/>
{items}
</feed>
"""
# Words the payloads share: searched for, so that highlighting runs inside hostile text.
SEARCHED = ("alert", "script", "img", "onerror", "javascript", "svg", "src", "style")

# Before any page script: the same hooks as tests/support/site_browser.py, for pages we
# write ourselves (set_content) where no init script of a context has run yet.
HOOKS = """<script>
window.__dialogs = []; window.__csp = [];
for (const n of ["alert", "confirm", "prompt", "print"]) {
  window[n] = (...a) => { window.__dialogs.push([n, String(a[0])]); };
}
</script>"""


def rss_item(field: str, i: int, payload: str, section: str) -> str:
    text = xml_text(payload)
    published = format_datetime(timezone.now() - timedelta(minutes=i + 1))
    parts = {
        "guid": f'<guid isPermaLink="false">{field}-{i}</guid>',
        "title": f"<title>خبر {field} رقم {i} alert script img</title>",
        "link": f"<link>https://example.ma/{field}/{i}</link>",
        "date": f"<pubDate>{published}</pubDate>",
        "category": f"<category>{section}</category>",
        "description": f"<description>نص الخبر رقم {i} في جهة سوس ماسة</description>",
    }
    if field in ("title", "description", "link", "category"):
        parts[field] = f"<{field}>{text}</{field}>"
    elif field == "guid":
        parts["guid"] = f"<guid>{text}</guid>"
        del parts["link"]  # feedparser then offers the guid as the link
    elif field == "content":
        parts["x"] = f"<content:encoded>{text}</content:encoded>"
    elif field == "author":
        parts["x"] = f"<author>{text}</author>"
    elif field == "creator":
        parts["x"] = f"<dc:creator>{text}</dc:creator>"
    elif field == "comments":
        parts["x"] = f"<comments>{text}</comments>"
    elif field == "enclosure":
        parts["x"] = f'<enclosure url="{text}" type="image/jpeg" length="1"/>'
    elif field == "media":
        parts["x"] = f'<media:content url="{text}" medium="image"/>'
    if field == "category":
        parts["section"] = f"<category>{section}</category>"
    return "<item>" + "".join(parts.values()) + "</item>"


def atom_entry(field: str, i: int, payload: str) -> str:
    text = xml_text(payload)
    published = (timezone.now() - timedelta(minutes=i + 1)).isoformat()
    parts = [
        f"<id>urn:{field}:{i}</id>",
        f"<title>خبر {field} رقم {i} alert script img</title>",
        f'<link rel="alternate" href="https://example.ma/{field}/{i}"/>',
        f"<updated>{published}</updated><published>{published}</published>",
    ]
    if field == "atom-author":
        parts.append(f"<author><name>{text}</name></author><summary>نص {i}</summary>")
    elif field == "atom-summary":
        parts.append(f"<summary>{text}</summary>")
    else:
        parts.append(f'<summary>نص {i}</summary><content type="html">{text}</content>')
    return "<entry>" + "".join(parts) + "</entry>"


def build_site(make_outlet: Callable[..., Outlet]) -> dict[str, Outlet]:
    """One regional outlet per field, each with all the payloads; pictures copied from
    bundled ones (the pages then show our copies with the payloads' alt text)."""
    payloads = load_payloads()
    sections = list(Section.objects.values_list("name", flat=True))
    region = Region.objects.get(pk=Region.objects.ids()["souss-massa"])
    outlets = {}
    for field in (*RSS_FIELDS, *ATOM_FIELDS):
        outlet = make_outlet(
            name=f"مصدر {field}", slug=f"xss2-{field}", kind=Outlet.Kind.REGIONAL, region=region
        )
        if field in ATOM_FIELDS:
            feed = ATOM.format(
                items="".join(atom_entry(field, i, p) for i, p in enumerate(payloads))
            )
        else:
            feed = RSS.format(items="".join(
                rss_item(field, i, p, sections[i % len(sections)]) for i, p in enumerate(payloads)
            ))  # fmt: skip
        result = ingest_bytes(outlet, feed.encode("utf-8"))
        # A guid is the item's identity: payloads that are the same address once
        # normalised (or twice in the corpus) are one article.
        assert result.new == len(payloads) or (field == "guid" and result.new > 100), result
        outlets[field] = outlet
    pending = Image.objects.filter(status=Image.Status.PENDING).values_list("id", flat=True)
    for image_id in list(pending):
        copy_image(image_id, download=bundled_picture)
    return outlets


def pages_to_the_end(page: Page, watch: Watch, url: str, limit: int = 20) -> int:
    """``url`` and its older pages (up to ``limit``), each inert; how many items shown."""
    shown, base = 0, url.split("?")[0]
    for _ in range(limit):
        assert_inert(visit_inert(page, watch, url), structured=False)
        shown += page.locator(".story-title").count()
        older = page.locator("a.pager-older, a[rel=next]").first
        if not older.count():
            break
        href = older.get_attribute("href") or ""
        url = href if href.startswith("/") else base + href
    return shown


# Scripts but the hooks, handlers, and script URLs in URL attributes (a payload's
# title="javascript:..." is only text, as the corpus README says).
DOCUMENT_PROBLEMS = """
() => {
  const urls = ["href", "src", "action", "formaction", "xlink:href", "poster",
                "background", "data", "srcset", "cite"];
  const problems = [...document.scripts].slice(1).map((s) => s.outerHTML.slice(0, 200));
  for (const element of document.querySelectorAll("*")) {
    for (const attribute of element.attributes) {
      const name = attribute.name.toLowerCase();
      const script = urls.includes(name)
        && /^[\\s\\u0000-\\u0020]*(javascript|vbscript):/i.test(attribute.value);
      if (name.startsWith("on") || script) {
        problems.push(`${element.tagName} ${name}=${attribute.value.slice(0, 80)}`);
      }
    }
  }
  return problems;
}
"""


def assert_inert_document(page: Page, watch: Watch, html: str, what: str) -> None:
    """``html`` in a page with no CSP at all (a feed reader, an API client): nothing
    runs, whatever the markup."""
    page.set_content(f"<!doctype html><html><head>{HOOKS}</head><body>{html}</body></html>")
    page.wait_for_timeout(100)
    dialogs = page.evaluate("window.__dialogs")
    scripts = page.evaluate(DOCUMENT_PROBLEMS)
    found = {"dialogs": dialogs, "events": list(watch.dialogs), "errors": list(watch.errors),
             "scripts": scripts}  # fmt: skip
    watch.clear()
    assert found == {"dialogs": [], "events": [], "errors": [], "scripts": []}, (what, found)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_every_payload_in_every_field_is_inert_on_every_page_kind(
    live_server: Any,
    browser: Browser,
    make_outlet: Callable[..., Outlet],
    sections: None,
    settings: Any,
) -> None:
    settings.API_RATE_LIMIT = 0  # one client reads every article of the API
    outlets = build_site(make_outlet)
    client = Client()
    with open_page(browser, live_server.url) as (page, watch):
        # Lists: home, the region, each field's outlet to its last page (every payload
        # shown in a list once), a section.
        for url in ("/", "/regions/", "/region/souss-massa/", "/fr/region/souss-massa/"):
            assert_inert(visit_inert(page, watch, url, settle_ms=200), structured=False)
        for field, outlet in outlets.items():
            shown = pages_to_the_end(page, watch, outlet.get_absolute_url())
            assert shown == outlet.articles.count(), (field, shown)
        pages_to_the_end(page, watch, "/region/souss-massa/", limit=6)
        # Article pages: every 20th payload of each field, a different 20th each.
        for n, outlet in enumerate(outlets.values()):
            for article in list(outlet.articles.order_by("id"))[n % 20 :: 20]:
                found = visit_inert(page, watch, article.get_absolute_url())
                assert_inert(found, structured=True)
        # Story pages: each field's articles grouped into stories of 20 (lists show a
        # story once, so only now), every second story opened.
        for outlet in outlets.values():
            articles = list(outlet.articles.order_by("-published_at", "-id"))
            for start in range(0, len(articles), 20):
                grouped(*articles[start : start + 20])
        ContentVersion.objects.bump()
        assert_inert(visit_inert(page, watch, "/", settle_ms=200), structured=False)
        story_ids = sorted(
            set(Article.objects.exclude(story=None).values_list("story_id", flat=True))
        )
        for story_id in story_ids[::2]:
            found = visit_inert(page, watch, f"/story/{story_id}/")
            # One JSON-LD block (a CollectionPage), and it parses: no payload broke out.
            data = found.pop("data")
            assert len(data) == 1 and json.loads(data[0])["@type"] == "CollectionPage", data
            assert_inert({**found, "data": []}, structured=False)
        # Search results, matched words highlighted inside hostile text, three pages each.
        for word in SEARCHED:
            for url in (f"/search/?{urlencode({'q': word})}",
                        f"/search/?{urlencode({'q': word, 'sort': 'relevance'})}"):  # fmt: skip
                pages_to_the_end(page, watch, url, limit=3)
        # The RSS documents: well-formed, and each item's title and description (HTML,
        # as a feed reader renders it) inert in a page without CSP.
        feeds = ["/rss/", "/stories/rss/", "/region/souss-massa/rss/"]
        feeds += [f"{outlet.get_absolute_url()}rss/" for outlet in outlets.values()]
        for url in feeds:
            answer = client.get(url)
            assert answer.status_code == 200, url
            tree = lxml.etree.fromstring(answer.content)
            assert not tree.xpath("//*[namespace-uri()='http://www.w3.org/1999/xhtml']"), url
            items = tree.xpath("//item")
            # Trending stories need several outlets: one outlet per field makes none.
            assert items or url == "/stories/rss/", url
            html = "".join(
                f"<article><h2>{item.findtext('title') or ''}</h2>"
                f"{item.findtext('description') or ''}</article>"
                for item in items
            )
            assert_inert_document(page, watch, html, url)
        # The API: body_html (its one HTML field, on an article's own address) as an API
        # client shows it, in a page without CSP, for every field that reaches the body.
        # (Its text fields are text: tests/api/test_api_hostile.py.)
        for field in ("description", "content", "atom-summary", "atom-content", "media"):
            ids = list(outlets[field].articles.order_by("id").values_list("id", flat=True))
            for start in range(0, len(ids), 125):
                bodies = []
                for article_id in ids[start : start + 125]:
                    answer = client.get(f"/api/v1/articles/{article_id}")
                    assert answer.status_code == 200, article_id
                    bodies.append(f"<article>{answer.json()['body_html']}</article>")
                assert_inert_document(page, watch, "".join(bodies), f"API body_html {field}")
        assert watch.console == [], watch.console
