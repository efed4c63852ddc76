"""Pillow work on one downloaded picture: check it, turn it upright, scale it and encode
our WebP renditions. No database, no network.
"""

from __future__ import annotations

import hashlib
import io
import struct
import warnings
from dataclasses import dataclass
from fractions import Fraction

from django.conf import settings
from PIL import Image as PILImage
from PIL import ImageOps, UnidentifiedImageError

from articles.images.likeness import perceptual_hash, picture_traits

ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP", "GIF")


ORIENTATION_TAG = 0x0112


WEBP_METHOD = 2


WEBP_MAX_SIDE = 16383  # the longest side a WebP file can have


# What Pillow raises on files it cannot read: hostile or broken headers and data reach
# parsing code that fails with more than the OSError it documents.
PILLOW_ERRORS = (
    OSError, SyntaxError, ValueError, EOFError, struct.error, IndexError, KeyError,
    TypeError, ZeroDivisionError, OverflowError,
)  # fmt: skip


# Failures that another try cannot fix: not retried.
PERMANENT_CODES = frozenset(
    {"too_large", "too_many_pixels", "not_an_image", "blocked_address", "bad_scheme",
     "bad_url", "http_400", "http_401", "http_403", "http_404", "http_410", "http_451",
     "too_many_redirects", "bad_redirect", "internal_error", "bad_dimensions",
     "encode_failed"}
)  # fmt: skip


