"""Browser contexts for the reading-site tests in headless Chromium (tests/browser/
test_hostile_feeds.py and test_site_pages.py): a context that records, from the first
request, every console message, page error, dialog and request to another host, and
the test tools' paths. (tests/support/browser.py has the stricter contexts of the search,
report and full-text pages: console errors and warnings only, and an assert_clean.)

axe-core and vnu.jar come from npm into tests/tools/node_modules (`make install`).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page

TESTS = Path(__file__).resolve().parents[1]
ROOT = TESTS.parent
NODE_MODULES = TESTS / "tools" / "node_modules"
AXE = NODE_MODULES / "axe-core" / "axe.min.js"
VNU = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


# Before any page script: record dialogs instead of opening them, and CSP violations.
INIT_SCRIPT = """
window.__dialogs = [];
for (const name of ["alert", "confirm", "prompt", "print"]) {
  window[name] = (...args) => { window.__dialogs.push([name, String(args[0])]); };
}
window.__csp = [];
document.addEventListener("securitypolicyviolation", (event) => {
  const target = event.target instanceof Element ? event.target.outerHTML.slice(0, 300) : "";
  window.__csp.push({
    directive: event.violatedDirective, blocked: event.blockedURI, source: event.sourceFile,
    line: event.lineNumber, column: event.columnNumber, sample: event.sample, element: target,
  });
}, true);
"""


@dataclass
class Watch:
    """What pages in one browser context did that they should not have."""

    origin: str
    console: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    foreign_requests: list[str] = field(default_factory=list)

    def attach(self, context: BrowserContext) -> None:
        context.on("console", lambda m: self.console.append(f"{m.type}: {m.text} @ {m.location}"))
        context.on("weberror", lambda e: self.errors.append(str(e.error)))
        context.on("dialog", self._dialog)
        context.on("request", self._request)

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def _request(self, request: Any) -> None:
        if not request.url.startswith(self.origin + "/"):
            self.foreign_requests.append(request.url)

    def clear(self) -> None:
        for log in (self.console, self.errors, self.dialogs, self.foreign_requests):
            log.clear()


@contextmanager
def open_page(browser: Browser, origin: str, **options: Any) -> Iterator[tuple[Page, Watch]]:
    options.setdefault("viewport", PHONE)
    options.setdefault("locale", "ar-MA")
    context = browser.new_context(base_url=origin, **options)
    context.add_init_script(INIT_SCRIPT)
    watch = Watch(origin)
    watch.attach(context)
    try:
        yield context.new_page(), watch
    finally:
        context.close()


def require_tool(path: Path) -> Path:
    if not path.is_file():
        pytest.fail(
            f"{path.relative_to(ROOT)} is missing: `make install` installs the test tools "
            "(npm ci --ignore-scripts --prefix tests/tools)"
        )
    return path


# Feeds for ingest_bytes.

RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
 xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:media="http://search.yahoo.com/mrss/">
<channel><title>x</title><link>https://example.ma/</link><description>x</description>
{items}
</channel></rss>
"""


XML_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;",
               "\r": "&#13;", "\t": "&#9;", "\n": "&#10;"}  # fmt: skip


def xml_text(value: str) -> str:
    """``value`` as XML character data (or attribute value) that parses back to itself."""
    return "".join(XML_ESCAPES.get(char, char) for char in value)


def audit_pages(
    browser: Browser,
    origin: str,
    pages: dict[str, str],
    shots: Path,
    html_dir: Path,
    check: Callable[[Page, str], None] = lambda page, url: None,
) -> None:
    """Every page of ``pages`` (name -> path) at phone and desktop widths, light and
    dark: ``check`` it, keep a full-page screenshot in ``shots`` for a person to look
    at, and fail on any axe-core violation or console error; then on any Nu Html
    Checker error in its HTML (when Java is there)."""
    from django.test import Client

    from tests.support.browser import AXE_RUN, settle_for_screenshot, vnu_errors

    axe = require_tool(AXE)
    shots.mkdir(exist_ok=True)
    failures: dict[str, Any] = {}
    for width, viewport in ((390, PHONE), (1280, DESKTOP)):
        for scheme in ("light", "dark"):
            options = {"viewport": viewport, "bypass_csp": True, "color_scheme": scheme}
            with open_page(browser, origin, **options) as (page, watch):
                for name, url in pages.items():
                    response = page.goto(url)
                    assert response is not None and response.status == 200, url
                    check(page, url)
                    settle_for_screenshot(page, pause_ms=200)
                    shot = shots / f"{name}-{width}-{scheme}.png"
                    page.screenshot(path=str(shot), full_page=True)
                    page.add_script_tag(path=str(axe))
                    if violations := page.evaluate(AXE_RUN):
                        failures[f"{url} {width} {scheme}"] = violations
                assert [m for m in watch.console if m.startswith("error")] == []
    assert not failures, json.dumps(failures, ensure_ascii=False, indent=1)
    if shutil.which("java"):
        client, files = Client(), []
        for name, url in pages.items():
            path = html_dir / f"{name}.html"
            path.write_bytes(client.get(url).content)
            files.append(path)
        assert vnu_errors(files) == []
