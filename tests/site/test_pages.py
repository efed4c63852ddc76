"""What the home, article and outlet pages show: leads with our image copies, section
blocks, what the article page says about itself for sharing and search, related
articles, the outlet facts and list, and the headline ticker."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from articles.models import Outlet
from tests.support.site import (
    NOW,
    Site,
    article_id,
    changed,
    make_article,
    newest_first,
    only,
    parse,
    section,
    stored_image,
    story_ids,
    text,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sections")]


# --- what the pages show -----------------------------------------------------------------


def test_home_leads_show_our_image_copies_with_sizes_and_srcset(
    make_outlet, client: Client
) -> None:
    outlet = make_outlet()
    images = []
    for i in range(6):
        article = make_article(outlet, published_at=NOW - timedelta(minutes=i))
        images.append(stored_image(article))
    make_article(outlet, published_at=NOW + timedelta(minutes=1))  # no picture: not a lead
    changed()

    response = client.get("/")
    tree = parse(response)

    leads = tree.xpath("//section[@class='leads']//article")
    assert 1 <= len(leads) <= 5
    for lead in leads:
        img = only(lead, ".//img")
        assert img.get("src").startswith("/media/images/")
        assert int(img.get("width")) > 0 and int(img.get("height")) > 0
        copies = {image.copy.url: image for image in images}
        thumbs = {image.thumbnail.url: image for image in images}
        srcset = dict(reversed(part.split()) for part in img.get("srcset").split(", "))
        assert set(srcset) == {"400w", "1200w"}
        assert srcset["1200w"] in copies and srcset["400w"] in thumbs
    first = only(leads[0], ".//img")
    assert first.get("src").endswith("-1200.webp") and first.get("fetchpriority") == "high"
    assert b"cdn.outlet.example.ma" not in response.content


def test_home_shows_section_blocks_and_outlets_with_their_latest_headline(
    make_outlet, client: Client
) -> None:
    one, two = make_outlet(name="المنبر الأول"), make_outlet(name="المنبر الثاني")
    idle = make_outlet(name="منبر بلا أخبار")
    make_article(one, title="قديم الأول", section=section(), published_at=NOW - timedelta(days=1))
    make_article(one, title="أحدث الأول", section=section(), published_at=NOW)
    make_article(two, title="أحدث الثاني", section=section("economy"),
                 published_at=NOW - timedelta(hours=1))  # fmt: skip
    make_outlet(name="منبر موقوف", status=Outlet.Status.PAUSED)
    changed()

    tree = parse(client.get("/"))

    blocks = tree.xpath("//section[@class='section-block']")
    assert [text(only(b, ".//h2")) for b in blocks] == ["اقتصاد", "رياضة"]  # by position
    assert only(blocks[1], ".//h2/a").get("href") == "/section/sports/"
    assert [text(a) for a in blocks[1].xpath(".//h3/a")] == ["أحدث الأول", "قديم الأول"]
    cards = tree.xpath("//section[@class='outlets-block']//li[@class='outlet-card']")
    shown = {text(only(c, ".//h3")): text(only(c, ".//p[contains(@class, 'outlet-latest')]"))
             for c in cards}  # fmt: skip
    assert list(shown) == [one.name, two.name, idle.name]  # freshest first
    assert shown[one.name].startswith("أحدث الأول")
    assert shown[two.name].startswith("أحدث الثاني")
    assert shown[idle.name] == "لا مقالات بعد"


def test_the_article_page_describes_itself_for_sharing_and_search(
    client: Client, site: Site
) -> None:
    article = site.article
    lead = article.article_images.get().image

    tree = parse(client.get(article.get_absolute_url()))

    page_url = f"http://testserver/hespress/{article.id}/"
    meta = {m.get("property") or m.get("name"): m.get("content") for m in tree.iter("meta")}
    assert only(tree, "//link[@rel='canonical']").get("href") == page_url
    assert meta["og:title"] == article.title
    assert meta["og:url"] == page_url
    assert meta["og:image"] == f"http://testserver/media/{lead.copy.name}"
    assert (meta["og:image:width"], meta["og:image:height"]) == ("1200", "675")
    assert meta["twitter:card"] == "summary_large_image"
    assert meta["twitter:image"] == meta["og:image"]
    data = json.loads(only(tree, "//script[@type='application/ld+json']").text)
    assert data["@context"] == "https://schema.org" and data["@type"] == "NewsArticle"
    assert data["isBasedOn"] == article.url
    assert data["url"] == data["mainEntityOfPage"] == page_url
    assert data["image"] == [meta["og:image"]]
    assert data["headline"] == article.title
    assert datetime.fromisoformat(data["datePublished"]) == article.published_at
    assert data["publisher"]["name"] == "هسبريس"
    lead_img = only(tree, "//figure[@class='lead-figure']/img")
    assert lead_img.get("src") == lead.copy.url and lead_img.get("width") == "1200"


def test_an_article_without_a_picture_has_a_small_card_and_no_og_image(
    client: Client, site: Site
) -> None:
    tree = parse(client.get(site.other.get_absolute_url()))

    meta = {m.get("property") or m.get("name"): m.get("content") for m in tree.iter("meta")}
    assert "og:image" not in meta
    assert meta["twitter:card"] == "summary"
    assert "image" not in json.loads(only(tree, "//script[@type='application/ld+json']").text)


def test_related_articles_are_from_the_same_section_other_outlets_first_never_itself(
    make_outlet, client: Client
) -> None:
    mine, theirs, third = make_outlet(), make_outlet(), make_outlet()
    article = make_article(mine, section=section(), published_at=NOW - timedelta(hours=5))
    same_outlet_new = make_article(mine, section=section(), published_at=NOW)
    other_old = make_article(theirs, section=section(), published_at=NOW - timedelta(days=2))
    other_new = make_article(third, section=section(), published_at=NOW - timedelta(hours=1))
    make_article(theirs, section=section("politics"), published_at=NOW)  # another section
    changed()

    tree = parse(client.get(article.get_absolute_url()))

    related = [article_id(href) for href in tree.xpath("//section[@class='related']//h3/a/@href")]
    assert related == [other_new.id, other_old.id, same_outlet_new.id]


def test_the_outlet_page_shows_name_site_and_language_but_no_fetch_state(
    make_outlet, client: Client
) -> None:
    outlet = make_outlet(
        name="تيل كيل", name_latin="TelQuel", slug="telquel", site_url="https://telquel.ma",
        language="fr", last_success_at=datetime(2025, 12, 22, 8, 30, tzinfo=UTC),
    )  # fmt: skip
    make_article(outlet, title="Un titre")
    changed()

    tree = parse(client.get("/telquel/"))

    assert text(only(tree, "//h1")) == "تيل كيل"
    facts = {text(only(d, "./dt")): d for d in tree.xpath("//dl[@class='facts']/div")}
    assert only(facts["الموقع"], ".//a").get("href") == "https://telquel.ma"
    assert text(facts["اللغة"]).endswith("الفرنسية")
    # Fetch states are for staff (admin's outlet health), not for readers.
    assert "آخر جلب ناجح" not in facts
    assert story_ids(tree) == [a.id for a in outlet.articles.all()]
    french = parse(client.get("/fr/telquel/"))
    assert text(only(french, "//h1")) == "TelQuel"


def test_the_outlet_list_shows_every_outlet_active_first_with_its_count_and_latest_headline(
    make_outlet, client: Client
) -> None:
    busy, quiet = make_outlet(name="منبر نشيط"), make_outlet(name="منبر هادئ")
    for i in range(3):
        make_article(busy, title=f"خبر نشيط {i}", published_at=NOW - timedelta(hours=i))
    make_article(quiet, title="خبر هادئ", published_at=NOW - timedelta(days=1))
    make_outlet(name="منبر موقوف", status=Outlet.Status.PAUSED)
    changed()

    tree = parse(client.get("/outlets/"))

    cards = {text(only(c, ".//h3")): c for c in tree.xpath("//li[@class='outlet-card']")}
    assert list(cards) == ["منبر نشيط", "منبر هادئ", "منبر موقوف"]
    assert re.search(r"\b3\b", text(only(cards["منبر نشيط"], ".//p[@class='outlet-count']")))
    assert text(only(cards["منبر هادئ"], ".//p[@class='outlet-count']")) == "مقال واحد"
    # Nothing published yet: one line says so (no "0 articles" above it).
    assert not cards["منبر موقوف"].xpath(".//p[@class='outlet-count']")
    assert text(only(cards["منبر موقوف"], ".//p")) == "لا مقالات بعد"
    latest = only(cards["منبر نشيط"], ".//p[@class='outlet-latest']/a")
    assert text(latest) == "خبر نشيط 0"
    assert latest.get("href") == busy.articles.get(title="خبر نشيط 0").get_absolute_url()


# --- the ticker ---------------------------------------------------------------------------


def test_the_ticker_shows_the_newest_sixty_headlines_linking_to_our_pages(
    make_outlet, client: Client
) -> None:
    outlet = make_outlet(name="هسبريس")
    articles = [
        make_article(outlet, title=f"عنوان {i}", published_at=NOW - timedelta(minutes=i // 2))
        for i in range(70)
    ]
    changed()

    tree = parse(client.get("/outlets/"))

    items = tree.xpath("//ul[@class='ticker-track']/li/a")
    expected = newest_first(articles)[:60]
    assert len(items) == 60
    assert [article_id(a.get("href")) for a in items] == expected
    by_id = {a.id: a for a in articles}
    for a in items:
        article = by_id[article_id(a.get("href"))]
        assert text(a) == f"{article.title} - هسبريس"
        assert a.get("href") == f"/{outlet.slug}/{article.id}/"


def test_the_french_ticker_names_outlets_in_latin_letters(make_outlet, client: Client) -> None:
    outlet = make_outlet(name="هسبريس", name_latin="Hespress")
    article = make_article(outlet, title="عنوان")
    changed()

    tree = parse(client.get("/fr/"))

    (item,) = tree.xpath("//ul[@class='ticker-track']/li/a")
    assert text(item) == "عنوان - Hespress"
    assert item.get("href") == f"/fr/{outlet.slug}/{article.id}/"


@pytest.mark.parametrize(
    "blank",
    ["", "   ", "\u00a0\u00a0", "\u200b", "\u200b\u200c\u200d", "\u2060\ufeff", "\u200f\u200e",
     "\t\n", "\u3000", "\u064e\u0651"],
    ids=["empty", "spaces", "nbsp", "zwsp", "zw-joiners", "word-joiner-bom", "bidi-marks",
         "tab-newline", "ideographic-space", "arabic-marks-only"],
)  # fmt: skip
def test_a_blank_title_never_appears_in_the_ticker(
    make_outlet, client: Client, blank: str
) -> None:
    outlet = make_outlet(name="هسبريس")
    make_article(outlet, title="قبل", published_at=NOW - timedelta(minutes=1))
    make_article(outlet, title=blank, published_at=NOW)
    make_article(outlet, title="بعد", published_at=NOW - timedelta(minutes=2))
    changed()

    tree = parse(client.get("/about/"))

    assert [text(a) for a in tree.xpath("//ul[@class='ticker-track']/li/a")] == [
        "قبل - هسبريس", "بعد - هسبريس"
    ]  # fmt: skip
