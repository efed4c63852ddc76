"""The search page as readers get it, in headless Chromium (Debian's, via
Playwright): a phone user's Arabic query typed into the header box finds the articles,
the matched words are marked, the filters narrow and sort the results and each label
stands by its control, a hostile title is shown as text, the French edition folds
accents, axe-core finds no serious accessibility fault on any kind of search page, the
Nu Html Checker finds no HTML error, and screenshots (test-artifacts/search-*.png) for a
person to look at.

The data is made here, through the real code: feeds stored by ``ingest_bytes`` (which
indexes what it stores), and a hostile row written with the ORM, then indexed with
``index_articles``. axe-core and vnu.jar come from npm into tests/tools/node_modules.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page

from articles.images.copy import copy_image
from articles.ingest.feeds import ingest_bytes
from articles.ingest.roster import bundled_picture
from articles.models import Article, ContentVersion, Image, Outlet
from articles.search.index import index_articles
from tests.support.browser import (
    ARTIFACTS,
    AXE,
    AXE_RUN,
    DESKTOP,
    PHONE,
    goto,
    open_page,
    require_tool,
    settle_for_screenshot,
    vnu_errors,
    xml_text,
)

FILTERS_SUMMARY = "تضييق البحث وترتيبه"


# ---------------------------------------------------------------------------------------
# Data: three outlets' feeds through ingest_bytes, so through store_entries' indexing.
# ---------------------------------------------------------------------------------------

RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel><title>x</title><link>https://example.ma/</link><description>x</description>
{items}
</channel></rss>
"""


@dataclass(frozen=True)
class Story:
    title: str
    summary: str
    section: str  # a section's Arabic name, as a feed's <category>
    image: bool = False


# The reader types "المملكه" (ه for ة): the first three have المملكة (or بالمملكة) in
# the title, the fourth only in its summary, the last two not at all.
HESPRESS = [
    Story(
        "المملكة المغربية تطلق برنامجا وطنيا للطاقة الشمسية",
        "أعلنت الحكومة أن المملكة ستستثمر في محطات جديدة قرب ورزازات خلال السنوات المقبلة.",
        "اقتصاد",
        image=True,
    ),
    Story(
        "أمطار غزيرة في عدة مدن بالمملكة نهاية الأسبوع",
        "توقعت المديرية العامة للأرصاد الجوية تساقطات مهمة في الشمال والوسط.",
        "مجتمع",
    ),
    Story(
        "فريق الرجاء يفوز في الدار البيضاء",
        "حقق الفريق الأخضر فوزا ثمينا أمام جماهيره في مباراة حماسية.",
        "رياضة",
        image=True,
    ),
]
ALAYAM = [
    Story(
        "وزير الخارجية يستقبل نظيره الإسباني في الرباط",
        "أكد الوزير أن علاقات المملكة مع الجارة الشمالية تعرف تطورا ملحوظا.",
        "سياسة",
    ),
    Story(
        "المملكة تستضيف مؤتمرا دوليا حول الماء",
        "يشارك في المؤتمر خبراء من أكثر من أربعين دولة لمناقشة ندرة المياه.",
        "سياسة",
        image=True,
    ),
    Story(
        "افتتاح معرض الكتاب في الرباط",
        "يستقبل المعرض زوار العاصمة طيلة عشرة أيام بمشاركة دور نشر عربية.",
        "ثقافة",
    ),
]
TELQUEL = [
    Story(
        "Économie : le Maroc mise sur l'hydrogène vert",
        "Le royaume prépare une nouvelle stratégie économique pour l'énergie.",
        "اقتصاد",
        image=True,
    ),
    Story(
        "Le Maroc accueille une conférence sur l'eau",
        "Des experts de quarante pays débattent de la rareté de l'eau à Rabat.",
        "سياسة",
    ),
]
QUERY = "المملكه"  # as a phone user types it: ه for ة
MATCHING_TITLES = [s.title for s in HESPRESS[:2]] + [ALAYAM[1].title]  # word in the title
MATCHING_SUMMARY_ONLY = [ALAYAM[0].title]


