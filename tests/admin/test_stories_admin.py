"""Stories in the Arabic admin: the list (size, outlets, first and last report, search
by title), a story's reports, and staff's decisions on it (rename the headline, take a
report out, merge stories, from its page or as an action on the list), which a rebuild
of the stories never undoes; only staff allowed to change stories may make them.

The stories are made by the grouping (``assign``) from reports written to be linked
(tests/support/stories.py), as ingest makes them. The tests that rebuild are marked
``postgres``: they run on the embedded default and again on PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from articles.models import Article, ContentVersion, Outlet, Story
from articles.stories.assign import assign
from articles.stories.rebuild import rebuild
from tests.support.site import NOW, make_article, parse
from tests.support.stories import MATCH, QUAKE, members, reports

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:articles_story_changelist")
SINCE = NOW - timedelta(days=7)  # the window the rebuilds here group again


def change_url(story_id: int) -> str:
    return reverse("admin:articles_story_change", args=[story_id])


def said(response: Any) -> list[str]:
    return [str(message) for message in response.context["messages"]]


@pytest.fixture
def events(make_outlet) -> tuple[list[Article], list[Article]]:
    """The match told by four outlets, the earthquake by three, both grouped."""
    outlets: list[Outlet] = [make_outlet(name=f"منبر {n}") for n in range(4)]
    match = reports(outlets, MATCH)
    quake = reports(outlets[1:], QUAKE, start=NOW + timedelta(hours=6))
    assign([article.id for article in [*match, *quake]])
    for article in [*match, *quake]:
        article.refresh_from_db()
    assert len({a.story_id for a in match}) == 1 and match[0].story_id is not None
    assert len({a.story_id for a in quake}) == 1 and quake[0].story_id is not None
    assert match[0].story_id != quake[0].story_id
    return match, quake


def save(client: Client, story_id: int, **fields: Any) -> Any:
    """The story's form as staff submit it: its headline, and what they ticked."""
    data = {"headline": Story.objects.get(id=story_id).headline, "_save": "1"} | fields
    return client.post(change_url(story_id), data, follow=True)


# --- the list and a story's page -------------------------------------------------------------


def test_the_list_shows_title_size_outlets_and_report_times_in_arabic(
    admin_client: Client, events: tuple[list[Article], list[Article]]
) -> None:
    match, quake = events

    response = admin_client.get(CHANGELIST)

    html = response.content.decode()
    assert response.status_code == 200 and '<html lang="ar" dir="rtl">' in html
    assert "القصص" in html and "دمج القصص المحددة" in html
    rows = parse(response).cssselect("#result_list tbody tr")
    cells = [[td.text_content().strip() for td in row.cssselect("td, th")] for row in rows]
    by_title = {row[1]: row for row in cells}  # row[0]: the action checkbox
    assert set(by_title) == {
        Story.objects.get(id=s).title for s in (match[0].story_id, quake[0].story_id)
    }
    match_row = by_title[Story.objects.get(id=match[0].story_id).title]
    assert match_row[2:4] == ["4", "4"]  # reports, outlets
    # The latest report first: the earthquake's came after the match's.
    assert cells[0][1] == Story.objects.get(id=quake[0].story_id).title


def test_search_finds_a_story_by_the_title_of_any_report(
    admin_client: Client, events: tuple[list[Article], list[Article]]
) -> None:
    match, quake = events

    response = admin_client.get(CHANGELIST, {"q": "الحسيمة"})

    found = parse(response).cssselect("#result_list tbody tr input.action-select")
    assert [int(box.get("value")) for box in found] == [quake[0].story_id]


def test_a_storys_page_lists_its_reports_with_links_and_marks_hidden_ones(
    admin_client: Client, events: tuple[list[Article], list[Article]]
) -> None:
    match, _ = events
    Article.objects.filter(id=match[1].id).update(hidden=True)

    tree = parse(admin_client.get(change_url(match[0].story_id)))

    rows = tree.cssselect("table.story-reports tbody tr")
    assert len(rows) == 4
    links = [a.get("href") for a in tree.cssselect("table.story-reports a")]
    for article in match:
        assert reverse("admin:articles_article_change", args=[article.id]) in links
        assert article.get_absolute_url() in links
    hidden_row = next(r for r in rows if str(match[1].id) in r.cssselect("a")[0].get("href"))
    assert "محجوب" in hidden_row.text_content()
    assert sum("محجوب" in row.text_content() for row in rows) == 1
    # What staff may decide, as form fields.
    assert len(tree.cssselect('input[name="take_out"]')) == 4
    assert tree.cssselect('input[name="merge_from"]') and tree.cssselect('input[name="headline"]')


