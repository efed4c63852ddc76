"""Fixtures of the tests that drive headless Chromium: one Debian Chromium per module,
and the fresh pages the reading-site modules ask for."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import CHROMIUM

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def _sync_orm_beside_playwright() -> Iterator[None]:
    """Playwright's sync API runs an event loop in this thread; the ORM calls the tests
    make between page actions are still synchronous (Django's documented escape hatch),
    for the browser modules' tests only."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


@pytest.fixture(scope="module")
def browser(_sync_orm_beside_playwright: None) -> Iterator[object]:
    """One headless Debian Chromium per browser test module."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def _fresh_pages(settings: Any) -> Iterator[None]:
    """New rows show at once. A transactional test empties the tables, so the content
    version starts again from 0: pages cached by an earlier test under the same number
    must not be served to this one. And addresses are reversed in Arabic: a test client
    request to /fr/ leaves French active in this thread (as LocaleMiddleware does).

    For the reading-site modules (test_hostile_feeds.py, test_site_pages.py), through
    their ``pytestmark``."""
    from django.core.cache import cache
    from django.utils import translation

    from articles.site.cache import forget_version

    settings.CONTENT_VERSION_RECHECK_SECONDS = 0
    cache.clear()
    forget_version()
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)
    cache.clear()
    forget_version()