def feed(slug: str, stories: list[Story], *, minutes: int) -> bytes:
    items = []
    for i, story in enumerate(stories):
        published = format_datetime(timezone.now() - timedelta(minutes=minutes + 7 * i))
        image = (
            f'<enclosure url="https://example.ma/{slug}/{i}.jpg" type="image/jpeg" length="1"/>'
            if story.image
            else ""
        )
        items.append(
            f"<item><guid>{slug}-{i}</guid><title>{xml_text(story.title)}</title>"
            f"<link>https://example.ma/{slug}/{i}</link><pubDate>{published}</pubDate>"
            f"<category>{story.section}</category>"
            f"<description>{xml_text(story.summary)}</description>"
            f"<content:encoded>&lt;p&gt;{xml_text(story.summary)} "
            "ويتابع الموقع تطورات الخبر.&lt;/p&gt;</content:encoded>"
            f"{image}</item>"
        )
    return RSS.format(items="".join(items)).encode("utf-8")


@dataclass(frozen=True)
class SearchSite:
    hespress: Outlet
    alayam: Outlet
    telquel: Outlet


def build_search_site(make_outlet: Callable[..., Outlet]) -> SearchSite:
    hespress = make_outlet(name="هسبريس", name_latin="Hespress", slug="hespress-t")
    alayam = make_outlet(name="الأيام 24", name_latin="Alayam 24", slug="alayam-t")
    telquel = make_outlet(name="تيل كيل", name_latin="TelQuel", slug="telquel-t", language="fr")
    for outlet, stories, minutes in (
        (hespress, HESPRESS, 5),
        (alayam, ALAYAM, 8),
        (telquel, TELQUEL, 11),
    ):
        result = ingest_bytes(outlet, feed(outlet.slug, stories, minutes=minutes))
        assert result.new == len(stories), (outlet.slug, result)
    # Image copies from the demo's bundled pictures, so result cards show thumbnails.
    pending = Image.objects.filter(status=Image.Status.PENDING)
    for image_id in pending.values_list("id", flat=True):
        copy_image(image_id, download=bundled_picture)
    return SearchSite(hespress, alayam, telquel)


HOSTILE_TITLE = "<img src=x onerror=alert(1)> المغرب"
HOSTILE_SUMMARY = '<script>alert(2)</script> خبر عن المغرب <b onclick="alert(3)">x</b>'


def store_hostile_article(outlet: Outlet) -> Article:
    """A title stored raw with the ORM (no feed sanitising on the way), then indexed."""
    now = timezone.now().replace(microsecond=0)  # see test_an_undated_feed_item_...
    article = Article.objects.create(
        outlet=outlet,
        key="hostile-1",
        url="https://example.ma/hostile/1",
        title=HOSTILE_TITLE,
        summary=HOSTILE_SUMMARY,
        language="ar",
        published_at=now - timedelta(minutes=1),
        fetched_at=now,
        updated_at=now,
        content_hash="hostile",
    )
    assert index_articles([article.pk]) == 1
    ContentVersion.objects.bump()
    return article


def search_url(edition: str = "", **params: str) -> str:
    return f"{edition}/search/?{urlencode(params)}"


# ---------------------------------------------------------------------------------------
# Browser contexts that record what went wrong from the first request
# ---------------------------------------------------------------------------------------


def field_labelled(page: Page, label: str) -> Any:
    """A filter control by its label (Django's forms add a colon to it)."""
    return page.get_by_label(re.compile(f"^{label}:?$"))


def result_titles(page: Page) -> list[str]:
    return [
        " ".join(t.split()) for t in page.locator(".search-results .story-title").all_inner_texts()
    ]


