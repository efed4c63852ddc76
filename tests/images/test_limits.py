"""Pictures at the edges of what a copy can be (articles/images.py): WebP's 16,383 px
limit on either side, strips too thin to scale, 1 px pictures, and any size in between.

``process_image`` either returns a copy and a thumbnail that fit, keeping the aspect
ratio, or refuses with an ``ImageError`` whose code is permanent; no other exception
leaves it whatever the width and the height. Pictures are made in memory with Pillow
and handed to ``copy_image`` through its download seam, so no server is involved.
"""

from __future__ import annotations

import io
import math
import random
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import ExifTags
from PIL import Image as PILImage

from articles.images.copy import copy_image
from articles.images.likeness import perceptual_hash, picture_traits
from articles.images.picture import (
    WEBP_MAX_SIDE,
    ImageError,
    Picture,
    Rendition,
    draft_size,
    process_image,
)
from tests.support.images import assert_refused, open_stored, stored_files

pytestmark = pytest.mark.django_db

COPY_WIDTH, THUMBNAIL_WIDTH = 1200, 400


def picture(size: tuple[int, int], mode: str = "L") -> PILImage.Image:
    """Dark at the top, light at the bottom: shows that a copy is upright and whole."""
    return PILImage.linear_gradient("L").resize(size).convert(mode)