def test_stories_are_neither_added_nor_deleted_by_hand(
    admin_client: Client, events: tuple[list[Article], list[Article]]
) -> None:
    match, _ = events

    assert admin_client.get(reverse("admin:articles_story_add")).status_code == 403
    delete = reverse("admin:articles_story_delete", args=[match[0].story_id])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert Story.objects.filter(id=match[0].story_id).exists()


# --- staff's decisions ----------------------------------------------------------------------


@pytest.mark.postgres
def test_renaming_sets_the_headline_and_changes_what_readers_see(
    admin_client: Client, events: tuple[list[Article], list[Article]]
) -> None:
    match, _ = events
    story_id = match[0].story_id
    before = ContentVersion.objects.current().number

    response = save(admin_client, story_id, headline="  المنتخب يكتسح زامبيا  ")

    assert response.status_code == 200
    story = Story.objects.get(id=story_id)
    assert story.headline == "المنتخب يكتسح زامبيا" and story.title == story.headline
    assert ContentVersion.objects.current().number > before
    rebuild(SINCE)
    assert Story.objects.get(id=Article.objects.get(id=match[0].id).story_id).headline == (
        "المنتخب يكتسح زامبيا"
    )


@pytest.mark.postgres
def test_a_report_taken_out_stays_alone_after_a_rebuild(
    admin_client: Client, events: tuple[list[Article], list[Article]]
) -> None:
    match, _ = events
    story_id = match[0].story_id
    out = match[2]

    response = save(admin_client, story_id, take_out=[out.id])

    assert "عدد المقالات المخرجة من القصة: 1." in said(response)
    out.refresh_from_db()
    assert out.story_id is None and out.story_by_staff
    assert members(story_id) == {a.id for a in match} - {out.id}
    assert Story.objects.get(id=story_id).article_count == 3
    rebuild(SINCE)
    out.refresh_from_db()
    assert out.story_id is None
    assert len({Article.objects.get(id=a.id).story_id for a in match if a != out}) == 1
    # Without staff's decision the grouping would have kept it: its words are the others'.
    assert out.title.startswith(MATCH[0])


def test_taking_out_one_of_two_reports_dissolves_the_story(
    admin_client: Client, make_outlet
) -> None:
    two = reports([make_outlet(), make_outlet()], MATCH)
    assign([a.id for a in two])
    story_id = Article.objects.get(id=two[0].id).story_id
    assert story_id is not None

    response = save(admin_client, story_id, take_out=[two[0].id])

    assert response.redirect_chain[-1][0] == CHANGELIST
    assert "لم يبق في القصة مقالان، فلم تعد قصة." in said(response)
    assert not Story.objects.filter(id=story_id).exists()
    assert members(None) >= {two[0].id, two[1].id}


@pytest.mark.postgres
def test_merging_from_a_storys_page_keeps_the_stories_merged_after_a_rebuild(
    admin_client: Client, events: tuple[list[Article], list[Article]]
) -> None:
    match, quake = events
    target, other = match[0].story_id, quake[0].story_id

    response = save(admin_client, target, merge_from=str(other))

    assert f"دُمجت القصة رقم {other} في هذه القصة." in said(response)
    assert not Story.objects.filter(id=other).exists()
    both = {a.id for a in [*match, *quake]}
    assert members(target) == both
    assert Story.objects.get(id=target).outlet_count == 4
    rebuild(SINCE)
    (after,) = {Article.objects.get(id=i).story_id for i in both}
    assert after is not None and members(after) == both


def test_a_story_cannot_be_merged_into_itself_or_with_one_that_does_not_exist(
    admin_client: Client, events: tuple[list[Article], list[Article]]
) -> None:
    match, _ = events
    story_id = match[0].story_id

    for wrong in (str(story_id), "987654"):
        response = save(admin_client, story_id, merge_from=wrong)
        assert response.context["adminform"].form.errors["merge_from"]
    assert members(story_id) == {a.id for a in match}


