"""Fixtures of the image tests: rows from a real ingest, and MEDIA_ROOT in tmp_path."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from articles.ingest.feeds import ingest_bytes
from articles.models import ArticleImage, Image
from tests.support.images import ARTICLE_URL, feed


@pytest.fixture
def add_images(make_outlet) -> Callable[..., list[Image]]:  # type: ignore[no-untyped-def]
    """Ingest a feed whose articles use the given image URLs; returns their Image rows."""

    def add(*items: tuple[str, str]) -> list[Image]:
        result = ingest_bytes(make_outlet(), feed(*items))
        images = [Image.objects.get(url=image_url) for _article_url, image_url in items]
        assert set(result.new_image_ids) == {image.id for image in images}
        for article_url, image in zip((a for a, _ in items), images, strict=True):
            assert ArticleImage.objects.filter(image=image, article__url=article_url).exists()
        return images

    return add


@pytest.fixture
def article_image(add_images) -> Callable[[str], Image]:  # type: ignore[no-untyped-def]
    """The Image row of one image used by the article at ARTICLE_URL."""
    return lambda image_url: add_images((ARTICLE_URL, image_url))[0]


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    """Copies go to the test's own folder, never into var/media."""
    root = tmp_path / "media"
    settings.MEDIA_ROOT = str(root)
    return root
