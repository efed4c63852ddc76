"""One card per story: the home page's leads rank stories and name the other outlets,
the ticker carries one headline per story, lists fold a story's later reports into
its card, what staff or readers hid leaves a story's card, the story page (both
editions, canonical, OpenGraph, JSON-LD, sitemap, 404s), an article's full coverage,
and the trending stories on the home page and in RSS."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from xml.etree import ElementTree

import pytest
from django.test import Client

from articles.models import Article, Story
from articles.moderation.visibility import hide, set_article_hidden
from articles.site.paging import PAGE_SIZE
from articles.site.stories import STORY_PAGE_SIZE
from tests.support.site import (
    article_id,
    changed,
    make_article,
    only,
    parse,
    section,
    stored_image,
    text,
)
from tests.support.story_rows import ago, make_story, reported

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sections")]


@pytest.fixture
def outlets(make_outlet):
    names = [("هسبريس", "hespress"), ("اليوم 24", "alyaoum24"), ("هبة بريس", "hibapress"),
             ("لو360", "le360"), ("كود", "goud")]  # fmt: skip
    return [make_outlet(name=name, slug=slug) for name, slug in names]


def lead_block(tree):
    return only(tree, "//section[@class='leads']")


def card_links(element) -> list[str]:
    return element.xpath(".//h3[@class='story-title']/a/@href")


def front_hrefs(tree) -> list[str]:
    """Every headline link of the home page's leads and latest list."""
    return card_links(only(tree, "//div[@class='front']"))


# --- the home page -----------------------------------------------------------------------


def test_home_ranks_stories_by_outlets_and_recency_one_card_per_story(
    outlets, client: Client
) -> None:
    match = reported(outlets[:4], "المنتخب يفوز", newest=ago(hours=5))
    rain = reported(outlets[:2], "أمطار رعدية", newest=ago(minutes=5))
    stale = reported(outlets, "خبر قديم", newest=ago(hours=60))
    for article in match:
        stored_image(article)
    big, small, old = make_story(*match), make_story(*rain), make_story(*stale)
    alone = make_article(outlets[4], title="خبر وحيد", published_at=ago(minutes=1))
    stored_image(alone)
    changed()

    tree = parse(client.get("/"))

    leads = card_links(lead_block(tree))
    # 4 * 0.5 ** (5 / 12) = 3.0 before 2 * 0.5 ** (5 / 720); the 60-hour story is out.
    assert leads[:2] == [big.get_absolute_url(), small.get_absolute_url()]
    assert old.get_absolute_url() not in leads
    hrefs = front_hrefs(tree)
    for report in match + rain:  # never a card of its own beside its story's
        assert report.get_absolute_url() not in hrefs
    assert hrefs.count(big.get_absolute_url()) == 1
    assert alone.get_absolute_url() in hrefs  # an article alone keeps its card
    # The card shows the story's headline and its picture, from our copies.
    first = lead_block(tree).xpath(".//article")[0]
    assert text(only(first, ".//h3")) == big.title
    assert only(first, ".//img").get("src").startswith("/media/images/")


def test_a_story_card_names_the_other_outlets_linking_to_their_reports(
    outlets, client: Client
) -> None:
    reports = reported(outlets[:4], "زلزال بقوة 5 درجات", newest=ago(hours=1))
    story = make_story(*reports)
    lead = Article.objects.get(id=story.lead_id)

    card = lead_block(parse(client.get("/"))).xpath(".//article")[0]

    also = only(card, ".//p[@class='also']")
    assert text(also).startswith("و 3 منابر أخرى")
    links = {a.get("href"): text(a) for a in also.xpath("./a[not(@class)]")}
    others = [r for r in reports if r.outlet_id != lead.outlet_id]
    assert links == {r.get_absolute_url(): r.outlet.name for r in others}
    assert only(also, "./a[@class='also-all']").get("href") == f"/story/{story.id}/"


def test_the_ticker_carries_one_headline_per_story(outlets, client: Client) -> None:
    reports = reported(outlets[:3], "إضراب الأطباء", newest=ago(minutes=30))
    story = make_story(*reports)
    alone = make_article(outlets[3], title="خبر منفرد", published_at=ago(minutes=20))
    changed()

    tree = parse(client.get("/"))

    items = tree.xpath("//ul[@class='ticker-track']/li/a")
    hrefs = [a.get("href") for a in items]
    assert hrefs.count(f"/story/{story.id}/") == 1
    assert not {r.get_absolute_url() for r in reports} & set(hrefs)
    assert alone.get_absolute_url() in hrefs
    story_item = items[hrefs.index(f"/story/{story.id}/")]
    assert text(story_item) == f"{story.title} - 3 منابر"


