"""Readers report images; several distinct networks hide one everywhere (issue 8).

With the Django test client and the real database: the report flow (CSRF, 405, 404, 400
with the Arabic field errors, JSON, a safe ``next``, the thanks kept out of the page
cache), how reporters count (one per reader cookie and per /24 or /48 network,
``X-Forwarded-For`` only behind a trusted proxy, the hourly rate limit), what a hide
does (every page and feed, the same row, the same bytes and distinctive look-alikes, the
copies out of the public media folder), what staff undo (restore and immunity, the
breaker, dismissed reports, hidden articles), that no address or cookie value is kept
in the database or the logs, and on PostgreSQL, concurrent reports from real threads.

Helpers are this file's own: images here are either rows alone (enough to count and
hide) or real copies made by ``copy_image`` from the demo's bundled pictures (where the
files matter: quarantine, /media/, perceptual hashes).
"""

from __future__ import annotations

import io
import itertools
import json
import logging
import threading
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import lxml.html
import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.contrib.sessions.models import Session
from django.contrib.staticfiles import finders
from django.core.cache import cache
from django.db import connection
from django.templatetags.static import static
from django.test import Client, RequestFactory
from django.utils import timezone
from PIL import Image as PILImage
from PIL import ImageDraw

from articles.images.copy import copy_image
from articles.images.likeness import hash_distance, is_distinctive
from articles.lib import clients
from articles.lib.clients import keyed_hash, network_of
from articles.models import (
    Article,
    ArticleImage,
    Category,
    ContentVersion,
    Image,
    ImageReport,
    ModerationEvent,
    Source,
    Visibility,
)
from articles.moderation import breaker, reports, visibility
from articles.moderation.reports import Outcome, Reporter
from articles.search.index import index_articles
from articles.site.cache import forget_version
from articles.site.reports import READER_COOKIE

pytestmark = [pytest.mark.postgres, pytest.mark.django_db, pytest.mark.usefixtures("sections")]

DEMO_IMAGES = Path(__file__).resolve().parent.parent / "articles" / "ingest" / "demo" / "images"
THANKS = "شكرا على الإبلاغ! سيتم حجب هذه الصورة تلقائيا عندما يتم الإبلاغ عنها من طرف عدة أشخاص."
THANKS_FR = (
    "Merci pour votre signalement ! Cette image sera masquée automatiquement "
    "lorsque plusieurs personnes l’auront signalée."
)
REASON_ERROR = "اختر سببا من القائمة."
NOTE_ERROR = "الملاحظة أطول من 500 حرف."
PLACEHOLDER_ALT = "صورة محجوبة بعد بلاغات القراء"
Action = ModerationEvent.Action
_serial = itertools.count(1)
Response = Any  # what the test client returns (django-stubs: _MonkeyPatchedWSGIResponse)


# --- fixtures and helpers ------------------------------------------------------------


