"""Helpers of the report-an-image tests in headless Chromium (tests/browser/test_report_*):
the site they report on (three outlets' feeds through ``ingest_bytes``, copies made by
``copy_image`` from the demo's bundled pictures, one picture shared by three articles),
the report dialog as a reader meets it, and screenshots."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from django.utils import timezone
from playwright.sync_api import Locator, Page

from articles.images.copy import copy_image
from articles.ingest.feeds import ingest_bytes
from articles.ingest.roster import DEMO_DIR
from articles.models import Article, Image, Outlet
from articles.moderation import visibility
from tests.support.browser import ARTIFACTS, DESKTOP, PHONE, settle_for_screenshot, xml_text

DEVICES = {"phone": PHONE, "desktop": DESKTOP}

THANKS = "شكرا على الإبلاغ! سيتم حجب هذه الصورة تلقائيا عندما يتم الإبلاغ عنها من طرف عدة أشخاص."
HIDDEN_LABEL = "صورة محجوبة بعد بلاغات القراء"
REPORT_LINK = "الإبلاغ عن الصورة"
DIALOG_TITLE = "الإبلاغ عن صورة"
SUBMIT = "أرسل البلاغ"
CLOSE = "إغلاق"
CANCEL = "إلغاء"
REASON_VIOLENT = "عنيفة أو صادمة"
NOTE_LABEL = re.compile("^ملاحظة \\(اختيارية\\):?$")
NOTE = "صورة جثة في خبر عن حادثة سير، بلا أي تحذير."
CHOOSE_A_REASON = "اختر سببا من القائمة."
PASSWORD = "a long pass phrase for the report tests 42"  # noqa: S105


# ---------------------------------------------------------------------------------------
# Data: three outlets' feeds through ingest_bytes; one picture shared by three articles.
# ---------------------------------------------------------------------------------------

SHARED = "https://example.ma/photos/accident.jpg"  # the picture readers report
OTHER = "https://example.ma/photos/stadium.jpg"
BESIDE = "https://example.ma/photos/market.jpg"
PICTURES = {SHARED: "demo-03.jpg", OTHER: "demo-07.jpg", BESIDE: "demo-10.jpg"}

RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel><title>x</title><link>https://example.ma/</link><description>x</description>
{items}
</channel></rss>
"""


@dataclass(frozen=True)
class Item:
    guid: str
    title: str
    section: str
    lead: str  # the enclosure's URL
    body_image: str = ""  # an <img> in the body too


def bundled(url: str, referer: str) -> bytes:
    """The download stage: a fixed demo picture per URL (distinct pictures, so that
    only the articles meant to share the reported one do)."""
    return (DEMO_DIR / "images" / PICTURES[url]).read_bytes()


def feed(items: list[Item], minutes: int) -> bytes:
    parts = []
    for i, item in enumerate(items):
        published = format_datetime(timezone.now() - timedelta(minutes=minutes + 10 * i))
        body = f"<p>{item.title}. تتابع السلطات المحلية الوضع عن كثب.</p>"
        if item.body_image:
            body += f'<p><img src="{item.body_image}" alt="صورة من مكان الحادث"></p>'
        body += "<p>وأكد شهود عيان أن الطريق أعيد فتحها بعد ساعتين.</p>"
        parts.append(
            f"<item><guid>{item.guid}</guid><title>{xml_text(item.title)}</title>"
            f"<link>https://example.ma/{item.guid}</link><pubDate>{published}</pubDate>"
            f"<category>{item.section}</category>"
            f"<description>{xml_text(item.title)}</description>"
            f"<content:encoded>{xml_text(body)}</content:encoded>"
            f'<enclosure url="{item.lead}" type="image/jpeg" length="1"/></item>'
        )
    return RSS.format(items="".join(parts)).encode("utf-8")


@dataclass(frozen=True)
class Site:
    article: Article  # its lead is the reported picture
    twin: Article  # another outlet's article, the same Image as lead
    inline: Article  # another lead, the reported picture in its body
    beside: Article  # an unrelated picture, which must stay shown
    image: Image  # the reported picture
    other: Image
    market: Image

    def refresh(self) -> None:
        for image in (self.image, self.other, self.market):
            image.refresh_from_db()


