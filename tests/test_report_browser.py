"""Reporting an image (issue 8) as readers and staff get it, end to end, in headless
Chromium (Debian's, via Playwright) against the live server:

- with JavaScript, at phone and desktop widths, a reader reports an article's lead image
  in the dialog (keyboard and pointer), is thanked in place without a reload, and focus
  comes back to the link; no console error, no CSP violation; axe-core finds no serious
  or critical violation with the dialog open (form and thanks);
- without JavaScript, the link leads to the form page, which posts and sends the reader
  back to the article (``reported=`` and ``#messages``) with the thanks;
- readers from distinct networks report the image until the threshold: the other readers
  are real HTTP clients whose sockets are bound to 127.0.N.1 (the browser always comes
  from 127.0.0.1); then the image is a placeholder of the same size on its article, on
  the home page and in the other articles that use it, and its /media/ address is 404;
- staff sign in to the Arabic admin, follow the banner to the review queue, restore the
  image, and it is back everywhere, its /media/ address serving it again;
- screenshots (test-artifacts/report-*.png) for a person to look at, and the Nu Html
  Checker on the form page, the placeholder page and the thanks page.

The data is made here through the real code: feeds stored by ``ingest_bytes``, copies
made by ``copy_image`` from the demo's bundled pictures.
"""

from __future__ import annotations

import http.client
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from email.utils import format_datetime
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from browserlib import (
    ARTIFACTS,
    AXE,
    AXE_RUN,
    DESKTOP,
    PHONE,
    goto,
    open_page,
    require_tool,
    settle_for_screenshot,
    vnu_errors,
    xml_text,
)
from django.utils import timezone
from playwright.sync_api import Browser, Locator, Page

from articles.images.copy import copy_image
from articles.ingest.feeds import ingest_bytes
from articles.ingest.roster import DEMO_DIR
from articles.lib import clients
from articles.models import Article, Image, ImageReport, ModerationEvent, Source, Visibility
from articles.moderation import visibility

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


def build_site(make_source: Callable[..., Source]) -> Site:
    hespress = make_source(name="هسبريس", name_latin="Hespress", slug="hespress-r")
    alayam = make_source(name="الأيام 24", name_latin="Alayam 24", slug="alayam-r")
    chaabi = make_source(name="الشعبي", name_latin="Chaabi", slug="chaabi-r")
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
    for minutes, (source, items) in enumerate(feeds.items(), start=1):
        result = ingest_bytes(source, feed(items, minutes))
        assert result.new == len(items), (source.slug, result)
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