@pytest.fixture(autouse=True)
def _quarantine_in_tmp(settings: Any, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Copies of hidden images go to a fresh folder, never into var/quarantine."""
    settings.QUARANTINE_ROOT = tmp_path_factory.mktemp("quarantine")


def changed() -> None:
    ContentVersion.objects.bump()
    forget_version()


def network_address(n: int) -> str:
    """An IPv4 address in the n-th distinct /24."""
    return f"10.{n // 256}.{n % 256}.7"


def reporter(n: int) -> Reporter:
    """The n-th distinct reader, each in a network of their own."""
    return Reporter.of(f"reader-{n}", network_address(n))


def make_article(
    source: Source,
    *,
    title: str | None = None,
    body_html: str | None = None,
    minutes_ago: int = 0,
    category: str | None = "sports",
) -> Article:
    n = next(_serial)
    moment = timezone.now() - timedelta(minutes=minutes_ago + n / 1000)
    return Article.objects.create(
        source=source,
        key=f"key-{n}",
        url=f"https://{source.slug}.example.ma/news/{n}",
        title=title or f"خبر رقم {n}",
        summary=f"ملخص الخبر رقم {n}",
        body_html=body_html if body_html is not None else f"<p>نص الخبر رقم {n}</p>",
        published_at=moment,
        fetched_at=moment,
        updated_at=moment,
        content_hash=f"hash-{n}",
        category=Category.objects.get(slug=category) if category else None,
    )


def link(article: Article, image: Image, position: int = 0) -> None:
    ArticleImage.objects.create(article=article, image=image, position=position)


def stored_image(
    article: Article | None = None,
    *,
    phash: str = "",
    sha256: str | None = None,
    plain: bool | None = False,
    tone: str = "7f6a55",
) -> Image:
    """An image row as a stored copy leaves it (no files: enough to count and hide);
    by default a photo (not plain) of one average colour."""
    n = next(_serial)
    digest = sha256 or f"{n:064x}"
    image = Image.objects.create(
        url=f"https://cdn.outlet.example.ma/photos/{n}.jpg",
        status=Image.Status.STORED,
        sha256=digest,
        phash=phash,
        plain=plain,
        tone=tone,
        copy=f"images/{digest[:2]}/{digest}-{n}-1200.webp",
        copy_width=1200,
        copy_height=675,
        copy_byte_size=54_321,
        thumbnail=f"images/{digest[:2]}/{digest}-{n}-400.webp",
        thumbnail_width=400,
        thumbnail_height=225,
    )
    if article is not None:
        link(article, image)
    return image


def demo_picture(n: int) -> bytes:
    return (DEMO_IMAGES / f"demo-{n:02d}.jpg").read_bytes()


def resized(data: bytes, scale: float, quality: int = 70) -> bytes:
    """The same photo re-published at another size and quality (other bytes)."""
    picture = PILImage.open(io.BytesIO(data)).convert("RGB")
    size = (round(picture.width * scale), round(picture.height * scale))
    buffer = io.BytesIO()
    picture.resize(size, PILImage.Resampling.LANCZOS).save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def copied_image(article: Article, data: bytes, position: int = 0) -> Image:
    """An image of ``article`` copied by the real copy code from ``data``: files exist."""
    n = next(_serial)
    image = Image.objects.create(url=f"https://cdn.outlet.example.ma/pictures/{n}.jpg")
    link(article, image, position)
    result = copy_image(image.id, download=lambda url, referer: data)
    assert result.status == Image.Status.STORED, result
    image.refresh_from_db()
    return image


def media_file(name: str | None) -> Path:
    return Path(django_settings.MEDIA_ROOT) / str(name)


def quarantined_file(name: str | None) -> Path:
    return Path(django_settings.QUARANTINE_ROOT) / str(name)


def served(client: Client, name: str | None) -> int:
    """The status of our copy's old public address, /media/<name>."""
    response = client.get(f"{django_settings.MEDIA_URL}{name}")
    if response.streaming:
        # Read to the end: the test client then closes it (a second close would fire
        # request_finished and close the test's database connection).
        b"".join(response.streaming_content)  # type: ignore[attr-defined]
    return response.status_code


def parse(response: Response) -> lxml.html.HtmlElement:
    return lxml.html.fromstring(response.content.decode())


def messages_in(response: Response) -> list[str]:
    tree = parse(response)
    return [" ".join(p.text_content().split()) for p in tree.xpath('//div[@class="messages"]/p')]


def rss_enclosures(client: Client, path: str = "/rss/") -> dict[str, list[str]]:
    """{article link: [enclosure urls]} of one of our feeds."""
    response = client.get(path)
    assert response.status_code == 200
    root = ET.fromstring(response.content)
    return {
        urlsplit(item.findtext("link") or "").path: [
            e.get("url", "") for e in item.findall("enclosure")
        ]
        for item in root.iter("item")
    }


def refresh(*images: Image) -> None:
    for image in images:
        image.refresh_from_db()


def auto_hides(image: Image | None = None) -> int:
    events = ModerationEvent.objects.filter(action=Action.AUTO_HIDE)
    return (events.filter(image=image) if image else events).count()


class Reader:
    """One browser: its own cookies (reader cookie, CSRF) and its own address."""

    def __init__(self, address: str = "203.0.113.10", **headers: str) -> None:
        self.client = Client(enforce_csrf_checks=True, REMOTE_ADDR=address)
        self.headers = headers
        self._token = ""

    def form(self, image_id: int, next_path: str = "", prefix: str = "") -> Response:
        query = f"?{urlencode({'next': next_path})}" if next_path else ""
        return self.client.get(f"{prefix}/images/{image_id}/{query}", headers=self.headers)

    def csrf(self, image_id: int, prefix: str = "") -> str:
        """The CSRF token of the report form page (and the cookie that goes with it)."""
        if not self._token:
            response = self.form(image_id, prefix=prefix)
            assert response.status_code == 200
            assert "private" in response["Cache-Control"]
            (self._token,) = parse(response).xpath('//input[@name="csrfmiddlewaretoken"]/@value')
        return self._token

    def report(
        self,
        image_id: int,
        reason: str = "violent",
        note: str = "",
        next_path: str = "",
        *,
        token: bool = True,
        json_answer: bool = False,
        prefix: str = "",
        token_from: int | None = None,
        forwarded_for: str = "",
    ) -> Response:
        data = {"reason": reason, "note": note, "next": next_path}
        if token:
            data["csrfmiddlewaretoken"] = self.csrf(token_from or image_id, prefix)
        sent = dict(self.headers)
        if forwarded_for:
            sent["X-Forwarded-For"] = forwarded_for
        if json_answer:
            sent["Accept"] = "application/json"
        return self.client.post(f"{prefix}/images/{image_id}/report/", data, headers=sent)

    def thanked(self, response: Response) -> list[str]:
        """Follow a report's redirect (it must stay on our site) and read the messages."""
        assert response.status_code == 302, response.status_code
        target = urlsplit(response["Location"])
        assert not target.scheme and not target.netloc, response["Location"]
        path = f"{target.path}?{target.query}" if target.query else target.path
        return messages_in(self.client.get(path))

    @property
    def reader_cookie(self) -> str:
        morsel = self.client.cookies.get(READER_COOKIE)
        return morsel.value if morsel is not None else ""


def report_from_networks(image: Image, count: int, start: int = 0) -> list[Response]:
    """``count`` readers, each from a /24 of their own, report ``image`` by the form."""
    return [Reader(network_address(start + n)).report(image.pk) for n in range(count)]


@pytest.fixture
def outlets(make_source: Callable[..., Source]) -> tuple[Source, Source]:
    hespress = make_source(name="هسبريس", name_latin="Hespress", slug="hespress")
    alyaoum = make_source(name="اليوم 24", name_latin="Alyaoum 24", slug="alyaoum24")
    return hespress, alyaoum


@pytest.fixture
def photo(outlets: tuple[Source, Source]) -> Image:
    """A stored image (a row, no files) on one article of hespress."""
    article = make_article(outlets[0])
    image = stored_image(article)
    changed()
    return image


# --- one reader, one report ----------------------------------------------------------


def test_one_reader_reporting_twice_is_thanked_twice_and_counted_once(photo: Image) -> None:
    reader = Reader("203.0.113.10")

    first = reader.report(photo.pk, "violent", "صورة دموية")
    cookie = reader.reader_cookie
    assert reader.thanked(first) == [THANKS]
    second = reader.report(photo.pk, "unrelated")
    assert reader.thanked(second) == [THANKS]

    assert first["Location"] == second["Location"]
    # The reader cookie is set once, signed, HttpOnly, and not replaced by the repeat.
    assert cookie and READER_COOKIE not in second.cookies
    morsel = first.cookies[READER_COOKIE]
    assert morsel["httponly"] and morsel["samesite"] == "Lax"
    assert ":" in cookie  # signed: value:timestamp:signature
    photo.refresh_from_db()
    assert photo.report_count == 1
    (row,) = ImageReport.objects.filter(image=photo)
    assert (row.reason, row.note) == ("violent", "صورة دموية")


def test_a_tampered_reader_cookie_is_a_new_reader_but_the_same_network(photo: Image) -> None:
    reader = Reader("203.0.113.10")
    assert reader.thanked(reader.report(photo.pk)) == [THANKS]
    reader.client.cookies[READER_COOKIE] = reader.reader_cookie + "x"

    again = reader.report(photo.pk)

    assert reader.thanked(again) == [THANKS]
    assert READER_COOKIE in again.cookies  # a fresh, validly signed cookie
    photo.refresh_from_db()
    assert photo.report_count == 1


def test_a_new_cookie_from_the_same_ipv4_24_is_not_counted_another_24_is(photo: Image) -> None:
    responses = [
        Reader("198.51.100.7").report(photo.pk),
        Reader("198.51.100.200").report(photo.pk),  # cleared cookies, same /24
        Reader("198.51.100.7").report(photo.pk),
    ]
    assert all(r.status_code == 302 for r in responses)
    photo.refresh_from_db()
    assert photo.report_count == 1

    Reader("198.51.101.7").report(photo.pk)  # the next /24

    photo.refresh_from_db()
    assert photo.report_count == 2
    assert ImageReport.objects.filter(image=photo).count() == 2


def test_ipv6_readers_count_once_per_48(photo: Image) -> None:
    for address in ("2001:db8:1:2::1", "2001:db8:1:ffff::9", "2001:db8:1::"):
        Reader(address).report(photo.pk)
    photo.refresh_from_db()
    assert photo.report_count == 1

    Reader("2001:db8:2::1").report(photo.pk)

    photo.refresh_from_db()
    assert photo.report_count == 2


@pytest.mark.parametrize(
    ("address", "network"),
    [
        ("203.0.113.77", "203.0.113.0/24"),
        ("203.0.113.0", "203.0.113.0/24"),
        ("2001:db8:abcd:12::77", "2001:db8:abcd::/48"),
        ("2001:DB8:ABCD:ffff:1:2:3:4", "2001:db8:abcd::/48"),
        ("fe80::1%eth0", "fe80::/48"),
        ("::ffff:192.0.2.9", "192.0.2.0/24"),  # IPv4-mapped: its IPv4 /24
        ("", "unknown"),
        ("not an address", "unknown"),
    ],
)
def test_network_of_is_the_24_or_the_48(address: str, network: str) -> None:
    assert network_of(address) == network


def test_the_keyed_hashes_depend_on_the_key_and_the_kind(settings: Any) -> None:
    settings.REPORT_HASH_KEY = "first key"
    first = Reporter.of("reader-1", "203.0.113.5")
    same = Reporter.of("reader-1", "203.0.113.250")
    settings.REPORT_HASH_KEY = "second key"
    other_key = Reporter.of("reader-1", "203.0.113.5")

    assert first == same  # one reader, one /24
    assert len(first.reader) == len(first.network) == 64
    assert first.reader != other_key.reader and first.network != other_key.network
    assert keyed_hash("reader", "x") != keyed_hash("network", "x")


# --- the form and its answers --------------------------------------------------------


def test_a_report_without_csrf_token_is_forbidden(photo: Image) -> None:
    reader = Reader()
    reader.csrf(photo.pk)  # the reader has the CSRF cookie, but posts without the token

    with_cookie = reader.report(photo.pk, token=False)
    bare = Client(enforce_csrf_checks=True).post(
        f"/images/{photo.pk}/report/", {"reason": "violent"}
    )

    assert with_cookie.status_code == bare.status_code == 403
    assert not ImageReport.objects.exists()
    photo.refresh_from_db()
    assert photo.report_count == 0


def test_get_on_the_report_address_is_405_and_changes_nothing(photo: Image) -> None:
    reader = Reader()
    for method in (reader.client.get, reader.client.head):
        response = method(f"/images/{photo.pk}/report/?reason=violent")
        assert response.status_code == 405
        assert response["Allow"] == "POST"
    assert not ImageReport.objects.exists()


@pytest.mark.parametrize("prefix", ["", "/fr"], ids=["ar", "fr"])
def test_an_unknown_or_uncopied_image_is_404_for_the_form_and_the_report(
    photo: Image, prefix: str
) -> None:
    pending = Image.objects.create(url="https://cdn.outlet.example.ma/not-yet.jpg")
    reader = Reader()
    for image_id in (999_999, pending.pk):
        assert reader.form(image_id, prefix=prefix).status_code == 404
        response = reader.report(image_id, prefix=prefix, token_from=photo.pk)
        assert response.status_code == 404
    assert not ImageReport.objects.exists()


def test_the_form_page_offers_the_reasons_and_a_note(photo: Image) -> None:
    response = Reader().form(photo.pk, next_path="/hespress/1/")
    tree = parse(response)

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    (form,) = tree.xpath('//form[@class="report-form"]')
    assert form.get("method") == "post" and form.get("action") == f"/images/{photo.pk}/report/"
    reasons = form.xpath('.//input[@name="reason"]/@value')
    assert reasons == ["inappropriate", "violent", "unrelated", "copyright", "other"]
    assert form.xpath('.//textarea[@name="note"]/@maxlength') == ["500"]
    assert form.xpath('.//input[@name="next"]/@value') == ["/hespress/1/"]
    assert photo.thumbnail.url in response.content.decode()


@pytest.mark.parametrize(
    ("data", "field", "error"),
    [
        ({"reason": "spam"}, "reason", REASON_ERROR),
        ({"reason": ""}, "reason", REASON_ERROR),
        ({"reason": "violent", "note": "ب" * 501}, "note", NOTE_ERROR),
    ],
    ids=["unknown-reason", "no-reason", "501-char-note"],
)
def test_a_bad_reason_or_a_long_note_is_400_with_the_arabic_error(
    photo: Image, data: dict[str, str], field: str, error: str
) -> None:
    reader = Reader()

    page = reader.report(photo.pk, data["reason"], data.get("note", ""))
    answer = reader.report(photo.pk, data["reason"], data.get("note", ""), json_answer=True)

    assert page.status_code == 400
    tree = parse(page)
    errors = tree.xpath('//form[@class="report-form"]//ul[contains(@class, "errorlist")]/li')
    assert [e.text_content().strip() for e in errors] == [error]
    assert tree.xpath('//p[@class="form-errors"]')  # the summary above the fields
    if field == "note":  # the reader's text is given back to correct, not lost
        assert tree.xpath('//textarea[@name="note"]')[0].text_content().strip() == data["note"]
    assert answer.status_code == 400
    assert answer["Content-Type"] == "application/json"
    assert answer.json() == {"errors": {field: [error]}}
    assert not ImageReport.objects.exists()
    assert READER_COOKIE not in page.cookies


def test_a_note_of_exactly_500_characters_is_accepted(photo: Image) -> None:
    reader = Reader()
    assert reader.thanked(reader.report(photo.pk, "other", "ن" * 500)) == [THANKS]
    assert ImageReport.objects.get(image=photo).note == "ن" * 500


def test_a_report_asking_for_json_gets_the_thanks_as_json(photo: Image) -> None:
    reader = Reader()
    first = reader.report(photo.pk, json_answer=True)
    again = reader.report(photo.pk, json_answer=True)

    assert first.status_code == again.status_code == 200
    assert first.json() == again.json() == {"message": THANKS}
    assert READER_COOKIE in first.cookies
    photo.refresh_from_db()
    assert photo.report_count == 1


def test_the_french_edition_thanks_in_french(photo: Image) -> None:
    reader = Reader()
    answer = reader.report(photo.pk, json_answer=True, prefix="/fr")
    error = reader.report(photo.pk, "spam", json_answer=True, prefix="/fr")

    assert answer.json() == {"message": THANKS_FR}
    assert error.json() == {"errors": {"reason": ["Choisissez un motif dans la liste."]}}


@pytest.mark.parametrize(
    "next_path",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
        "/\t/evil.example",
        "https:evil.example",
        "///evil.example",
        "http://testserver/hespress/",  # even our own host: only paths are taken
    ],
)
def test_next_pointing_off_site_goes_home(photo: Image, next_path: str) -> None:
    reader = Reader()
    response = reader.report(photo.pk, next_path=next_path)

    assert response.status_code == 302
    assert response["Location"] == f"/?reported={photo.pk}#messages"
    # The form page never offers it either (its hidden field and its cancel link).
    tree = parse(reader.form(photo.pk, next_path=next_path))
    assert tree.xpath('//input[@name="next"]/@value') == ["/"]
    assert tree.xpath("//a[@data-report-cancel]/@href") == ["/"]


