"""The app's image steps one by one, for bench/images.py: ``decode()`` and
``resize_both()`` do what ``articles.images.process_image`` does up to the copy and the
thumbnail, step for step, with the app's own functions and settings; and the
alternatives the report compares them with: other encoder settings (``encoder_pass``,
(5)) and other resize filters (``resize_pass``, (5b)), scored by PSNR.
"""

from __future__ import annotations

import io
import math
import statistics
import time
from typing import Any


def decode(data: bytes, fast: bool) -> tuple[Any, bool]:
    """articles.images.process_image up to the RGB picture, step for step; ``load()`` is
    explicit so that the decode is timed here (the app's exif_transpose triggers it)."""
    import warnings

    from django.conf import settings
    from PIL import Image as PILImage
    from PIL import ImageOps

    from articles.images.picture import ACCEPTED_FORMATS, draft_size, has_alpha

    with warnings.catch_warnings():
        warnings.simplefilter("error", PILImage.DecompressionBombWarning)
        source = PILImage.open(io.BytesIO(data), formats=ACCEPTED_FORMATS)
        width, height = source.size
        if width * height > settings.IMAGE_MAX_PIXELS:
            raise RuntimeError("too_many_pixels")
        if fast and source.format == "JPEG":
            source.draft("RGB", draft_size(source, settings.IMAGE_COPY_WIDTH))
        source.seek(0)
        source.load()
        reduced = source.size != (width, height)
        picture = ImageOps.exif_transpose(source)
        picture = picture.convert("RGBA" if has_alpha(picture) else "RGB")
    return picture, reduced


def resize_both(picture: Any, fast: bool) -> tuple[Any, Any]:
    from django.conf import settings

    from articles.images.picture import resize

    copy = resize(picture, settings.IMAGE_COPY_WIDTH, fast)
    return copy, resize(copy, settings.IMAGE_THUMBNAIL_WIDTH, fast)


ENCODERS: tuple[tuple[str, str, dict[str, Any]], ...] = (
    ("WebP q80 method 2 (current)", "WEBP", {"quality": 80, "method": 2}),
    ("WebP q80 method 4 (Pillow's default)", "WEBP", {"quality": 80, "method": 4}),
    ("WebP q80 method 6", "WEBP", {"quality": 80, "method": 6}),
    ("WebP q80 method 3", "WEBP", {"quality": 80, "method": 3}),
    ("WebP q80 method 0", "WEBP", {"quality": 80, "method": 0}),
    ("WebP q75 method 4", "WEBP", {"quality": 75, "method": 4}),
    ("WebP q70 method 4", "WEBP", {"quality": 70, "method": 4}),
    ("JPEG q80 (baseline)", "JPEG", {"quality": 80}),
    ("JPEG q80 optimize", "JPEG", {"quality": 80, "optimize": True}),
    ("JPEG q80 progressive", "JPEG", {"quality": 80, "optimize": True, "progressive": True}),
    ("JPEG q85 (baseline)", "JPEG", {"quality": 85}),
)


def image_psnr(reference: Any, other: Any) -> float:
    from PIL import ImageChops, ImageStat

    difference = ImageChops.difference(reference, other)
    mse = statistics.fmean(v * v for v in ImageStat.Stat(difference).rms)
    return 99.0 if mse == 0 else 10 * math.log10(255 * 255 / mse)


def psnr(reference: Any, data: bytes) -> float:
    from PIL import Image

    with Image.open(io.BytesIO(data)) as decoded:
        return image_psnr(reference, decoded.convert("RGB"))


def encoder_pass(datas: list[bytes]) -> dict[str, Any]:
    """(5) other encoder settings on the same copies and thumbnails (fast path): ms,
    bytes and PSNR against the resized picture before encoding (higher = closer)."""
    pictures = []
    for data in datas:
        picture, _reduced = decode(data, fast=True)
        pictures.append(resize_both(picture, fast=True))
    results: dict[str, dict[str, dict[str, float]]] = {}
    for label, fmt, options in ENCODERS:
        row: dict[str, dict[str, float]] = {}
        for which, position in (("copy", 0), ("thumbnail", 1)):
            ms, sizes, psnrs = [], [], []
            for pair in pictures:
                picture = pair[position]
                buffer = io.BytesIO()
                t0 = time.perf_counter()
                picture.save(buffer, fmt, **options)
                ms.append(1000 * (time.perf_counter() - t0))
                sizes.append(len(buffer.getvalue()))
                psnrs.append(psnr(picture, buffer.getvalue()))
            row[which] = {
                "ms": statistics.median(ms),
                "kb": statistics.fmean(sizes) / 1024,
                "psnr": statistics.fmean(psnrs),
            }
        results[label] = row
    return results


RESIZERS: tuple[tuple[str, str, str, float | None], ...] = (
    ("copy: LANCZOS (current)", "copy", "LANCZOS", None),
    ("copy: BICUBIC", "copy", "BICUBIC", None),
    ("copy: BILINEAR", "copy", "BILINEAR", None),
    ("thumb: LANCZOS from the copy (current)", "thumbnail", "LANCZOS", None),
    ("thumb: LANCZOS, reducing_gap=1.5", "thumbnail", "LANCZOS", 1.5),
    ("thumb: box reduce 3x (reducing_gap=1.0)", "thumbnail", "LANCZOS", 1.0),
    ("thumb: BICUBIC from the copy", "thumbnail", "BICUBIC", None),
)


def resize_pass(datas: list[bytes]) -> dict[str, dict[str, float]]:
    """(5b) other resize filters: median ms and PSNR against the current output (the
    LANCZOS copy or thumbnail; higher = closer to what the app makes now)."""
    from django.conf import settings
    from PIL import Image

    sources = [decode(data, fast=True)[0] for data in datas]
    references = [resize_both(source, fast=True) for source in sources]
    results: dict[str, dict[str, float]] = {}
    for label, which, filter_name, gap in RESIZERS:
        ms, psnrs = [], []
        for source, (copy, thumbnail) in zip(sources, references, strict=True):
            start = source if which == "copy" else copy
            reference = copy if which == "copy" else thumbnail
            width = (
                settings.IMAGE_COPY_WIDTH if which == "copy" else settings.IMAGE_THUMBNAIL_WIDTH
            )
            height = max(1, round(start.height * width / start.width))
            t0 = time.perf_counter()
            made = start.resize((width, height), Image.Resampling[filter_name], reducing_gap=gap)
            ms.append(1000 * (time.perf_counter() - t0))
            psnrs.append(image_psnr(reference, made))
        results[label] = {"ms": statistics.median(ms), "psnr": statistics.fmean(psnrs)}
    return results
