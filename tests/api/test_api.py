"""The public JSON API's resources through Django's test client: every field of an
article as the issue lists it, outlets and sections, each filter alone and together,
cursor pages that visit every article once, ``q`` finding what /search/ finds, and
nothing that staff hid.

Rows come from tests/support/site.py, the search cases from tests/support/search.py, the
JSON reading from tests/support/api.py. HTTP (errors, caching, headers, the rate limit,
query counts) is in test_api_http.py; hostile feeds in test_api_hostile.py.

The tests that search are marked ``postgres``, like tests/search: they run on the
embedded default and again on PostgreSQL.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import lxml.html
import pytest
from django.templatetags.static import static
from django.test import Client

from articles.api import listing
from articles.ingest.store import store_entries
from articles.models import Article, Image, Section
from articles.moderation import visibility
from articles.search.index import index_articles
from tests.support.api import ORIGIN, get, ids, walk, walked_ids
from tests.support.search import CASES, entry, store_corpus
from tests.support.site import (
    NOW,
    bulk_articles,
    changed,
    make_article,
    only,
    parse,
    section,
    stored_image,
    story_ids,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sections")]

OFFSET = re.compile(r"[+-]\d\d:\d\d$")


def newest_ids(**filters: Any) -> list[int]:
    """What readers may see, newest first: the order every list must keep."""
    return list(
        Article.objects.visible()
        .filter(**filters)
        .order_by("-published_at", "-id")
        .values_list("id", flat=True)
    )


# --- an article, every field ---------------------------------------------------------------


def test_an_article_carries_every_field_the_issue_lists(client: Client, outlets) -> None:
    hespress, _ = outlets
    article = make_article(hespress, title="المنتخب يفوز", summary="ملخص المباراة",
                           section=section(), author="سعيد")  # fmt: skip
    image = stored_image(article)
    changed()

    (item,) = get(client, "/articles")["items"]

    assert item == {
        "id": article.id,
        "url": f"{ORIGIN}/hespress/{article.id}/",
        "original_url": article.url,
        "title": "المنتخب يفوز",
        "summary": "ملخص المباراة",
        "outlet": {"slug": "hespress", "name": "هسبريس", "lang": "ar"},
        "section": {"slug": "sports", "name": section().name},
        "author": "سعيد",
        "lang": "ar",
        "published_at": "2025-12-22T11:00:00+01:00",  # Morocco's time, with its offset
        "image": {"url": f"{ORIGIN}{image.copy.url}", "width": 1200, "height": 675},
        "story": None,  # alone: no other outlet reported it
        "regions": [],  # no place named, a national outlet
    }
    assert item["image"]["url"].startswith(f"{ORIGIN}/media/images/")
    assert article.url.startswith("https://hespress.example.ma/")
    # Our page, where the item says it is.
    assert client.get(item["url"]).status_code == 200
    detail = get(client, f"/articles/{article.id}")
    assert detail == item | {"body_html": article.body_html}


def test_what_an_article_lacks_is_null_or_empty(client: Client, outlets) -> None:
    hespress, le360 = outlets
    not_http = make_article(hespress, url="ftp://files.hespress.example.ma/1", author="هسبريس")
    no_url = make_article(le360, url="", language="fr", published_at=NOW - timedelta(hours=1))
    pending = Image.objects.create(url="https://cdn.outlet.example.ma/pending.jpg")
    not_http.article_images.create(image=pending, position=0)
    changed()

    items = {item["id"]: item for item in get(client, "/articles")["items"]}

    first, second = items[not_http.id], items[no_url.id]
    assert first["original_url"] is None and second["original_url"] is None
    assert first["section"] is None and second["section"] is None
    assert first["image"] is None and second["image"] is None  # no copy of ours yet
    assert first["author"] == ""  # the feed named the outlet itself as the author
    assert (second["lang"], second["outlet"]["lang"]) == ("fr", "fr")
    for item in items.values():
        moment = datetime.fromisoformat(item["published_at"])
        assert OFFSET.search(item["published_at"]) and moment.utcoffset() is not None
    assert datetime.fromisoformat(second["published_at"]) == NOW - timedelta(hours=1)


def test_an_empty_body_is_an_empty_string(client: Client, outlets) -> None:
    article = make_article(outlets[0], body_html="")
    changed()

    assert get(client, f"/articles/{article.id}")["body_html"] == ""


# --- outlets and sections --------------------------------------------------------------------


def test_outlets_give_names_site_language_count_and_last_successful_fetch(
    client: Client, outlets
) -> None:
    hespress, le360 = outlets
    make_article(hespress)
    make_article(hespress, hidden=True)  # staff hid it: not counted
    make_article(le360, language="fr")
    make_article(hespress)
    changed()

    listed = get(client, "/outlets")

    expected = [
        {"slug": "le360", "name": "لو360", "name_latin": "Le360", "url": f"{ORIGIN}/le360/",
         "site_url": "https://fr.le360.ma", "lang": "fr", "article_count": 1,
         "last_success_at": None},
        {"slug": "hespress", "name": "هسبريس", "name_latin": "Hespress",
         "url": f"{ORIGIN}/hespress/", "site_url": "https://www.hespress.com", "lang": "ar",
         "article_count": 2, "last_success_at": "2025-12-22T11:00:00+01:00"},
    ]  # fmt: skip
    assert listed == expected  # by name
    assert get(client, "/outlets/hespress") == expected[1]
    assert get(client, "/outlets/le360") == expected[0]
    assert get(client, "/outlets/nope", 404) == {"detail": "no outlet with slug 'nope'"}


def test_sections_give_arabic_and_french_names_and_our_page(client: Client) -> None:
    listed = get(client, "/sections")

    # The outlets' own "regions" section is read on the region pages (issue 18).
    page = {s.slug: f"/section/{s.slug}/" for s in Section.objects.all()}
    page["regions"] = "/regions/"
    assert listed == [
        {"slug": s.slug, "name": s.name, "name_fr": s.name_fr, "url": f"{ORIGIN}{page[s.slug]}"}
        for s in Section.objects.all()
    ]
    assert "sports" in [s["slug"] for s in listed] and all(s["name_fr"] for s in listed)


# --- filters -----------------------------------------------------------------------------------


@pytest.fixture
def spread(outlets) -> dict[str, Article]:
    """Articles over two outlets, two sections and none, two languages and three days;
    all of them titled with "المنتخب", some with "الرباط" too. Indexed for search."""
    hespress, le360 = outlets
    sports, politics = section(), section("politics")
    rows = {
        "h-sports": (hespress, sports, "ar", NOW, "المنتخب في الرباط"),
        "l-sports": (le360, sports, "fr", NOW - timedelta(minutes=30), "المنتخب Maroc"),
        "h-none": (hespress, None, "ar", NOW - timedelta(hours=1), "المنتخب يتدرب"),
        "h-fr": (hespress, sports, "fr", NOW - timedelta(hours=3), "المنتخب Rabat الرباط"),
        "h-politics": (hespress, politics, "ar", NOW - timedelta(days=1), "المنتخب والبرلمان"),
        "l-politics": (le360, politics, "fr", NOW - timedelta(days=2), "المنتخب à Rabat"),
    }
    made = {
        name: make_article(outlet, section=kind, language=language, published_at=moment,
                           title=title)
        for name, (outlet, kind, language, moment, title) in rows.items()
    }  # fmt: skip
    index_articles([a.id for a in made.values()])
    changed()
    return made


ALL = ["h-sports", "l-sports", "h-none", "h-fr", "h-politics", "l-politics"]
FILTER_CASES = [
    ({}, ALL),
    ({"outlet": "hespress"}, ["h-sports", "h-none", "h-fr", "h-politics"]),
    ({"section": "sports"}, ["h-sports", "l-sports", "h-fr"]),
    ({"lang": "fr"}, ["l-sports", "h-fr", "l-politics"]),  # the article's, not the outlet's
    ({"lang": "ar"}, ["h-sports", "h-none", "h-politics"]),
    # since is inclusive, until exclusive; an offset, Z, or Morocco's time without one
    ({"since": "2025-12-22T10:00:00Z"}, ["h-sports"]),
    ({"since": "2025-12-22T10:30:00+01:00"}, ["h-sports", "l-sports"]),
    ({"until": "2025-12-22T11:00:00+01:00"}, ALL[1:]),
    ({"since": "2025-12-21"}, ["h-sports", "l-sports", "h-none", "h-fr", "h-politics"]),
    ({"until": "2025-12-21"}, ["l-politics"]),
    ({"since": "2025-12-21", "until": "2025-12-22T09:00:00Z"}, ["h-fr", "h-politics"]),
    ({"outlet": "hespress", "section": "sports"}, ["h-sports", "h-fr"]),
    ({"outlet": "hespress", "section": "sports", "lang": "ar"}, ["h-sports"]),
    ({"outlet": "le360", "since": "2025-12-21"}, ["l-sports"]),
    ({"section": "politics", "lang": "fr", "until": "2025-12-22"}, ["l-politics"]),
    ({"outlet": "le360", "lang": "ar"}, []),
]
FILTER_IDS = [
    "&".join(f"{k}={v}" for k, v in params.items()) or "all" for params, _ in FILTER_CASES
]
SEARCHED = [
    pytest.param(searched, marks=pytest.mark.postgres) if searched else searched
    for searched in (False, True)
]


@pytest.mark.parametrize("searched", SEARCHED, ids=["list", "q"])
@pytest.mark.parametrize(("params", "expected"), FILTER_CASES, ids=FILTER_IDS)
def test_filters_alone_and_together_narrow_the_list_newest_first(
    client: Client, spread: dict[str, Article], params: dict, expected: list[str], searched: bool
) -> None:
    """The same filters with ``q`` (a word every title holds) find the same articles."""
    query = {**params, "q": "المنتخب"} if searched else params

    found = ids(get(client, "/articles", data=query)["items"])

    assert found == [spread[name].id for name in expected]


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "الرباط"}, ["h-sports", "h-fr"]),
        ({"q": "رباط", "lang": "fr"}, ["h-fr"]),
        ({"q": "rabat"}, ["h-fr", "l-politics"]),
        ({"q": "rabat", "outlet": "le360"}, ["l-politics"]),
        ({"q": "الرباط", "section": "sports", "until": "2025-12-22T10:00:00Z"}, ["h-fr"]),
        ({"q": "rabat", "since": "2025-12-21"}, ["h-fr"]),
    ],
)
def test_q_with_filters_finds_only_what_matches_both(
    client: Client, spread: dict[str, Article], params: dict, expected: list[str]
) -> None:
    found = ids(get(client, "/articles", data=params)["items"])

    assert found == [spread[name].id for name in expected]


# --- cursor pages --------------------------------------------------------------------------


@pytest.fixture
def forty_five(outlets) -> None:
    """45 articles over two outlets, interleaved by the minute, five in one same second."""
    hespress, le360 = outlets
    bulk_articles(hespress, 20, section=section())
    bulk_articles(le360, 20, newest=NOW - timedelta(seconds=30))
    bulk_articles(hespress, 5, newest=NOW - timedelta(minutes=10), step=timedelta(0))
    changed()


@pytest.mark.parametrize(
    ("params", "sizes"),
    [
        ({"limit": 10}, [10, 10, 10, 10, 5]),
        ({}, [20, 20, 5]),  # 20 by default
        ({"limit": 100}, [45]),
        ({"limit": 1}, [1] * 45),
        ({"limit": 9}, [9] * 5),  # a list that ends on a full page: no empty page after
    ],
)
def test_following_next_visits_every_article_once_newest_first(
    client: Client, forty_five: None, params: dict, sizes: list[int]
) -> None:
    pages = walk(client, params)

    assert [len(page) for page in pages] == sizes
    assert [item["id"] for page in pages for item in page] == newest_ids()


def test_next_keeps_the_filters_and_the_limit(client: Client, forty_five: None) -> None:
    first = get(client, "/articles", data={"outlet": "hespress", "section": "sports", "limit": 7})

    assert first["next"].startswith(f"{ORIGIN}/api/v1/articles?")
    assert "outlet=hespress" in first["next"] and "section=sports" in first["next"]
    assert "limit=7" in first["next"] and "before=" in first["next"]
    pages = walk(client, {"outlet": "hespress", "section": "sports", "limit": 7})
    assert [len(page) for page in pages] == [7, 7, 6]
    assert [i["id"] for p in pages for i in p] == newest_ids(outlet__slug="hespress",
                                                           section__slug="sports")  # fmt: skip


def test_a_new_article_does_not_shift_the_pages_being_followed(
    client: Client, forty_five: None, outlets
) -> None:
    before = newest_ids()
    first = get(client, "/articles", data={"limit": 10})
    make_article(outlets[0], published_at=NOW + timedelta(minutes=5))  # newer than all
    changed()

    (cursor,) = parse_qs(urlsplit(first["next"]).query)["before"]
    rest = walked_ids(client, {"limit": 10, "before": cursor})

    assert ids(first["items"]) + rest == before


@pytest.fixture
def searchable(outlets) -> dict[str, list[int]]:
    """45 Arabic and 23 French articles holding "2030", some in one same minute, and
    others without it; {language: ids newest first}."""
    hespress, le360 = outlets
    arabic = [entry(f"a{n}", f"كأس العالم 2030 رقم {n}", minutes_ago=n // 3) for n in range(45)]
    french = [
        entry(f"f{n}", f"Coupe du monde 2030 numéro {n}", minutes_ago=n * 2, language="fr")
        for n in range(23)
    ]
    others = [entry(f"o{n}", f"خبر آخر {n}", minutes_ago=n) for n in range(10)]
    store_entries(hespress, [*arabic, *others], fetched_at=NOW)
    store_entries(le360, french, fetched_at=NOW)
    changed()
    with_word = Article.objects.filter(title__contains="2030")
    return {
        language: newest_ids(id__in=with_word.filter(language=language))
        for language in ("ar", "fr")
    }


@pytest.mark.postgres
@pytest.mark.parametrize("batch", [(100, 10), (7, 2)], ids=["batches", "small-batches"])
def test_pages_of_a_search_visit_every_match_once_with_and_without_lang(
    client: Client, searchable: dict[str, list[int]], monkeypatch, batch: tuple[int, int]
) -> None:
    """With ``lang``, hits are read in batches and kept by language: small batches,
    read a few at a time per request, still give every article once."""
    monkeypatch.setattr(listing, "LANGUAGE_BATCH", batch[0])
    monkeypatch.setattr(listing, "LANGUAGE_BATCHES", batch[1])
    everything = newest_ids(id__in=searchable["ar"] + searchable["fr"])

    pages = walk(client, {"q": "2030", "limit": 10})
    assert [len(page) for page in pages] == [10] * 6 + [8]
    assert [i["id"] for p in pages for i in p] == everything

    for language in ("ar", "fr"):
        found = walked_ids(client, {"q": "2030", "lang": language, "limit": 10})
        assert found == searchable[language], language
        assert len(found) == {"ar": 45, "fr": 23}[language]


def test_a_blank_q_is_no_search_and_punctuation_finds_nothing(
    client: Client, spread: dict[str, Article]
) -> None:
    assert ids(get(client, "/articles", data={"q": "  "})["items"]) == newest_ids()
    assert get(client, "/articles", data={"q": "؟!..."}) == {"items": [], "next": None}


# --- q finds what /search/ finds --------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.parametrize(("query", "expected"), CASES, ids=[q for q, _ in CASES])
def test_q_finds_what_the_search_page_shows(
    client: Client, make_outlet, query: str, expected: list[str]
) -> None:
    corpus = store_corpus(make_outlet(name="هسبريس", slug="hespress"))
    changed()

    found = ids(get(client, "/articles", data={"q": query, "limit": 100})["items"])

    assert found == [corpus[key] for key in expected]
    assert found == story_ids(parse(client.get("/search/", {"q": query})))


# --- what staff hid -------------------------------------------------------------------------


@pytest.fixture
def hidden_lead(outlets) -> tuple[Article, Article]:
    """Two articles sharing one picture as their lead, hidden by staff; a third whose
    lead is shown."""
    hespress, le360 = outlets
    first, second = make_article(hespress), make_article(le360, language="fr")
    picture = stored_image(first)
    second.article_images.create(image=picture, position=0)
    shown = make_article(hespress, published_at=NOW - timedelta(hours=1))
    stored_image(shown)
    visibility.hide(picture, None, "صورة صادمة")
    return first, second


def test_a_hidden_lead_is_null_in_lists_and_in_the_article(
    client: Client, hidden_lead: tuple[Article, Article]
) -> None:
    items = get(client, "/articles")["items"]

    assert [item["image"] is None for item in items] == [True, True, False]
    for article in hidden_lead:
        assert get(client, f"/articles/{article.id}")["image"] is None
        # The page shows the placeholder in its place, not the copy.
        lead = only(
            parse(client.get(article.get_absolute_url())), "//figure[@class='lead-figure']"
        )
        assert lead.xpath(".//img/@class") == ["hidden-image"]


@pytest.mark.postgres
def test_a_hidden_article_leaves_lists_search_and_counts_and_is_404_by_id(
    client: Client, outlets
) -> None:
    hespress, _ = outlets
    article = make_article(hespress, title="زلزال قوي يضرب إقليم الحوز")
    other = make_article(hespress, title="زلزال في خبر آخر", published_at=NOW - timedelta(hours=1))
    index_articles([article.id, other.id])
    changed()
    searched = {"q": "زلزال"}
    filtered = {"outlet": "hespress"}
    for params in ({}, searched, filtered):  # also warms the page cache
        assert ids(get(client, "/articles", data=params)["items"]) == [article.id, other.id]
    assert get(client, "/outlets/hespress")["article_count"] == 2

    visibility.set_article_hidden(article, True, None, "خبر كاذب")

    for params in ({}, searched, filtered):
        assert ids(get(client, "/articles", data=params)["items"]) == [other.id], params
    assert get(client, f"/articles/{article.id}", 404) == {
        "detail": f"no article with id {article.id}"
    }
    assert get(client, "/outlets/hespress")["article_count"] == 1
    assert {o["slug"]: o["article_count"] for o in get(client, "/outlets")} == {
        "hespress": 1,
        "le360": 0,
    }

    visibility.set_article_hidden(article, False, None, "خطأ")
    assert ids(get(client, "/articles", data=searched)["items"]) == [article.id, other.id]
    assert get(client, f"/articles/{article.id}")["id"] == article.id


# --- the body as the article page renders it --------------------------------------------------


def pictures(fragment: lxml.html.HtmlElement) -> list[tuple[str, str, str, str]]:
    """(absolute src, width, height, alt) of every picture in a body."""
    return [
        (src if src.startswith("http") else f"{ORIGIN}{src}", img.get("width"),
         img.get("height"), img.get("alt"))
        for img in fragment.iter("img")
        for src in [img.get("src")]
    ]  # fmt: skip


def test_body_html_is_the_pages_body_with_our_copies_absolute(client: Client, outlets) -> None:
    hespress, _ = outlets
    article = make_article(hespress)
    lead = stored_image(article)
    shown, hidden = stored_image(article, position=1), stored_image(article, position=2)
    pending = Image.objects.create(url="https://cdn.outlet.example.ma/pending.jpg")
    article.article_images.create(image=pending, position=3)
    raw = (
        f'<p>قبل الصور</p><figure><img src="{shown.url}" alt="صورة معروضة">'
        f"<figcaption>تعليق</figcaption></figure>"
        f'<p><a href="https://www.hespress.com/big/2.jpg"><img src="{hidden.url}" alt="x"></a></p>'
        f'<p><img src="{pending.url}" alt="لم تنسخ بعد"></p>'
        f'<p><img src="https://elsewhere.example.com/x.jpg" alt="مجهولة"></p>'
        f'<p><img src="{lead.url}" alt="الصورة الرئيسية مرة ثانية"></p><p>بعد الصور</p>'
    )
    Article.objects.filter(pk=article.pk).update(body_html=raw)
    visibility.hide(hidden, None, "صورة صادمة")

    body = get(client, f"/articles/{article.id}")["body_html"]
    page = only(parse(client.get(article.get_absolute_url())), "//div[@class='article-body']")

    ours = lxml.html.fragment_fromstring(body, create_parent="div")
    assert pictures(ours) == pictures(page)
    placeholder = f"{ORIGIN}{static('img/hidden.svg')}"
    assert [p[0] for p in pictures(ours)] == [f"{ORIGIN}{shown.copy.url}", placeholder]
    assert body != raw
    for image in (lead, shown, hidden, pending):
        assert image.url not in body
    assert "elsewhere.example.com" not in body and "big/2.jpg" not in body
    assert hidden.copy.url not in body and hidden.sha256 not in body
    # The same text; only the page's report links (a page's own tool) are not here.
    for link in page.xpath(".//a[@class='report-link']"):
        link.drop_tree()
    assert ours.text_content().split() == page.text_content().split()
    assert "/images/" not in body.replace("/media/images/", "")