def test_next_on_our_site_is_where_the_reader_goes_back_to(photo: Image) -> None:
    reader = Reader()
    response = reader.report(photo.pk, next_path="/section/sports/?before=abc")
    assert response["Location"] == (f"/section/sports/?before=abc&reported={photo.pk}#messages")


def test_the_thanks_page_is_private_and_the_cached_page_stays_without_it(
    outlets: tuple[Source, Source], django_assert_max_num_queries: Any
) -> None:
    article = make_article(outlets[0])
    image = stored_image(article)
    changed()
    path = article.get_absolute_url()
    reader = Reader()
    cached = reader.client.get(path)  # warms the page cache
    assert cached.status_code == 200 and "public" in cached["Cache-Control"]
    report_links = parse(cached).xpath("//a[@data-report-image]/@href")
    assert report_links == [f"/images/{image.pk}/?{urlencode({'next': path})}"]

    response = reader.report(image.pk, next_path=path)
    assert response["Location"] == f"{path}?reported={image.pk}#messages"
    assert "messages" in reader.client.cookies
    back = reader.client.get(f"{path}?reported={image.pk}")

    assert messages_in(back) == [THANKS]
    assert "private" in back["Cache-Control"] and "no-store" in back["Cache-Control"]
    assert "public" not in back["Cache-Control"]
    # The thanks page deletes the message cookie; a browser then sends none.
    assert back.cookies["messages"].value == "" and back.cookies["messages"]["max-age"] == 0
    del reader.client.cookies["messages"]
    with django_assert_max_num_queries(1):  # the version read: served from the page cache
        later = reader.client.get(path)
    assert later.content == cached.content
    assert messages_in(later) == [] and "public" in later["Cache-Control"]
    other = Client().get(f"{path}?reported={image.pk}")
    assert messages_in(other) == [] and THANKS not in other.content.decode()


# --- the client address: X-Forwarded-For only behind a trusted proxy --------------------


def test_a_spoofed_forwarded_for_is_ignored_without_a_trusted_proxy(
    photo: Image, settings: Any
) -> None:
    settings.TRUSTED_PROXY_COUNT = 0
    for spoofed in ("198.51.100.1", "192.0.2.1", "100.64.0.1"):
        # Cleared cookies each time, one connection address, a new header each time.
        Reader("203.0.113.10").report(photo.pk, forwarded_for=spoofed)

    photo.refresh_from_db()
    assert photo.report_count == 1
    assert photo.visibility == Visibility.SHOWN
    (row,) = ImageReport.objects.filter(image=photo)
    assert row.network == keyed_hash("network", "203.0.113.0/24")


def test_a_spoofed_forwarded_for_does_not_change_the_rate_limit_key(
    outlets: tuple[Source, Source], settings: Any
) -> None:
    settings.TRUSTED_PROXY_COUNT = 0
    settings.IMAGE_REPORT_RATE = 2
    images = [stored_image(make_article(outlets[0])) for _ in range(3)]
    for image, spoofed in zip(images, ("198.51.100.1", "192.0.2.1", "100.64.0.1"), strict=True):
        Reader("203.0.113.10").report(image.pk, forwarded_for=spoofed)

    assert [ImageReport.objects.filter(image=i).count() for i in images] == [1, 1, 0]


def test_behind_one_trusted_proxy_its_forwarded_for_entry_is_the_reader(
    photo: Image, settings: Any
) -> None:
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = "10.0.0.2"
    for real in ("203.0.113.5", "198.51.100.5"):
        Reader(proxy).report(photo.pk, forwarded_for=real)
    photo.refresh_from_db()
    assert photo.report_count == 2 and photo.visibility == Visibility.SHOWN

    Reader(proxy).report(photo.pk, forwarded_for="192.0.2.5")

    photo.refresh_from_db()
    assert photo.report_count == 3
    assert photo.visibility == Visibility.AUTO_HIDDEN
    networks = set(ImageReport.objects.filter(image=photo).values_list("network", flat=True))
    assert networks == {
        keyed_hash("network", n) for n in ("203.0.113.0/24", "198.51.100.0/24", "192.0.2.0/24")
    }


