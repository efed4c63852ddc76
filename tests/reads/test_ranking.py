"""The "most read" block: what was read most in the last 24 hours (more readers rank
higher, a story gathers its reports' readers and links to the story page, older reads
count for nothing), on the home page and on article pages, counts never shown."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone, translation

from articles.models import Article, DailyReads, Story
from articles.reads.ranking import most_read
from tests.support.site import changed, make_article, parse

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("reads")]


def reads(article: Article, readers: int, days_ago: int = 0) -> None:
    day = timezone.localdate() - timedelta(days=days_ago)
    DailyReads.objects.create(article=article, day=day, readers=readers, flushed=readers)


def at(hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(timezone.localdate(), time(hour)))


@pytest.fixture
def three(make_outlet: Any) -> list[Article]:
    outlet = make_outlet()
    return [make_article(outlet, title=f"خبر {n}") for n in range(3)]


def titles(now: datetime | None = None) -> list[str]:
    with translation.override("ar"):
        return [entry.title for entry in most_read(5, now)]


def test_more_readers_rank_higher(three: list[Article]) -> None:
    for article, readers in zip(three, (3, 9, 5), strict=True):
        reads(article, readers)
    assert titles() == ["خبر 1", "خبر 2", "خبر 0"]


def test_reads_older_than_24_hours_count_for_nothing(three: list[Article]) -> None:
    reads(three[0], 50, days_ago=2)
    reads(three[1], 1)
    assert titles() == ["خبر 1"]


def test_yesterday_counts_for_its_share_of_the_last_24_hours(three: list[Article]) -> None:
    reads(three[0], 12, days_ago=1)
    reads(three[1], 4)
    # At 06:00 three quarters of yesterday are in the window (9 > 4); at 22:00 one
    # twelfth (1 < 4).
    assert titles(at(6)) == ["خبر 0", "خبر 1"]
    assert titles(at(22)) == ["خبر 1", "خبر 0"]


def test_a_story_gathers_its_reports_readers_and_links_to_its_page(
    three: list[Article], make_outlet: Any
) -> None:
    now = timezone.now()
    story = Story.objects.create(
        headline="قصة الحدث", first_published_at=now, last_published_at=now, outlet_count=2
    )
    other = make_article(make_outlet(), title="تقرير آخر", story=story)
    Article.objects.filter(pk=three[0].pk).update(story=story)
    reads(three[0], 3)
    reads(other, 3)
    reads(three[1], 5)  # alone: fewer than the story's 6
    with translation.override("ar"):
        entries = most_read(5)
    assert [(e.title, e.url) for e in entries] == [
        ("قصة الحدث", f"/story/{story.pk}/"),
        ("خبر 1", three[1].get_absolute_url()),
    ]


def test_a_hidden_article_is_not_ranked(three: list[Article]) -> None:
    reads(three[0], 9)
    reads(three[1], 1)
    Article.objects.filter(pk=three[0].pk).update(hidden=True)
    assert titles() == ["خبر 1"]


@pytest.mark.usefixtures("sections")
def test_the_home_and_article_pages_show_the_block_without_counts(
    client: Client, three: list[Article]
) -> None:
    reads(three[2], 7)
    reads(three[0], 2)
    changed()
    for url in ("/", three[1].get_absolute_url()):
        page = parse(client.get(url))
        block = page.cssselect("section.most-read")
        assert len(block) == 1, url
        assert block[0].cssselect("h2")[0].text_content() == "الأكثر قراءة"
        links = [(a.text_content(), a.get("href")) for a in block[0].cssselect("ol li a")]
        assert links == [
            ("خبر 2", three[2].get_absolute_url()),
            ("خبر 0", three[0].get_absolute_url()),
        ]
        assert "7" not in block[0].text_content()
    french = parse(client.get("/fr/"))
    block = french.cssselect("section.most-read")[0]
    assert block.cssselect("h2")[0].text_content() == "Les plus lus"
    assert block.cssselect("ol li a")[0].get("href").startswith("/fr/")


@pytest.mark.usefixtures("sections")
def test_the_article_page_carries_the_beacon_script(client: Client, three: list[Article]) -> None:
    page = parse(client.get(three[0].get_absolute_url()))
    (script,) = page.cssselect("script[data-count-url]")
    assert script.get("src").endswith("/js/count.js")
    assert script.get("data-count-url") == "/read/"
    assert script.get("data-article") == str(three[0].pk)
    assert not parse(client.get("/")).cssselect("section.most-read")  # nothing read yet