# ---------------------------------------------------------------------------------------
# 1. A phone user's query from the header box
# ---------------------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_phone_user_finds_articles_from_the_header_search_box(
    live_server: Any, browser: Browser, make_outlet: Callable[..., Outlet], sections: None
) -> None:
    build_search_site(make_outlet)
    with open_page(browser, live_server.url) as (page, watch):
        goto(page, "/")
        box = page.locator("form[role=search] #search-q")
        assert box.count() == 1
        box.tap()
        page.keyboard.type(QUERY, delay=20)  # key by key, as a phone keyboard sends them
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r"/search/\?"))
        page.wait_for_load_state("load")

        assert urlsplit(page.url).path == "/search/"
        assert parse_qs(urlsplit(page.url).query) == {"q": [QUERY]}
        # Every article with the word, in title or summary, and none without it.
        titles = result_titles(page)
        assert sorted(titles) == sorted(MATCHING_TITLES + MATCHING_SUMMARY_ONLY), titles
        assert titles[0] == HESPRESS[0].title, "newest first by default"

        cards = page.locator(".search-results .story")
        for title in MATCHING_TITLES:
            card = cards.filter(has=page.locator(".story-title", has_text=title))
            marks = card.locator(".story-title mark").all_inner_texts()
            # The whole word as written, prefix and ta marbuta included, is marked.
            assert marks and all(m in ("المملكة", "بالمملكة") for m in marks), (title, marks)
            assert card.locator(".story-title a").get_attribute("href"), title
        summary_only = cards.filter(has=page.locator(".story-title", has_text=ALAYAM[0].title))
        assert summary_only.locator(".story-title mark").count() == 0
        assert summary_only.locator(".story-snippet mark").all_inner_texts() == ["المملكة"]
        # The solar-energy story has the word in its summary too: marked there as well.
        solar = cards.filter(has=page.locator(".story-title", has_text=HESPRESS[0].title))
        assert solar.locator(".story-snippet mark").all_inner_texts() == ["المملكة"]
        # A card whose summary lacks the word still shows its summary, unmarked.
        rain = cards.filter(has=page.locator(".story-title", has_text=HESPRESS[1].title))
        assert "للأرصاد الجوية" in rain.locator(".story-snippet").inner_text()
        # Marks hold text only: no markup of the stored text got through.
        assert page.locator(".search-results mark *").count() == 0

        # The query is kept: in the page's field and in the header box.
        assert page.locator("#id_q").input_value() == QUERY
        assert page.locator("#search-q").input_value() == QUERY
        assert QUERY in page.title()
        assert page.locator("html").get_attribute("dir") == "rtl"
        # Nothing sideways at phone width.
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"the results page scrolls sideways by {overflow}px"
        watch.assert_clean(page)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_search_page_field_searches_again_without_hamza(
    live_server: Any, browser: Browser, make_outlet: Callable[..., Outlet], sections: None
) -> None:
    build_search_site(make_outlet)
    with open_page(browser, live_server.url) as (page, watch):
        goto(page, search_url(q=QUERY))
        field_ = page.locator("#id_q")
        field_.fill("")
        field_.tap()
        # "اعلنت" for "أعلنت": only the solar-energy article's summary has it.
        page.keyboard.type("اعلنت", delay=20)
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r"q=%D8%A7%D8%B9%D9%84%D9%86%D8%AA"))
        assert result_titles(page) == [HESPRESS[0].title]
        assert page.locator(".story-snippet mark").all_inner_texts() == ["أعلنت"]
        assert page.locator("#id_q").input_value() == "اعلنت"
        watch.assert_clean(page)


# ---------------------------------------------------------------------------------------
# 2. Accessibility: results, no results, a refused filter
# ---------------------------------------------------------------------------------------


