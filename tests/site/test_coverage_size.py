"""An article's full coverage names each other outlet once, with its newest report, so
the page of an article in a story of hundreds of reports costs what a small story's
does. The soak test (tests/reliability/, docs/reliability.md) found article pages of a
462-report story listing 461 reports: 70 ms of CPU a page, and the site at 20 requests a
second where it was asked 50."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.support.site import make_article, only, parse
from tests.support.story_rows import ago, make_story

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sections")]


@pytest.fixture
def outlets(make_outlet):
    names = [("هسبريس", "hespress"), ("اليوم 24", "alyaoum24"), ("هبة بريس", "hibapress")]
    return [make_outlet(name=name, slug=slug) for name, slug in names]


def story_of(outlets, per_outlet: int):
    """``per_outlet`` reports by each outlet, a minute apart, outlets interleaved."""
    reports = [
        make_article(
            outlet,
            title=f"حريق في سوق ({outlet.slug} {n})",
            published_at=ago(minutes=10 * n + i),
        )
        for n in range(per_outlet)
        for i, outlet in enumerate(outlets)
    ]
    return make_story(*reports), reports


def coverage_links(client: Client, url: str) -> list[str]:
    coverage = only(parse(client.get(url)), "//section[@class='coverage']")
    return coverage.xpath(".//ul[@class='report-list']/li/a/@href")


def test_coverage_lists_each_other_outlets_newest_report_once(outlets, client: Client) -> None:
    _story, reports = story_of(outlets, per_outlet=4)
    mine = next(r for r in reports if r.outlet == outlets[0])

    links = coverage_links(client, mine.get_absolute_url())

    newest = {}
    for report in sorted(reports, key=lambda r: r.published_at):
        newest[report.outlet_id] = report
    expected = sorted(
        (r for outlet_id, r in newest.items() if outlet_id != outlets[0].id),
        key=lambda r: r.published_at,
        reverse=True,
    )
    assert links == [r.get_absolute_url() for r in expected]


def test_a_big_story_costs_an_article_page_what_a_small_one_does(
    outlets, client: Client, settings
) -> None:
    settings.PAGE_CACHE_SECONDS = 0  # every request renders its page
    small, small_reports = story_of(outlets, per_outlet=1)
    big, big_reports = story_of(outlets, per_outlet=40)
    assert big.article_count == 120

    def cost(url: str) -> tuple[int, int]:
        client.get(url)  # warm the page's other caches (navigation, ticker)
        with CaptureQueriesContext(connection) as queries:
            links = coverage_links(client, url)
        return len(links), len(queries)

    small_links, small_queries = cost(small_reports[0].get_absolute_url())
    big_links, big_queries = cost(big_reports[0].get_absolute_url())
    assert small_links == big_links == len(outlets) - 1
    assert big_queries == small_queries
