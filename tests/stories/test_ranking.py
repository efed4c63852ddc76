"""Which stories the reading site puts first (articles.stories.ranking): the leads by
outlets and recency within 48 hours, the trending stories by the outlets they gained in
the last three hours, in a fixed number of queries; what staff hid never counts."""

from __future__ import annotations

from datetime import timedelta

import pytest

from articles.models import Article
from articles.stories.ranking import lead_stories, one_per_outlet, score, trending
from articles.stories.summary import refresh
from tests.support.site import NOW, make_article
from tests.support.story_rows import make_story, reported

pytestmark = pytest.mark.django_db


@pytest.fixture
def outlets(make_outlet):
    return [make_outlet() for _ in range(6)]


def test_the_score_halves_every_twelve_hours() -> None:
    assert score(4, NOW, NOW) == 4
    assert score(4, NOW - timedelta(hours=12), NOW) == pytest.approx(2)
    assert score(12, NOW - timedelta(hours=24), NOW) > score(2, NOW, NOW)
    assert score(3, NOW - timedelta(hours=7.1), NOW) < score(2, NOW, NOW)


def test_leads_rank_outlets_and_recency_within_two_days(outlets) -> None:
    many = make_story(*reported(outlets[:6], "six", newest=NOW - timedelta(hours=20)))
    fresh = make_story(*reported(outlets[:2], "two", newest=NOW - timedelta(minutes=5)))
    three = make_story(*reported(outlets[:3], "three", newest=NOW - timedelta(hours=9)))
    make_story(*reported(outlets, "old", newest=NOW - timedelta(hours=49)))
    make_story(*reported(outlets[:2], "future", newest=NOW + timedelta(hours=1)))

    ranked = lead_stories(NOW, 10)

    # 6 * 0.5 ** (20 / 12) = 1.89; 2 * 0.5 ** (5 / 720) = 1.99; 3 * 0.5 ** 0.75 = 1.78.
    assert [r.story.id for r in ranked] == [fresh.id, many.id, three.id]
    assert [len(r.reports) for r in ranked] == [2, 6, 3]
    newest = ranked[1].reports
    assert [a.published_at for a in newest] == sorted(
        (a.published_at for a in newest), reverse=True
    )
    assert lead_stories(NOW, 1)[0].story.id == fresh.id


def test_leads_cost_the_same_queries_for_two_stories_or_ten(
    outlets, django_assert_num_queries
) -> None:
    for i in range(2):
        make_story(*reported(outlets[:3], f"a{i}", newest=NOW - timedelta(hours=i)))
    with django_assert_num_queries(3):
        lead_stories(NOW, 5)
    for i in range(8):
        make_story(*reported(outlets[:4], f"b{i}", newest=NOW - timedelta(hours=i)))
    with django_assert_num_queries(3):
        assert len(lead_stories(NOW, 5)) == 5


def test_a_hidden_report_neither_ranks_nor_shows(outlets) -> None:
    reports = reported(outlets[:3], "x", newest=NOW - timedelta(hours=1))
    story = make_story(*reports)
    Article.objects.filter(id=reports[0].id).update(hidden=True)
    refresh([story.id])

    (ranked,) = lead_stories(NOW, 5)
    assert reports[0].id not in {a.id for a in ranked.reports}
    assert ranked.story.outlet_count == 2
    Article.objects.filter(id=reports[1].id).update(hidden=True)
    refresh([story.id])
    assert lead_stories(NOW, 5) == []  # one outlet left: not a lead


def test_trending_counts_the_outlets_a_story_gained_in_three_hours(outlets) -> None:
    # Four outlets within the hour.
    fast = make_story(*reported(outlets[:4], "fast", newest=NOW - timedelta(minutes=10)))
    # Five outlets over a day, one of them in the last hours.
    slow_reports = reported(outlets[:4], "slow", newest=NOW - timedelta(hours=20))
    slow_reports.append(make_article(outlets[4], published_at=NOW - timedelta(hours=1)))
    slow = make_story(*slow_reports)
    # A new report from an outlet already in the story gains nothing.
    same = reported(outlets[:2], "same", newest=NOW - timedelta(hours=10))
    same.append(make_article(outlets[0], published_at=NOW - timedelta(minutes=30)))
    make_story(*same)

    ranked = trending(NOW, 5)

    assert [(r.story.id, r.gained) for r in ranked] == [(fast.id, 4), (slow.id, 1)]


def test_one_report_per_outlet_newest_first_besides_the_shown_one(outlets) -> None:
    a1 = make_article(outlets[0], published_at=NOW)
    b1 = make_article(outlets[1], published_at=NOW - timedelta(minutes=1))
    a2 = make_article(outlets[0], published_at=NOW - timedelta(minutes=2))
    c1 = make_article(outlets[2], published_at=NOW - timedelta(minutes=3))

    assert one_per_outlet([a1, b1, a2, c1]) == [a1, b1, c1]
    assert one_per_outlet([a1, b1, a2, c1], besides=a2) == [b1, c1]
