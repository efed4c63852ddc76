"""Reporting an image with JavaScript, in headless Chromium (Debian's, via Playwright)
against the live server: at phone and desktop widths a reader reports an article's lead
image in the dialog (keyboard and pointer), is thanked in place without a reload, and
focus comes back to the link; a form sent without a reason comes back in the dialog; the
small flag on a home page card opens the same dialog; the French edition's dialog is all
French; no console error, no CSP violation; axe-core finds no serious or critical
violation with the dialog open (form, error and thanks). Screenshots go to
test-artifacts/report-*.png."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Browser

from articles.models import ImageReport, Outlet, Visibility
from tests.support.browser import ARTIFACTS, AXE, AXE_RUN, PHONE, goto, open_page, require_tool
from tests.support.report_browser import (
    CANCEL,
    CHOOSE_A_REASON,
    CLOSE,
    DEVICES,
    NOTE,
    NOTE_LABEL,
    REASON_VIOLENT,
    REPORT_LINK,
    SUBMIT,
    THANKS,
    assert_closed_and_focus_back,
    assert_open_dialog,
    assert_same_document,
    build_site,
    dialog_state,
    lead_link,
    mark_the_document,
    radio_focused,
    shot,
    wait_for_form,
)

# Hidden copies go to a fresh folder, never into var/quarantine.
pytestmark = pytest.mark.usefixtures("_quarantine_in_tmp")


# ---------------------------------------------------------------------------------------
# With JavaScript: the dialog, at phone and desktop widths
# ---------------------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("device_name", ["phone", "desktop"])
def test_reader_reports_the_lead_image_in_the_dialog(
    live_server: Any,
    browser: Browser,
    make_outlet: Callable[..., Outlet],
    sections: None,
    device_name: str,
) -> None:
    site = build_site(make_outlet)
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
    live_server: Any, browser: Browser, make_outlet: Callable[..., Outlet], sections: None
) -> None:
    """Sent without a reason, the form comes back in the dialog with its Arabic error;
    the small flag on a home page card opens the same dialog for that card's image."""
    site = build_site(make_outlet)
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
    make_outlet: Callable[..., Outlet],
    sections: None,
    device_name: str,
    scheme: str,
) -> None:
    axe = require_tool(AXE)
    site = build_site(make_outlet)
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
# The French edition
# ---------------------------------------------------------------------------------------


FRENCH_THANKS = (
    "Merci pour votre signalement ! Cette image sera masquée automatiquement "
    "lorsque plusieurs personnes l\u2019auront signalée."
)
ARABIC_LETTERS = re.compile("[\u0600-\u06ff]+")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_french_edition_dialog_is_all_french(
    live_server: Any, browser: Browser, make_outlet: Callable[..., Outlet], sections: None
) -> None:
    site = build_site(make_outlet)
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
