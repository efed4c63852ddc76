"""The outlets' own "جهات" section is read on the region pages: the header's entry, the
old section address and the sitemap all lead to /regions/, so there is one place for a
region's news and not two that disagree."""

from __future__ import annotations

import pytest

from articles.models import Section

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.postgres,
    pytest.mark.usefixtures("sections"),
]


@pytest.mark.parametrize("prefix", ["", "/fr"])
def test_the_old_regions_section_moved_to_the_region_pages(client, prefix) -> None:
    response = client.get(f"{prefix}/section/regions/")

    assert response.status_code == 301
    assert response["Location"] == f"{prefix}/regions/"
    assert client.get(f"{prefix}/section/economy/").status_code == 200  # others stay


def test_the_header_entry_of_the_regions_section_opens_the_region_list(client) -> None:
    assert Section.objects.get(slug="regions").get_absolute_url() == "/regions/"
    html = client.get("/").content.decode()
    assert 'href="/regions/"' in html and 'href="/section/regions/"' not in html


def test_the_sitemap_lists_the_region_list_once_and_not_the_old_section(client) -> None:
    xml = client.get("/sitemap-regions.xml").content.decode()
    sections = client.get("/sitemap-sections.xml").content.decode()

    assert xml.count("/regions/</loc>") == 1
    assert "/section/regions/" not in sections and "/regions/" not in sections
    assert "/section/economy/" in sections
