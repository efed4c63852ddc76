"""Helpers for the headless-Chromium tests of the search and report pages: browser
contexts that record every console error or warning, page error, dialog and CSP
violation from the first request, and the test tools' paths."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
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
ARTIFACTS = ROOT / "test-artifacts"
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2,
         "is_mobile": True, "has_touch": True}  # fmt: skip
DESKTOP = {"viewport": {"width": 1280, "height": 900}}

# Before any page script: record dialogs instead of opening them, and CSP violations.
INIT_SCRIPT = """
window.__dialogs = [];
for (const name of ["alert", "confirm", "prompt", "print"]) {
  window[name] = (...args) => { window.__dialogs.push([name, String(args[0])]); };
}
window.__csp = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__csp.push({directive: event.violatedDirective, blocked: event.blockedURI,
                     source: event.sourceFile, line: event.lineNumber});
}, true);
"""


@dataclass
class Watch:
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def attach(self, context: BrowserContext) -> None:
        context.on("console", self._console)
        context.on("weberror", lambda e: self.page_errors.append(str(e.error)))
        context.on("dialog", self._dialog)

    def watch_page(self, page: Page) -> None:
        page.on("pageerror", lambda error: self.page_errors.append(str(error)))

    def _console(self, message: Any) -> None:
        if message.type in ("error", "warning") or "Content Security Policy" in message.text:
            self.console_errors.append(f"{message.type}: {message.text} @ {message.location}")

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def assert_clean(self, page: Page) -> None:
        assert self.console_errors == [], self.console_errors
        assert self.page_errors == [], self.page_errors
        assert self.dialogs == [], self.dialogs
        assert page.evaluate("window.__dialogs") == [], "a dialog was called"
        assert page.evaluate("window.__csp") == [], page.evaluate("window.__csp")


@contextmanager
def open_page(
    browser: Browser, origin: str, device: dict[str, Any] = PHONE, **options: Any
) -> Iterator[tuple[Page, Watch]]:
    options.setdefault("locale", "ar-MA")
    context = browser.new_context(base_url=origin, **device, **options)
    context.add_init_script(INIT_SCRIPT)
    watch = Watch()
    watch.attach(context)
    try:
        page = context.new_page()
        watch.watch_page(page)
        yield page, watch
    finally:
        context.close()


def goto(page: Page, url: str, status: int = 200) -> None:
    response = page.goto(url, wait_until="load")
    assert response is not None and response.status == status, (url, response and response.status)


def require_tool(path: Path) -> Path:
    if not path.is_file():
        pytest.fail(
            f"{path.relative_to(ROOT)} is missing: `make install` installs the test tools "
            "(npm ci --ignore-scripts --prefix tests/tools)"
        )
    return path


def settle_for_screenshot(page: Page, pause_ms: int = 0) -> None:
    """Lay out every block (content-visibility: auto skips those off screen, and a
    full-page capture would show them blank), load every image, lazy ones too, and the
    fonts. Through the CSSOM, which the CSP allows, not an injected style sheet."""
    page.evaluate(
        """() => document.querySelectorAll("*").forEach((el) => {
            if (getComputedStyle(el).contentVisibility === "auto") {
              el.style.contentVisibility = "visible";
            }
        })"""
    )
    page.evaluate(
        "document.querySelectorAll('img[loading=lazy]').forEach(i => i.loading = 'eager')"
    )
    page.evaluate(
        """() => Promise.all([...document.images].map((img) => img.complete ? null
            : new Promise((done) => { img.onload = img.onerror = done; })))"""
    )
    page.evaluate("() => document.fonts.ready.then(() => true)")
    if pause_ms:
        page.wait_for_timeout(pause_ms)


def vnu_errors(files: list[Path]) -> list[str]:
    """The Nu Html Checker's errors in ``files``, one line each."""
    checked = subprocess.run(
        ["java", "-jar", str(require_tool(VNU)), "--format", "json", "--stdout",
         *map(str, files)],
        capture_output=True,
        text=True,
        timeout=240,
    )  # fmt: skip
    messages = json.loads(checked.stdout)["messages"]
    return [
        f"{m.get('url', '').rsplit('/', 1)[-1]}:{m.get('lastLine')}: {m['message']}"
        f"  [{m.get('extract', '').strip()[:120]}]"
        for m in messages
        if m["type"] in ("error", "non-document-error")
    ]


def xml_text(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# axe-core's violations, trimmed to what a failure message needs.
AXE_RUN = """
async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 6).map((n) => ({
      target: n.target.join(" "), html: n.html.slice(0, 160), why: n.failureSummary,
    })),
  }));
}
"""
