"""Hostile feeds come out of the API inert: every payload of the XSS corpora (DOMPurify's
and bleach's) in every field of an RSS 2.0 item and of an Atom entry, ingested through
the real path (``ingest_bytes``), then read through /api/v1/.

* ``title``, ``summary`` and ``author`` are plain text: nothing a parser reads as markup,
  and exactly what was stored (the API neither escapes nor unescapes);
* ``url`` is our page, ``original_url`` http(s) or null, ``image`` our copy or null;
* ``body_html`` holds no element or attribute outside the nh3 policy
  (``articles.lib.html``) but the few our rendering adds, no URL but http(s) and mailto,
  and no ``<img>`` but our own copies and the hidden picture's placeholder.

Every picture a feed names is given a copy of ours (rows as a copy leaves them; the
files are not needed), every second one hidden, so that the payloads' alt texts and
links reach our copies and placeholders too. The feeds and the checker are the ingest
tests' (tests/support/corpora.py).
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

import lxml.html
import pytest
from bs4 import MarkupResemblesLocatorWarning
from django.conf import settings as django_settings
from django.templatetags.static import static
from django.test import Client

from articles.ingest.feeds import ingest_bytes
from articles.lib.html import ALLOWED_ATTRIBUTES, ALLOWED_TAGS
from articles.lib.text import plain_text
from articles.models import Article, Image, Outlet, Visibility
from tests.support.api import ORIGIN, get
from tests.support.corpora import PAYLOADS, html_problems, is_http_url, payload_feed, xss_cases
from tests.support.site import changed

pytestmark = [
    pytest.mark.django_db,
    # A payload may well look like a URL or a file name to BeautifulSoup.
    pytest.mark.filterwarnings(
        f"ignore::{MarkupResemblesLocatorWarning.__module__}."
        f"{MarkupResemblesLocatorWarning.__name__}"
    ),
]

PLAIN_FIELDS = ("title", "summary", "author")
# What rendering adds to the policy: our copies' size and loading, the placeholder's
# box and label; nh3 gives every link its rel.
RENDERED_ATTRIBUTES = {"img": {"loading", "decoding", "class"}, "span": {"class"}, "a": {"rel"}}
RENDERED_CLASSES = {"hidden-image", "hidden-image-box", "hidden-image-label"}
URL_ATTRIBUTES = ("href", "src", "cite")
OUR_PAGE = re.compile(rf"^{re.escape(ORIGIN)}/[-\w]+/\d+/$")


def give_copies(outlet: Outlet) -> int:
    """Every picture of ``outlet``'s articles stored as a copy of ours, every second one
    hidden; returns how many."""
    images = Image.objects.filter(articles__outlet=outlet).distinct().order_by("id")
    for n, image in enumerate(images):
        digest = hashlib.sha256(f"{image.id}".encode()).hexdigest()
        Image.objects.filter(pk=image.pk).update(
            status=Image.Status.STORED, sha256=digest, copy_width=800, copy_height=450,
            copy=f"images/{digest[:2]}/{digest}-1200.webp", copy_byte_size=1000,
            thumbnail=f"images/{digest[:2]}/{digest}-400.webp", thumbnail_width=400,
            thumbnail_height=225,
            visibility=Visibility.STAFF_HIDDEN if n % 2 else Visibility.SHOWN,
        )  # fmt: skip
    changed()
    return len(images)


def allowed_attributes(tag: str) -> set[str]:
    return (
        ALLOWED_ATTRIBUTES["*"]
        | ALLOWED_ATTRIBUTES.get(tag, set())
        | RENDERED_ATTRIBUTES.get(tag, set())
    )


def body_problems(body: str) -> list[str]:
    """What in ``body`` is outside the policy, a script URL, or a picture not ours."""
    problems = html_problems(body)
    if not body:
        return problems
    ours = f"{ORIGIN}{django_settings.MEDIA_URL}images/"
    placeholder = f"{ORIGIN}{static('img/hidden.svg')}"
    root = lxml.html.fragment_fromstring(body, create_parent="div")
    for element in root.iterdescendants():
        if not isinstance(element.tag, str):  # a comment or a processing instruction
            problems.append(f"not an element: {lxml.html.tostring(element)!r}")
            continue
        tag = element.tag
        if tag not in ALLOWED_TAGS:
            problems.append(f"element <{tag}> outside the policy")
        extra = set(element.attrib) - allowed_attributes(tag)
        if extra:
            problems.append(f"attributes {sorted(extra)} on <{tag}> outside the policy")
        if "class" in element.attrib and set(element.get("class", "").split()) - RENDERED_CLASSES:
            problems.append(f"class={element.get('class')!r} on <{tag}>")
        for name in URL_ATTRIBUTES:
            value = element.get(name)
            if value is not None and not value.startswith(("http://", "https://", "mailto:")):
                problems.append(f"{name}={value!r} on <{tag}>")
        if tag == "img" and not (element.get("src", "").startswith(ours)
                                 or element.get("src") == placeholder):  # fmt: skip
            problems.append(f"<img src={element.get('src')!r}> is not ours")
        if tag == "a" and element.get("rel") != "noopener noreferrer":
            problems.append(f"<a rel={element.get('rel')!r}>")
    return problems


def assert_item_inert(item: dict[str, Any], article: Article, where: str) -> None:
    for name in PLAIN_FIELDS:
        value = item[name]
        stored = article.byline_author if name == "author" else getattr(article, name)
        assert value == stored, f"{where}: {name} is not what was stored: {value!r}"
        assert plain_text(value) == value, f"{where}: {name} is not plain text: {value!r}"
        assert not html_problems(value), f"{where}: {name} {value!r}: {html_problems(value)}"
    assert OUR_PAGE.match(item["url"]), f"{where}: url {item['url']!r}"
    original = item["original_url"]
    assert original is None or is_http_url(original), f"{where}: original_url {original!r}"
    image = item["image"]
    assert image is None or image["url"].startswith(f"{ORIGIN}/media/images/"), where


@pytest.mark.parametrize(("payload", "field"), list(xss_cases()))
def test_a_hostile_feed_comes_out_of_the_api_inert(
    client: Client, make_outlet, payload: str, field: str
) -> None:
    outlet = make_outlet()
    result = ingest_bytes(outlet, payload_feed(field, payload))
    assert result.new == 1, f"{field} <- {payload!r}: {result}"
    give_copies(outlet)
    where = f"{field} <- {payload!r}"

    (item,) = get(client, "/articles", data={"outlet": outlet.slug})["items"]
    detail = get(client, f"/articles/{item['id']}")

    article = Article.objects.select_related("outlet").get(pk=item["id"])
    assert_item_inert(item, article, where)
    assert {k: v for k, v in detail.items() if k != "body_html"} == item, where
    problems = body_problems(detail["body_html"])
    assert not problems, f"{where}: body_html {detail['body_html']!r}: {problems}"


def test_copies_and_placeholders_of_hostile_pictures_are_checked_too(
    client: Client, make_outlet
) -> None:
    """The check above sees our copies and placeholders in bodies, with the payloads'
    alt text, and would see a picture that is not ours."""
    rendered = {"copy": 0, "placeholder": 0}
    for name, payload in PAYLOADS[:60]:
        outlet = make_outlet()
        # The lead (not in the body), then a picture hidden and one shown, then the payload.
        pictures = "".join(f'<img src="/p/{name}-{n}.jpg" alt="{n}">' for n in range(3))
        ingest_bytes(outlet, payload_feed("content:encoded", f"{pictures}{payload}"))
        give_copies(outlet)
        (item,) = get(client, "/articles", data={"outlet": outlet.slug})["items"]
        body = get(client, f"/articles/{item['id']}")["body_html"]
        assert not body_problems(body), (payload, body)
        rendered["copy"] += f"{ORIGIN}/media/images/" in body
        rendered["placeholder"] += static("img/hidden.svg") in body
    assert rendered == {"copy": 60, "placeholder": 60}
    assert body_problems('<p><img src="https://cdn.example.com/x.jpg" alt=""></p>')
    assert body_problems('<a href="https://example.com/">x</a>')  # no rel
    assert body_problems('<p style="color:red" onclick="x()">x</p>')
    assert body_problems('<span class="report-link">x</span><video src="https://e.com/v">')