def test_a_hidden_article_leaves_its_storys_card(outlets, client: Client, admin_user) -> None:
    reports = reported(outlets[:3], "حريق في سوق", newest=ago(hours=1))
    story = make_story(*reports)
    lead = Article.objects.get(id=story.lead_id)
    assert lead.title in text(lead_block(parse(client.get("/"))))

    set_article_hidden(lead, True, admin_user)
    changed()
    tree = parse(client.get("/"))

    block = lead_block(tree)
    assert lead.title not in text(block)
    assert lead.get_absolute_url() not in block.xpath(".//a/@href")
    assert text(only(block, ".//p[@class='also']")).startswith("ومنبر آخر")
    assert lead.title not in text(only(tree, "//section[@class='ticker']"))


def test_a_hidden_picture_never_shows_on_its_storys_card(
    outlets, client: Client, admin_user
) -> None:
    reports = reported(outlets[:3], "افتتاح ملعب", newest=ago(hours=1))
    story = make_story(*reports)
    lead = Article.objects.get(id=story.lead_id)
    lead_picture = stored_image(lead)
    other = next(r for r in reports if r.id != lead.id)
    other_picture = stored_image(other)
    changed()
    img = only(lead_block(parse(client.get("/"))), ".//img")
    assert img.get("src") == lead_picture.copy.url  # the lead's first

    hide(lead_picture, admin_user)
    changed()
    block = lead_block(parse(client.get("/")))

    assert only(block, ".//img").get("src") == other_picture.copy.url
    assert lead_picture.copy.url not in json.dumps(block.xpath(".//img/@src|.//img/@srcset"))

    hide(other_picture, admin_user)
    changed()
    block = lead_block(parse(client.get("/")))
    assert block.xpath(".//img") == []  # no placeholder either: the card goes without
    assert text(only(block, ".//h3")) == Story.objects.get(id=story.id).title


def test_the_latest_list_and_section_pages_fold_a_storys_reports_into_one_card(
    outlets, client: Client
) -> None:
    politics = section("politics")
    reports = reported(outlets[:3], "البرلمان يصادق", newest=ago(days=5), section=politics)
    story = make_story(*reports)
    for i in range(3):
        make_article(outlets[3], title=f"خبر {i}", section=politics, published_at=ago(days=6))
    changed()

    for path, part in (("/", "//div[@class='front']"), ("/section/politics/", "//main")):
        tree = parse(client.get(path))
        hrefs = tree.xpath(f"{part}//h3[@class='story-title']/a/@href")
        shown = [h for h in hrefs if article_id(h) in {r.id for r in reports}]
        assert shown == [reports[-1].get_absolute_url()], path  # the newest, once
    cards = tree.xpath("//main//div[@class='story-list']/article")
    card = next(c for c in cards if reports[-1].get_absolute_url() in card_links(c))
    also = only(card, ".//p[@class='also']")
    assert text(also).startswith("ومنبران آخران")  # Arabic's dual
    assert set(also.xpath("./a/@href")) == {r.get_absolute_url() for r in reports[:2]}
    assert Story.objects.get(id=story.id).outlet_count == 3


def test_a_story_with_its_card_on_a_newer_page_has_none_on_the_next(
    outlets, client: Client
) -> None:
    politics = section("politics")
    newest = make_article(outlets[0], title="الحكومة تعلن خطة الماء", section=politics,
                          published_at=ago(hours=1))  # fmt: skip
    between = [
        make_article(
            outlets[4],
            title=f"خبر عابر {i}",
            section=politics,
            published_at=ago(hours=2, minutes=i),
        )  # fmt: skip
        for i in range(PAGE_SIZE)
    ]
    older = make_article(outlets[1], title="خطة الماء: التفاصيل", section=politics,
                         published_at=ago(hours=5))  # fmt: skip
    alone = make_article(outlets[2], title="خبر قديم وحده", section=politics,
                         published_at=ago(hours=6))  # fmt: skip
    make_story(newest, older)

    first = parse(client.get("/section/politics/"))
    assert card_links(first)[0] == newest.get_absolute_url()
    assert between[-1].get_absolute_url() not in card_links(first)  # on the next page
    link = only(first, "//nav[@class='pager']/a[@rel='next']").get("href")
    second = card_links(parse(client.get(f"/section/politics/{link}")))

    # The story had its card on the first page: its older report heads none here.
    assert older.get_absolute_url() not in second
    assert second == [between[-1].get_absolute_url(), alone.get_absolute_url()]
    # Without the newer report in the list (another outlet's page), it has its card.
    outlet_page = card_links(parse(client.get(f"/{outlets[1].slug}/")))
    assert outlet_page == [older.get_absolute_url()]


