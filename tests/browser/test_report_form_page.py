"""Reporting an image without JavaScript, in headless Chromium: the report link leads to
the form page, which posts and sends the reader back to the article (``reported=`` and
``#messages``) with the thanks on screen; and the Nu Html Checker on the form page, the
refused form, the thanks and the placeholder pages (no browser needed)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from playwright.sync_api import Browser

from articles.models import ImageReport, Outlet
from tests.support.browser import goto, open_page, vnu_errors
from tests.support.report_browser import (
    CHOOSE_A_REASON,
    DEVICES,
    DIALOG_TITLE,
    HIDDEN_LABEL,
    NOTE,
    NOTE_LABEL,
    REASON_VIOLENT,
    SUBMIT,
    THANKS,
    build_site,
    lead_link,
    shot,
)

# Hidden copies go to a fresh folder, never into var/quarantine.
pytestmark = pytest.mark.usefixtures("_quarantine_in_tmp")


# ---------------------------------------------------------------------------------------
# Without JavaScript: the form page, and back to the article with the thanks
# ---------------------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("device_name", ["phone", "desktop"])
def test_reader_without_javascript_reports_through_the_form_page(
    live_server: Any,
    browser: Browser,
    make_outlet: Callable[..., Outlet],
    sections: None,
    device_name: str,
) -> None:
    site = build_site(make_outlet)
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
    make_outlet: Callable[..., Outlet],
    sections: None,
    device_name: str,
) -> None:
    site = build_site(make_outlet)
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


# ---------------------------------------------------------------------------------------
# HTML validity (the Nu Html Checker), no browser needed
# ---------------------------------------------------------------------------------------


@pytest.mark.java
@pytest.mark.django_db
def test_report_pages_are_valid_html(
    client: Any, tmp_path: Path, make_outlet: Callable[..., Outlet], sections: None
) -> None:
    site = build_site(make_outlet)
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
