"""Every page kind, in both editions, describes itself: a non-empty meta description
(Lighthouse's SEO audit, and what a search engine shows under the link), even for an
article with neither summary nor body."""

from __future__ import annotations

import lxml.html
import pytest
from django.test import Client
from django.utils import translation

from tests.support.site import changed, make_article, parse, section
from tests.support.story_rows import make_story

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sections")]


def description(client: Client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    tree = lxml.html.fromstring(response.content.decode())
    (meta,) = tree.xpath("//head/meta[@name='description']")
    return " ".join((meta.get("content") or "").split())


def test_an_article_with_no_summary_and_no_body_is_described_by_its_title_and_outlet(
    make_outlet, client: Client
) -> None:
    outlet = make_outlet(name="هسبريس", name_latin="Hespress")
    bare = make_article(outlet, title="عنوان بلا ملخص", summary="", body_html="")
    changed()

    url = bare.get_absolute_url()
    og = parse(client.get(url)).xpath("//meta[@property='og:description']")
    assert og[0].get("content") == "عنوان بلا ملخص - هسبريس"
    assert description(client, url) == "عنوان بلا ملخص - هسبريس"
    assert description(client, f"/fr{url}") == "عنوان بلا ملخص - Hespress"


def test_an_article_with_a_body_but_no_summary_is_described_by_its_body(
    make_outlet, client: Client
) -> None:
    outlet = make_outlet()
    article = make_article(outlet, summary="", body_html="<p>أول <b>فقرة</b> من النص</p>")
    changed()

    assert description(client, article.get_absolute_url()) == "أول فقرة من النص"


@pytest.mark.parametrize("edition", ["", "/fr"])
def test_every_page_kind_has_a_meta_description(make_outlet, client: Client, edition: str) -> None:
    outlet = make_outlet(name="هسبريس", name_latin="Hespress", slug="hespress")
    other = make_outlet(name="لو360", name_latin="Le360", slug="le360", language="fr")
    sports = section()
    first = make_article(outlet, title="عنوان", summary="", body_html="", section=sports)
    second = make_article(other, title="Un titre", summary="", body_html="", language="fr")
    story = make_story(first, second)
    changed()
    with translation.override("ar"):  # unprefixed addresses, whatever is active
        pages = {
            "home": "/",
            "article": first.get_absolute_url(),
            "article-fr": second.get_absolute_url(),
            "story": story.get_absolute_url(),
            "section": sports.get_absolute_url(),
            "outlet": outlet.get_absolute_url(),
            "outlets": "/outlets/",
            "about": "/about/",
            "search": "/search/?q=%D8%B9%D9%86%D9%88%D8%A7%D9%86",
            "empty-search": "/search/",
        }
    found = {name: description(client, edition + url) for name, url in pages.items()}
    found["404"] = description(client, f"{edition}/hespress/999999/", status=404)

    assert [name for name, text in found.items() if len(text) < 5] == [], found