def test_the_home_page_costs_the_same_queries_whatever_the_number_of_stories(
    outlets, client: Client, django_assert_max_num_queries
) -> None:
    def stories(n: int) -> None:
        for i in range(n):
            make_story(*reported(outlets[:3], f"قصة {i}", newest=ago(minutes=10 + i)))

    stories(6)  # the leads, and one in the latest list
    with django_assert_max_num_queries(60) as few:
        client.get("/")
    stories(10)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/")


# --- the story page ---------------------------------------------------------------------


def test_the_story_page_shows_the_first_outlet_every_report_and_the_outlets(
    outlets, client: Client
) -> None:
    reports = reported(outlets[:3], "ارتفاع أسعار المحروقات", newest=ago(hours=2))
    french = make_article(outlets[3], title="Hausse des prix des carburants", language="fr",
                          published_at=ago(hours=1))  # fmt: skip
    picture = stored_image(reports[1])
    story = make_story(*reports, french)

    tree = parse(client.get(f"/story/{story.id}/"))

    assert text(only(tree, "//h1")) == story.title
    first = only(tree, "//p[@class='attribution']")
    assert text(first).startswith(f"أول من نشر: {outlets[0].name}")
    assert only(first, "./a").get("href") == reports[0].get_absolute_url()
    assert (
        only(first, "./time")
        .get("datetime")
        .startswith(reports[0].published_at.astimezone().strftime("%Y-"))
    )
    listed = tree.xpath("//ol[@class='report-list']/li/a/@href")
    newest_first = [french, *reversed(reports)]
    assert listed == [r.get_absolute_url() for r in newest_first]
    assert tree.xpath("//ol[@class='report-list']/li/a/@lang")[0] == "fr"
    chips = [text(a) for a in tree.xpath("//ul[@class='outlet-chips']/li/a")]
    assert chips == [o.name for o in outlets[:4]]  # in the order they first reported it
    assert only(tree, "//figure[@class='lead-figure']/img").get("src") == picture.copy.url
    assert "بالعربية والفرنسية" in text(only(tree, "//p[@class='dateline']"))


def test_the_story_page_describes_itself_for_sharing_and_search(outlets, client: Client) -> None:
    reports = reported(outlets[:2], "تعديل حكومي", newest=ago(hours=3))
    picture = stored_image(reports[0])
    story = make_story(*reports)

    tree = parse(client.get(f"/fr/story/{story.id}/"))

    url = f"http://testserver/fr/story/{story.id}/"
    meta = {m.get("property") or m.get("name"): m.get("content") for m in tree.iter("meta")}
    assert only(tree, "//link[@rel='canonical']").get("href") == url
    assert meta["og:url"] == url and meta["og:title"] == story.title
    assert meta["og:image"] == f"http://testserver/media/{picture.copy.name}"
    assert meta["og:description"] == "Couverture complète : 2 médias"
    data = json.loads(only(tree, "//script[@type='application/ld+json']").text)
    assert data["@type"] == "CollectionPage" and data["url"] == url
    items = data["mainEntity"]["itemListElement"]
    assert [i["item"]["url"] for i in items] == [
        f"http://testserver/fr/{r.outlet.slug}/{r.id}/" for r in reversed(reports)
    ]
    assert {i["item"]["@type"] for i in items} == {"NewsArticle"}
    assert datetime.fromisoformat(data["datePublished"]) == reports[0].published_at
    assert text(only(tree, "//p[@class='kicker']")) == "Couverture complète"