def test_behind_a_trusted_proxy_a_client_supplied_leftmost_entry_is_not_read(
    photo: Image, settings: Any
) -> None:
    settings.TRUSTED_PROXY_COUNT = 1
    # The client wrote the first entry; our proxy appended the address it saw.
    for forged in (
        "198.51.100.9, 203.0.113.20",
        "192.0.2.9,203.0.113.21",
        "100.64.0.9, 203.0.113.22",
    ):
        Reader("10.0.0.2").report(photo.pk, forwarded_for=forged)

    photo.refresh_from_db()
    assert photo.report_count == 1
    (row,) = ImageReport.objects.filter(image=photo)
    assert row.network == keyed_hash("network", "203.0.113.0/24")


@pytest.mark.parametrize(
    ("proxies", "forwarded_for", "expected"),
    [
        (0, "198.51.100.1", "203.0.113.10"),
        (0, "", "203.0.113.10"),
        (1, "198.51.100.1", "198.51.100.1"),
        (1, "1.2.3.4, 198.51.100.1", "198.51.100.1"),
        (1, " 1.2.3.4 ,198.51.100.1 ", "198.51.100.1"),
        (1, "", "203.0.113.10"),  # no header: the connection itself
        (2, "1.2.3.4, 198.51.100.1, 10.0.0.9", "198.51.100.1"),
        (2, "10.0.0.9", "203.0.113.10"),  # fewer entries than proxies: not trusted
    ],
)
def test_client_address(settings: Any, proxies: int, forwarded_for: str, expected: str) -> None:
    settings.TRUSTED_PROXY_COUNT = proxies
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    request = RequestFactory().post("/", REMOTE_ADDR="203.0.113.10", headers=headers)
    assert clients.client_address(request) == expected


# --- hiding: threshold, everywhere, files ---------------------------------------------


@dataclass
class Scene:
    """One photo on several pages, under several guises, and an unrelated one."""

    article: Article  # the photo is its lead
    sharing: Article  # another outlet's article with the very same Image row as lead
    twin_article: Article  # the same bytes under another address (another row)
    lookalike_article: Article  # the same photo at another size (another row)
    inline_article: Article  # an unrelated lead, and the photo inline in its body
    photo: Image
    twin: Image
    lookalike: Image
    other: Image

    @property
    def group(self) -> list[Image]:
        return [self.photo, self.twin, self.lookalike]

    @property
    def showing_photo(self) -> list[Article]:
        return [self.article, self.sharing, self.twin_article, self.lookalike_article]


@pytest.fixture
def scene(outlets: tuple[Source, Source]) -> Scene:
    hespress, alyaoum = outlets
    picture = demo_picture(0)
    article = make_article(hespress, title="صورة الخبر", minutes_ago=1)
    photo = copied_image(article, picture)
    sharing = make_article(alyaoum, minutes_ago=2)
    link(sharing, photo)
    twin_article = make_article(alyaoum, minutes_ago=3)
    twin = copied_image(twin_article, picture)
    lookalike_article = make_article(hespress, minutes_ago=4)
    lookalike = copied_image(lookalike_article, resized(picture, 2 / 3))
    inline_article = make_article(
        alyaoum,
        minutes_ago=5,
        body_html=f'<p>قبل الصورة</p><p><img src="{photo.url}" alt="وصف"></p><p>بعدها</p>',
    )
    other = copied_image(inline_article, demo_picture(5))
    link(inline_article, photo, position=1)
    index_articles(Article.objects.values_list("pk", flat=True))
    changed()
    # What the scene stands for: a twin is the same bytes, a look-alike is close.
    assert twin.sha256 == photo.sha256 and twin.copy.name == photo.copy.name
    assert lookalike.sha256 != photo.sha256 and is_distinctive(photo.phash)
    assert hash_distance(lookalike.phash, photo.phash) <= django_settings.IMAGE_LOOKALIKE_DISTANCE
    assert hash_distance(other.phash, photo.phash) > django_settings.IMAGE_LOOKALIKE_DISTANCE
    return Scene(
        article, sharing, twin_article, lookalike_article, inline_article,
        photo, twin, lookalike, other,
    )  # fmt: skip


def hide_by_readers(scene: Scene, capture: Any) -> None:
    with capture(execute=True):
        responses = report_from_networks(scene.photo, django_settings.IMAGE_REPORT_THRESHOLD)
    assert all(r.status_code == 302 for r in responses)
    refresh(*scene.group, scene.other)


def assert_not_on(html: str, *images: Image) -> None:
    """No trace of ``images`` in a page: no copy, thumbnail or srcset, no report link."""
    for image in images:
        assert image.sha256 not in html, image
        assert f"/images/{image.pk}/" not in html, image


def test_reports_below_the_threshold_hide_nothing(scene: Scene) -> None:
    report_from_networks(scene.photo, django_settings.IMAGE_REPORT_THRESHOLD - 1)
    refresh(*scene.group)
    assert [i.visibility for i in scene.group] == [Visibility.SHOWN] * 3
    assert scene.photo.report_count == django_settings.IMAGE_REPORT_THRESHOLD - 1
    assert not ModerationEvent.objects.exists()


def test_threshold_networks_hide_the_image_once_with_the_threshold_recorded(
    scene: Scene, django_capture_on_commit_callbacks: Any
) -> None:
    hide_by_readers(scene, django_capture_on_commit_callbacks)

    assert scene.photo.visibility == Visibility.AUTO_HIDDEN
    assert scene.photo.hidden_at is not None and scene.photo.reviewed_at is None
    (event,) = ModerationEvent.objects.filter(image=scene.photo)
    assert (event.action, event.image, event.actor) == (Action.AUTO_HIDE, scene.photo, None)
    assert event.threshold == 3 and "3" in event.why
    # The same bytes and the look-alike go with it, each with its own record; the
    # unrelated photo stays.
    for image in (scene.twin, scene.lookalike):
        assert (image.visibility, image.hidden_with) == (Visibility.AUTO_HIDDEN, scene.photo)
        (followed,) = ModerationEvent.objects.filter(image=image)
        assert followed.action == Action.FOLLOW
        assert followed.why == f"look-alike of image {scene.photo.pk}"
    assert scene.other.visibility == Visibility.SHOWN
    # A fourth reader changes nothing more.
    Reader(network_address(99)).report(scene.photo.pk)
    assert auto_hides() == 1


