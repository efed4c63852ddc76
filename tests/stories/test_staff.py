"""Staff decisions stick: the grouping and a rebuild never undo them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from django.utils import timezone

from articles.models import Article, Story
from articles.stories import staff
from articles.stories.assign import assign
from articles.stories.rebuild import rebuild
from tests.stories.conftest import labelled

EPOCH = datetime(2000, 1, 1, tzinfo=timezone.get_current_timezone())


def story_of(item_id: str, ids: dict[str, int]) -> int | None:
    return Article.objects.get(id=ids[item_id]).story_id


def test_an_article_taken_out_stays_alone_after_a_rebuild(
    dev_articles: Callable[[], dict[str, int]],
) -> None:
    ids = dev_articles()
    assign(ids.values())
    event = [i["id"] for i in labelled("dev") if i["story"] == "hcp-unemployment-q3-2026-11-03"]
    story_id = story_of(event[0], ids)
    assert story_id is not None and story_of(event[1], ids) == story_id
    staff.take_out(Article.objects.get(id=ids[event[0]]))
    assert story_of(event[0], ids) is None
    assert story_of(event[1], ids) == story_id
    rebuild(EPOCH)
    assert story_of(event[0], ids) is None
    assert story_of(event[1], ids) is not None


def test_merged_stories_stay_merged_after_a_rebuild(
    dev_articles: Callable[[], dict[str, int]],
) -> None:
    ids = dev_articles()
    assign(ids.values())
    a = story_of("d001", ids)  # fuel prices down, 1 November
    b = story_of("d005", ids)  # a seizure at Tanger Med
    assert a and b and a != b
    staff.merge(Story.objects.get(id=a), Story.objects.get(id=b))
    assert not Story.objects.filter(id=b).exists()
    merged = set(Article.objects.filter(story_id=a).values_list("id", flat=True))
    rebuild(EPOCH)
    after = story_of("d001", ids)
    assert after is not None
    assert merged <= set(Article.objects.filter(story_id=after).values_list("id", flat=True))


def test_a_headline_staff_chose_is_the_story_title(
    dev_articles: Callable[[], dict[str, int]],
) -> None:
    ids = dev_articles()
    assign(ids.values())
    story = Story.objects.get(id=story_of("d001", ids))
    staff.rename(story, "  أسعار المحروقات تنخفض  ")
    story.refresh_from_db()
    assert story.title == "أسعار المحروقات تنخفض"
    rebuild(EPOCH)
    assert Story.objects.get(id=story_of("d001", ids)).title == "أسعار المحروقات تنخفض"
