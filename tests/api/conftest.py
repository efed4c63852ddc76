"""Fixtures of the API tests: the two outlets most tests read articles from."""

from __future__ import annotations

import pytest

from articles.models import Outlet
from tests.support.site import NOW


@pytest.fixture
def outlets(make_outlet, sections) -> tuple[Outlet, Outlet]:
    """Hespress (Arabic, fetched at NOW) and Le360 (French, never fetched)."""
    hespress = make_outlet(name="هسبريس", name_latin="Hespress", slug="hespress",
                           site_url="https://www.hespress.com", last_success_at=NOW)  # fmt: skip
    le360 = make_outlet(name="لو360", name_latin="Le360", slug="le360", language="fr",
                        site_url="https://fr.le360.ma")  # fmt: skip
    return hespress, le360
