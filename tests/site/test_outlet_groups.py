"""Issue 18 on the reading site: /outlets/ lists the whole roster grouped by kind, the
regional ones by region (north to south), the active first, with headings in both
editions; with the roster and the demo loaded, every outlet once."""

from __future__ import annotations

import io
import re
from html import unescape

import pytest
from django.core.management import call_command
from django.utils import timezone

from articles.models import Article, Outlet, Region

pytestmark = pytest.mark.usefixtures("sections")
HEADING = re.compile(r"<h([234])[^>]*>(.*?)</h\1>", re.S)


def headings(html: str) -> list[tuple[str, str]]:
    """The headings of the page's main part, as text."""
    main = html.split("<main", 1)[-1].split("</main>", 1)[0]
    return [
        (level, unescape(re.sub(r"<[^>]+>", "", text)).strip())
        for level, text in HEADING.findall(main)
    ]


@pytest.fixture
def outlets(make_outlet) -> None:
    oriental, souss = (Region.objects.get(slug=s) for s in ("oriental", "souss-massa"))
    make_outlet(name="هسبريس", name_latin="Hespress", slug="hespress")
    make_outlet(
        name="وجدة سيتي",
        name_latin="Oujda City",
        slug="oujdacity",
        kind="regional",
        region=oriental,
    )
    make_outlet(
        name="تيزبريس", name_latin="Tizpress", slug="tizpress", kind="regional", region=souss
    )
    make_outlet(name="البطولة", name_latin="Elbotola", slug="elbotola", kind="sports")
    # Paused, nothing to read yet: on the page all the same (the roster is the page).
    make_outlet(name="ماب", name_latin="MAP", slug="mapnews-ar", kind="agency", status="paused")
    paused = make_outlet(
        name="ميديا 24", name_latin="Médias24", slug="medias24", kind="economy", status="paused"
    )
    now = timezone.now()
    Article.objects.create(outlet=paused, key="k1", url="https://medias24.com/1",
                           title="خبر اقتصادي", published_at=now, fetched_at=now,
                           updated_at=now, content_hash="0" * 64)  # fmt: skip


@pytest.mark.django_db
def test_outlets_are_grouped_by_kind_and_region_in_arabic(client, outlets) -> None:
    html = client.get("/outlets/").content.decode()

    assert headings(html) == [
        ("2", "منابر وطنية"), ("3", "هسبريس"),
        ("2", "منابر جهوية"),
        ("3", "جهة الشرق"), ("4", "وجدة سيتي"),
        ("3", "جهة سوس ماسة"), ("4", "تيزبريس"),
        ("2", "اقتصاد وأعمال"), ("3", "ميديا 24"),
        ("2", "رياضة"), ("3", "البطولة"),
        ("2", "وكالات الأنباء"), ("3", "ماب"),
    ]  # fmt: skip
    assert 'href="#kind-regional"' in html and 'id="kind-regional"' in html


@pytest.mark.django_db
def test_outlets_are_grouped_with_french_headings_on_the_french_edition(client, outlets) -> None:
    html = client.get("/fr/outlets/").content.decode()

    assert headings(html) == [
        ("2", "Médias nationaux"), ("3", "Hespress"),
        ("2", "Médias régionaux"),
        ("3", "L'Oriental"), ("4", "Oujda City"),
        ("3", "Souss-Massa"), ("4", "Tizpress"),
        ("2", "Économie et affaires"), ("3", "Médias24"),
        ("2", "Sport"), ("3", "Elbotola"),
        ("2", "Agences de presse"), ("3", "MAP"),
    ]  # fmt: skip


@pytest.mark.django_db
def test_a_regional_outlet_without_a_region_is_listed_last(client, outlets, make_outlet) -> None:
    make_outlet(name="جهوي بلا جهة", slug="nowhere", kind="regional")

    found = headings(client.get("/outlets/").content.decode())

    regional = found[found.index(("2", "منابر جهوية")) : found.index(("2", "اقتصاد وأعمال"))]
    assert regional[-2:] == [("3", "جهة غير محددة"), ("4", "جهوي بلا جهة")]


@pytest.mark.django_db
def test_with_the_roster_and_the_demo_every_outlet_is_on_the_page_active_first(client) -> None:
    call_command("loadoutlets", stdout=io.StringIO())
    call_command("loaddemo", stdout=io.StringIO())
    active = set(Outlet.objects.active().values_list("slug", flat=True))

    main = client.get("/outlets/").content.decode().split("<main", 1)[1].split("</main>")[0]

    names = re.findall(r'class="outlet-name"><a href="/([^/"]+)/"', main)
    assert sorted(names) == sorted(Outlet.objects.values_list("slug", flat=True))
    assert len(names) == Outlet.objects.count() >= 100
    # Within each group (a kind, or a region of the regional kind) the active come first.
    for group in re.split(r"<h[23][ >]", main)[1:]:
        slugs = re.findall(r'class="outlet-name"><a href="/([^/"]+)/"', group)
        flags = [slug in active for slug in slugs]
        assert flags == sorted(flags, reverse=True), slugs
    assert [text for level, text in headings(main) if level == "2"] == [
        "منابر وطنية", "منابر جهوية", "اقتصاد وأعمال", "رياضة", "ثقافة وفكر", "وكالات الأنباء",
        "مواقع رسمية",
    ]  # fmt: skip


@pytest.mark.django_db
@pytest.mark.parametrize("prefix", ["", "/fr"])
def test_a_region_heading_leads_to_its_region_page(client, outlets, prefix) -> None:
    html = client.get(f"{prefix}/outlets/").content.decode()

    heading = re.search(r'<h3 class="outlet-region">(.*?)</h3>', html, re.S)
    assert heading and f'<a href="{prefix}/region/oriental/">' in heading.group(1)
    assert f'href="{prefix}/region/souss-massa/"' in html
