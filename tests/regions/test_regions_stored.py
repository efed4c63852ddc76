"""Regions in the database, through the real parts: ingest tags what it stores (a
regional outlet's region too); ``manage.py regions --retag`` tags again but never an
article staff corrected in admin; readers' pages, RSS, the API's field and filter."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from articles.ingest.store import store_entries
from articles.models import Article, Outlet, Region
from tests.support.search import NOW, entry
from tests.support.site import changed, make_article, pager_link, parse, story_ids

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.postgres,
    pytest.mark.usefixtures("sections"),
]


def slugs(article: Article) -> set[str]:
    return set(article.regions.values_list("slug", flat=True))


@pytest.fixture
def stored(make_outlet) -> dict[str, Article]:
    national = make_outlet(slug="national")
    souss = Region.objects.get(slug="souss-massa")
    regional = make_outlet(slug="agadir-news", kind=Outlet.Kind.REGIONAL, region=souss)
    store_entries(national, [
        entry("fire", "حريق مهول بمدينة العيون", summary="اندلع الحريق ليلا"),
        entry("eyes", "أطباء العيون يحذرون", summary="من الشاشات"),
        entry("tanger", "Incendie au port", summary="Le feu a pris à Tanger", language="fr"),
    ], fetched_at=NOW)  # fmt: skip
    local = entry("local", "مهرجان ثقافي", summary="افتتاح الدورة")
    store_entries(regional, [local], fetched_at=NOW)
    return {a.key: a for a in Article.objects.all()}


def test_ingest_tags_what_it_stores(stored: dict[str, Article]) -> None:
    assert slugs(stored["fire"]) == {"laayoune-sakia-el-hamra"}
    assert slugs(stored["eyes"]) == set()
    assert slugs(stored["tanger"]) == {"tanger-tetouan-al-hoceima"}
    assert slugs(stored["local"]) == {"souss-massa"}  # the regional outlet's region


def test_retag_redoes_the_tagger_but_not_staffs_choice(stored: dict[str, Article]) -> None:
    fire, eyes = stored["fire"], stored["eyes"]
    fire.regions.set([Region.objects.get(slug="oriental")])
    Article.objects.filter(pk=fire.pk).update(regions_by_staff=True)
    eyes.regions.set([Region.objects.get(slug="oriental")])  # a wrong tag, not staff's

    call_command("regions", "--retag", "--since", (NOW - timedelta(days=1)).date().isoformat())

    assert slugs(fire) == {"oriental"}
    assert slugs(eyes) == set()


def test_the_command_says_how_to_use_it() -> None:
    with pytest.raises(CommandError, match="--retag"):
        call_command("regions")
    with pytest.raises(CommandError, match="not an ISO date"):
        call_command("regions", "--retag", "--since", "yesterday")


def form_data(form) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """The change form's values as the browser would send them back unchanged."""
    data: dict[str, object] = {}
    for name in form.fields:
        value, widget = form[name].value(), form.fields[name].widget
        if hasattr(widget, "widgets"):  # date and time in two inputs
            for index, part in enumerate(widget.decompress(value)):
                data[f"{name}_{index}"] = part
        elif value is not None:
            data[name] = value
    return data


def test_staff_correct_regions_in_admin_and_the_correction_sticks(
    admin_client: Client, stored: dict[str, Article]
) -> None:
    fire = stored["fire"]
    url = reverse("admin:articles_article_change", args=[fire.pk])
    page = admin_client.get(url)
    assert page.status_code == 200
    form = page.context["adminform"].form
    assert 'type="checkbox" name="regions"' in page.content.decode()
    data = form_data(form)
    data["regions"] = [Region.objects.get(slug="draa-tafilalet").pk]
    for inline in page.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        data |= {management.add_prefix(k): v for k, v in management.initial.items()}
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    fire.refresh_from_db()
    assert fire.regions_by_staff
    assert slugs(fire) == {"draa-tafilalet"}

    call_command("regions", "--retag")

    assert slugs(fire) == {"draa-tafilalet"}


def test_region_pages_list_their_articles_newest_first_with_outlets_and_rss(
    client: Client, stored: dict[str, Article]
) -> None:
    page = client.get("/region/souss-massa/")
    assert story_ids(parse(page)) == [stored["local"].id]
    assert parse(page).xpath("//main//dl[@class='facts']//a/@href") == ["/agadir-news/"]
    assert client.get("/fr/region/souss-massa/").status_code == 200
    rss = client.get("/region/laayoune-sakia-el-hamra/rss/")
    assert rss.status_code == 200 and "حريق مهول" in rss.content.decode()
    assert client.get("/region/atlantis/").status_code == 404
    assert client.get("/region/atlantis/rss/").status_code == 404


def test_region_pages_page_by_keyset(client: Client, make_outlet) -> None:
    outlet = make_outlet(slug="many")
    region = Region.objects.get(slug="oriental")
    for n in range(25):
        when = NOW - timedelta(hours=n)
        article = make_article(outlet, title=f"خبر وجدة {n}", published_at=when)
        article.regions.add(region)
    changed()
    newest = list(Article.objects.order_by("-published_at", "-id").values_list("id", flat=True))
    first = parse(client.get("/region/oriental/"))
    assert story_ids(first) == newest[:20]
    second = parse(client.get(f"/region/oriental/{pager_link(first, 'older')}"))
    assert story_ids(second) == newest[20:]


def test_the_regions_page_lists_the_twelve_and_the_menu_leads_there(
    client: Client, stored: dict[str, Article]
) -> None:
    text = client.get("/regions/").content.decode()
    assert text.count('href="/region/') == 12
    assert 'href="/regions/"' in client.get("/").content.decode()


def test_an_article_page_names_its_regions(client: Client, stored: dict[str, Article]) -> None:
    fire = stored["fire"]
    text = client.get(fire.get_absolute_url()).content.decode()
    assert 'href="/region/laayoune-sakia-el-hamra/"' in text


def test_the_api_gives_regions_and_filters_by_region(
    client: Client, stored: dict[str, Article]
) -> None:
    items = client.get("/api/v1/articles", {"region": "tanger-tetouan-al-hoceima"}).json()
    assert [item["id"] for item in items["items"]] == [stored["tanger"].id]
    assert items["items"][0]["regions"] == ["tanger-tetouan-al-hoceima"]
    assert client.get("/api/v1/articles", {"region": "atlantis"}).status_code == 400
    document = client.get("/api/v1/openapi.json").json()
    parameters = document["paths"]["/api/v1/articles"]["get"]["parameters"]
    assert "region" in {p["name"] for p in parameters}
    assert "regions" in document["components"]["schemas"]["ArticleItem"]["properties"]