def search_pages() -> dict[str, tuple[str, int]]:
    """Every kind of search page: (address, status)."""
    return {
        "results": (search_url(q=QUERY), 200),
        "no-results": (search_url(q="كلمةلاتوجد"), 200),
        "no-results-filtered": (search_url(q=QUERY, source="telquel-t"), 200),
        "no-words": (search_url(q="؟!"), 200),
        "empty": ("/search/", 200),
        "bad-filter": (search_url(q=QUERY, source="no-such-outlet", sort="sideways"), 400),
        "bad-date": (search_url(q=QUERY, **{"from": "31/12/2026"}), 400),
        "fr-results": (search_url("/fr", q="economie"), 200),
        "fr-bad-filter": (search_url("/fr", q="maroc", section="nowhere"), 400),
    }


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_axe_finds_no_serious_violation_on_search_pages(
    live_server: Any, browser: Browser, make_outlet: Callable[..., Outlet], sections: None
) -> None:
    axe = require_tool(AXE)
    build_search_site(make_outlet)
    failures: dict[str, Any] = {}
    minor: dict[str, Any] = {}
    # The page's CSP would refuse axe's injected script; this context ignores it.
    with open_page(browser, live_server.url, bypass_csp=True) as (page, _watch):
        for name, (url, status) in search_pages().items():
            goto(page, url, status)
            if status == 400:
                assert page.locator(".form-errors[role=alert]").is_visible(), name
                assert page.locator(".search-filters").get_attribute("open") is not None, name
            # With the filters open, so that their controls are checked too.
            page.locator(".search-filters").evaluate("d => { d.open = true; }")
            page.add_script_tag(path=str(axe))
            violations = page.evaluate(AXE_RUN)
            serious = [v for v in violations if v["impact"] in ("serious", "critical")]
            if serious:
                failures[f"{name} {url}"] = serious
            if len(serious) < len(violations):
                minor[name] = [v for v in violations if v not in serious]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    report = {"serious": failures, "other": minor}
    (ARTIFACTS / "search-axe.json").write_text(json.dumps(report, ensure_ascii=False, indent=1))
    if minor:
        print("axe, moderate and minor:", json.dumps(minor, ensure_ascii=False, indent=1))
    assert not failures, json.dumps(failures, ensure_ascii=False, indent=1)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_refused_filter_says_why_and_keeps_the_query(
    live_server: Any, browser: Browser, make_outlet: Callable[..., Outlet], sections: None
) -> None:
    build_search_site(make_outlet)
    with open_page(browser, live_server.url) as (page, watch):
        goto(page, search_url(q=QUERY, source="no-such-outlet"), 400)
        assert page.locator(".form-errors[role=alert]").is_visible()
        assert page.get_by_text("هذا المصدر غير موجود.").is_visible()
        assert page.locator(".search-results").count() == 0
        assert page.locator("#id_q").input_value() == QUERY
        # The error is tied to its control for screen readers.
        outlet = field_labelled(page, "المصدر")
        assert outlet.get_attribute("aria-invalid") == "true"
        described = (outlet.get_attribute("aria-describedby") or "").split()
        texts = [page.locator(f"[id='{i}']").inner_text() for i in described]
        assert any("هذا المصدر غير موجود." in t for t in texts), texts
        # A 400 page is a page: the browser logs the status as a console error, nothing else.
        others = [m for m in watch.console_errors if "400" not in m]
        assert others == [] and watch.page_errors == [], (others, watch.page_errors)


