"""``/read/``, the beacon's endpoint: 204 for a read, a short 400 for a bad payload or an
unknown article, 403 for another site, 405 for anything but POST; never a 500, never a
cookie, never cached; and nothing it refused is counted."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from articles.models import DailyReads
from articles.reads import flush
from tests.support.site import make_article

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("reads")]

SAME_SITE = {"HTTP_SEC_FETCH_SITE": "same-origin", "REMOTE_ADDR": "203.0.113.5"}
FORM = "application/x-www-form-urlencoded"


@pytest.fixture
def article(make_outlet: Any) -> Any:
    return make_article(make_outlet(), title="خبر")


def test_a_read_is_204_with_no_cookie_and_never_cached(client: Client, article: Any) -> None:
    response = client.post("/read/", f"article={article.pk}", content_type=FORM, **SAME_SITE)
    assert response.status_code == 204
    assert not response.cookies
    assert "no-store" in response["Cache-Control"]
    assert flush.flush() == 1


def test_a_browser_without_sec_fetch_site_is_checked_by_its_origin(
    client: Client, article: Any
) -> None:
    body = f"article={article.pk}"
    ours = client.post("/read/", body, content_type=FORM, HTTP_ORIGIN="http://testserver")
    theirs = client.post("/read/", body, content_type=FORM, HTTP_ORIGIN="https://evil.example")
    silent = client.post("/read/", body, content_type=FORM)
    assert (ours.status_code, theirs.status_code, silent.status_code) == (204, 403, 403)


@pytest.mark.parametrize("fetch_site", ["cross-site", "same-site", "none"])
def test_another_site_cannot_count(client: Client, article: Any, fetch_site: str) -> None:
    response = client.post(
        "/read/", f"article={article.pk}", content_type=FORM,
        HTTP_SEC_FETCH_SITE=fetch_site, HTTP_ORIGIN="http://testserver",
    )  # fmt: skip
    assert response.status_code == 403
    assert response.content == b"cross-site request"
    assert flush.flush() == 0


BAD_PAYLOADS = [
    b"",
    b"article=",
    b"article=abc",
    b"article=-1",
    b"article=0",
    b"article=1.5",
    b"article=%D9%A1",  # an Arabic-Indic digit one
    b"article=1&article=2",
    b"article=99999999999999999999999999",
    b"id=1",
    b"\xff\xfe\x00article=1",
    b"article=1&" + b"x" * 100,
    b'{"article": 1}',
]


@pytest.mark.parametrize("body", BAD_PAYLOADS)
def test_a_bad_payload_is_a_short_400(client: Client, article: Any, body: bytes) -> None:
    response = client.post("/read/", body, content_type=FORM, **SAME_SITE)
    assert response.status_code == 400
    assert response.content == b"bad payload: expected article=<id>"
    assert not DailyReads.objects.exists() and flush.flush() == 0


def test_an_unknown_or_hidden_article_is_a_400(client: Client, article: Any) -> None:
    hidden = make_article(article.outlet, title="محجوب", hidden=True)
    for pk in (article.pk + 1000, hidden.pk):
        response = client.post("/read/", f"article={pk}", content_type=FORM, **SAME_SITE)
        assert (response.status_code, response.content) == (400, b"unknown article")
    assert flush.flush() == 0


def test_a_plain_text_beacon_body_is_read_too(client: Client, article: Any) -> None:
    response = client.post(
        "/read/", f"article={article.pk}", content_type="text/plain;charset=UTF-8", **SAME_SITE
    )
    assert response.status_code == 204


@pytest.mark.parametrize("method", ["get", "put", "delete"])
def test_only_post_is_allowed(client: Client, article: Any, method: str) -> None:
    response = getattr(client, method)("/read/", **SAME_SITE)
    assert response.status_code == 405
