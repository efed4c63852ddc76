"""Our own copies of the pictures outlets publish: fetched once, verified, resized.

Pages never hotlink: hotlinking leaks readers' addresses to every outlet, breaks on
hotlink protection, sends multi-megabyte originals to phones and leaves moderation no
control. ``copy_image`` downloads an image through the guarded client (Referer = the
article), lets Pillow open it with a pixel cap and only the JPEG, PNG, WebP and GIF
decoders (content decides, never the name or header), and stores a ~1200 px copy and a
~400 px thumbnail as WebP, without metadata, named after the content hash so the same
bytes are stored once. It records the outcome on the ``Image`` row, including a
perceptual hash for moderation, and never raises for a bad image.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F
from django.dispatch import Signal
from django.utils import timezone

from articles.images.picture import ImageError, Picture, process_image
from articles.lib.http import FetchError, fetch_url
from articles.models import ArticleImage, ContentVersion, Image, image_upload_to

# Sent inside the transaction that records a new copy (or a copy shared with a twin),
# with ``image_id``: moderation hides the copy there and then if its picture is hidden
# (articles.apps connects it), so a copy of a hidden picture is never public, even briefly.
copy_recorded = Signal()

logger = logging.getLogger(__name__)


IMAGE_ACCEPT = "image/webp,image/jpeg,image/png,image/gif;q=0.9,*/*;q=0.1"


MAX_ATTEMPTS = 5
# The media storage refused a write: the picture is fine, the place we keep copies is
# not (a full disk or quota; else a read-only or broken mount). Never permanent.
NO_SPACE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})


Downloader = Callable[[str, str], bytes]


@dataclass(frozen=True)
class CopyResult:
    image_id: int
    status: str
    error_code: str = ""
    should_retry: bool = False


def fetch_image(url: str, referer: str) -> bytes:
    """Download an image through the guarded client, under the image limits."""
    try:
        response = fetch_url(
            url, referer=referer, accept=IMAGE_ACCEPT, max_bytes=settings.IMAGE_MAX_BYTES,
            timeout=settings.IMAGE_TIMEOUT_SECONDS,
        )  # fmt: skip
    except FetchError as error:
        raise ImageError(error.code) from error
    return response.body


def copy_image(image_id: int, *, download: Downloader = fetch_image) -> CopyResult:
    """Make our copy of one image and record the outcome on its row. Idempotent: a
    stored image is left alone, and bytes already stored under another URL are reused.

    ``download`` is the stage that gets the bytes; the offline demo passes one that
    reads its bundled files, everything after it is the same code.
    """
    image = Image.objects.get(id=image_id)
    if image.status == Image.Status.STORED:
        return CopyResult(image.id, image.status)
    Image.objects.filter(id=image.id).update(
        attempts=F("attempts") + 1, attempted_at=timezone.now()
    )
    try:
        data = download(image.url, _referer(image))
        twin = Image.objects.stored().filter(sha256=hashlib.sha256(data).hexdigest()).first()
        if twin is not None:
            # One transaction: a copy of a hidden picture is never public, even briefly.
            with transaction.atomic():
                result = _record_twin(image, twin, len(data))
                copy_recorded.send(sender=Image, image_id=image.id)
            return result
        picture = process_image(data)
    except ImageError as error:
        return _record_failure(image, error)
    except Exception:
        # Pillow raises more kinds of errors on hostile files than it documents; and a
        # bug is a bug. Record it (staff can copy again) and let the worker go on.
        logger.exception("copy of image %s crashed", image.id)
        return _record_failure(image, ImageError("internal_error"))
    try:
        with transaction.atomic():
            result = _record_copy(image, picture, len(data))
            copy_recorded.send(sender=Image, image_id=image.id)
    except OSError as error:
        logger.warning("copy of image %s not written: %s", image.id, error)
        return _record_failure(image, ImageError(storage_error_code(error)))
    return result


def storage_error_code(error: OSError) -> str:
    return "no_space" if error.errno in NO_SPACE_ERRNOS else "storage_error"


def stranded_image_ids(limit: int = 100) -> list[int]:
    """Pending images that no task will copy any more; see ImageQuerySet.stranded."""
    stranded = Image.objects.stranded(timezone.now(), MAX_ATTEMPTS).order_by("id")
    return list(stranded.values_list("id", flat=True)[:limit])


def _referer(image: Image) -> str:
    """The article page the image appears on, as outlets that check Referer expect."""
    url = (
        ArticleImage.objects.filter(image=image)
        .exclude(article__url="")
        .order_by("article_id")
        .values_list("article__url", flat=True)
        .first()
    )
    return url or ""


def _record_copy(image: Image, picture: Picture, byte_size: int) -> CopyResult:
    copy_name = store_file(f"{picture.sha256}-{picture.copy.width}.webp", picture.copy.data)
    thumbnail_name = store_file(
        f"{picture.sha256}-{picture.thumbnail.width}.webp", picture.thumbnail.data
    )
    Image.objects.filter(id=image.id).update(
        status=Image.Status.STORED, error_code="", copied_at=timezone.now(),
        width=picture.width, height=picture.height, byte_size=byte_size,
        sha256=picture.sha256, phash=picture.phash, plain=picture.plain, tone=picture.tone,
        copy=copy_name, copy_width=picture.copy.width, copy_height=picture.copy.height,
        copy_byte_size=len(picture.copy.data), thumbnail=thumbnail_name,
        thumbnail_width=picture.thumbnail.width, thumbnail_height=picture.thumbnail.height,
    )  # fmt: skip
    ContentVersion.objects.bump()
    return CopyResult(image.id, Image.Status.STORED)


def _record_twin(image: Image, twin: Image, byte_size: int) -> CopyResult:
    """The same bytes are already stored for another URL: share its files."""
    Image.objects.filter(id=image.id).update(
        status=Image.Status.STORED, error_code="", copied_at=timezone.now(),
        width=twin.width, height=twin.height, byte_size=byte_size, sha256=twin.sha256,
        phash=twin.phash, plain=twin.plain, tone=twin.tone, copy=twin.copy.name,
        copy_width=twin.copy_width,
        copy_height=twin.copy_height, copy_byte_size=twin.copy_byte_size,
        thumbnail=twin.thumbnail.name,
        thumbnail_width=twin.thumbnail_width, thumbnail_height=twin.thumbnail_height,
    )  # fmt: skip
    ContentVersion.objects.bump()
    return CopyResult(image.id, Image.Status.STORED)


def _record_failure(image: Image, error: ImageError) -> CopyResult:
    attempts = image.attempts + 1
    retry = not error.is_permanent and attempts < MAX_ATTEMPTS
    status = Image.Status.PENDING if retry else Image.Status.FAILED
    Image.objects.filter(id=image.id).update(status=status, error_code=error.code)
    logger.info("copy of image %s failed: %s", image.id, error.code)
    return CopyResult(image.id, status, error.code, should_retry=retry)


def store_file(name: str, data: bytes) -> str:
    """Save under a name derived from the content; bytes already there (whole) are not
    written again. Returns the storage name; an OSError of the storage (disk full) is
    raised, with no partial file left behind."""
    path = default_storage.generate_filename(image_upload_to(None, name))
    if default_storage.exists(path):
        if default_storage.size(path) == len(data):
            return path
        # What a write cut short left (the disk filled up mid-file): written again.
        default_storage.delete(path)
    try:
        return default_storage.save(path, ContentFile(data))
    except OSError:
        # A local storage keeps the bytes it wrote before the error: never leave a
        # truncated copy under the name a later try would take for the whole file.
        with contextlib.suppress(OSError):
            if default_storage.exists(path) and default_storage.size(path) != len(data):
                default_storage.delete(path)
        raise
