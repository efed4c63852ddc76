"""Keyset pages of sections and outlets: every article once, in order, both ways, with
ties across page boundaries and dates before 1970; a cursor jumps to a deep page; a
malformed or out-of-range cursor gives a page, never an error."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from articles.models import Article, Outlet, Section
from articles.site.paging import PAGE_SIZE
from tests.support.site import (
    NOW,
    bulk_articles,
    changed,
    make_article,
    newest_first,
    pager_link,
    parse,
    section,
    story_ids,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sections")]


# --- keyset pages ----------------------------------------------------------------------


def walk(client: Client, path: str, direction: str, start: str = "") -> list[list[int]]:
    """Follow the pager's ``direction`` links from ``path + start``; every page's ids."""
    pages = []
    query = start
    for _ in range(500):
        tree = parse(client.get(path + query))
        pages.append(story_ids(tree))
        query = pager_link(tree, direction) or ""
        if not query:
            return pages
        assert query.startswith("?before=" if direction == "older" else "?after=")
    raise AssertionError("the pager never ended")


def last_page_query(client: Client, path: str) -> str:
    query = ""
    while older := pager_link(parse(client.get(path + query)), "older"):
        query = older
    return query


def tied_articles(outlet: Outlet, count: int, section: Section | None) -> list[Article]:
    """``count`` articles over a few instants, so that ties straddle page boundaries;
    some instants carry microseconds."""
    moments = [NOW, NOW - timedelta(seconds=1, microseconds=500_000), NOW - timedelta(hours=1)]
    return [
        make_article(outlet, section=section, published_at=moments[i % len(moments)])
        for i in range(count)
    ]


@pytest.mark.postgres
@pytest.mark.parametrize("kind", ["section", "outlet"])
def test_keyset_pages_visit_every_article_once_in_order_both_ways(
    make_outlet, client: Client, kind: str
) -> None:
    outlet, elsewhere = make_outlet(slug="paged"), make_outlet()
    articles = tied_articles(outlet, 2 * PAGE_SIZE + 7, section())
    make_article(elsewhere, section=section("politics"))  # in neither list
    changed()
    path = "/section/sports/" if kind == "section" else "/paged/"
    expected = newest_first(articles)

    older = walk(client, path, "older")
    assert [len(page) for page in older] == [PAGE_SIZE, PAGE_SIZE, 7]
    assert [i for page in older for i in page] == expected

    newer = walk(client, path, "newer", start=last_page_query(client, path))
    assert newer == older[::-1]


@pytest.mark.postgres
def test_the_first_page_reached_by_newer_links_has_no_newer_link(
    make_outlet, client: Client
) -> None:
    outlet = make_outlet(slug="paged")
    tied_articles(outlet, PAGE_SIZE + 3, None)
    changed()

    second = parse(client.get("/paged/" + pager_link(parse(client.get("/paged/")), "older")))
    back = parse(client.get("/paged/" + pager_link(second, "newer")))

    assert story_ids(back) == story_ids(parse(client.get("/paged/")))
    assert pager_link(back, "newer") is None
    assert pager_link(back, "older") is not None


@pytest.mark.postgres
def test_a_section_of_a_thousand_articles_is_walked_to_its_last_page(
    make_outlet, client: Client
) -> None:
    outlet = make_outlet(slug="big")
    bulk_articles(outlet, 1000, section=section())
    changed()

    pages = walk(client, "/section/sports/", "older")

    assert len(pages) == 1000 // PAGE_SIZE
    ids = [i for page in pages for i in page]
    assert len(ids) == len(set(ids)) == 1000
    expected = list(
        Article.objects.filter(section=section())
        .order_by("-published_at", "-id")
        .values_list("id", flat=True)
    )
    assert ids == expected


@pytest.mark.postgres
def test_a_cursor_jumps_straight_to_a_deep_page(make_outlet, client: Client) -> None:
    outlet = make_outlet(slug="big")
    bulk_articles(outlet, 1000, section=section())
    changed()
    ordered = list(Article.objects.filter(outlet=outlet).order_by("-published_at", "-id"))
    pivot = ordered[989]
    micros = int(pivot.published_at.timestamp()) * 1_000_000 + pivot.published_at.microsecond

    tree = parse(client.get(f"/big/?before={micros}-{pivot.id}"))

    assert story_ids(tree) == [a.id for a in ordered[990:]]
    assert pager_link(tree, "older") is None
    assert pager_link(tree, "newer") is not None
    assert tree.xpath("//meta[@name='robots' and @content='noindex, follow']")


MALFORMED_CURSORS = [
    "?before=abc", "?before=", "?after=xyz", "?before=12-", "?before=-5", "?after=1.5-3",
    "?before=1e9-3", "?before=%00", "?before=1-2&before=x", "?after=" + "9" * 5000 + "-1",
    "?before=0x10-1", "?after=1734861600000000--1",
]  # fmt: skip
# Well formed but out of any range: any page of the list will do, never an error.
ODD_CURSORS = [
    "?before=99999999999999999-1", "?after=99999999999999999-1", "?after=0-0",
    "?before=1734861600000000-9999999999999999999", "?after=1734861600000000-9999999999999999999",
    "?before=١٧٣٤٨٦١٦٠٠٠٠٠٠٠٠-٣",
]  # fmt: skip


@pytest.mark.postgres
@pytest.mark.parametrize("path", ["/paged/", "/section/sports/"])
@pytest.mark.parametrize("query", MALFORMED_CURSORS)
def test_a_malformed_cursor_gives_the_first_page_not_an_error(
    make_outlet, client: Client, path: str, query: str
) -> None:
    outlet = make_outlet(slug="paged")
    tied_articles(outlet, PAGE_SIZE + 5, section())
    changed()
    first = story_ids(parse(client.get(path)))

    response = client.get(path + query)

    assert response.status_code == 200
    assert story_ids(parse(response)) == first


@pytest.mark.postgres
@pytest.mark.parametrize("path", ["/paged/", "/section/sports/"])
@pytest.mark.parametrize("query", ODD_CURSORS)
def test_an_out_of_range_cursor_is_not_an_error(
    make_outlet, client: Client, path: str, query: str
) -> None:
    outlet = make_outlet(slug="paged")
    tied_articles(outlet, PAGE_SIZE + 5, section())
    changed()

    response = client.get(path + query)

    assert response.status_code == 200
    assert set(story_ids(parse(response))) <= set(outlet.articles.values_list("id", flat=True))


def test_articles_dated_before_1970_page_like_any_other(make_outlet, client: Client) -> None:
    outlet = make_outlet(slug="old-dates")
    dates = [
        datetime(1900, 1, 1, tzinfo=UTC),
        datetime(1969, 12, 31, 23, 59, 59, 500000, tzinfo=UTC),
    ]
    dates += [
        datetime(1969, 12, 31, 23, 59, 59, 500000, tzinfo=UTC) - timedelta(days=d)
        for d in range(1, 45)
    ]
    articles = [make_article(outlet, published_at=moment) for moment in dates]
    changed()

    pages = walk(client, "/old-dates/", "older")

    assert [i for page in pages for i in page] == newest_first(articles)