@pytest.fixture(autouse=True)
def _quarantine_in_tmp(settings: Any, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Hidden copies go to a fresh folder, never into var/quarantine."""
    settings.QUARANTINE_ROOT = tmp_path_factory.mktemp("quarantine")


# ---------------------------------------------------------------------------------------
# Browser contexts that record what went wrong from the first request
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


# ---------------------------------------------------------------------------------------
# 1. With JavaScript: the dialog, at phone and desktop widths
# ---------------------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("device_name", ["phone", "desktop"])
def test_reader_reports_the_lead_image_in_the_dialog(
    live_server: Any,
    browser: Browser,
    make_source: Callable[..., Source],
    sections: None,
    device_name: str,
) -> None:
    site = build_site(make_source)
    url = live_server.url + site.article.get_absolute_url()
    with open_page(browser, live_server.url, DEVICES[device_name]) as (page, watch):
        goto(page, url)
        mark_the_document(page)
        link = lead_link(page, site.image)
        assert link.count() == 1 and link.is_visible()
        assert link.inner_text().strip() == REPORT_LINK

        # First round: open, look, leave. Phone: keyboard, then Escape. Desktop: mouse,
        # then the form's own cancel button.
        if device_name == "phone":
            link.focus()
            page.keyboard.press("Enter")
        else:
            link.click()
        dialog = wait_for_form(page)
        assert_open_dialog(page)
        assert radio_focused(page), dialog_state(page)
        reasons = [
            " ".join(t.split()) for t in dialog.locator("label.report-reason").all_inner_texts()
        ]
        assert reasons == [
            "غير لائقة",
            REASON_VIOLENT,
            "لا علاقة لها بالخبر",
            "حقوق النشر",
            "أخرى",
        ]
        if device_name == "phone":
            page.keyboard.press("Escape")
        else:
            dialog.get_by_role("link", name=CANCEL).click()
        assert_closed_and_focus_back(page, link)
        assert_same_document(page, url)

        # Second round: report. Phone: taps and the on-screen keyboard. Desktop: the
        # keyboard alone (Enter, arrows, Tab, typing, Enter), then Escape.
        if device_name == "phone":
            link.tap()
            dialog = wait_for_form(page)
            assert_open_dialog(page)
            dialog.locator("label.report-reason", has_text=REASON_VIOLENT).tap()
            dialog.get_by_label(NOTE_LABEL).tap()
            page.keyboard.type(NOTE)
        else:
            link.focus()
            page.keyboard.press("Enter")
            dialog = wait_for_form(page)
            assert_open_dialog(page)
            assert radio_focused(page)
            page.keyboard.press("ArrowDown")  # the second reason, checked by moving to it
            page.keyboard.press("Tab")
            assert dialog.get_by_label(NOTE_LABEL).evaluate("el => el === document.activeElement")
            page.keyboard.type(NOTE)
        assert dialog.get_by_role("radio", name=REASON_VIOLENT).is_checked()
        assert dialog.get_by_label(NOTE_LABEL).input_value() == NOTE
        shot(page, f"dialog-{device_name}")
        if device_name == "phone":
            dialog.get_by_role("button", name=SUBMIT).tap()
        else:
            page.keyboard.press("Tab")
            assert dialog.get_by_role("button", name=SUBMIT).evaluate(
                "el => el === document.activeElement"
            )
            page.keyboard.press("Enter")

        thanks = dialog.locator(".report-thanks")
        thanks.wait_for()
        assert thanks.inner_text().strip() == THANKS
        assert thanks.get_attribute("role") == "status"
        assert dialog.get_by_role("status").inner_text().strip() == THANKS
        assert_open_dialog(page)
        close = dialog.get_by_role("button", name=CLOSE)
        assert close.evaluate("el => el === document.activeElement"), "focus is not on close"
        assert_same_document(page, url)
        # Counts and the threshold are never shown to readers.
        assert not re.search(r"[0-9٠-٩]", dialog.inner_text()), dialog.inner_text()
        shot(page, f"thanks-{device_name}")
        if device_name == "phone":
            close.tap()
        else:
            page.keyboard.press("Escape")
        assert_closed_and_focus_back(page, link)
        assert_same_document(page, url)
        # The report link still works after a report (a second one changes nothing).
        assert page.locator("body > dialog.report-dialog").count() == 1
        watch.assert_clean(page)

    report = ImageReport.objects.get(image=site.image)
    assert (report.reason, report.note) == ("violent", NOTE)
    site.refresh()
    assert site.image.report_count == 1 and site.image.visibility == Visibility.SHOWN


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_dialog_says_what_is_missing_and_reports_from_a_card(
    live_server: Any, browser: Browser, make_source: Callable[..., Source], sections: None
) -> None:
    """Sent without a reason, the form comes back in the dialog with its Arabic error;
    the small flag on a home page card opens the same dialog for that card's image."""
    site = build_site(make_source)
    with open_page(browser, live_server.url) as (page, watch):
        goto(page, "/")
        mark_the_document(page)
        card = page.locator(".leads .story").filter(
            has=page.locator(f".story-title a[href='{site.article.get_absolute_url()}']")
        )
        flag = card.locator("a.report-image[data-report-image]")
        assert flag.count() == 1 and flag.is_visible()
        assert page.get_by_role("link", name=REPORT_LINK).first.is_visible()
        box = flag.bounding_box()
        assert box and box["width"] >= 24 and box["height"] >= 24, ("a small target", box)
        flag.tap()
        dialog = wait_for_form(page)
        assert_open_dialog(page)
        assert f"/images/{site.image.pk}/" in (flag.get_attribute("href") or "")
        dialog.get_by_role("button", name=SUBMIT).tap()
        error = dialog.get_by_text(CHOOSE_A_REASON)
        error.wait_for()
        assert dialog.get_by_role("alert").count() >= 1
        assert_open_dialog(page)
        assert radio_focused(page), "focus did not go to the reason that needs fixing"
        dialog.locator("label.report-reason", has_text="حقوق النشر").tap()
        dialog.get_by_role("button", name=SUBMIT).tap()
        dialog.locator(".report-thanks").wait_for()
        assert dialog.locator(".report-thanks").inner_text().strip() == THANKS
        page.keyboard.press("Escape")
        assert_closed_and_focus_back(page, flag)
        assert_same_document(page, live_server.url + "/")
        # The 400 of the refused form is logged by the browser; nothing else is.
        watch.console_errors[:] = [m for m in watch.console_errors if "400" not in m]
        watch.assert_clean(page)
    assert list(ImageReport.objects.values_list("image", "reason")) == [
        (site.image.pk, "copyright")
    ]


# ---------------------------------------------------------------------------------------
# axe-core with the dialog open
# ---------------------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("device_name", "scheme"), [("phone", "light"), ("desktop", "light"), ("phone", "dark")]
)
def test_axe_finds_no_serious_violation_with_the_dialog_open(
    live_server: Any,
    browser: Browser,
    make_source: Callable[..., Source],
    sections: None,
    device_name: str,
    scheme: str,
) -> None:
    axe = require_tool(AXE)
    site = build_site(make_source)
    failures: dict[str, Any] = {}
    minor: dict[str, Any] = {}
    # The page's CSP would refuse axe's injected script; this context ignores it.
    options = {"bypass_csp": True, "color_scheme": scheme}
    with open_page(browser, live_server.url, DEVICES[device_name], **options) as (page, _w):
        goto(page, site.article.get_absolute_url())
        page.add_script_tag(path=str(axe))
        lead_link(page, site.image).click()
        dialog = wait_for_form(page)
        states = {"form": None, "error": None, "thanks": None}
        for state in states:
            if state == "error":
                dialog.get_by_role("button", name=SUBMIT).click()
                dialog.get_by_text(CHOOSE_A_REASON).wait_for()
            if state == "thanks":
                dialog.locator("label.report-reason", has_text=REASON_VIOLENT).click()
                dialog.get_by_role("button", name=SUBMIT).click()
                dialog.locator(".report-thanks").wait_for()
            if scheme == "dark":
                shot(page, f"{state}-{device_name}-dark")
            violations = page.evaluate(AXE_RUN)
            serious = [v for v in violations if v["impact"] in ("serious", "critical")]
            if serious:
                failures[state] = serious
            if len(serious) < len(violations):
                minor[state] = [v for v in violations if v not in serious]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    name = f"report-axe-{device_name}-{scheme}.json"
    report = {"serious": failures, "other": minor}
    (ARTIFACTS / name).write_text(json.dumps(report, ensure_ascii=False, indent=1))
    if minor:
        print("axe, moderate and minor:", json.dumps(minor, ensure_ascii=False, indent=1))
    assert not failures, json.dumps(failures, ensure_ascii=False, indent=1)


