"""A story merged into another keeps its address: its page answers a permanent
redirect to the story it joined (links readers shared keep working), whether the
grouping merged it or staff did, through any number of merges; a story that ended
without joining another answers 404."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from articles.models import Article, Story, StoryMove
from articles.stories import staff
from articles.stories.assign import assign
from articles.stories.settle import settle
from tests.support.site import make_article
from tests.support.story_rows import make_story

pytestmark = pytest.mark.postgres


def story_of(article_id: int) -> int | None:
    return Article.objects.get(id=article_id).story_id


def test_a_story_the_grouping_merged_leads_to_the_one_it_joined(
    make_outlet, client: Client
) -> None:
    outlets = [make_outlet(name=f"منبر {n}") for n in range(5)]
    one = make_story(*(make_article(o, title="الخبر الأول") for o in outlets[:2]))
    two = make_story(*(make_article(o, title="الخبر الثاني") for o in outlets[2:4]))
    bridge = make_article(outlets[4], title="خبر يجمعهما")
    first_of = {s.id: Article.objects.filter(story=s).values_list("id", flat=True)[0]
                for s in (one, two)}  # fmt: skip

    # A new report linked to both stories: the grouping makes them one.
    settle([(bridge.id, first_of[one.id], 0.9), (bridge.id, first_of[two.id], 0.8)], [bridge.id])

    kept = Story.objects.get()
    assert kept.id == one.id  # the older story keeps its id
    for prefix in ("", "/fr"):
        response = client.get(f"{prefix}/story/{two.id}/")
        assert response.status_code == 301
        assert response["Location"] == f"{prefix}/story/{one.id}/"
    assert client.get(f"/story/{one.id}/").status_code == 200


def test_staff_merges_lead_on_to_the_last_story_and_end_with_it(
    dev_articles: Callable[[], dict[str, int]], client: Client
) -> None:
    ids = dev_articles()
    assign(ids.values())
    a, b, c = (story_of(ids[item]) for item in ("d001", "d005", "d009"))
    assert a and b and c and len({a, b, c}) == 3

    staff.merge(Story.objects.get(id=b), Story.objects.get(id=a))  # a joins b
    staff.merge(Story.objects.get(id=c), Story.objects.get(id=b))  # then b joins c

    assert client.get(f"/story/{a}/")["Location"] == f"/story/{c}/"  # no chain of hops
    assert client.get(f"/story/{b}/")["Location"] == f"/story/{c}/"
    assert StoryMove.objects.filter(story_id=c).count() == 2

    Article.objects.filter(story_id=c).update(story=None)
    Story.objects.filter(id=c).delete()  # the story they joined ended
    assert client.get(f"/story/{a}/").status_code == 404
    assert not StoryMove.objects.exists()


def test_a_story_that_never_was_is_not_found(db: None, client: Client) -> None:
    assert client.get("/story/999999/").status_code == 404
