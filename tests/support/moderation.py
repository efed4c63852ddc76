"""Helpers of the moderation tests (tests/moderation/, and the concurrent reports of
tests/system/): readers with their own cookies and addresses, articles and images.

Images here are either rows alone (``stored_image``: enough to count and hide) or real
copies made by ``copy_image`` from the demo's bundled pictures (``copied_image``: where
the files matter: quarantine, /media/, perceptual hashes).
"""

from __future__ import annotations

import io
import itertools
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import lxml.html
from django.conf import settings as django_settings
from django.test import Client
from django.utils import timezone
from PIL import Image as PILImage

from articles.images.copy import copy_image
from articles.models import (
    Article,
    ArticleImage,
    ContentVersion,
    Image,
    ModerationEvent,
    Outlet,
    Section,
)
from articles.moderation.reports import Reporter
from articles.site.cache import forget_version
from articles.site.reports import READER_COOKIE

DEMO_IMAGES = Path(__file__).resolve().parents[2] / "articles" / "ingest" / "demo" / "images"
THANKS = "شكرا على الإبلاغ! سيتم حجب هذه الصورة تلقائيا عندما يتم الإبلاغ عنها من طرف عدة أشخاص."
PLACEHOLDER_ALT = "صورة محجوبة بعد بلاغات القراء"
Action = ModerationEvent.Action
_serial = itertools.count(1)
Response = Any  # what the test client returns (django-stubs: _MonkeyPatchedWSGIResponse)


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
    outlet: Outlet,
    *,
    title: str | None = None,
    body_html: str | None = None,
    minutes_ago: int = 0,
    section: str | None = "sports",
) -> Article:
    n = next(_serial)
    moment = timezone.now() - timedelta(minutes=minutes_ago + n / 1000)
    return Article.objects.create(
        outlet=outlet,
        key=f"key-{n}",
        url=f"https://{outlet.slug}.example.ma/news/{n}",
        title=title or f"خبر رقم {n}",
        summary=f"ملخص الخبر رقم {n}",
        body_html=body_html if body_html is not None else f"<p>نص الخبر رقم {n}</p>",
        published_at=moment,
        fetched_at=moment,
        updated_at=moment,
        content_hash=f"hash-{n}",
        section=Section.objects.get(slug=section) if section else None,
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


def two_outlets(make_outlet: Callable[..., Outlet]) -> tuple[Outlet, Outlet]:
    """Hespress and Alyaoum 24, the outlets the moderation tests report on."""
    hespress = make_outlet(name="هسبريس", name_latin="Hespress", slug="hespress")
    alyaoum = make_outlet(name="اليوم 24", name_latin="Alyaoum 24", slug="alyaoum24")
    return hespress, alyaoum


# A scene: one photo under several guises.


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


DISTINCTIVE = "0c8c2767cd222c18"  # demo-00.jpg's perceptual hash


def flip(phash: str, bits: int) -> str:
    """``phash`` with ``bits`` of its bits flipped, spread over its rows."""
    value = int(phash, 16)
    for n in range(bits):
        value ^= 1 << (n * 9 % 64)
    return f"{value:016x}"
