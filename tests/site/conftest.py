"""Fixtures of the reading-site tests."""

from __future__ import annotations

import pytest

from tests.support.site import Site, changed, make_article, section, stored_image


@pytest.fixture
def site(make_outlet) -> Site:
    hespress = make_outlet(name="هسبريس", name_latin="Hespress", slug="hespress",
                           site_url="https://www.hespress.com")  # fmt: skip
    le360 = make_outlet(name="لو360", name_latin="Le360", slug="le360", language="fr")
    article = make_article(hespress, title="المنتخب يفوز", section=section())
    stored_image(article)
    other = make_article(le360, title="Le Maroc gagne", section=section(), language="fr")
    changed()
    return Site(hespress, le360, article, other)