# ---------------------------------------------------------------------------------------
# 2. Without JavaScript: the form page, and back to the article with the thanks
# ---------------------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("device_name", ["phone", "desktop"])
def test_reader_without_javascript_reports_through_the_form_page(
    live_server: Any,
    browser: Browser,
    make_source: Callable[..., Source],
    sections: None,
    device_name: str,
) -> None:
    site = build_site(make_source)
    article_path = site.article.get_absolute_url()
    device = DEVICES[device_name]
    with open_page(browser, live_server.url, device, java_script_enabled=False) as (page, watch):
        goto(page, article_path)
        link = lead_link(page, site.image)
        if device_name == "phone":
            link.tap()
        else:
            link.click()
        page.wait_for_url(re.compile(rf"/images/{site.image.pk}/\?"))
        assert parse_qs(urlsplit(page.url).query) == {"next": [article_path]}
        assert page.locator("h1").inner_text().strip() == DIALOG_TITLE
        preview = page.locator(".report-preview img")
        assert preview.get_attribute("src") == site.image.thumbnail.url
        assert page.locator("dialog").count() == 0
        # Sent without a reason: 400, the form again with its Arabic error.
        with page.expect_navigation() as sent:
            page.get_by_role("button", name=SUBMIT).click()
        assert sent.value is not None and sent.value.status == 400
        assert page.get_by_text(CHOOSE_A_REASON).is_visible()
        assert page.locator(".form-errors[role=alert]").is_visible()
        assert urlsplit(page.url).path == f"/images/{site.image.pk}/report/"

        page.get_by_role("radio", name=REASON_VIOLENT).check()
        page.get_by_label(NOTE_LABEL).fill(NOTE)
        if device_name == "phone":
            shot(page, "form-nojs-phone", full_page=True)
        with page.expect_navigation():
            page.get_by_role("button", name=SUBMIT).click()
        page.wait_for_load_state("load")
        parts = urlsplit(page.url)
        assert parts.path == article_path
        assert parse_qs(parts.query) == {"reported": [str(site.image.pk)]}
        assert parts.fragment == "messages"
        message = page.locator(".messages[role=status] .message")
        assert message.count() == 1 and message.inner_text().strip() == THANKS
        assert message.is_visible()
        # Scrolled back to the image the reader reported.
        figure = page.locator(f"#image-{site.image.pk}")
        assert figure.evaluate(
            "el => { const b = el.getBoundingClientRect(); "
            "return b.top < innerHeight && b.bottom > 0; }"
        )
        shot(page, f"thanks-nojs-{device_name}")
        # The thanks is shown once: the article itself, again, has none.
        goto(page, article_path)
        assert page.locator(".messages").count() == 0
        assert watch.page_errors == [] and watch.dialogs == []
        others = [m for m in watch.console_errors if "400" not in m]
        assert others == [], others
    report = ImageReport.objects.get(image=site.image)
    assert (report.reason, report.note) == ("violent", NOTE)