def build_site(make_outlet: Callable[..., Outlet]) -> Site:
    hespress = make_outlet(name="هسبريس", name_latin="Hespress", slug="hespress-r")
    alayam = make_outlet(name="الأيام 24", name_latin="Alayam 24", slug="alayam-r")
    chaabi = make_outlet(name="الشعبي", name_latin="Chaabi", slug="chaabi-r")
    feeds = {
        hespress: [
            Item("h-1", "حادثة سير خطيرة على الطريق السيار قرب سطات", "مجتمع", SHARED),
            Item("h-2", "أسعار الخضر ترتفع في أسواق الدار البيضاء", "اقتصاد", BESIDE),
        ],
        alayam: [Item("a-1", "شهود يروون تفاصيل حادثة الطريق السيار", "مجتمع", SHARED)],
        chaabi: [
            Item("c-1", "الملعب الكبير يستقبل الجماهير رغم الحادثة", "مجتمع", OTHER, SHARED),
        ],
    }
    for minutes, (outlet, items) in enumerate(feeds.items(), start=1):
        result = ingest_bytes(outlet, feed(items, minutes))
        assert result.new == len(items), (outlet.slug, result)
    for image_id in Image.objects.filter(status=Image.Status.PENDING).values_list("id", flat=True):
        copy_image(image_id, download=bundled)
    images = {image.url: image for image in Image.objects.all()}
    assert set(images) == set(PICTURES), images
    assert all(i.status == Image.Status.STORED for i in images.values()), images
    site = Site(
        article=Article.objects.get(url="https://example.ma/h-1"),
        twin=Article.objects.get(url="https://example.ma/a-1"),
        inline=Article.objects.get(url="https://example.ma/c-1"),
        beside=Article.objects.get(url="https://example.ma/h-2"),
        image=images[SHARED],
        other=images[OTHER],
        market=images[BESIDE],
    )
    # One Image row for the three articles; no other picture is the same one.
    assert set(site.image.articles.values_list("pk", flat=True)) == {
        site.article.pk, site.twin.pk, site.inline.pk,
    }  # fmt: skip
    assert visibility.lookalikes(site.image) == [], "pick demo pictures that differ"
    return site


# ---------------------------------------------------------------------------------------
# Screenshots for a person to look at: test-artifacts/report-*.png
# ---------------------------------------------------------------------------------------


def shot(page: Page, name: str, *, full_page: bool = False) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"report-{name}.png"
    path.unlink(missing_ok=True)
    page.evaluate("() => document.fonts.ready.then(() => true)")
    if full_page:
        settle_for_screenshot(page)
    page.wait_for_timeout(150)
    page.screenshot(path=str(path), full_page=full_page)
    assert path.stat().st_size > 5_000, path
    return path


# ---------------------------------------------------------------------------------------
# The dialog
# ---------------------------------------------------------------------------------------

DIALOG_STATE = """
() => {
  const dialog = document.querySelector("dialog.report-dialog");
  if (!dialog) return null;
  const title = document.getElementById(dialog.getAttribute("aria-labelledby") || "");
  const box = dialog.getBoundingClientRect();
  return {
    open: dialog.open,
    modal: dialog.matches(":modal"),
    focusInside: dialog.contains(document.activeElement),
    focused: document.activeElement ? document.activeElement.outerHTML.slice(0, 160) : "",
    title: title && dialog.contains(title) ? title.textContent.trim() : null,
    box: {left: box.left, right: box.right, top: box.top, bottom: box.bottom},
    viewport: {width: document.documentElement.clientWidth, height: window.innerHeight},
    direction: getComputedStyle(dialog).direction,
  };
}
"""
NAVIGATIONS = "performance.getEntriesByType('navigation').length"


def lead_link(page: Page, image: Image) -> Locator:
    return page.locator(f"#image-{image.pk} a.report-link[data-report-image]")


def the_dialog(page: Page) -> Locator:
    return page.get_by_role("dialog", name=DIALOG_TITLE)


def dialog_state(page: Page) -> dict[str, Any]:
    state: dict[str, Any] = page.evaluate(DIALOG_STATE)
    assert state is not None, "report.js made no dialog"
    return state


def wait_for_form(page: Page) -> Locator:
    dialog = the_dialog(page)
    dialog.locator("form.report-form").wait_for()
    dialog.get_by_role("radio").first.wait_for()
    return dialog


def assert_open_dialog(page: Page) -> None:
    state = dialog_state(page)
    assert state["open"] and state["modal"], state
    assert state["title"] == DIALOG_TITLE, state
    assert state["focusInside"], ("focus is not in the dialog", state)
    assert state["direction"] == "rtl", state
    # The whole dialog is on screen, nothing sideways.
    view = state["viewport"]
    box = state["box"]
    assert box["left"] >= 0 and box["right"] <= view["width"], state
    assert box["top"] >= 0 and box["bottom"] <= view["height"], state
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px"


def assert_closed_and_focus_back(page: Page, link: Locator) -> None:
    page.wait_for_function(
        "() => !document.querySelector('dialog.report-dialog').open", timeout=5_000
    )
    assert link.evaluate("el => el === document.activeElement"), (
        "focus did not come back to the report link",
        page.evaluate("document.activeElement && document.activeElement.outerHTML"),
    )


def radio_focused(page: Page) -> bool:
    return bool(
        page.evaluate(
            "() => document.activeElement && document.activeElement.matches("
            "'dialog.report-dialog input[type=radio]')"
        )
    )


def mark_the_document(page: Page) -> None:
    """A mark that a reload or a navigation would wipe."""
    page.evaluate("window.__stay = 'same document'")


def assert_same_document(page: Page, url: str) -> None:
    assert page.url == url, (page.url, url)
    assert page.evaluate("window.__stay") == "same document", "the page was reloaded"
    assert page.evaluate(NAVIGATIONS) == 1
