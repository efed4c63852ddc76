"""Stories through the public JSON API: the `story` of every article, the stories list
(latest report first, cursor pages, `outlet` and `since`) and one story with every field
the issue lists; what staff hid never shows, an empty or unknown story is a JSON 404,
answers follow the content version, and a page costs the same queries whatever the
stories' sizes.

Stories are made directly (tests/support/stories.py) where a test is about what the API
shows; one test lets the grouping make them, as ingest does. The tests of the grouping,
search and keyset pages are marked ``postgres``: they run on the embedded default and
again on PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from articles.api.stories import LIST_ARTICLES
from articles.models import Article, Outlet, Story
from articles.moderation import visibility
from articles.search.index import index_articles
from articles.stories import staff
from articles.stories.assign import assign
from articles.stories.summary import refresh
from tests.support.api import ORIGIN, get, ids
from tests.support.site import NOW, changed, make_article, parse, section, stored_image
from tests.support.stories import MATCH, QUAKE, grouped, reports

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sections")]


@pytest.fixture
def four(make_outlet, outlets) -> list[Outlet]:
    """Hespress and Le360 (tests/api/conftest.py) and two more Arabic outlets."""
    return [*outlets, make_outlet(slug="alyaoum24", name="اليوم 24"),
            make_outlet(slug="rue20", name="رو 20")]  # fmt: skip


def walk_stories(client: Client, **params: object) -> list[list[int]]:
    """The ids of every page of the stories list, following `next`."""
    pages: list[list[int]] = []
    page = get(client, "/stories", data=params)
    while True:
        assert len(pages) < 50 and set(page) == {"items", "next"}
        pages.append(ids(page["items"]))
        if page["next"] is None:
            return pages
        assert page["next"].startswith(f"{ORIGIN}/api/v1/stories?"), page["next"]
        page = get(client, page["next"])


# --- the story of an article ----------------------------------------------------------------


@pytest.mark.postgres
def test_articles_the_grouping_links_carry_their_story_and_one_alone_null(
    client: Client, four: list[Outlet]
) -> None:
    match = reports(four[1:], MATCH)
    quake = reports(four[2:], QUAKE, start=NOW + timedelta(hours=5))
    alone = make_article(four[0], title="افتتاح معرض الكتاب بالرباط", published_at=NOW)
    assign([a.id for a in [*match, *quake, alone]])
    changed()

    story_of = {item["id"]: item["story"] for item in get(client, "/articles")["items"]}

    (match_story,) = {story_of[a.id] for a in match}
    (quake_story,) = {story_of[a.id] for a in quake}
    assert match_story is not None and quake_story is not None and match_story != quake_story
    assert story_of[alone.id] is None
    assert get(client, f"/articles/{match[0].id}")["story"] == match_story
    found = get(client, f"/stories/{match_story}")
    assert sorted(ids(found["articles"])) == sorted(a.id for a in match)


@pytest.mark.postgres
def test_a_search_hit_carries_its_story_too(client: Client, outlets) -> None:
    hespress, le360 = outlets
    story = grouped(make_article(hespress, title="قمة المناخ"), make_article(le360))
    index_articles(list(story.articles.values_list("id", flat=True)))
    changed()

    (item,) = get(client, "/articles", data={"q": "المناخ"})["items"]

    assert item["story"] == story.id


# --- one story -------------------------------------------------------------------------------


def test_a_story_carries_every_field_the_issue_lists(client: Client, four: list[Outlet]) -> None:
    hespress, le360, alyaoum, _ = four
    first = make_article(alyaoum, title="العنوان الأول", published_at=NOW - timedelta(hours=2))
    middle = make_article(le360, title="Le titre", language="fr", section=section())
    last = make_article(hespress, title="العنوان الأخير", published_at=NOW + timedelta(hours=1))
    second_of_one_outlet = make_article(alyaoum, published_at=NOW - timedelta(hours=1))
    stored_image(last)
    story = grouped(first, middle, last, second_of_one_outlet)
    changed()

    found = get(client, f"/stories/{story.id}")

    assert set(found) == {
        "id", "url", "title", "outlets", "article_count", "articles", "articles_url",
        "first_published_at", "last_published_at", "updated_at",
    }  # fmt: skip
    assert found["id"] == story.id
    assert found["url"] == f"{ORIGIN}/story/{story.id}/"
    assert found["title"] == Article.objects.get(id=story.lead_id).title
    # The outlets covering it, the first to report first, each once, with our page.
    assert found["outlets"] == [
        {"slug": "alyaoum24", "name": "اليوم 24", "url": f"{ORIGIN}/alyaoum24/"},
        {"slug": "le360", "name": "لو360", "url": f"{ORIGIN}/le360/"},
        {"slug": "hespress", "name": "هسبريس", "url": f"{ORIGIN}/hespress/"},
    ]
    assert ids(found["articles"]) == [last.id, middle.id, second_of_one_outlet.id, first.id]
    assert found["article_count"] == 4
    assert found["articles_url"] == f"{ORIGIN}/api/v1/articles?story={story.id}"
    assert ids(get(client, found["articles_url"])["items"]) == ids(found["articles"])
    # Reports in the articles list's own shape, their story included.
    listed = {item["id"]: item for item in get(client, "/articles")["items"]}
    assert found["articles"] == [listed[i] for i in ids(found["articles"])]
    assert all(item["story"] == story.id for item in found["articles"])
    assert found["first_published_at"] == "2025-12-22T09:00:00+01:00"  # Morocco's time
    assert found["last_published_at"] == "2025-12-22T12:00:00+01:00"
    assert found["updated_at"].endswith("+01:00")
    assert client.get(found["url"]).status_code == 200  # our story page, where it says
    # The Arabic edition's addresses whatever language the client prefers.
    path = f"/api/v1/stories/{story.id}"
    french = client.get(path, HTTP_ACCEPT_LANGUAGE="fr")
    assert french.content == client.get(path).content


def test_the_headline_staff_chose_is_the_title(client: Client, outlets) -> None:
    story = grouped(make_article(outlets[0]), make_article(outlets[1]))
    staff.rename(story, "العنوان الذي اختارته الإدارة")

    assert get(client, f"/stories/{story.id}")["title"] == "العنوان الذي اختارته الإدارة"


def test_an_unknown_story_is_a_json_404(client: Client) -> None:
    found = get(client, "/stories/987654", status=404)

    assert found == {"detail": "no story with id 987654"}
    assert "detail" in get(client, "/stories/0", status=422)
    assert "detail" in get(client, "/stories/abc", status=422)


# --- what staff hid ---------------------------------------------------------------------------


def test_a_hidden_report_leaves_its_story_and_the_lead_title_follows(
    client: Client, four: list[Outlet]
) -> None:
    a, b, c = (make_article(o, title=f"رواية {n}", published_at=NOW + timedelta(hours=n))
               for n, o in enumerate(four[:3]))  # fmt: skip
    story = grouped(a, b, c)
    lead = Article.objects.get(id=story.lead_id)
    visibility.set_article_hidden(lead, True, None)

    found = get(client, f"/stories/{story.id}")

    assert lead.id not in ids(found["articles"]) and len(found["articles"]) == 2
    assert found["title"] != lead.title and found["article_count"] == 2
    assert lead.outlet.slug not in {o["slug"] for o in found["outlets"]}
    (item,) = get(client, "/stories")["items"]
    assert lead.id not in ids(item["articles"]) and item["title"] == found["title"]


def test_a_story_whose_reports_are_all_hidden_is_404_and_leaves_the_list(
    client: Client, outlets
) -> None:
    a, b = make_article(outlets[0]), make_article(outlets[1])
    story = grouped(a, b, headline="عنوان")
    assert ids(get(client, "/stories")["items"]) == [story.id]

    for article in (a, b):
        visibility.set_article_hidden(article, True, None)

    assert get(client, f"/stories/{story.id}", status=404)["detail"]
    assert get(client, "/stories")["items"] == []


# --- the list -------------------------------------------------------------------------------


@pytest.mark.postgres
def test_stories_come_latest_report_first_and_next_visits_each_once(
    client: Client, outlets
) -> None:
    hespress, le360 = outlets
    made = []
    for n in range(7):
        # Stories whose latest reports are n hours old; two share one latest time.
        latest = NOW - timedelta(hours=min(n, 5))
        made.append(grouped(make_article(hespress, published_at=latest - timedelta(hours=1)),
                            make_article(le360, published_at=latest)))  # fmt: skip
    make_article(hespress, published_at=NOW + timedelta(hours=1))  # alone: no story
    changed()

    pages = walk_stories(client, limit=3)

    newest_first = list(
        Story.objects.order_by("-last_published_at", "-id").values_list("id", flat=True)
    )
    assert [len(page) for page in pages] == [3, 3, 1]
    assert [i for page in pages for i in page] == newest_first
    assert sorted(newest_first) == sorted(s.id for s in made)


@pytest.mark.postgres
def test_outlet_and_since_narrow_the_list_and_next_keeps_them(
    client: Client, four: list[Outlet]
) -> None:
    hespress, le360, alyaoum, rue20 = four
    old = grouped(make_article(hespress, published_at=NOW - timedelta(days=3)),
                  make_article(le360, published_at=NOW - timedelta(days=3)))  # fmt: skip
    recent = [grouped(make_article(hespress, published_at=NOW - timedelta(minutes=n)),
                      make_article(alyaoum, published_at=NOW - timedelta(minutes=n)))
              for n in range(3)]  # fmt: skip
    other = grouped(make_article(le360), make_article(rue20))
    hidden = make_article(rue20, published_at=NOW - timedelta(minutes=1), hidden=True)
    Article.objects.filter(id=hidden.id).update(story=recent[1])
    refresh([recent[1].id])
    changed()

    by_hespress = walk_stories(client, outlet="hespress", limit=2)
    recent_ids = [s.id for s in recent]
    assert [i for page in by_hespress for i in page] == [*recent_ids, old.id]
    since = (NOW - timedelta(hours=1)).isoformat()
    assert sorted(i for page in walk_stories(client, since=since) for i in page) == sorted(
        [*recent_ids, other.id]
    )
    # A hidden report does not make its outlet one that covers the story.
    assert get(client, "/stories", data={"outlet": "rue20"})["items"][0]["id"] == other.id
    assert len(get(client, "/stories", data={"outlet": "rue20"})["items"]) == 1
    assert (
        get(client, "/stories", data={"outlet": "rue20", "since": since, "limit": 1})["next"]
        is None
    )


@pytest.mark.postgres
def test_the_list_carries_a_big_storys_newest_reports_and_its_articles_url_pages_them_all(
    client: Client, four: list[Outlet]
) -> None:
    count = LIST_ARTICLES + 15
    made = [
        make_article(four[n % 4] if n else four[3], published_at=NOW - timedelta(minutes=n))
        for n in range(count)
    ]  # made[-1] the oldest, by Hespress; made[0], by rue20, the newest
    story = grouped(*made)
    changed()

    (item,) = get(client, "/stories")["items"]

    assert ids(item["articles"]) == [a.id for a in made[:LIST_ARTICLES]]
    assert item["article_count"] == count
    # The outlets and the first report are the whole story's, not the reports carried.
    assert [o["slug"] for o in item["outlets"]][0] == made[-1].outlet.slug
    assert len(item["outlets"]) == 4
    assert item["first_published_at"] == get(client, f"/articles/{made[-1].id}")["published_at"]
    whole = get(client, f"/stories/{story.id}")
    assert ids(whole["articles"]) == [a.id for a in made]
    assert {k: v for k, v in whole.items() if k != "articles"} == {
        k: v for k, v in item.items() if k != "articles"
    }
    paged: list[int] = []
    make_article(four[0])  # not in the story: the list leaves it out
    changed()
    page = get(client, f"{item['articles_url']}&limit=10")
    while True:
        paged += ids(page["items"])
        if page["next"] is None:
            break
        assert "story=" in page["next"]
        page = get(client, page["next"])
    assert paged == [a.id for a in made]


def test_the_articles_list_refuses_a_story_that_does_not_exist(client: Client, outlets) -> None:
    found = get(client, "/articles", status=400, data={"story": 987654})
    assert found["detail"] == "story: no story with id 987654"
    assert get(client, "/articles", status=422, data={"story": 0})["detail"].startswith("story")


@pytest.mark.postgres
def test_outlets_tied_at_one_moment_come_in_the_story_pages_order(
    client: Client, four: list[Outlet]
) -> None:
    hespress, le360, _alyaoum, rue20 = four  # rue20's outlet id is the higher
    first = make_article(rue20, published_at=NOW - timedelta(hours=1))
    tied = make_article(hespress, published_at=NOW - timedelta(hours=1))
    story = grouped(first, tied, make_article(le360))
    changed()

    found = get(client, f"/stories/{story.id}")

    # (published_at, id), as the story page's chips and its "first to publish" line.
    assert [o["slug"] for o in found["outlets"]] == ["rue20", "hespress", "le360"]
    assert get(client, "/stories")["items"][0]["outlets"] == found["outlets"]
    page = parse(client.get(f"/story/{story.id}/"))
    chips = page.xpath("//ul[@class='outlet-chips']/li/a/@href")
    assert chips == [f"/{slug}/" for slug in ("rue20", "hespress", "le360")]


def test_a_story_whose_lead_was_hidden_is_titled_by_its_first_shown_report(
    client: Client, four: list[Outlet]
) -> None:
    reports = [make_article(o, title=f"رواية {n}", published_at=NOW + timedelta(hours=n))
               for n, o in enumerate(four[:3])]  # fmt: skip
    story = grouped(*reports)
    # Hidden without the summary's refresh (a lead not chosen again yet).
    Article.objects.filter(id=story.lead_id).update(hidden=True)
    changed()
    shown = [r for r in reports if r.id != story.lead_id]

    (item,) = get(client, "/stories")["items"]

    assert item["title"] == shown[0].title
    assert get(client, f"/stories/{story.id}")["title"] == shown[0].title


@pytest.mark.postgres
def test_articles_url_follows_a_merge_and_refuses_a_wholly_hidden_story(
    client: Client, four: list[Outlet]
) -> None:
    kept = grouped(make_article(four[0]), make_article(four[1]))
    merged = grouped(make_article(four[2]), make_article(four[3]))
    url = get(client, f"/stories/{merged.id}")["articles_url"]
    staff.merge(kept, merged)
    changed()

    moved = get(client, url)["items"]

    assert sorted(ids(moved)) == sorted(
        Article.objects.filter(story=kept).values_list("id", flat=True)
    )
    for article in Article.objects.filter(story=kept):
        visibility.set_article_hidden(article, True, None)
    changed()
    assert get(client, url, status=400)["detail"] == f"story: no story with id {merged.id}"


@pytest.mark.parametrize(
    ("params", "word"),
    [
        ({"outlet": "nobody"}, "outlet"),
        ({"before": "k12"}, "before"),  # a search's cursor, not this list's
        ({"before": "999999999999999999-5"}, "before"),  # out of range
        ({"since": "0001-01-01T00:00:00+14:00"}, "since"),
    ],
)
def test_what_the_list_refuses_is_a_400_naming_the_parameter(
    client: Client, outlets, params: dict[str, str], word: str
) -> None:
    assert get(client, "/stories", status=400, data=params)["detail"].startswith(word)


def test_a_bad_parameter_is_a_422_naming_it(client: Client) -> None:
    assert get(client, "/stories", status=422, data={"limit": 0})["detail"].startswith("limit")
    assert get(client, "/stories", status=422, data={"since": "yesterday"})["detail"].startswith(
        "since"
    )


# --- caching and cost -----------------------------------------------------------------------


def test_a_staff_decision_changes_the_answer_at_once(client: Client, four: list[Outlet]) -> None:
    one = grouped(make_article(four[0]), make_article(four[1]))
    two = grouped(make_article(four[2]), make_article(four[3]))
    changed()
    path = f"/api/v1/stories/{one.id}"
    first = client.get(path)
    assert client.get(path, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304

    staff.merge(one, two)
    changed()

    again = client.get(path, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 200 and again["ETag"] != first["ETag"]
    assert len(get(client, f"/stories/{one.id}")["articles"]) == 4
    assert get(client, f"/stories/{two.id}", status=404)


def test_the_stories_list_costs_the_same_queries_at_two_and_at_eight_reports_a_story(
    client: Client, make_outlet
) -> None:
    outlets = [make_outlet(slug=f"outlet-{n}") for n in range(8)]

    def queries(size: int, stories: int) -> int:
        Story.objects.all().delete()
        for _ in range(stories):
            made = [make_article(outlet) for outlet in outlets[:size]]
            for article in made:
                stored_image(article)
            grouped(*made)
        changed()
        with CaptureQueriesContext(connection) as captured:
            get(client, "/stories", data={"limit": 50})
        return len(captured)

    assert queries(2, 2) == queries(8, 10)


def test_a_story_costs_the_same_queries_at_two_and_at_eight_reports(
    client: Client, make_outlet
) -> None:
    outlets = [make_outlet(slug=f"outlet-{n}") for n in range(8)]

    def queries(size: int) -> int:
        made = [make_article(outlet) for outlet in outlets[:size]]
        for article in made:
            stored_image(article)
        story = grouped(*made)
        changed()
        with CaptureQueriesContext(connection) as captured:
            assert len(get(client, f"/stories/{story.id}")["articles"]) == size
        return len(captured)

    assert queries(2) == queries(8)
