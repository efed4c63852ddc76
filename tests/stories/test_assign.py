"""Stories kept as articles arrive: in any order, in any batches, they end as a
rebuild groups them; running it again changes nothing; a report can join two stories."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime

from django.utils import timezone

from articles.models import Article, Story, StoryKey, StoryPrint
from articles.moderation.visibility import set_article_hidden
from articles.stories.assign import assign
from articles.stories.rebuild import rebuild
from tests.stories.conftest import labelled, partition, store_items

EPOCH = datetime(2000, 1, 1, tzinfo=timezone.get_current_timezone())


def arrivals(ids: list[int], seed: int) -> list[list[int]]:
    """The ids shuffled and cut into batches of random sizes."""
    order = ids[:]
    random.Random(seed).shuffle(order)
    batches = []
    while order:
        size = random.Random(seed + len(order)).randint(1, 12)
        batches.append(order[:size])
        order = order[size:]
    return batches


def test_any_order_of_arrival_ends_in_the_stories_a_rebuild_makes(
    dev_articles: Callable[[], dict[str, int]],
) -> None:
    ids = sorted(dev_articles().values())
    outcomes = []
    for seed in (1, 2, 3):
        # Forget everything, then group again in another order.
        StoryPrint.objects.all().delete()
        StoryKey.objects.all().delete()
        Article.objects.update(story=None)
        Story.objects.all().delete()
        for batch in arrivals(ids, seed):
            assign(batch)
        outcomes.append(partition(ids))
    rebuild(EPOCH)
    assert outcomes[0] == outcomes[1] == outcomes[2] == partition(ids)
    stories = [g for g in outcomes[0] if len(g) > 1]
    assert len(stories) > 20  # the set has 35 events of 2 to 6 reports


def test_assigning_again_changes_nothing(dev_articles: Callable[[], dict[str, int]]) -> None:
    ids = sorted(dev_articles().values())
    assign(ids)
    before = (partition(ids), list(Story.objects.order_by("id").values()))
    assert assign(ids) == set()
    assert (partition(ids), list(Story.objects.order_by("id").values())) == before


def test_a_report_that_links_two_stories_makes_them_one(db: None) -> None:
    items = [i for i in labelled("dev") if i["story"] == "hcp-unemployment-q3-2026-11-03"]
    assert len(items) >= 5
    ids = store_items(items)
    first = [ids[i["id"]] for i in items[:2]]
    second = [ids[i["id"]] for i in items[3:]]
    bridge = ids[items[2]["id"]]
    assign(first)
    assign(second)
    assign([bridge])
    together = partition(list(ids.values()))
    assert frozenset(ids.values()) in together
    assert Story.objects.count() == 1
    story = Story.objects.get()
    assert story.article_count == len(items)
    assert story.outlet_count == len({i["outlet"] for i in items})
    assert story.first_published_at == min(
        Article.objects.filter(id__in=ids.values()).values_list("published_at", flat=True)
    )


def test_a_hidden_report_leaves_its_story_counts(db: None) -> None:
    items = [i for i in labelled("dev") if i["story"] == "hcp-unemployment-q3-2026-11-03"]
    ids = store_items(items)
    assign(ids.values())
    story = Story.objects.get()
    lead = story.lead
    set_article_hidden(lead, True, None)
    story.refresh_from_db()
    assert story.article_count == len(items) - 1
    assert story.lead_id != lead.id


def test_an_edited_report_is_printed_again_and_follows_its_new_text(db: None) -> None:
    items = [i for i in labelled("dev") if i["story"] == "hcp-unemployment-q3-2026-11-03"]
    ids = store_items(items)
    assign(ids.values())
    story = Story.objects.get()
    edited = Article.objects.get(id=ids[items[0]["id"]])
    # The outlet replaced the item with another event altogether.
    Article.objects.filter(id=edited.id).update(
        title="افتتاح معرض الكتاب بمدينة وجدة بمشاركة 120 دار نشر",
        summary="افتتح صباح اليوم معرض جهوي للكتاب بوجدة يضم أجنحة لدور نشر من عدة دول.",
    )
    before = StoryPrint.objects.get(article=edited).text
    assign([edited.id])
    assert StoryPrint.objects.get(article=edited).text != before
    edited.refresh_from_db()
    assert edited.story_id is None
    assert set(Article.objects.filter(story=story).values_list("id", flat=True)) == (
        set(ids.values()) - {edited.id}
    )
    assert assign([edited.id]) == set()  # and once filed as it stands, nothing moves


def test_an_article_staff_placed_before_its_assignment_stays_placed(db: None) -> None:
    items = [i for i in labelled("dev") if i["story"] == "hcp-unemployment-q3-2026-11-03"]
    ids = store_items(items)
    assign(ids.values())
    story = Story.objects.get()
    other = store_items([{**labelled("dev")[3], "id": "late", "outlet": "latecomer"}])["late"]
    Article.objects.filter(id=other).update(story=story, story_by_staff=True)
    assign([other])
    assert Article.objects.get(id=other).story_id == story.id


def test_a_rebuild_puts_right_what_went_stale(db: None) -> None:
    items = [i for i in labelled("dev") if i["story"] == "hcp-unemployment-q3-2026-11-03"]
    ids = store_items(items)
    assign(ids.values())
    Story.objects.update(outlet_count=0, article_count=0, last_published_at=EPOCH)
    rebuild(EPOCH)
    story = Story.objects.get()
    assert (story.outlet_count, story.article_count) == (len(items), len(items))
    assert story.last_published_at > EPOCH