# ---------------------------------------------------------------------------------------
# 3. Filters
# ---------------------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_filters_narrow_and_sort_the_results(
    live_server: Any, browser: Browser, make_outlet: Callable[..., Outlet], sections: None
) -> None:
    site = build_search_site(make_outlet)
    with open_page(browser, live_server.url) as (page, watch):
        goto(page, search_url(q=QUERY))
        assert len(result_titles(page)) == 4
        details = page.locator("details.search-filters")
        assert details.get_attribute("open") is None, "closed until the reader opens it"
        outlet = field_labelled(page, "المصدر")
        assert not outlet.is_visible()
        page.get_by_text(FILTERS_SUMMARY, exact=True).tap()
        assert details.get_attribute("open") is not None
        assert outlet.is_visible()

        outlet.select_option(label=site.alayam.name)
        field_labelled(page, "الترتيب").select_option(label="الأقرب إلى البحث")
        with page.expect_navigation():
            details.get_by_role("button", name="طبّق").tap()

        params = parse_qs(urlsplit(page.url).query)
        assert params["q"] == [QUERY]
        assert params["source"] == [site.alayam.slug]
        assert params["sort"] == ["relevance"]
        # Only that outlet's two matches; the title match ranks above the summary match.
        titles = result_titles(page)
        assert titles == [ALAYAM[1].title, ALAYAM[0].title], titles
        outlets = set(page.locator(".search-results .byline a").all_inner_texts())
        assert outlets == {site.alayam.name}, outlets
        # The choices stay shown, and the filters open, on the filtered page.
        assert details.get_attribute("open") is not None
        assert outlet.input_value() == site.alayam.slug
        assert field_labelled(page, "الترتيب").input_value() == "relevance"
        assert page.locator("#id_q").input_value() == QUERY

        # A section as well: the Hespress outlet's society story only.
        outlet.select_option(label=site.hespress.name)
        field_labelled(page, "القسم").select_option(label="مجتمع")
        with page.expect_navigation():
            details.get_by_role("button", name="طبّق").tap()
        params = parse_qs(urlsplit(page.url).query)
        assert params["source"] == [site.hespress.slug] and params["section"] == ["society"]
        assert result_titles(page) == [HESPRESS[1].title]
        watch.assert_clean(page)


FIELD_PAIRS = """
() => {
  const controls = [...document.querySelectorAll(".filter-grid select, .filter-grid input")];
  const box = (el) => el.getBoundingClientRect();
  const rowOverlap = (a, b) => a.top < b.bottom && b.top < a.bottom;
  const columnOverlap = (a, b) => a.left < b.right && b.left < a.right;
  return [...document.querySelectorAll(".filter-grid label")].flatMap((label) => {
    const own = document.getElementById(label.htmlFor);
    const l = box(label), c = box(own);
    // The control's own error message may stand between its label and it.
    const messages = (own.getAttribute("aria-describedby") || "").split(" ")
      .map((id) => document.getElementById(id)).filter(Boolean)
      .reduce((height, el) => height + box(el).height, 0);
    const beside = rowOverlap(l, c);
    const below = columnOverlap(l, c) && c.top >= l.bottom - 1
      && c.top - l.bottom < 40 + messages;
    const others = controls.filter((o) => o !== own && rowOverlap(box(o), l));
    if ((beside || below) && others.length === 0) return [];
    return [`${label.textContent.trim()} is not beside its own control`
      + (others.length ? ` but beside #${others[0].id}` : "")];
  });
}
"""


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("device", "refused"),
    [
        pytest.param(PHONE, False, id="phone"),
        pytest.param(PHONE, True, id="phone-refused"),
        pytest.param(DESKTOP, False, id="desktop"),
        pytest.param(
            DESKTOP,
            True,
            id="desktop-refused",
        ),
    ],
)
def test_each_filter_label_is_beside_its_own_control(
    live_server: Any,
    browser: Browser,
    make_outlet: Callable[..., Outlet],
    sections: None,
    device: dict[str, Any],
    refused: bool,
) -> None:
    build_search_site(make_outlet)
    outlet = "no-such-outlet" if refused else "alayam-t"
    with open_page(browser, live_server.url, device) as (page, _watch):
        goto(page, search_url(q=QUERY, source=outlet), 400 if refused else 200)
        assert page.locator(".search-filters").get_attribute("open") is not None
        assert page.locator(".filter-grid label").count() == 5
        assert page.evaluate(FIELD_PAIRS) == []


# ---------------------------------------------------------------------------------------
# 4. Hostile text
# ---------------------------------------------------------------------------------------

