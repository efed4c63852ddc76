"""Fuzz ``articles.images.process_image``: any bytes as a downloaded image.

Properties: it raises nothing but ``ImageError``, in both its fast and its exact path;
on success the copy and the thumbnail have positive dimensions within WebP's limit
(16383 px a side) and the configured widths, and their bytes are WebP files of those
dimensions.

Input layout: the bytes are the image, as downloaded (no framing: a seed or a finding
is an image file you can open). Seeds: tests/fuzz/seeds/process_image/, made by
make_seeds.py.
"""

from __future__ import annotations

import io
from collections.abc import Iterator

import fuzzlib

with fuzzlib.instrumented(__name__, include=("articles", "PIL")):
    from django.conf import settings
    from PIL import Image as PILImage

    from articles.images.picture import ImageError, Picture, Rendition, process_image

    PILImage.init()  # every format plugin now, inside the instrumentation

NAME = "process_image"
MAX_LEN = 65536
DICTIONARY = "image.dict"
WEBP_MAX_SIDE = 16383


def check(data: bytes) -> None:
    for fast in (True, False):
        try:
            picture = process_image(data, fast=fast)
        except ImageError:
            continue
        check_picture(picture, fast)


def check_picture(picture: Picture, fast: bool) -> None:
    require = fuzzlib.require
    path = "fast" if fast else "exact"
    require(picture.width > 0 and picture.height > 0, "original without pixels")
    limits = {"copy": settings.IMAGE_COPY_WIDTH, "thumbnail": settings.IMAGE_THUMBNAIL_WIDTH}
    for name, width in limits.items():
        rendition: Rendition = getattr(picture, name)
        size = (rendition.width, rendition.height)
        require(min(size) >= 1, f"{name} without pixels ({path})", repr(size))
        require(max(size) <= WEBP_MAX_SIDE, f"{name} over WebP's 16383 px ({path})", repr(size))
        require(rendition.width <= width, f"{name} wider than {width} px ({path})", repr(size))
        with PILImage.open(io.BytesIO(rendition.data)) as written:
            require(written.format == "WEBP", f"{name} not WebP ({path})", str(written.format))
            require(
                written.size == size,
                f"{name} file not of its recorded size ({path})",
                f"{written.size} != {size}",
            )


def seeds() -> Iterator[bytes]:
    yield from fuzzlib.committed_seeds(NAME)


if fuzzlib.fuzzing(__name__):
    fuzzlib.main(check)