class ImageError(Exception):
    """An image could not be copied; ``code`` is short and safe to show to staff."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code

    @property
    def is_permanent(self) -> bool:
        return self.code in PERMANENT_CODES


@dataclass(frozen=True)
class Rendition:
    data: bytes
    width: int
    height: int


@dataclass(frozen=True)
class Picture:
    """A verified image and what we make of it."""

    width: int
    height: int
    sha256: str
    phash: str
    copy: Rendition
    thumbnail: Rendition
    plain: bool = False
    tone: str = ""


def process_image(data: bytes, *, fast: bool = True) -> Picture:
    """Verify ``data`` as a raster image and make the copy and the thumbnail.

    Every failure is an ``ImageError``: ``not_an_image`` for what Pillow cannot read,
    ``too_many_pixels`` over the pixel cap, ``bad_dimensions`` for a strip so thin that
    a rendition would be less than a pixel across (see ``_fit``), ``encode_failed`` if
    a decoded picture cannot be written as WebP.

    ``fast`` lets the JPEG decoder decode at a reduced scale (``Image.draft``) and the
    resizer shrink by whole factors first (``reducing_gap``); bench/images.py compares
    both paths.
    """
    copy_width = settings.IMAGE_COPY_WIDTH
    with warnings.catch_warnings():
        warnings.simplefilter("error", PILImage.DecompressionBombWarning)
        try:
            source = PILImage.open(io.BytesIO(data), formats=ACCEPTED_FORMATS)
        except (PILImage.DecompressionBombError, PILImage.DecompressionBombWarning) as error:
            raise ImageError("too_many_pixels") from error
        except (UnidentifiedImageError, *PILLOW_ERRORS) as error:
            raise ImageError("not_an_image") from error
        width, height = source.size
        if width * height > settings.IMAGE_MAX_PIXELS or width < 1 or height < 1:
            raise ImageError("too_many_pixels")
        try:
            turned = _turned(source)
        except PILLOW_ERRORS as error:
            raise ImageError("not_an_image") from error
        # Both sizes before decoding (a JPEG or a GIF at least: reading a PNG's EXIF may
        # decode it), so a strip we refuse costs little.
        copy_size = _fit((height, width) if turned else (width, height), copy_width)
        thumbnail_size = _fit(copy_size, settings.IMAGE_THUMBNAIL_WIDTH)
        try:
            if fast and source.format == "JPEG":
                # Decode at 1/2, 1/4 or 1/8 scale when that still covers the copy.
                source.draft("RGB", copy_size[::-1] if turned else copy_size)
            source.seek(0)  # the first frame of an animation
            picture = ImageOps.exif_transpose(source)
            picture = picture.convert("RGBA" if has_alpha(picture) else "RGB")
        except PILLOW_ERRORS as error:
            raise ImageError("not_an_image") from error
    try:
        # To the sizes computed from the original, not from a draft's rounded one.
        copy = _scale(picture, copy_size, fast)
        thumbnail = _scale(copy, thumbnail_size, fast)
        plain, tone = picture_traits(thumbnail)
        phash = perceptual_hash(copy)
        copy_rendition, thumbnail_rendition = encode(copy), encode(thumbnail)
    except PILLOW_ERRORS as error:
        raise ImageError("encode_failed") from error
    return Picture(
        width=width, height=height, sha256=hashlib.sha256(data).hexdigest(), phash=phash,
        copy=copy_rendition, thumbnail=thumbnail_rendition, plain=plain, tone=tone,
    )  # fmt: skip


def _turned(source: PILImage.Image) -> bool:
    """Whether the EXIF orientation swaps width and height (orientations 5-8), as
    ``ImageOps.exif_transpose`` will."""
    return source.getexif().get(ORIENTATION_TAG, 1) in (5, 6, 7, 8)


def _fit(size: tuple[int, int], width: int) -> tuple[int, int]:
    """``size`` scaled down (never up), keeping its aspect ratio, to at most ``width``
    wide and at most WEBP_MAX_SIDE on either side. A picture so thin that a side would
    round to 0 px (a strip of about 2400:1 or more for the copy, 800:1 wide for the
    thumbnail, 32766:1 tall) is refused as ``bad_dimensions``: stretching that side to
    1 px would distort it, and there is no picture left to show."""
    if size[0] < 1 or size[1] < 1:
        raise ImageError("bad_dimensions")
    box = min(width, WEBP_MAX_SIDE)
    scale = min(Fraction(1), Fraction(box, size[0]), Fraction(WEBP_MAX_SIDE, size[1]))
    fitted = (round(size[0] * scale), round(size[1] * scale))
    if fitted[0] < 1 or fitted[1] < 1:
        raise ImageError("bad_dimensions")
    return fitted


def draft_size(source: PILImage.Image, width: int) -> tuple[int, int]:
    """The smallest decoded size that still gives the copy ``width`` wide (``_fit``)
    once the EXIF orientation is applied (orientations 5-8 swap width and height)."""
    raw_width, raw_height = source.size
    if _turned(source):
        return _fit((raw_height, raw_width), width)[::-1]
    return _fit((raw_width, raw_height), width)


def has_alpha(picture: PILImage.Image) -> bool:
    return picture.mode in ("RGBA", "LA", "PA") or (
        picture.mode == "P" and "transparency" in picture.info
    )


def resize(picture: PILImage.Image, width: int, fast: bool) -> PILImage.Image:
    """``picture`` scaled down to ``_fit`` ``width``."""
    return _scale(picture, _fit(picture.size, width), fast)


def _scale(picture: PILImage.Image, size: tuple[int, int], fast: bool) -> PILImage.Image:
    if picture.size == size:
        return picture
    return picture.resize(size, PILImage.Resampling.LANCZOS, reducing_gap=2.0 if fast else None)


def encode(picture: PILImage.Image) -> Rendition:
    """WebP, with no EXIF, XMP or ICC data carried over (GPS and camera data gone)."""
    buffer = io.BytesIO()
    # method 2 of 0-6: 0.44x the time of the default 4, files 5 % larger, 0.2 dB PSNR
    # less (bench/images.py); encoding is two thirds of a copy's cost.
    picture.save(buffer, "WEBP", quality=settings.IMAGE_QUALITY, method=WEBP_METHOD)
    return Rendition(buffer.getvalue(), picture.width, picture.height)