INJECTED = """
() => ({
  images: [...document.querySelectorAll("main img")].filter((i) => !i.closest(".story-media"))
    .map((i) => i.outerHTML),
  scripts: [...document.querySelectorAll("main script, main b, main [onclick], [onerror]")]
    .map((e) => e.outerHTML),
  dialogs: window.__dialogs,
})
"""


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_hostile_title_is_shown_highlighted_as_text(
    live_server: Any, browser: Browser, make_outlet: Callable[..., Outlet], sections: None
) -> None:
    site = build_search_site(make_outlet)
    store_hostile_article(site.hespress)
    with open_page(browser, live_server.url) as (page, watch):
        for query, marked in (("المغرب", "المغرب"), ("onerror", "onerror")):
            goto(page, search_url(q=query))
            page.wait_for_timeout(200)  # an onerror would have fired by now
            card = page.locator(".search-results .story").filter(has_text="onerror")
            assert card.count() == 1, query
            title = card.locator(".story-title a")
            assert " ".join(title.inner_text().split()) == HOSTILE_TITLE, query
            assert title.locator("mark").all_inner_texts() == [marked], query
            assert title.evaluate("a => [...a.children].every(c => c.tagName === 'MARK')")
            snippet = card.locator(".story-snippet")
            # A snippet starts and ends on a word: the leading "<" and the closing ">"
            # are cut; the rest of the markup is shown as text.
            assert "script>alert(2)</script> خبر عن" in snippet.inner_text(), query
            assert '<b onclick="alert(3)">x</b' in snippet.inner_text(), query
            found = page.evaluate(INJECTED)
            assert found == {"images": [], "scripts": [], "dialogs": []}, (query, found)
        # What the reader typed is reflected as text too.
        hostile_query = '"><img src=x onerror=alert(4)><script>alert(5)</script>'
        goto(page, search_url(q=hostile_query))
        page.wait_for_timeout(200)
        assert page.locator("#id_q").input_value() == hostile_query
        assert page.locator("#search-q").input_value() == hostile_query
        found = page.evaluate(INJECTED)
        assert found["images"] == [] and found["dialogs"] == [], found
        assert [s for s in found["scripts"] if "<b" not in s] == [], found
        watch.assert_clean(page)


# ---------------------------------------------------------------------------------------
# The French edition
# ---------------------------------------------------------------------------------------

ARABIC_LETTERS = re.compile("[\u0600-\u06ff]+")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_french_edition_finds_and_marks_without_accents(
    live_server: Any, browser: Browser, make_outlet: Callable[..., Outlet], sections: None
) -> None:
    build_search_site(make_outlet)
    with open_page(browser, live_server.url, locale="fr-MA") as (page, watch):
        goto(page, "/fr/")
        page.locator("#search-q").tap()
        page.keyboard.type("economie maroc", delay=20)
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r"/fr/search/\?"))
        assert page.locator("html").get_attribute("lang") == "fr"
        assert page.locator("html").evaluate("el => getComputedStyle(el).direction") == "ltr"
        # Both words, accents folded: the hydrogen story only (the other lacks "économie").
        assert result_titles(page) == [TELQUEL[0].title]
        marks = page.locator(".search-results .story-title mark").all_inner_texts()
        assert marks == ["Économie", "Maroc"], marks
        assert page.locator("#id_q").input_value() == "economie maroc"
        watch.assert_clean(page)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_french_search_form_is_all_french(
    live_server: Any, browser: Browser, make_outlet: Callable[..., Outlet], sections: None
) -> None:
    build_search_site(make_outlet)
    with open_page(browser, live_server.url, locale="fr-MA") as (page, _watch):
        goto(page, search_url("/fr", q="maroc"))
        page.locator(".search-filters").evaluate("d => { d.open = true; }")
        # The form's own words; outlet names are the outlets' (their Latin names here).
        text = page.locator("form.search-page").inner_text()
        assert ARABIC_LETTERS.findall(text) == [], text


# ---------------------------------------------------------------------------------------
# 5. HTML validity (the Nu Html Checker), no browser needed
# ---------------------------------------------------------------------------------------


def save_pages(client: Any, folder: Path, pages: dict[str, tuple[str, int]]) -> list[Path]:
    files = []
    for name, (url, status) in pages.items():
        response = client.get(url)
        assert response.status_code == status, (url, response.status_code)
        path = folder / f"{name}.html"
        path.write_bytes(response.content)
        files.append(path)
    return files


