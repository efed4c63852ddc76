"""The media storage full (ENOSPC) while a copy is written: the failure is recorded on
the image with a code and retried, no truncated file is left or later taken for the
copy, and the article page shows the article without the picture until the copy is made.
The chaos run does the same on a real full filesystem (tests/reliability/faults/media_full.py).
"""

from __future__ import annotations

import errno
from pathlib import Path

import pytest
from celery.exceptions import Retry
from django.core.files.storage import FileSystemStorage, default_storage
from django.test import Client
from pytest_httpserver import HTTPServer

from articles import tasks
from articles.images.copy import MAX_ATTEMPTS, copy_image, store_file
from articles.models import Article, Image
from tests.images.test_copies import jpeg, serve
from tests.support.images import ARTICLE_URL, stored_files

pytestmark = pytest.mark.django_db


@pytest.fixture
def disk_full(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The local storage writes half of each file, then the disk is full (as
    FileSystemStorage._save leaves it: the bytes written before the error stay)."""
    names: list[str] = []

    def full(self: FileSystemStorage, name: str, content: object) -> str:
        path = Path(self.path(name))
        path.parent.mkdir(parents=True, exist_ok=True)
        data = content.read()  # type: ignore[attr-defined]
        path.write_bytes(data[: len(data) // 2])
        names.append(name)
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(FileSystemStorage, "_save", full)
    return names


def test_a_full_disk_is_recorded_as_no_space_and_retried(
    httpserver: HTTPServer, article_image, media_root: Path, disk_full: list[str]
) -> None:
    image = article_image(serve(httpserver, "/photo.jpg", jpeg(31), "image/jpeg"))

    result = copy_image(image.id)

    image.refresh_from_db()
    assert disk_full, "the copy was written"
    assert (result.status, result.error_code, result.should_retry) == ("pending", "no_space", True)
    assert (image.status, image.error_code, image.attempts) == ("pending", "no_space", 1)
    assert not image.copy and not image.thumbnail
    assert stored_files(media_root) == []  # no truncated copy left behind


def test_the_copy_task_retries_a_full_disk(
    httpserver: HTTPServer, article_image, disk_full: list[str]
) -> None:
    image = article_image(serve(httpserver, "/photo.jpg", jpeg(32), "image/jpeg"))

    with pytest.raises(Retry):
        tasks.copy_image(image.id)


def test_the_copy_is_made_whole_once_space_returns(
    httpserver: HTTPServer, article_image, media_root: Path, monkeypatch: pytest.MonkeyPatch,
    disk_full: list[str],
) -> None:  # fmt: skip
    image = article_image(serve(httpserver, "/photo.jpg", jpeg(33), "image/jpeg"))
    copy_image(image.id)
    monkeypatch.undo()  # space returns

    result = copy_image(image.id)

    image.refresh_from_db()
    assert (result.status, image.status, image.error_code, image.attempts) == (
        "stored", "stored", "", 2,
    )  # fmt: skip
    for name in (image.copy.name, image.thumbnail.name):
        assert default_storage.size(name) == (media_root / name).stat().st_size
    assert image.copy_byte_size == default_storage.size(image.copy.name)


def test_a_truncated_file_left_by_an_earlier_failure_is_written_again(
    media_root: Path,
) -> None:
    data = b"x" * 1000
    path = media_root / "images" / "ab" / "abcdef-1200.webp"
    path.parent.mkdir(parents=True)
    path.write_bytes(data[:300])  # what a disk full mid-write left, before this fix

    name = store_file("abcdef-1200.webp", data)

    assert name == "images/ab/abcdef-1200.webp"
    assert path.read_bytes() == data


def test_a_full_disk_to_the_last_attempt_fails_with_its_code(
    httpserver: HTTPServer, article_image, disk_full: list[str]
) -> None:
    image = article_image(serve(httpserver, "/photo.jpg", jpeg(34), "image/jpeg"))

    results = [copy_image(image.id) for _ in range(MAX_ATTEMPTS)]

    image.refresh_from_db()
    assert [r.should_retry for r in results] == [True] * (MAX_ATTEMPTS - 1) + [False]
    assert (image.status, image.error_code) == ("failed", "no_space")


def test_another_storage_error_is_recorded_as_storage_error(
    httpserver: HTTPServer, article_image, monkeypatch: pytest.MonkeyPatch
) -> None:
    def read_only(self: FileSystemStorage, name: str, content: object) -> str:
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(FileSystemStorage, "_save", read_only)
    image = article_image(serve(httpserver, "/photo.jpg", jpeg(35), "image/jpeg"))

    result = copy_image(image.id)

    assert (result.status, result.error_code, result.should_retry) == (
        "pending", "storage_error", True,
    )  # fmt: skip


def test_the_article_page_shows_the_article_without_the_picture_while_the_disk_is_full(
    httpserver: HTTPServer, article_image, disk_full: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    image = article_image(serve(httpserver, "/photo.jpg", jpeg(36), "image/jpeg"))
    copy_image(image.id)
    article = Article.objects.get(url=ARTICLE_URL)

    page = Client().get(article.get_absolute_url())

    html = page.content.decode()
    assert page.status_code == 200
    assert article.title in html
    article_html = html.split('class="article-title"')[1].split("</article>")[0]
    assert "<img" not in article_html  # no picture, and no broken one
    assert Image.objects.get(id=image.id).status == "pending"