def big_story(outlets, count: int) -> tuple[Story, list[Article]]:
    """A story of ``count`` reports a minute apart, oldest first; the oldest is the
    only report of ``outlets[-1]``, the others take turns among the rest."""
    newest = ago(hours=1)
    reports = [
        make_article(
            outlets[-1] if i == 0 else outlets[i % (len(outlets) - 1)],
            title=f"زلزال الحوز: حصيلة {i}",
            published_at=newest - timedelta(minutes=count - 1 - i),
        )
        for i in range(count)
    ]
    return make_story(*reports), reports


def test_a_big_storys_page_lists_its_reports_in_keyset_pages(outlets, client: Client) -> None:
    count = STORY_PAGE_SIZE + 7
    story, reports = big_story(outlets, count)
    newest_first = [r.get_absolute_url() for r in reversed(reports)]

    tree = parse(client.get(f"/story/{story.id}/"))

    listed = tree.xpath("//ol[@class='report-list']/li/a/@href")
    assert listed == newest_first[:STORY_PAGE_SIZE]
    assert only(tree, "//ol[@class='report-list']").get("start") is None
    assert text(only(tree, "//p[@class='dateline']")).startswith(f"{count} تقريرا")
    # The counts, the first report and the outlets are the whole story's, not the page's.
    assert only(tree, "//p[@class='attribution']/a").get("href") == reports[0].get_absolute_url()
    chips = [text(a) for a in tree.xpath("//ul[@class='outlet-chips']/li/a")]
    assert chips[0] == outlets[-1].name and len(chips) == len(outlets)
    data = json.loads(only(tree, "//script[@type='application/ld+json']").text)
    assert data["mainEntity"]["numberOfItems"] == count
    assert len(data["mainEntity"]["itemListElement"]) == STORY_PAGE_SIZE
    assert tree.xpath("//meta[@name='robots']") == []
    assert tree.xpath("//nav[@class='pager']/a[@rel='prev']") == []

    older = only(tree, "//nav[@class='pager']/a[@rel='next']").get("href")
    tree = parse(client.get(f"/story/{story.id}/{older}"))

    assert tree.xpath("//ol[@class='report-list']/li/a/@href") == newest_first[STORY_PAGE_SIZE:]
    # Numbered on from the first page, in the list and in the JSON-LD.
    assert only(tree, "//ol[@class='report-list']").get("start") == str(STORY_PAGE_SIZE + 1)
    data = json.loads(only(tree, "//script[@type='application/ld+json']").text)
    assert data["mainEntity"]["itemListElement"][0]["position"] == STORY_PAGE_SIZE + 1
    assert only(tree, "//meta[@name='robots']").get("content") == "noindex, follow"
    assert tree.xpath("//link[@rel='canonical']") == []
    assert tree.xpath("//nav[@class='pager']/a[@rel='next']") == []
    newer = only(tree, "//nav[@class='pager']/a[@rel='prev']").get("href")
    tree = parse(client.get(f"/story/{story.id}/{newer}"))
    assert tree.xpath("//ol[@class='report-list']/li/a/@href") == newest_first[:STORY_PAGE_SIZE]


def test_a_story_page_costs_the_same_queries_whatever_the_number_of_reports(
    outlets, client: Client, django_assert_max_num_queries
) -> None:
    small, reports = big_story(outlets, 3)
    for report in reports:
        stored_image(report)
    changed()
    with django_assert_max_num_queries(30) as few:
        assert client.get(f"/story/{small.id}/").status_code == 200
    big, reports = big_story(outlets, 2 * STORY_PAGE_SIZE + 5)
    for report in reports:
        stored_image(report)
    changed()
    with django_assert_max_num_queries(len(few.captured_queries)) as many:
        assert client.get(f"/story/{big.id}/").status_code == 200
    # Of the reports off the page the story reads small tuples and the pictures' links,
    # never whole rows: bodies are read for one row at most (the story's lead).
    bodies = [
        q["sql"] for q in many.captured_queries if '"articles_article"."body_html"' in q["sql"]
    ]
    assert all(sql.endswith("LIMIT 1") for sql in bodies), bodies


