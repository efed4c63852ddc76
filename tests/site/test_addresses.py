"""Every reader address in both editions answers as it should (200, 301, 404, 405 to a
POST, HEAD like GET), robots.txt and the favicon, the edition link that stays on the site
and keeps the page, and addresses that match the URL conf."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.templatetags.static import static
from django.test import Client
from django.utils import translation

from tests.support.site import Site, changed, make_article, parse, section

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sections")]


ROOT = Path(__file__).resolve().parents[2]


# --- every address -------------------------------------------------------------------

ADDRESSES = [
    ("", 200),
    ("outlets/", 200),
    ("about/", 200),
    ("search/", 200),
    ("section/sports/", 200),
    ("section/no-such-section/", 404),
    ("{outlet}/", 200),
    ("no-such-outlet/", 404),
    ("{outlet}/{id}/", 200),
    ("{outlet}/999999/", 404),
    ("no-such-outlet/{id}/", 301),
    ("{other}/{id}/", 301),
    ("rss/", 200),
    ("section/sports/rss/", 200),
    ("section/no-such-section/rss/", 404),
    ("{outlet}/rss/", 200),
    ("no-such-outlet/rss/", 404),
    ("no/such/address/", 404),
    ("outlets", 301),  # APPEND_SLASH
    ("{outlet}", 301),
]


@pytest.mark.parametrize("prefix", ["/", "/fr/"], ids=["ar", "fr"])
@pytest.mark.parametrize(("template", "status"), ADDRESSES)
def test_every_reader_address_answers_as_it_should(
    client: Client, site: Site, prefix: str, template: str, status: int
) -> None:
    path = prefix + template.format(outlet="hespress", other="le360", id=site.article.id)

    response = client.get(path)

    assert response.status_code == status, path
    if status == 200 and "rss" not in path:
        tree = parse(response)
        assert tree.get("lang") == ("fr" if prefix == "/fr/" else "ar")


@pytest.mark.parametrize("prefix", ["/", "/fr/"], ids=["ar", "fr"])
@pytest.mark.parametrize("wrong", ["le360", "no-such-outlet", "HESPRESS"])
def test_an_article_under_another_slug_redirects_permanently_to_its_address(
    client: Client, site: Site, prefix: str, wrong: str
) -> None:
    response = client.get(f"{prefix}{wrong}/{site.article.id}/")

    assert response.status_code == 301
    assert response["Location"] == f"{prefix}hespress/{site.article.id}/"


def test_robots_txt_points_at_the_sitemap(client: Client, site: Site) -> None:
    response = client.get("/robots.txt")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert "Sitemap: http://testserver/sitemap.xml" in lines
    assert "Disallow: /admin/" in lines
    assert client.get("/sitemap.xml").status_code == 200


def test_favicon_redirects_to_the_icon_we_ship(client: Client) -> None:
    response = client.get("/favicon.ico")

    assert response.status_code == 301
    assert response["Location"] == static("favicon.ico")
    assert (ROOT / "static" / "favicon.ico").stat().st_size > 0


@pytest.mark.parametrize(
    "template",
    ["", "fr/", "outlets/", "about/", "section/sports/", "hespress/", "hespress/{id}/",
     "fr/hespress/{id}/", "robots.txt"],
)  # fmt: skip
def test_post_to_a_reader_page_is_refused_with_405(
    client: Client, site: Site, template: str
) -> None:
    response = client.post("/" + template.format(id=site.article.id), {"q": "x"})

    assert response.status_code == 405


@pytest.mark.parametrize(
    "path", ["/rss/", "/section/sports/rss/", "/hespress/rss/", "/sitemap.xml"]
)
def test_feeds_and_the_sitemap_refuse_post_like_the_pages(
    client: Client, site: Site, path: str
) -> None:
    response = client.post(path)

    assert response.status_code == 405


def test_head_answers_like_get(client: Client, site: Site) -> None:
    got = client.get("/")
    head = client.head("/")

    assert head.status_code == 200
    assert head["Content-Type"] == got["Content-Type"]


# --- the edition link -----------------------------------------------------------------


@pytest.mark.parametrize("path", ["//evil.example/", "//evil.example/fr/", "/fr//evil.example/"])
def test_the_edition_link_never_leaves_the_site(path: str) -> None:
    from django.test import RequestFactory

    from articles.templatetags.reading import edition_url

    request = RequestFactory().get("/")
    request.path = request.path_info = path  # as a proxy may pass it through
    request.resolver_match = None

    for language in ("ar", "fr"):
        assert edition_url({"request": request}, language) in ("/", "/fr/")


def test_the_edition_link_keeps_the_page_and_its_cursor(make_outlet, client: Client) -> None:
    outlet = make_outlet(slug="edition")
    article = make_article(outlet, section=section())
    changed()

    page = client.get("/fr/section/sports/?before=123-4&utm=x").content.decode()
    assert 'href="/section/sports/?before=123-4"' in page
    page = client.get(article.get_absolute_url()).content.decode()
    assert f'href="/fr/edition/{article.id}/"' in page


# --- the URL conf ---------------------------------------------------------------------


def test_article_and_outlet_addresses_match_the_url_conf_in_both_editions(
    make_outlet,
) -> None:
    from django.urls import reverse

    article = make_article(make_outlet(slug="routes"))
    for language in ("ar", "fr"):
        with translation.override(language):
            assert article.get_absolute_url() == reverse(
                "articles:detail", args=["routes", article.pk]
            )
            assert article.outlet.get_absolute_url() == reverse("articles:outlet", args=["routes"])