def encode(image: PILImage.Image, fmt: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    if fmt == "PNG":
        options.setdefault("compress_level", 1)
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def plain(size: tuple[int, int], fmt: str) -> bytes:
    """The cheapest picture of a size: one colour, 1 bit a pixel where the format can."""
    return encode(PILImage.new("1" if fmt == "PNG" else "L", size, 1), fmt)


def keeps_ratio(size: tuple[int, int], of: tuple[int, int]) -> bool:
    """Whether ``size`` is ``of`` scaled, up to the rounding of each side to whole pixels
    (|w' h - h' w| <= (w + h) / 2 when both w' and h' are off by at most half a pixel)."""
    return abs(size[0] * of[1] - size[1] * of[0]) <= (of[0] + of[1]) / 2


def assert_fits(rendition: Rendition, of: tuple[int, int], width: int) -> None:
    size = (rendition.width, rendition.height)
    assert 1 <= rendition.width <= width and 1 <= rendition.height <= WEBP_MAX_SIDE
    assert keeps_ratio(size, of), (size, of)
    with PILImage.open(io.BytesIO(rendition.data)) as stored:
        assert (stored.format, stored.size) == ("WEBP", size)


def assert_picture_fits(result: Picture, size: tuple[int, int]) -> None:
    assert (result.width, result.height) == size
    assert_fits(result.copy, size, COPY_WIDTH)
    assert_fits(result.thumbnail, (result.copy.width, result.copy.height), THUMBNAIL_WIDTH)
    assert len(result.phash) == 16 and len(result.tone) == 6


def download(data: bytes) -> Callable[[str, str], bytes]:
    return lambda url, referer: data


# --- taller or wider than WebP allows -------------------------------------------------


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
@pytest.mark.parametrize(
    ("size", "copy_size", "thumbnail_size"),
    [((1080, 20000), (885, 16383), (400, 7405)), ((20000, 1080), (1200, 65), (400, 22))],
    ids=["tall_infographic", "wide_panorama"],
)
def test_picture_beyond_webp_limit_is_scaled_to_fit_keeping_its_ratio(
    article_image, media_root: Path, fmt: str, size, copy_size, thumbnail_size
) -> None:
    data = encode(picture(size), fmt)
    image = article_image(f"https://example.ma/uploads/long.{fmt.lower()}")

    result = copy_image(image.id, download=download(data))

    image.refresh_from_db()
    assert (result.status, result.error_code) == ("stored", "")
    assert (image.width, image.height) == size
    copy, thumbnail = open_stored(image.copy.name), open_stored(image.thumbnail.name)
    assert copy.size == copy_size == (image.copy_width, image.copy_height)
    assert thumbnail.size == thumbnail_size == (image.thumbnail_width, image.thumbnail_height)
    assert max(copy.size) <= WEBP_MAX_SIDE and keeps_ratio(copy.size, size)
    assert keeps_ratio(thumbnail.size, copy.size)
    # Whole and upright: the dark top and the light bottom are where they were.
    grey = copy.convert("L")
    assert grey.getpixel((copy.width // 2, 2)) < 40
    assert grey.getpixel((copy.width // 2, copy.height - 3)) > 215


@pytest.mark.parametrize("fast", [True, False])
def test_sideways_jpeg_beyond_webp_limit_is_scaled_once_upright(fast: bool) -> None:
    # Stored 20000 x 1080 with orientation 6: shown as a 1080 x 20000 infographic.
    exif = PILImage.Exif()
    exif[ExifTags.Base.Orientation] = 6
    data = encode(picture((20000, 1080)), "JPEG", exif=exif)

    result = process_image(data, fast=fast)

    assert (result.copy.width, result.copy.height) == (885, 16383)
    assert (result.thumbnail.width, result.thumbnail.height) == (400, 7405)


def test_draft_size_covers_the_fitted_copy_and_is_never_zero() -> None:
    def draft(size: tuple[int, int]) -> tuple[int, int]:
        return draft_size(PILImage.open(io.BytesIO(plain(size, "JPEG"))), COPY_WIDTH)

    assert draft((4000, 3000)) == (1200, 900)
    assert draft((1080, 20000)) == (885, 16383)
    assert draft((2399, 1)) == (1200, 1)
    with pytest.raises(ImageError) as refused:
        draft((2401, 1))
    assert refused.value.code == "bad_dimensions"


# --- strips and single pixels ---------------------------------------------------------


@pytest.mark.parametrize("fast", [True, False], ids=["fast", "exact"])
@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
@pytest.mark.parametrize(
    ("size", "outcome"),
    [
        ((2401, 1), "bad_dimensions"),  # the copy would be 1200 x 0.4998
        ((50000, 1), "bad_dimensions"),
        ((1000, 1), "bad_dimensions"),  # the thumbnail would be 400 x 0.4
        ((1, 50000), "bad_dimensions"),  # WebP's 16,383 px tall leave 0.33 px across
        ((5000, 1), "bad_dimensions"),
        ((1, 2401), (1, 2401)),
        ((1, 5000), (1, 5000)),
        ((1, 20000), (1, 16383)),
        ((799, 1), (799, 1)),  # 799:1 keeps a 400 x 1 thumbnail (0.5006 px rounded)
        ((2400, 3), (1200, 2)),
    ],
)
def test_strip_is_scaled_or_refused_bad_dimensions(
    size: tuple[int, int], outcome: object, fmt: str, fast: bool
) -> None:
    data = plain(size, fmt)
    if outcome == "bad_dimensions":
        with pytest.raises(ImageError) as refused:
            process_image(data, fast=fast)
        assert refused.value.code == "bad_dimensions" and refused.value.is_permanent
        return
    result = process_image(data, fast=fast)
    assert (result.copy.width, result.copy.height) == outcome
    assert_picture_fits(result, size)


def test_refused_strip_is_recorded_failed_and_not_retried(article_image, media_root) -> None:
    image = article_image("https://example.ma/uploads/rule.jpg")

    result = copy_image(image.id, download=download(plain((2401, 1), "JPEG")))

    assert_refused(image, result, "bad_dimensions", media_root)


@pytest.mark.parametrize(
    "make",
    [
        lambda: plain((1, 1), "PNG"),
        lambda: plain((1, 1), "JPEG"),
        lambda: encode(PILImage.new("RGBA", (1, 1), (200, 0, 0, 128)), "PNG"),
        lambda: encode(PILImage.new("P", (1, 1)), "GIF"),
        lambda: encode(PILImage.new("RGB", (1, 1), (0, 90, 200)), "WEBP"),
    ],
    ids=["png_1bit", "jpeg", "png_alpha", "gif", "webp"],
)
def test_single_pixel_is_stored_as_a_single_pixel(article_image, media_root, make) -> None:
    image = article_image("https://example.ma/uploads/pixel")

    result = copy_image(image.id, download=download(make()))

    image.refresh_from_db()
    assert (result.status, result.error_code) == ("stored", "")
    assert (image.width, image.height, image.copy_width, image.copy_height) == (1, 1, 1, 1)
    assert (image.thumbnail_width, image.thumbnail_height) == (1, 1)
    assert len(image.phash) == 16 and len(image.tone) == 6
    assert stored_files(media_root) == sorted({image.copy.name, image.thumbnail.name})


@pytest.mark.parametrize("size", [(1, 1), (1, 5000), (5000, 1), (2, 40000)])
def test_hash_and_traits_of_tiny_and_thin_pictures(size: tuple[int, int]) -> None:
    image = PILImage.new("RGB", size, (30, 120, 200))

    assert len(perceptual_hash(image)) == 16
    assert picture_traits(image) == (True, "1e78c8")


def test_encoder_failure_is_a_refusal_not_a_crash(monkeypatch: pytest.MonkeyPatch) -> None:
    def failing(picture: PILImage.Image) -> Rendition:
        raise ValueError("encoding error 5: Image size exceeds WebP limit of 16383 pixels")

    monkeypatch.setattr("articles.images.picture.encode", failing)
    with pytest.raises(ImageError) as refused:
        process_image(plain((64, 48), "PNG"))
    assert refused.value.code == "encode_failed" and refused.value.is_permanent


# --- any size -------------------------------------------------------------------------

GRID_PIXELS = 1_500_000  # the cap for the grid: thin shapes stay cheap to make and copy
EDGES = (1, 2, 3, 399, 400, 401, 799, 800, 801, 1199, 1200, 1201, 2399, 2400, 2401,
         16383, 16384, 32766, 32767, 40000)  # fmt: skip


def grid_sizes(count: int, seed: int = 20251222) -> list[tuple[int, int]]:
    """The edge sizes paired with each other, then ``count`` random sizes drawn evenly in
    log scale (thin and tiny shapes as often as square ones), all in [1, 40000] and under
    GRID_PIXELS."""
    rng = random.Random(seed)
    sizes = [(w, h) for w in EDGES for h in EDGES if w * h <= GRID_PIXELS]
    while count:
        w, h = (round(math.exp(rng.uniform(0, math.log(40000)))) for _ in range(2))
        if w * h <= GRID_PIXELS:
            sizes.append((w, h))
            count -= 1
    return sizes


def test_any_size_under_the_pixel_cap_is_copied_or_refused(settings) -> None:  # type: ignore[no-untyped-def]
    settings.IMAGE_MAX_PIXELS = GRID_PIXELS
    outcomes: dict[str, int] = {}
    for n, size in enumerate(grid_sizes(60)):
        fmt = "JPEG" if n % 2 else "PNG"
        try:
            result = process_image(plain(size, fmt), fast=n % 4 < 2)
        except ImageError as error:
            outcome = error.code
            assert error.is_permanent, size
            assert outcome == "bad_dimensions", size
            # Only strips: about 800:1 wide (the thumbnail) or 32766:1 tall (WebP's limit).
            assert size[0] >= 799 * size[1] or size[1] >= 32765 * size[0], size
        else:
            outcome = "stored"
            assert_picture_fits(result, size)
            assert size[0] <= 801 * size[1] and size[1] <= 32767 * size[0], size
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    assert outcomes["stored"] > 40 and outcomes["bad_dimensions"] > 10, outcomes


def test_image_error_codes_for_sizes_are_permanent() -> None:
    assert ImageError("bad_dimensions").is_permanent
    assert ImageError("encode_failed").is_permanent
