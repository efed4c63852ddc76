"""Rows and stored files for the image tests (tests/images/): the small feed that gives
each image the article (and the Referer) it appears on, and what a copy left in
MEDIA_ROOT."""

from __future__ import annotations

import io
from pathlib import Path

from django.core.files.storage import default_storage
from PIL import Image as PILImage

from articles.models import Image

ARTICLE_URL = "https://example.ma/a/1"


def feed(*items: tuple[str, str]) -> bytes:
    """An RSS feed with one item per (article URL, image URL as media:content)."""
    entries = "".join(
        f"<item><title>خبر {n}</title><link>{article_url}</link>"
        f'<guid isPermaLink="false">{article_url}</guid>'
        f"<pubDate>Mon, 22 Dec 2025 10:0{n}:00 +0100</pubDate>"
        f"<description>ملخص</description>"
        f'<media:content url="{image_url}" medium="image" type="image/jpeg"/></item>'
        for n, (article_url, image_url) in enumerate(items)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel>'
        f"<title>اختبار</title><link>https://example.ma/</link>{entries}</channel></rss>"
    ).encode()


def stored_files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def open_stored(name: str) -> PILImage.Image:
    with default_storage.open(name, "rb") as stored:
        picture = PILImage.open(io.BytesIO(stored.read()))
        picture.load()
    return picture


def assert_refused(image: Image, result: object, code: str, root: Path) -> None:
    image.refresh_from_db()
    assert (result.status, result.error_code, result.should_retry) == ("failed", code, False)  # type: ignore[attr-defined]
    assert (image.status, image.error_code, image.attempts) == ("failed", code, 1)
    assert not image.copy and not image.thumbnail and image.sha256 == ""
    assert stored_files(root) == []
