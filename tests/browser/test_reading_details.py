"""Details a new reader saw on a phone (issue 17), in headless Chromium: bylines and
dates follow the page's direction, every character of an Arabic line comes from our
Naskh (the fonts Chromium really used, through CDP), Arabic on French pages too, every
navigation fits or shows that it scrolls, a card's picture is never larger than our
copy, a wordless title never shows; and the pages stay clean for axe-core and the Nu
Html Checker."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation
from playwright.sync_api import Browser, Page

from articles.ingest.feeds import ingest_bytes
from articles.ingest.roster import load_demo
from articles.models import Article, Outlet, Section
from articles.search.index import rebuild
from tests.support.browser import (
    AXE,
    AXE_RUN,
    DESKTOP,
    PHONE,
    goto,
    open_page,
    require_tool,
    vnu_errors,
)
from tests.support.moderation import copied_image, demo_picture, make_article, resized
from tests.support.site import changed

pytestmark = pytest.mark.usefixtures("_fresh_pages")

DIRECTION = "el => getComputedStyle(el).direction"
OUR_FACE = "Noto Naskh Arabic"


def fonts_used(page: Page, selector: str) -> dict[str, int]:
    """The faces Chromium drew the text of ``selector``'s first match with, and how many
    glyphs each (CDP CSS.getPlatformFontsForNode, on each of its text nodes)."""
    page.evaluate("document.fonts.ready.then(() => true)")
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument", {"depth": -1, "pierce": False})["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    assert node, f"nothing matches {selector}"
    described = cdp.send("DOM.describeNode", {"nodeId": node, "depth": -1})["node"]
    texts = list(_text_nodes(described))
    cdp.send("DOM.pushNodesByBackendIdsToFrontend", {"backendNodeIds": texts})
    used: dict[str, int] = {}
    for backend in texts:
        (text_node,) = cdp.send(
            "DOM.pushNodesByBackendIdsToFrontend", {"backendNodeIds": [backend]}
        )["nodeIds"]
        for font in cdp.send("CSS.getPlatformFontsForNode", {"nodeId": text_node})["fonts"]:
            name = font["familyName"] + ("" if font["isCustomFont"] else " (system)")
            used[name] = used.get(name, 0) + font["glyphCount"]
    cdp.detach()
    return used


def _text_nodes(node: dict[str, Any]) -> Any:
    if node.get("nodeType") == 3 and node.get("nodeValue", "").strip():
        yield node["backendNodeId"]
    for child in node.get("children", []):
        yield from _text_nodes(child)


@pytest.fixture
def mixed_site(make_outlet: Callable[..., Outlet], sections: None) -> dict[str, Any]:
    """An Arabic outlet whose name holds digits, with a French report; a French outlet
    with an Arabic one; each with a picture copied by the real copy code."""
    arabic = make_outlet(name="اليوم 24", name_latin="Alyaoum 24", slug="alyaoum24")
    french = make_outlet(name="تيل كيل", name_latin="TelQuel", slug="telquel", language="fr")
    a = make_article(arabic, title="الحكومة تصادق على مشروع قانون المالية!", section="politics")
    f = make_article(french, title="Le gouvernement adopte le projet de loi", section="politics")
    Article.objects.filter(pk=f.pk).update(language="fr")
    a_fr = make_article(french, title="Le Maroc se qualifie pour la finale", section="sports")
    Article.objects.filter(pk=a_fr.pk).update(language="fr")
    f_ar = make_article(arabic, title="المنتخب المغربي يتأهل إلى النهائي", section="sports")
    for n, article in enumerate((a, f, a_fr, f_ar), start=1):
        copied_image(article, demo_picture(n))
    rebuild()
    changed()
    return {"arabic": arabic, "french": french}


# ---------------------------------------------------------------------------------------
# 1. Bylines and dates follow the page
# ---------------------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_bylines_follow_the_page_direction_under_a_headline_in_the_other_language(
    live_server: Any, browser: Browser, mixed_site: dict[str, Any]
) -> None:
    politics = Section.objects.get(slug="politics")
    with translation.override("ar"):
        lists = ["/", politics.get_absolute_url()]
        outlets = {"fr": mixed_site["french"], "ar": mixed_site["arabic"]}
        outlets = {lang: outlet.get_absolute_url() for lang, outlet in outlets.items()}
    for edition, page_dir, other in (("", "rtl", "fr"), ("/fr", "ltr", "ar")):
        with open_page(browser, live_server.url, device=DESKTOP) as (page, watch):
            search = "/search/?q=" + ("Maroc" if other == "fr" else "المنتخب")
            for url in [*lists, outlets[other], search]:
                goto(page, edition + url)
                cards = page.locator(f".story:has(.story-title[lang={other}])")
                assert cards.count() >= 1, (edition + url, "no card in the other language")
                for i in range(cards.count()):
                    card = cards.nth(i)
                    title = card.locator(".story-title")
                    assert title.evaluate(DIRECTION) != page_dir, (edition + url, "title")
                    byline = card.locator(".byline")
                    assert byline.evaluate(DIRECTION) == page_dir, (edition + url, "byline")
                    assert card.locator(".story-text").evaluate(DIRECTION) == page_dir
            watch.assert_clean(page)


# ---------------------------------------------------------------------------------------
# 2, 3. Our font for every character of an Arabic line, on both editions
# ---------------------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_digits_and_punctuation_of_arabic_pages_come_from_our_font(
    live_server: Any, browser: Browser, mixed_site: dict[str, Any]
) -> None:
    with open_page(browser, live_server.url, device=PHONE) as (page, watch):
        goto(page, "/")
        # "اليوم 24": a space and two digits in the outlet's name, then " · " and a time.
        byline = ".story:has(.story-title[lang=ar]) .byline"
        assert page.locator(byline).first.inner_text().startswith("اليوم 24")
        assert set(fonts_used(page, byline)) == {OUR_FACE}, fonts_used(page, byline)
        # The headline's "!" and the article page's date "DD - MM - YYYY".
        assert set(fonts_used(page, ".story-title[lang=ar] a")) == {OUR_FACE}
        article = Article.objects.filter(outlet=mixed_site["arabic"], language="ar").first()
        assert article is not None
        goto(page, article.get_absolute_url())
        attribution = page.locator(".attribution").inner_text()
        assert any(ch.isdigit() for ch in attribution), attribution
        for part in (".attribution", ".dateline", ".kicker"):
            assert set(fonts_used(page, part)) == {OUR_FACE}, (part, fonts_used(page, part))
        watch.assert_clean(page)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_arabic_text_on_french_pages_uses_our_font_and_latin_text_the_system_face(
    live_server: Any, browser: Browser, mixed_site: dict[str, Any]
) -> None:
    with open_page(browser, live_server.url, device=PHONE) as (page, watch):
        goto(page, "/fr/")
        assert set(fonts_used(page, ".story-title[lang=ar] a")) == {OUR_FACE}
        assert set(fonts_used(page, ".ticker-track bdi[lang=ar]")) == {OUR_FACE}
        latin = fonts_used(page, ".story-title[lang=fr] a")
        assert latin and all(name.endswith("(system)") for name in latin), latin
        article = Article.objects.filter(outlet=mixed_site["arabic"], language="ar").first()
        assert article is not None
        goto(page, f"/fr{article.get_absolute_url()}")
        assert set(fonts_used(page, ".article-title")) == {OUR_FACE}
        assert set(fonts_used(page, ".article-body")) == {OUR_FACE}
        watch.assert_clean(page)


# ---------------------------------------------------------------------------------------
# 4. Every navigation fits, or shows that it scrolls
# ---------------------------------------------------------------------------------------

NAV_STATE = """() => {
  const ul = document.querySelector(".sections ul");
  const hint = getComputedStyle(ul, "::after");
  const inside = (el) => { const r = el.getBoundingClientRect();
                           return r.left >= -0.5 && r.right <= innerWidth + 0.5; };
  return {
    page: document.documentElement.scrollWidth, view: innerWidth,
    list: ul.scrollWidth, shown: ul.clientWidth,
    links: [...ul.querySelectorAll("a")].map((a) => [a.textContent.trim(), inside(a)]),
    masthead: [...document.querySelectorAll(".brand, .outlets-menu summary, .search")]
      .map((el) => [el.className || el.tagName, inside(el)]),
    hint: {content: hint.content, position: hint.position, image: hint.backgroundImage,
           width: parseFloat(hint.width)},
  };
}"""


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [320, 390, 768, 1280])
def test_every_navigation_fits_or_visibly_scrolls(
    live_server: Any, browser: Browser, sections: None, width: int
) -> None:
    load_demo()
    device = {"viewport": {"width": width, "height": 800}}
    with open_page(browser, live_server.url, device=device) as (page, watch):
        for edition in ("/", "/fr/"):
            goto(page, edition)
            state = page.evaluate(NAV_STATE)
            where = (edition, width)
            assert state["page"] <= state["view"], (where, "the page scrolls sideways", state)
            assert all(inside for _, inside in state["masthead"]), (where, state["masthead"])
            assert len(state["links"]) >= 10, where
            if width >= 640:  # wide enough to wrap: every section in view, none scrolled
                assert state["list"] <= state["shown"] + 1, (where, state)
                assert all(inside for _, inside in state["links"]), (where, state["links"])
            else:
                assert state["list"] > state["shown"], (where, "expected to scroll here")
                hint = state["hint"]
                assert hint["content"] != "none" and hint["position"] == "sticky", hint
                assert "linear-gradient" in hint["image"] and hint["width"] >= 24, hint
                # Scrolled to its end, every link can be reached: the last one shows.
                page.locator(".sections a").last.scroll_into_view_if_needed()
                last = page.evaluate(NAV_STATE)["links"][-1]
                assert last[1], (where, last)
        watch.assert_clean(page)


# ---------------------------------------------------------------------------------------
# 5. A card's picture is never larger than our copy
# ---------------------------------------------------------------------------------------

SHOWN_SIZES = """() => [...document.querySelectorAll(".story-media img")].map((img) => ({
  src: img.currentSrc, shown: img.getBoundingClientRect().width,
  copy: Number(img.getAttribute("width")), lead: !!img.closest(".story-lead"),
  section: !!img.closest(".section-block"),
}))"""


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_card_never_shows_a_picture_larger_than_our_copy(
    live_server: Any, browser: Browser, make_outlet: Callable[..., Outlet], sections: None
) -> None:
    outlet = make_outlet(name="هسبريس", slug="hespress")
    # The lead story's copy is small (a 240 px original); one section has one story.
    lead = make_article(outlet, title="خبر بصورة صغيرة", section="economy")
    copied_image(lead, resized(demo_picture(1), 0.2))
    alone = make_article(outlet, title="الخبر الوحيد في قسمه", section="culture", minutes_ago=5)
    copied_image(alone, demo_picture(2))
    changed()
    for device in (DESKTOP, PHONE):
        with open_page(browser, live_server.url, device=device) as (page, watch):
            goto(page, "/")
            page.evaluate("document.querySelectorAll('img').forEach(i => i.loading = 'eager')")
            shown = page.evaluate(SHOWN_SIZES)
            assert any(s["lead"] for s in shown) and any(s["section"] for s in shown), shown
            too_big = [s for s in shown if s["shown"] > s["copy"] + 0.5]
            assert too_big == [], too_big
            watch.assert_clean(page)


# ---------------------------------------------------------------------------------------
# 10. A title with no word to read never shows
# ---------------------------------------------------------------------------------------

WORDLESS = """<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE rss [
 <!ENTITY lol "lol">
 <!ENTITY lol9 "&lol;&lol;">
]>
<rss version="2.0"><channel><title>x</title><link>https://example.ma/</link>
<description>x</description>
<item><title>&lol9;</title><link>https://example.ma/news/wordless</link>
<guid>wordless</guid><description>&lol9;</description></item>
<item><title>خبر عادي</title><link>https://example.ma/news/plain</link><guid>plain</guid></item>
</channel></rss>
"""


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_title_made_of_an_unknown_entity_never_shows_on_the_home_page(
    live_server: Any, browser: Browser, make_outlet: Callable[..., Outlet], sections: None
) -> None:
    outlet = make_outlet(name="هسبريس", slug="hespress")
    ingest_bytes(outlet, WORDLESS.encode())
    with open_page(browser, live_server.url, device=DESKTOP) as (page, watch):
        goto(page, "/")
        text = page.locator("body").inner_text()
        assert "lol9" not in text and "&lol" not in text
        titles = page.locator(".story-title a").all_inner_texts()
        assert "https://example.ma/news/wordless" in titles and "خبر عادي" in titles, titles
        assert page.locator(".ticker-track a", has_text="lol").count() == 0
        watch.assert_clean(page)


# ---------------------------------------------------------------------------------------
# The pages touched stay valid and accessible
# ---------------------------------------------------------------------------------------


def touched_pages(outlets: dict[str, Any]) -> list[str]:
    article = Article.objects.filter(outlet=outlets["arabic"], language="ar").first()
    french = Article.objects.filter(outlet=outlets["french"], language="fr").first()
    assert article is not None and french is not None
    with translation.override("ar"):
        pages = [
            "/",
            article.get_absolute_url(),
            french.get_absolute_url(),
            Section.objects.get(slug="sports").get_absolute_url(),
            outlets["arabic"].get_absolute_url(),
            "/search/?q=Maroc",
        ]
    return pages + [f"/fr{url}" for url in pages]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_touched_pages_have_no_axe_violation_at_all(
    live_server: Any, browser: Browser, mixed_site: dict[str, Any]
) -> None:
    axe = require_tool(AXE)
    failures = {}
    for device in (PHONE, DESKTOP):
        # The page's CSP would refuse axe's injected script; this context ignores it.
        with open_page(browser, live_server.url, device=device, bypass_csp=True) as (page, _w):
            for url in touched_pages(mixed_site):
                goto(page, url)
                page.add_script_tag(path=str(axe))
                violations = page.evaluate(AXE_RUN)
                if violations:
                    failures[url] = violations
    assert not failures, json.dumps(failures, ensure_ascii=False, indent=1)


@pytest.mark.java
@pytest.mark.django_db
def test_touched_pages_are_valid_html(
    client: Any, tmp_path: Path, mixed_site: dict[str, Any]
) -> None:
    files = []
    for n, url in enumerate(touched_pages(mixed_site)):
        response = client.get(url)
        assert response.status_code == 200, url
        path = tmp_path / f"page-{n}.html"
        path.write_bytes(response.content)
        files.append(path)
    assert vnu_errors(files) == []