@pytest.mark.postgres
def test_the_merge_action_merges_the_selected_into_the_oldest(
    admin_client: Client, events: tuple[list[Article], list[Article]], make_outlet
) -> None:
    match, quake = events
    third = reports([make_outlet(), make_outlet()], ("ثلاثة", "قصة ثالثة لا تدمج"))
    lone = Story.objects.create(first_published_at=NOW, last_published_at=NOW)
    Article.objects.filter(id__in=[a.id for a in third]).update(story=lone)
    selected = [match[0].story_id, quake[0].story_id]

    response = admin_client.post(
        CHANGELIST,
        {"action": "merge_stories", "_selected_action": selected[::-1]},
        follow=True,
    )

    oldest = match[0].story_id  # its first report came six hours before the other's
    title = Story.objects.get(id=oldest).title
    assert f"دُمج في «{title}» عدد من القصص: 1." in said(response)
    assert not Story.objects.filter(id=quake[0].story_id).exists()
    assert members(oldest) == {a.id for a in [*match, *quake]}
    assert members(lone.id) == {a.id for a in third}  # not selected, not merged
    rebuild(SINCE)
    assert len({Article.objects.get(id=a.id).story_id for a in [*match, *quake]}) == 1


def test_the_merge_action_needs_two_stories(
    admin_client: Client, events: tuple[list[Article], list[Article]]
) -> None:
    match, _ = events

    response = admin_client.post(
        CHANGELIST, {"action": "merge_stories", "_selected_action": [match[0].story_id]},
        follow=True,
    )  # fmt: skip

    assert "اختر قصتين على الأقل للدمج." in said(response)
    assert Story.objects.count() == 2


# --- who may decide -------------------------------------------------------------------------


@pytest.fixture
def viewer(django_user_model: Any) -> Client:
    """A staff member who may see stories but not change them."""
    user = django_user_model.objects.create_user("reader", password="x" * 12, is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_story"))
    client = Client()
    client.force_login(user)
    return client


def test_staff_who_may_only_view_see_the_reports_but_decide_nothing(
    viewer: Client, events: tuple[list[Article], list[Article]]
) -> None:
    match, quake = events
    story_id = match[0].story_id

    tree = parse(viewer.get(change_url(story_id)))
    assert tree.cssselect("table.story-reports")
    assert not tree.cssselect('input[name="take_out"], input[name="merge_from"]')
    listed = parse(viewer.get(CHANGELIST))
    assert not listed.cssselect('option[value="merge_stories"]')

    refused = viewer.post(change_url(story_id), {"headline": "x", "take_out": [match[0].id]})
    assert refused.status_code == 403
    viewer.post(CHANGELIST, {"action": "merge_stories",
                             "_selected_action": [story_id, quake[0].story_id]})  # fmt: skip
    assert members(story_id) == {a.id for a in match}
    assert Story.objects.get(id=story_id).headline == ""


def test_staff_without_the_stories_permissions_are_refused(
    django_user_model: Any, events: tuple[list[Article], list[Article]]
) -> None:
    user = django_user_model.objects.create_user("editor", password="x" * 12, is_staff=True)
    client = Client()
    client.force_login(user)

    assert client.get(CHANGELIST).status_code == 403
    assert client.get(change_url(events[0][0].story_id)).status_code == 403


def test_an_articles_story_is_not_edited_on_the_article_page(
    admin_client: Client, events: tuple[list[Article], list[Article]]
) -> None:
    match, _ = events

    tree = parse(admin_client.get(reverse("admin:articles_article_change", args=[match[0].id])))

    assert not tree.cssselect('[name="story"], [name="story_by_staff"]')
    story_link = reverse("admin:articles_story_change", args=[match[0].story_id])
    assert story_link in [a.get("href") for a in tree.cssselect("a")]


def test_an_article_alone_shows_no_story(admin_client: Client, make_outlet) -> None:
    alone = make_article(make_outlet())

    response = admin_client.get(reverse("admin:articles_article_change", args=[alone.id]))

    assert response.status_code == 200 and not parse(response).cssselect('[name="story"]')