IN_VIEW = (
    "el => { const b = el.getBoundingClientRect(); return b.bottom > 0 && b.top < innerHeight; }"
)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("device_name", ["phone", "desktop"])
def test_without_javascript_the_thanks_is_on_screen(
    live_server: Any,
    browser: Browser,
    make_source: Callable[..., Source],
    sections: None,
    device_name: str,
) -> None:
    site = build_site(make_source)
    back = urlencode({"next": site.article.get_absolute_url()})
    device = DEVICES[device_name]
    with open_page(browser, live_server.url, device, java_script_enabled=False) as (page, _w):
        goto(page, f"/images/{site.image.pk}/?{back}")
        page.get_by_role("radio", name=REASON_VIOLENT).check()
        with page.expect_navigation():
            page.get_by_role("button", name=SUBMIT).click()
        page.wait_for_load_state("load")
        assert urlsplit(page.url).fragment == "messages"
        message = page.locator(".messages .message")
        assert message.inner_text().strip() == THANKS
        assert message.evaluate(IN_VIEW), "the thanks is off screen"


FRENCH_THANKS = (
    "Merci pour votre signalement ! Cette image sera masquée automatiquement "
    "lorsque plusieurs personnes l\u2019auront signalée."
)
ARABIC_LETTERS = re.compile("[\u0600-\u06ff]+")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_french_edition_dialog_is_all_french(
    live_server: Any, browser: Browser, make_source: Callable[..., Source], sections: None
) -> None:
    site = build_site(make_source)
    url = live_server.url + "/fr" + site.article.get_absolute_url()
    with open_page(browser, live_server.url, PHONE, locale="fr-MA") as (page, watch):
        goto(page, url)
        mark_the_document(page)
        link = page.locator(f"#image-{site.image.pk} a.report-link")
        assert link.inner_text().strip() == "Signaler l\u2019image"
        assert (link.get_attribute("href") or "").startswith(f"/fr/images/{site.image.pk}/")
        link.tap()
        dialog = page.get_by_role("dialog", name="Signaler une image")
        dialog.locator("form.report-form").wait_for()
        assert dialog.evaluate("d => getComputedStyle(d).direction") == "ltr"
        text = dialog.inner_text()
        assert ARABIC_LETTERS.findall(text) == [], text
        dialog.locator("label.report-reason", has_text="Violente ou choquante").tap()
        dialog.get_by_role("button", name="Envoyer le signalement").tap()
        thanks = dialog.locator(".report-thanks")
        thanks.wait_for()
        assert " ".join(thanks.inner_text().split()) == FRENCH_THANKS
        page.keyboard.press("Escape")
        assert_closed_and_focus_back(page, link)
        assert_same_document(page, url)
        watch.assert_clean(page)
    assert ImageReport.objects.get(image=site.image).reason == "violent"