def test_a_hidden_image_leaves_every_page_for_a_placeholder_of_its_size(
    scene: Scene, django_capture_on_commit_callbacks: Any
) -> None:
    client = Client()
    before = {a.pk: client.get(a.get_absolute_url()).content.decode() for a in scene.showing_photo}
    home_before = client.get("/").content.decode()
    for html in [*before.values(), home_before]:
        assert scene.photo.sha256 in html or scene.lookalike.sha256 in html
    assert f"/images/{scene.photo.pk}/?next=" in before[scene.article.pk]  # its report link
    inline_before = client.get(scene.inline_article.get_absolute_url()).content.decode()
    assert scene.photo.copy.url in inline_before
    assert f"/images/{scene.photo.pk}/?next=" in inline_before

    hide_by_readers(scene, django_capture_on_commit_callbacks)

    placeholder = static("img/hidden.svg")
    assert finders.find("img/hidden.svg")  # the neutral picture ships with the site
    for article in scene.showing_photo:
        response = client.get(article.get_absolute_url())
        assert response.status_code == 200
        html = response.content.decode()
        assert_not_on(html, *scene.group)
        (figure,) = parse(response).xpath('//figure[@class="lead-figure"]')
        (img,) = figure.xpath('.//img[@class="hidden-image"]')
        shown = Image.objects.get(article_images__article=article, article_images__position=0)
        assert img.get("src") == placeholder
        assert (img.get("width"), img.get("height")) == (
            str(shown.copy_width), str(shown.copy_height),
        )  # fmt: skip
        assert PLACEHOLDER_ALT in figure.text_content()
    # The inline copy in another article's body: a placeholder too; its lead stays.
    response = client.get(scene.inline_article.get_absolute_url())
    html = response.content.decode()
    assert_not_on(html, *scene.group)
    assert scene.other.copy.url in html
    (inline,) = parse(response).xpath('//div[contains(@class, "article-body")]//img')
    assert inline.get("class") == "hidden-image" and inline.get("src") == placeholder
    assert (inline.get("width"), inline.get("height")) == (
        str(scene.photo.copy_width), str(scene.photo.copy_height),
    )  # fmt: skip
    # The reason is written on the placeholder, as on a hidden lead.
    box = inline.getparent()
    assert box.get("class") == "hidden-image-box" and inline.get("alt") == ""
    assert box.text_content().strip() == PLACEHOLDER_ALT
    # Home: the cards that showed the photo show the placeholder, the others their image.
    home = client.get("/")
    html = home.content.decode()
    assert_not_on(html, *scene.group)
    assert scene.other.thumbnail.url in html or scene.other.copy.url in html
    cards = parse(home).xpath('//img[@class="hidden-image"]')
    assert len(cards) >= 4 and {c.get("src") for c in cards} == {placeholder}
    # List pages and search results: the same.
    for path in (
        "/section/sports/",
        "/hespress/",
        "/alyaoum24/",
        "/fr/hespress/",
        "/search/?q=خبر",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        assert_not_on(response.content.decode(), *scene.group)
        assert parse(response).xpath('//img[@class="hidden-image"]'), path
    # The report page of the hidden image shows the placeholder, not the picture.
    form = Reader().form(scene.photo.pk)
    assert form.status_code == 200
    assert_not_on(form.content.decode().replace(f"/images/{scene.photo.pk}/", ""), scene.photo)


def test_a_hidden_image_leaves_the_feeds_and_the_opengraph_tags(
    scene: Scene, django_capture_on_commit_callbacks: Any
) -> None:
    client = Client()
    paths = [a.get_absolute_url() for a in scene.showing_photo]
    feeds = ["/rss/", "/section/sports/rss/", "/hespress/rss/", "/alyaoum24/rss/"]
    enclosures = {}
    for feed in feeds:
        enclosures.update(rss_enclosures(client, feed))
    assert all(len(enclosures[p]) == 1 for p in paths)
    tree = parse(client.get(scene.article.get_absolute_url()))
    assert tree.xpath('//meta[@property="og:image"]/@content') == [
        f"http://testserver{scene.photo.copy.url}"
    ]

    hide_by_readers(scene, django_capture_on_commit_callbacks)

    for feed in feeds:
        response = client.get(feed)
        assert_not_on(response.content.decode(), *scene.group)
        for path, urls in rss_enclosures(client, feed).items():
            if path in paths:
                assert urls == [], (feed, path)
            if path == scene.inline_article.get_absolute_url():
                assert urls == [f"http://testserver{scene.other.copy.url}"]
    for path in paths:
        tree = parse(client.get(path))
        assert tree.xpath('//meta[@property="og:image" or @name="twitter:image"]') == []
        assert tree.xpath('//meta[@name="twitter:card"]/@content') == ["summary"]
        (data,) = tree.xpath('//script[@type="application/ld+json"]/text()')
        assert "image" not in json.loads(data)


def test_a_hidden_image_file_leaves_the_public_media_folder(
    scene: Scene, django_capture_on_commit_callbacks: Any
) -> None:
    client = Client()
    names = [n for i in scene.group for n in (i.copy.name, i.thumbnail.name)]
    assert all(served(client, name) == 200 for name in names)

    hide_by_readers(scene, django_capture_on_commit_callbacks)

    for name in names:
        assert served(client, name) == 404, name
        assert not media_file(name).exists() and quarantined_file(name).exists(), name
    assert served(client, scene.other.copy.name) == 200
    assert not quarantined_file(scene.other.copy.name).exists()


def test_restore_brings_the_image_back_everywhere_and_keeps_it_immune(
    scene: Scene, django_capture_on_commit_callbacks: Any
) -> None:
    client = Client()
    hide_by_readers(scene, django_capture_on_commit_callbacks)
    assert served(client, scene.photo.copy.name) == 404

    with django_capture_on_commit_callbacks(execute=True):
        visibility.restore(scene.photo, None, "صورة إخبارية عادية")
    refresh(*scene.group)

    assert [i.visibility for i in scene.group] == [Visibility.RESTORED] * 3
    assert all(i.hidden_with is None and i.reviewed_at for i in scene.group)
    assert ModerationEvent.objects.filter(action=Action.RESTORE, image=scene.photo).count() == 1
    for image in scene.group:
        for name in (image.copy.name, image.thumbnail.name):
            assert served(client, name) == 200 and media_file(name).exists()
            assert not quarantined_file(name).exists()
    for article in scene.showing_photo:
        html = client.get(article.get_absolute_url()).content.decode()
        assert 'class="hidden-image"' not in html
    tree = parse(client.get(scene.article.get_absolute_url()))
    assert tree.xpath('//meta[@property="og:image"]/@content') == [
        f"http://testserver{scene.photo.copy.url}"
    ]
    assert scene.photo.sha256 in client.get("/").content.decode()
    assert rss_enclosures(client)[scene.article.get_absolute_url()] == [
        f"http://testserver{scene.photo.copy.url}"
    ]

    # Immune: more distinct networks than the threshold change nothing.
    with django_capture_on_commit_callbacks(execute=True):
        report_from_networks(scene.photo, 5, start=10)
        report_from_networks(scene.lookalike, 5, start=10)
    refresh(*scene.group)
    assert [i.visibility for i in scene.group] == [Visibility.RESTORED] * 3
    assert scene.photo.report_count == 3 + 5
    assert auto_hides() == 1
    assert served(client, scene.photo.copy.name) == 200

    # Until staff lift that. Reports from before the review no longer count: it takes
    # the threshold again, of reports made since, to hide it.
    visibility.lift_immunity(scene.photo, None, "بلاغات جديدة")
    scene.photo.refresh_from_db()
    assert scene.photo.visibility == Visibility.SHOWN
    assert ModerationEvent.objects.filter(action=Action.LIFT_IMMUNITY).count() == 1
    report_from_networks(scene.photo, 2, start=20)
    scene.photo.refresh_from_db()
    assert scene.photo.visibility == Visibility.SHOWN
    report_from_networks(scene.photo, 1, start=30)
    scene.photo.refresh_from_db()
    assert scene.photo.visibility == Visibility.AUTO_HIDDEN
    assert auto_hides(scene.photo) == 2


def test_lift_immunity_of_an_image_that_is_not_restored_does_nothing(photo: Image) -> None:
    visibility.lift_immunity(photo, None)
    photo.refresh_from_db()
    assert photo.visibility == Visibility.SHOWN
    assert not ModerationEvent.objects.exists()


def test_staff_hide_goes_through_the_same_path_and_is_recorded(
    scene: Scene, django_capture_on_commit_callbacks: Any, django_user_model: Any
) -> None:
    staff = django_user_model.objects.create_user("editor", password="x" * 12, is_staff=True)
    with django_capture_on_commit_callbacks(execute=True):
        visibility.hide(scene.photo, staff, "صورة صادمة")
    refresh(*scene.group)

    assert [i.visibility for i in scene.group] == [Visibility.STAFF_HIDDEN] * 3
    (event,) = ModerationEvent.objects.filter(image=scene.photo)
    assert (event.action, event.actor, event.why) == (Action.HIDE, staff, "صورة صادمة")
    assert ModerationEvent.objects.filter(action=Action.FOLLOW).count() == 2
    assert served(Client(), scene.lookalike.copy.name) == 404


def test_reports_older_than_the_window_do_not_count(photo: Image, settings: Any) -> None:
    settings.IMAGE_REPORT_WINDOW_DAYS = 7
    for n in range(2):
        reports.report_image(photo, reporter(n), "violent")
    ImageReport.objects.filter(image=photo).update(created_at=timezone.now() - timedelta(days=8))

    reports.report_image(photo, reporter(2), "violent")

    photo.refresh_from_db()
    assert photo.report_count == 3
    assert photo.visibility == Visibility.SHOWN
    reports.report_image(photo, reporter(3), "violent")
    reports.report_image(photo, reporter(4), "violent")
    photo.refresh_from_db()
    assert photo.visibility == Visibility.AUTO_HIDDEN


def test_dismissed_reports_no_longer_count(photo: Image) -> None:
    for n in range(2):
        reports.report_image(photo, reporter(n), "violent")

    visibility.dismiss(photo, None, "بلاغات كيدية")

    photo.refresh_from_db()
    # Kept as evidence, set aside: and the same readers cannot count again.
    assert photo.report_count == 0 and ImageReport.objects.count() == 2
    assert not ImageReport.objects.filter(dismissed_at__isnull=True).exists()
    assert ModerationEvent.objects.get().action == Action.DISMISS
    assert reports.report_image(photo, reporter(0), "violent").outcome == Outcome.REPEATED
    reports.report_image(photo, reporter(2), "violent")
    photo.refresh_from_db()
    assert photo.visibility == Visibility.SHOWN and photo.report_count == 1


# --- look-alikes: distinctive pictures only ------------------------------------------

DISTINCTIVE = "0c8c2767cd222c18"  # demo-00.jpg's perceptual hash


def flip(phash: str, bits: int) -> str:
    """``phash`` with ``bits`` of its bits flipped, spread over its rows."""
    value = int(phash, 16)
    for n in range(bits):
        value ^= 1 << (n * 9 % 64)
    return f"{value:016x}"


@pytest.mark.parametrize(
    "phash",
    [
        "0000000000000000",  # a blank placeholder
        "ffffffffffffffff",
        "0000001818000000",  # a small logo on a plain ground
        "000000ff00000000",  # a solid banner with one edge
        "00ff00ff00ff00ff",
    ],
)
def test_a_flat_perceptual_hash_never_hides_other_images_alone(
    outlets: tuple[Source, Source], phash: str
) -> None:
    reported = stored_image(make_article(outlets[0]), phash=phash)
    same_hash = stored_image(make_article(outlets[1]), phash=phash)
    one_bit = stored_image(make_article(outlets[1]), phash=flip(phash, 1))
    assert not is_distinctive(phash)

    for n in range(django_settings.IMAGE_REPORT_THRESHOLD):
        reports.report_image(reported, reporter(n), "inappropriate")

    refresh(reported, same_hash, one_bit)
    assert reported.visibility == Visibility.AUTO_HIDDEN
    assert same_hash.visibility == one_bit.visibility == Visibility.SHOWN
    assert visibility.lookalikes(reported) == []


def test_flat_real_pictures_are_not_look_alikes_of_each_other(
    outlets: tuple[Source, Source],
) -> None:
    def flat(draw: Callable[[ImageDraw.ImageDraw], None], colour: str) -> bytes:
        picture = PILImage.new("RGB", (960, 540), colour)
        draw(ImageDraw.Draw(picture))
        buffer = io.BytesIO()
        picture.save(buffer, "PNG")
        return buffer.getvalue()

    blank = flat(lambda d: None, "white")
    banner = flat(lambda d: None, "#c8102e")
    logo = flat(lambda d: d.rectangle((440, 230, 520, 310), fill="#006233"), "white")
    other_logo = flat(lambda d: d.ellipse((430, 220, 530, 320), fill="#c8102e"), "white")
    images = [copied_image(make_article(outlets[n % 2]), data) for n, data in
              enumerate((blank, banner, logo, other_logo))]  # fmt: skip
    assert not any(is_distinctive(i.phash) for i in images)

    for n in range(django_settings.IMAGE_REPORT_THRESHOLD):
        reports.report_image(images[2], reporter(n), "copyright")

    refresh(*images)
    assert [i.visibility for i in images] == [
        Visibility.SHOWN, Visibility.SHOWN, Visibility.AUTO_HIDDEN, Visibility.SHOWN,
    ]  # fmt: skip


def test_a_distinctive_look_alike_within_the_distance_is_hidden_with_it(
    outlets: tuple[Source, Source], settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    limit = settings.IMAGE_LOOKALIKE_DISTANCE
    reported = stored_image(make_article(outlets[0]), phash=DISTINCTIVE)
    near = stored_image(make_article(outlets[1]), phash=flip(DISTINCTIVE, limit))
    far = stored_image(make_article(outlets[1]), phash=flip(DISTINCTIVE, limit + 1))
    # Within the distance but another colour (the same emblem in blue), or plain, or
    # of unknown plainness (copied before that was recorded): not the same picture.
    recoloured = stored_image(make_article(outlets[1]), phash=flip(DISTINCTIVE, 1), tone="2040c0")
    plain = stored_image(make_article(outlets[1]), phash=flip(DISTINCTIVE, 1), plain=True)
    unknown = stored_image(make_article(outlets[1]), phash=flip(DISTINCTIVE, 1), plain=None)
    assert is_distinctive(near.phash) and is_distinctive(far.phash)
    assert hash_distance(near.phash, DISTINCTIVE) == limit
    assert hash_distance(far.phash, DISTINCTIVE) == limit + 1

    with django_capture_on_commit_callbacks(execute=True):
        for n in range(django_settings.IMAGE_REPORT_THRESHOLD):
            reports.report_image(reported, reporter(n), "violent")

    refresh(reported, near, far, recoloured, plain, unknown)
    assert reported.visibility == near.visibility == Visibility.AUTO_HIDDEN
    assert near.hidden_with == reported
    for other in (far, recoloured, plain, unknown):
        assert other.visibility == Visibility.SHOWN, other
    client = Client()
    near_page = client.get(near.articles.get().get_absolute_url()).content.decode()
    assert near.copy.url not in near_page and 'class="hidden-image"' in near_page
    assert far.copy.url in client.get(far.articles.get().get_absolute_url()).content.decode()


def test_immunity_follows_look_alikes_like_hiding_does(
    outlets: tuple[Source, Source], settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    restored = stored_image(make_article(outlets[0]), phash=DISTINCTIVE)
    Image.objects.filter(pk=restored.pk).update(visibility=Visibility.RESTORED)
    republished = stored_image(make_article(outlets[1]), phash=flip(DISTINCTIVE, 2))
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(django_settings.IMAGE_REPORT_THRESHOLD + 2):
            reports.report_image(republished, reporter(n), "violent")
    republished.refresh_from_db()
    assert republished.visibility == Visibility.SHOWN
    assert auto_hides() == 0


def test_the_same_photo_republished_at_another_size_is_hidden_with_it(
    outlets: tuple[Source, Source], django_capture_on_commit_callbacks: Any
) -> None:
    picture = demo_picture(3)
    reported = copied_image(make_article(outlets[0]), picture)
    smaller = copied_image(make_article(outlets[1]), resized(picture, 0.5, quality=60))
    unrelated = copied_image(make_article(outlets[1]), demo_picture(8))
    assert smaller.sha256 != reported.sha256 and smaller.copy_width != reported.copy_width

    with django_capture_on_commit_callbacks(execute=True):
        report_from_networks(reported, django_settings.IMAGE_REPORT_THRESHOLD)

    refresh(reported, smaller, unrelated)
    assert smaller.visibility == Visibility.AUTO_HIDDEN and smaller.hidden_with == reported
    assert unrelated.visibility == Visibility.SHOWN
    assert served(Client(), smaller.copy.name) == 404
    assert served(Client(), unrelated.copy.name) == 200


# --- copies that arrive later, and files shared between images ----------------------


def test_the_same_bytes_arriving_after_the_hide_are_hidden_too(
    scene: Scene, django_capture_on_commit_callbacks: Any
) -> None:
    hide_by_readers(scene, django_capture_on_commit_callbacks)
    late_article = make_article(scene.sharing.source, title="نفس الصورة من جديد")

    with django_capture_on_commit_callbacks(execute=True):
        late = copied_image(late_article, demo_picture(0))

    assert late.sha256 == scene.photo.sha256 and late.copy.name == scene.photo.copy.name
    assert (late.visibility, late.hidden_with) == (Visibility.AUTO_HIDDEN, scene.photo)
    html = Client().get(late_article.get_absolute_url()).content.decode()
    assert_not_on(html, late)
    assert 'class="hidden-image"' in html
    assert served(Client(), late.copy.name) == 404


def test_a_look_alike_arriving_after_the_hide_is_hidden_and_restored_with_it(
    scene: Scene, django_capture_on_commit_callbacks: Any
) -> None:
    hide_by_readers(scene, django_capture_on_commit_callbacks)
    late_article = make_article(scene.sharing.source)

    with django_capture_on_commit_callbacks(execute=True):
        late = copied_image(late_article, resized(demo_picture(0), 0.8, quality=75))
        unrelated = copied_image(late_article, demo_picture(7), position=1)

    assert late.sha256 != scene.photo.sha256
    assert (late.visibility, late.hidden_with) == (Visibility.AUTO_HIDDEN, scene.photo)
    assert unrelated.visibility == Visibility.SHOWN
    assert served(Client(), late.copy.name) == 404 and quarantined_file(late.copy.name).exists()

    with django_capture_on_commit_callbacks(execute=True):
        visibility.restore(scene.photo, None)

    late.refresh_from_db()
    assert late.visibility == Visibility.RESTORED
    assert served(Client(), late.copy.name) == 200


def assert_files_follow_visibility(*images: Image) -> None:
    """A hidden image's copy is not served at its old address; a shown one's is (its
    pages point at it)."""
    client = Client()
    for image in images:
        image.refresh_from_db()
        expected = 404 if image.is_hidden else 200
        assert served(client, image.copy.name) == expected, (image, image.visibility)


def test_hiding_an_image_whose_restored_twin_stays_immune_keeps_files_consistent(
    scene: Scene, django_capture_on_commit_callbacks: Any
) -> None:
    hide_by_readers(scene, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        visibility.restore(scene.photo, None)
    visibility.lift_immunity(scene.photo, None)  # the picture: every row of its bytes

    with django_capture_on_commit_callbacks(execute=True):
        # Reports since the review count: the threshold again hides it.
        report_from_networks(scene.photo, django_settings.IMAGE_REPORT_THRESHOLD, start=30)

    scene.photo.refresh_from_db()
    assert scene.photo.visibility == Visibility.AUTO_HIDDEN
    assert_files_follow_visibility(scene.photo, scene.twin)


def test_hiding_a_new_copy_of_a_restored_picture_keeps_files_consistent(
    scene: Scene, django_capture_on_commit_callbacks: Any
) -> None:
    hide_by_readers(scene, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        visibility.restore(scene.photo, None, "صورة إخبارية عادية")
    late_article = make_article(scene.sharing.source)
    with django_capture_on_commit_callbacks(execute=True):
        late = copied_image(late_article, demo_picture(0))  # the same bytes, shown

    with django_capture_on_commit_callbacks(execute=True):
        report_from_networks(late, django_settings.IMAGE_REPORT_THRESHOLD, start=40)

    assert scene.photo.copy.url in Client().get(scene.article.get_absolute_url()).content.decode()
    assert_files_follow_visibility(scene.photo, late)


# --- rate limit and breaker -----------------------------------------------------------


def test_over_the_rate_limit_reports_are_thanked_and_not_counted(
    outlets: tuple[Source, Source], settings: Any
) -> None:
    settings.IMAGE_REPORT_RATE = 2
    images = [stored_image(make_article(outlets[0])) for _ in range(3)]

    reader = Reader("203.0.113.10")  # one reader (cookie) and one network
    thanks = [reader.thanked(reader.report(image.pk)) for image in images]

    assert thanks == [[THANKS]] * 3
    assert [ImageReport.objects.filter(image=i).count() for i in images] == [1, 1, 0]
    refresh(*images)
    assert [i.report_count for i in images] == [1, 1, 0]
    # Someone else, elsewhere, still counts.
    Reader("198.51.100.10").report(images[2].pk)
    images[2].refresh_from_db()
    assert images[2].report_count == 1


def test_the_rate_limit_holds_per_network_across_cleared_cookies(
    outlets: tuple[Source, Source], settings: Any
) -> None:
    settings.IMAGE_REPORT_RATE = 2
    images = [stored_image(make_article(outlets[0])) for _ in range(3)]

    answers = [Reader(f"203.0.113.{n + 1}").report(i.pk, json_answer=True)
               for n, i in enumerate(images)]  # fmt: skip

    assert [a.json() for a in answers] == [{"message": THANKS}] * 3
    assert [ImageReport.objects.filter(image=i).count() for i in images] == [1, 1, 0]


def test_the_rate_limit_holds_per_reader_across_networks(
    outlets: tuple[Source, Source], settings: Any
) -> None:
    settings.IMAGE_REPORT_RATE = 2
    images = [stored_image(make_article(outlets[0])) for _ in range(3)]
    outcomes = [
        reports.report_image(image, Reporter.of("one-reader", network_address(n)), "other")
        for n, image in enumerate(images)
    ]
    assert [o.outcome for o in outcomes] == [Outcome.COUNTED] * 2 + [Outcome.RATE_LIMITED]


def test_the_rate_limit_window_passes(photo: Image, settings: Any) -> None:
    settings.IMAGE_REPORT_RATE = 1
    assert reports.report_image(photo, reporter(1), "other").outcome == Outcome.COUNTED
    assert reports.report_image(photo, reporter(1), "other").outcome == Outcome.RATE_LIMITED
    cache.clear()  # an hour later: the counters have expired
    assert reports.report_image(photo, reporter(1), "other").outcome == Outcome.REPEATED


def test_the_breaker_stops_automatic_hiding_until_staff_reset_it(
    outlets: tuple[Source, Source], settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    settings.IMAGE_HIDE_BREAKER = 2
    threshold = settings.IMAGE_REPORT_THRESHOLD
    images = [stored_image(make_article(outlets[0])) for _ in range(4)]
    reporters = iter(range(1000))

    def reach_threshold(image: Image) -> list[bool]:
        return [
            reports.report_image(image, reporter(next(reporters)), "violent").hidden
            for _ in range(threshold)
        ]

    # "More than" IMAGE_HIDE_BREAKER automatic hides within an hour trip it.
    assert reach_threshold(images[0]) == [False] * (threshold - 1) + [True]
    assert reach_threshold(images[1])[-1] is True
    assert not breaker.breaker_tripped()
    with caplog.at_level(logging.WARNING, logger="articles.moderation"):
        assert reach_threshold(images[2])[-1] is True
    assert breaker.breaker_tripped()
    (trip,) = ModerationEvent.objects.filter(action=Action.BREAKER_TRIP)
    assert trip.threshold == 2
    assert "breaker tripped" in caplog.text

    # Tripped: reports keep counting, the image reaches the threshold and stays shown.
    assert reach_threshold(images[3]) == [False] * threshold
    refresh(*images)
    assert images[3].visibility == Visibility.SHOWN
    assert images[3].report_count == threshold
    assert ImageReport.objects.filter(image=images[3]).count() == threshold
    assert auto_hides() == 3
    assert breaker.breaker_tripped()

    # Held for staff meanwhile: in the review queue, with its own record.
    assert images[3].held_at is not None
    assert ModerationEvent.objects.filter(action=Action.HOLD, image=images[3]).count() == 1
    from articles.moderation.visibility import queue_of_review

    assert images[3].pk in set(queue_of_review().values_list("pk", flat=True))

    reports.reset_breaker(None, "حملة مراجعة")
    assert ModerationEvent.objects.filter(action=Action.BREAKER_RESET).count() == 1
    # Reset: held images are decided at once; this one is over the threshold.
    images[3].refresh_from_db()
    assert images[3].visibility == Visibility.AUTO_HIDDEN and images[3].held_at is None
    # Hides before the reset no longer count: one more does not trip it again.
    assert not breaker.breaker_tripped()


def test_automatic_hides_older_than_an_hour_do_not_trip_the_breaker(
    outlets: tuple[Source, Source], settings: Any
) -> None:
    settings.IMAGE_HIDE_BREAKER = 2
    old = [stored_image(make_article(outlets[0])) for _ in range(2)]
    for image in old:
        ModerationEvent.objects.create(
            action=Action.AUTO_HIDE, image=image, threshold=3,
            created_at=timezone.now() - timedelta(hours=2),
        )  # fmt: skip
    image = stored_image(make_article(outlets[0]))

    for n in range(settings.IMAGE_REPORT_THRESHOLD):
        reports.report_image(image, reporter(n), "violent")

    image.refresh_from_db()
    assert image.visibility == Visibility.AUTO_HIDDEN
    assert not breaker.breaker_tripped()


# --- nothing kept of who reported -----------------------------------------------------


def every_stored_text() -> list[str]:
    """Every value of every column of every table, as text; sessions decoded."""
    values: list[str] = []
    for model in apps.get_models():
        columns = [f.attname for f in model._meta.concrete_fields]
        rows = model._default_manager.values_list(*columns)
        values += [str(value) for row in rows for value in row]
    values += [json.dumps(s.get_decoded(), default=str) for s in Session.objects.all()]
    return values


def test_no_address_or_cookie_value_is_kept_in_the_database_or_the_logs(
    outlets: tuple[Source, Source], settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    settings.IMAGE_HIDE_BREAKER = 0  # the first automatic hide trips it
    settings.IMAGE_REPORT_RATE = 3
    caplog.set_level(logging.DEBUG)
    images = [stored_image(make_article(outlets[0])) for _ in range(3)]
    addresses = ["203.0.113.77", "2001:db8:77:1::5", "198.51.100.77"]
    secrets: list[str] = []
    for address in addresses:
        reader = Reader(address)
        reader.report(images[0].pk, "violent", "ملاحظة")
        reader.report(images[0].pk, "violent")  # repeated
        reader.report(images[1].pk, "spam")  # 400
        reader.report(images[1].pk, token=False)  # 403
        reader.report(images[1].pk, json_answer=True)
        reader.report(images[2].pk)  # over the rate limit
        signed = reader.reader_cookie
        secrets += [signed, signed.split(":")[0]]
    Reader("192.0.2.77").report(images[0].pk, forwarded_for="100.64.77.77")
    images[0].refresh_from_db()
    assert images[0].visibility == Visibility.AUTO_HIDDEN and breaker.breaker_tripped()
    assert ImageReport.objects.count() == 4 + 3

    forbidden = [
        *addresses, "192.0.2.77", "100.64.77.77", "203.0.113.", "198.51.100.", "2001:db8:77",
        "203.0.113.0/24", "2001:db8:77::/48", *secrets,
    ]  # fmt: skip
    stored = every_stored_text()
    for value in forbidden:
        assert value and not any(value in text for text in stored), value
    # The reports keep only keyed hashes (and the breaker's warning was logged).
    for row in ImageReport.objects.all():
        assert len(row.reader) == len(row.network) == 64
    logged = caplog.text + "\n".join(str(r.__dict__) for r in caplog.records)
    assert "breaker tripped" in logged and "Forbidden" in logged
    for value in forbidden:
        assert value not in logged, value


# --- hidden articles ----------------------------------------------------------------


def test_a_hidden_article_leaves_every_page_feed_sitemap_and_search(
    outlets: tuple[Source, Source], django_user_model: Any
) -> None:
    hespress, alyaoum = outlets
    article = make_article(hespress, title="زلزال قوي يضرب إقليم الحوز")
    stored_image(article)
    make_article(hespress, title="خبر آخر من هسبريس")
    make_article(alyaoum, title="زلزال في خبر آخر")
    index_articles(Article.objects.values_list("pk", flat=True))
    changed()
    client = Client()
    path = article.get_absolute_url()
    pages = [
        "/", "/section/sports/", "/hespress/", "/outlets/", "/rss/", "/section/sports/rss/",
        "/hespress/rss/", "/sitemap-articles.xml", "/search/?q=زلزال", "/fr/hespress/",
    ]  # fmt: skip
    for page in pages:
        response = client.get(page)  # also warms the page cache
        assert response.status_code == 200 and path.encode() in response.content, page
    assert client.get(path).status_code == 200
    staff = django_user_model.objects.create_user("editor", password="x" * 12, is_staff=True)

    visibility.set_article_hidden(article, True, staff, "خبر كاذب")
    visibility.set_article_hidden(article, True, staff, "مرة ثانية")  # already hidden

    article.refresh_from_db()
    assert article.hidden
    (event,) = ModerationEvent.objects.all()
    assert (event.action, event.article, event.actor) == (Action.HIDE_ARTICLE, article, staff)
    assert client.get(path).status_code == 404
    assert client.get(f"/fr{path}").status_code == 404
    assert client.get(f"/alyaoum24/{article.pk}/").status_code == 404  # no redirect to it
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        assert path.encode() not in response.content, page
        assert "إقليم الحوز".encode() not in response.content, page
    # The other article matching the search is still found.
    assert "زلزال في خبر آخر" in client.get("/search/?q=زلزال").content.decode()

    visibility.set_article_hidden(article, False, staff, "خطأ")
    assert client.get(path).status_code == 200
    assert path.encode() in client.get("/search/?q=زلزال").content
    assert ModerationEvent.objects.filter(action=Action.SHOW_ARTICLE).count() == 1


# --- PostgreSQL, real threads ---------------------------------------------------------


def run_at_once(calls: list[Callable[[], Any]]) -> tuple[list[Any], list[BaseException]]:
    """Run ``calls`` in threads released together; each thread closes its connection."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run(call: Callable[[], Any]) -> None:
        try:
            connection.ensure_connection()  # connected first: the reports start together
            barrier.wait(timeout=30)
            result = call()
            with lock:
                results.append(result)
        except BaseException as error:  # noqa: BLE001 - every failure is reported
            with lock:
                errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    return results, errors


@pytest.fixture
def on_postgresql() -> None:
    # Marked postgres_only: deselected (not skipped) on the embedded default, where
    # SQLite serialises writers; this guards a run that forces them onto SQLite.
    assert connection.vendor == "postgresql", "concurrent writers need PostgreSQL"


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_reports_from_one_reader_are_one_report(
    on_postgresql: None, outlets: tuple[Source, Source], settings: Any
) -> None:
    settings.IMAGE_REPORT_RATE = 100  # every one of them reaches the database
    image = stored_image(make_article(outlets[0]))
    one = Reporter.of("the-same-reader", "203.0.113.10")

    results, errors = run_at_once(
        [lambda: reports.report_image(image, one, "violent") for _ in range(20)]
    )

    assert errors == []
    assert sorted(r.outcome for r in results) == [Outcome.COUNTED] + [Outcome.REPEATED] * 19
    assert ImageReport.objects.filter(image=image).count() == 1
    image.refresh_from_db()
    assert image.report_count == 1 and image.visibility == Visibility.SHOWN


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("readers_per_threshold", [1, 4])
def test_threshold_many_distinct_readers_at_once_hide_exactly_once(
    on_postgresql: None,
    outlets: tuple[Source, Source],
    settings: Any,
    readers_per_threshold: int,
) -> None:
    settings.IMAGE_REPORT_THRESHOLD = 5
    readers = 5 * readers_per_threshold
    image = stored_image(make_article(outlets[0]), phash=DISTINCTIVE)
    lookalike = stored_image(make_article(outlets[1]), phash=flip(DISTINCTIVE, 2))

    results, errors = run_at_once(
        [partial(reports.report_image, image, reporter(n), "violent") for n in range(readers)]
    )

    assert errors == []
    assert [r.outcome for r in results] == [Outcome.COUNTED] * readers
    assert sum(r.hidden for r in results) == 1
    refresh(image, lookalike)
    assert image.visibility == lookalike.visibility == Visibility.AUTO_HIDDEN
    assert image.report_count == readers == ImageReport.objects.filter(image=image).count()
    (event,) = ModerationEvent.objects.filter(image=image)
    assert (event.action, event.image_id, event.threshold) == (Action.AUTO_HIDE, image.pk, 5)