@pytest.mark.java
@pytest.mark.django_db
def test_search_pages_are_valid_html(
    client: Any, tmp_path: Path, make_outlet: Callable[..., Outlet], sections: None
) -> None:
    site = build_search_site(make_outlet)
    store_hostile_article(site.hespress)
    # The refused date has its own test below (a known fault).
    pages = {name: page for name, page in search_pages().items() if name != "bad-date"} | {
        "filtered": (search_url(q=QUERY, source="alayam-t", sort="relevance"), 200),
        "hostile": (search_url(q="المغرب"), 200),
    }
    errors = vnu_errors(save_pages(client, tmp_path, pages))
    assert not errors, "\n".join(errors)


@pytest.mark.java
@pytest.mark.django_db
def test_a_refused_date_leaves_valid_html(
    client: Any, tmp_path: Path, make_outlet: Callable[..., Outlet], sections: None
) -> None:
    build_search_site(make_outlet)
    pages = {"bad-date": (search_url(q=QUERY, **{"from": "31/12/2026"}), 400)}
    errors = vnu_errors(save_pages(client, tmp_path, pages))
    assert not errors, "\n".join(errors)


@pytest.mark.java
@pytest.mark.django_db
def test_an_undated_feed_item_leaves_valid_html(
    client: Any, tmp_path: Path, make_outlet: Callable[..., Outlet], sections: None
) -> None:
    outlet = make_outlet(name="مصدر بلا تواريخ", slug="undated-t")
    item = (
        "<item><guid>undated-1</guid><title>المملكة بلا تاريخ نشر</title>"
        "<link>https://example.ma/undated/1</link><description>نص</description></item>"
    )
    ingest_bytes(outlet, RSS.format(items=item).encode("utf-8"))
    assert Article.objects.get().published_at.microsecond, "the case needs a fraction"
    pages = {"undated": (search_url(q=QUERY), 200)}
    errors = vnu_errors(save_pages(client, tmp_path, pages))
    assert not errors, "\n".join(errors)


# ---------------------------------------------------------------------------------------
# 6. Screenshots for a person to look at: test-artifacts/search-*.png
# ---------------------------------------------------------------------------------------

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_screenshots_of_the_search_page(
    live_server: Any, browser: Browser, make_outlet: Callable[..., Outlet], sections: None
) -> None:
    build_search_site(make_outlet)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    filtered = search_url(q=QUERY, source="alayam-t", sort="relevance")
    shots: dict[str, tuple[dict[str, Any], str, str]] = {
        "search-phone": (PHONE, "light", search_url(q=QUERY)),
        "search-desktop": (DESKTOP, "light", search_url(q=QUERY)),
        "search-fr-phone": (PHONE, "light", search_url("/fr", q="economie maroc")),
        "search-phone-dark": (PHONE, "dark", search_url(q=QUERY)),
        "search-desktop-dark": (DESKTOP, "dark", search_url(q=QUERY)),
        "search-filters-phone": (PHONE, "light", filtered),
        "search-filters-desktop": (DESKTOP, "light", filtered),
        "search-error-desktop": (DESKTOP, "light", search_url(q=QUERY, source="nowhere")),
        "search-error-phone": (PHONE, "light", search_url(q=QUERY, source="nowhere")),
        "search-empty-phone": (PHONE, "light", search_url(q="كلمةلاتوجد", section="sports")),
    }
    paths = []
    for name, (device, scheme, url) in shots.items():
        with open_page(browser, live_server.url, device, color_scheme=scheme) as (page, _w):
            page.goto(url)
            settle_for_screenshot(page)
            page.wait_for_timeout(300)
            path = ARTIFACTS / f"{name}.png"
            path.unlink(missing_ok=True)
            page.screenshot(path=str(path), full_page=True)
            paths.append(path)
    for path in paths:
        assert path.is_file() and path.stat().st_size > 10_000, path
        assert path.read_bytes()[:8] == PNG_SIGNATURE, path