def test_the_story_picture_is_the_leads_then_the_newest_shown_one(
    outlets, client: Client, admin_user
) -> None:
    story, reports = big_story(outlets, STORY_PAGE_SIZE + 3)
    lead = Article.objects.get(id=story.lead_id)
    lead_picture = stored_image(lead)
    old_report = next(r for r in reports[:3] if r.id != lead.id)  # on the second page
    oldest = stored_image(old_report)
    changed()

    def picture() -> str | None:
        images = parse(client.get(f"/story/{story.id}/")).xpath(
            "//figure[@class='lead-figure']/img"
        )
        return images[0].get("src") if images else None

    assert picture() == lead_picture.copy.url
    hide(lead_picture, admin_user)
    changed()
    assert picture() == oldest.copy.url  # the only other report with one, off this page
    hide(oldest, admin_user)
    changed()
    assert picture() is None


def test_an_unknown_or_wholly_hidden_story_is_not_found(
    outlets, client: Client, admin_user
) -> None:
    reports = reported(outlets[:2], "خبر سيحجب", newest=ago(hours=1))
    story = make_story(*reports)
    assert client.get(f"/story/{story.id + 1}/").status_code == 404
    assert client.get(f"/story/{story.id}/").status_code == 200

    for report in reports:
        set_article_hidden(report, True, admin_user)
    changed()

    assert client.get(f"/story/{story.id}/").status_code == 404
    assert client.get(f"/fr/story/{story.id}/").status_code == 404


def test_story_pages_are_in_the_sitemap_of_each_edition(outlets, client: Client) -> None:
    story = make_story(*reported(outlets[:2], "قمة إفريقية", newest=ago(hours=1)))
    ns = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    for path, prefix in (("/sitemap-stories.xml", ""), ("/sitemap-stories-fr.xml", "/fr")):
        root = ElementTree.fromstring(client.get(path).content)
        locs = [e.text for e in root.findall("sm:url/sm:loc", ns)]
        assert locs == [f"http://testserver{prefix}/story/{story.id}/"]


def test_story_and_stories_are_reserved_words() -> None:
    from articles.models import is_reserved_slug

    assert is_reserved_slug("story") and is_reserved_slug("Stories")


# --- an article's full coverage ----------------------------------------------------------


def test_an_article_page_lists_the_other_outlets_reports_of_its_story(
    outlets, client: Client
) -> None:
    reports = reported(outlets[:3], "حادثة سير", newest=ago(hours=1))
    story = make_story(*reports)
    alone = make_article(outlets[3], title="بلا قصة")
    changed()

    tree = parse(client.get(reports[0].get_absolute_url()))

    coverage = only(tree, "//section[@class='coverage']")
    assert text(only(coverage, ".//h2")) == "التغطية الكاملة: 3 منابر"
    assert only(coverage, ".//h2/a").get("href") == f"/story/{story.id}/"
    hrefs = coverage.xpath(".//ul[@class='report-list']/li/a/@href")
    assert hrefs == [r.get_absolute_url() for r in reversed(reports[1:])]
    assert not parse(client.get(alone.get_absolute_url())).xpath("//section[@class='coverage']")


# --- trending ---------------------------------------------------------------------------


def test_trending_stories_show_on_the_home_page_and_in_their_feed(outlets, client: Client) -> None:
    fast = make_story(*reported(outlets[:4], "انقطاع الكهرباء", newest=ago(minutes=20)))
    slow_reports = reported(outlets[:2], "نقاش الميزانية", newest=ago(hours=10))
    slow_reports.append(
        make_article(outlets[2], title="نقاش الميزانية 3", published_at=ago(hours=1))
    )
    slow = make_story(*slow_reports)

    tree = parse(client.get("/"))

    trending = only(tree, "//section[@class='trending']")
    assert text(only(trending, ".//h2")) == "الأكثر تداولا"
    assert trending.xpath(".//ol/li/a/@href") == [f"/story/{fast.id}/", f"/story/{slow.id}/"]
    response = client.get("/stories/rss/")
    assert response.status_code == 200 and response["Content-Type"].startswith(
        "application/rss+xml"
    )
    channel = ElementTree.fromstring(response.content).find("channel")
    assert channel is not None
    links = [item.findtext("link") for item in channel.findall("item")]
    assert links == [f"http://testserver/story/{fast.id}/", f"http://testserver/story/{slow.id}/"]
    assert channel.findall("item")[0].findtext("title") == fast.title
    french = ElementTree.fromstring(client.get("/fr/stories/rss/").content)
    assert french.findtext("channel/title") == "Newsroom : les plus reprises"
    assert french.find("channel/item/link").text.endswith(f"/fr/story/{fast.id}/")