# ---------------------------------------------------------------------------------------
# 3. The threshold, from distinct networks
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
    make_source: Callable[..., Source],
    sections: None,
    settings: Any,
) -> None:
    assert settings.IMAGE_REPORT_THRESHOLD == 3
    site = build_site(make_source)
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
        lead_sources = set(leads.evaluate_all("imgs => imgs.map((i) => i.getAttribute('src'))"))
        assert {site.market.thumbnail.url, site.other.copy.url} <= lead_sources, lead_sources
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
    live_server: Any, browser: Browser, make_source: Callable[..., Source], sections: None
) -> None:
    """The placeholder takes the place of the picture at the size it was drawn, on the
    article page (lead, and in a body), at phone and desktop widths."""
    site = build_site(make_source)
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
# 4. Staff restore it from the review queue
# ---------------------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_staff_restore_the_image_from_the_review_queue(
    live_server: Any,
    browser: Browser,
    make_source: Callable[..., Source],
    sections: None,
    django_user_model: Any,
) -> None:
    site = build_site(make_source)
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
        assert page.get_by_text("أعيدت 1 صورة.").is_visible()
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


# ---------------------------------------------------------------------------------------
# 5. HTML validity (the Nu Html Checker), no browser needed
# ---------------------------------------------------------------------------------------


@pytest.mark.java
@pytest.mark.django_db
def test_report_pages_are_valid_html(
    client: Any, tmp_path: Path, make_source: Callable[..., Source], sections: None
) -> None:
    site = build_site(make_source)
    article = site.article.get_absolute_url()
    pages: dict[str, bytes] = {}
    form = client.get(f"/images/{site.image.pk}/", {"next": article})
    assert form.status_code == 200
    pages["form"] = form.content
    dialog_form = client.get(
        f"/images/{site.image.pk}/",
        {"next": article},
        headers={"X-Requested-With": "report-dialog"},
    )
    assert dialog_form.status_code == 200 and b"<html" not in dialog_form.content
    refused = client.post(f"/images/{site.image.pk}/report/", {"next": article, "note": ""})
    assert refused.status_code == 400
    pages["form-refused"] = refused.content
    thanked = client.post(
        f"/images/{site.image.pk}/report/", {"reason": "violent", "next": article}, follow=True
    )
    assert thanked.status_code == 200 and THANKS in thanked.content.decode()
    pages["article-thanks"] = thanked.content
    for address in ("10.0.2.1", "10.0.3.1"):
        client.cookies.clear()
        response = client.post(
            f"/images/{site.image.pk}/report/",
            {"reason": "violent", "next": article},
            REMOTE_ADDR=address,
        )
        assert response.status_code == 302
    site.refresh()
    assert site.image.is_hidden
    for name, url in (
        ("article-placeholder", article),
        ("twin-placeholder", site.twin.get_absolute_url()),
        ("inline-placeholder", site.inline.get_absolute_url()),
        ("home-placeholder", "/"),
        ("form-hidden-image", f"/images/{site.image.pk}/?next={article}"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert HIDDEN_LABEL in response.content.decode(), url
        pages[name] = response.content
    files = []
    for name, content in pages.items():
        path = tmp_path / f"{name}.html"
        path.write_bytes(content)
        files.append(path)
    errors = vnu_errors(files)
    assert not errors, "\n".join(errors)
