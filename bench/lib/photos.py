"""Photos the image benches use, drawn with Pillow alone from a seed: photo-like scenes
and the JPEG corpus of bench/images.py (each copy with its own crop, brightness, quality
and EXIF, so every file has its own sha256) with its database rows; and the WebP
copy/thumbnail pairs of the reading site's stored images (bench/web.py, bench/reports.py),
made by the app's own encoder.
"""

from __future__ import annotations

import hashlib
import io
import json
import multiprocessing as mp
import os
import random
import statistics
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

WIDTH, HEIGHT = 1600, 900
MARGIN_X, MARGIN_Y = 64, 40  # room for the per-copy crop offset
SCENES = 50  # distinct generated photos; every copy of one differs in its bytes
URL_PATH = "/wp-content/uploads/2025/01/photo-{:04d}.jpg"


def noise(rng: random.Random, size: tuple[int, int], mode: str = "L") -> Any:
    from PIL import Image

    bands = 3 if mode == "RGB" else 1
    return Image.frombytes(mode, size, rng.randbytes(size[0] * size[1] * bands))


def _smooth_noise(
    rng: random.Random, cells: tuple[int, int], size: tuple[int, int], mode: str = "L"
) -> Any:
    from PIL import Image

    return noise(rng, cells, mode).resize(size, Image.Resampling.BICUBIC)


def _gradient(size: tuple[int, int], top: tuple[int, ...], bottom: tuple[int, ...]) -> Any:
    from PIL import Image

    mask = Image.linear_gradient("L").resize(size)
    return Image.composite(Image.new("RGB", size, bottom), Image.new("RGB", size, top), mask)


def _colour(rng: random.Random, low: int = 0, high: int = 255) -> tuple[int, int, int]:
    return (rng.randint(low, high), rng.randint(low, high), rng.randint(low, high))


def scene(seed: int) -> Any:
    """A photo-like RGB picture (1664 x 940): sky and ground gradients, soft clouds,
    blurred mountains and a sun behind sharp buildings, trees and wires, multi-octave
    texture (strong on the ground, faint in the sky), blurred sensor grain, vignette.
    Pure Pillow and ``random.Random(seed)``, so the same seed gives the same pixels."""
    from PIL import Image, ImageChops, ImageDraw, ImageFilter

    rng = random.Random(seed)
    width, height = WIDTH + MARGIN_X, HEIGHT + MARGIN_Y
    size = (width, height)
    horizon = rng.randint(height * 35 // 100, height * 60 // 100)
    img = _gradient(size, _colour(rng, 60, 200), _colour(rng, 150, 250))
    img.paste(
        _gradient((width, height - horizon), _colour(rng, 40, 160), _colour(rng, 10, 90)),
        (0, horizon),
    )
    img = Image.blend(img, _smooth_noise(rng, (12, 7), size, "RGB"), 0.12)  # clouds, light
    draw = ImageDraw.Draw(img)
    for _layer in range(rng.randint(1, 3)):  # mountain ridges
        y = horizon - rng.randint(20, 200)
        ridge = [(0, horizon + 5)]
        x = 0
        while x < width:
            ridge.append((x, y))
            x += rng.randint(20, 90)
            y = max(50, min(horizon, y + rng.randint(-60, 60)))
        ridge += [(width, y), (width, horizon + 5)]
        draw.polygon(ridge, fill=_colour(rng, 50, 170))
    cx, cy, r = rng.randint(0, width), rng.randint(0, horizon), rng.randint(20, 90)
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=_colour(rng, 200, 255))
    img = img.filter(ImageFilter.GaussianBlur(rng.uniform(1.5, 4)))  # depth of field
    draw = ImageDraw.Draw(img)
    for _building in range(rng.randint(3, 9)):
        bw, bh = rng.randint(60, 260), rng.randint(120, 520)
        x0, y1 = rng.randint(-40, width), rng.randint(horizon, height + 40)
        wall = _colour(rng, 30, 220)
        draw.rectangle((x0, y1 - bh, x0 + bw, y1), fill=wall)
        window = tuple(max(0, min(255, v + rng.randint(-80, 80))) for v in wall)
        step = rng.randint(14, 30)
        for wx in range(x0 + 6, x0 + bw - 10, step):
            for wy in range(y1 - bh + 8, y1 - 12, step + 6):
                draw.rectangle((wx, wy, wx + step // 2, wy + step // 2), fill=window)
    for _tree in range(rng.randint(5, 20)):
        x, y, r = rng.randint(0, width), rng.randint(horizon - 40, height), rng.randint(15, 110)
        draw.ellipse((x - r, y - r * 2, x + r, y + r // 2), fill=_colour(rng, 10, 120))
        draw.rectangle((x - r // 8, y, x + r // 8, y + r), fill=_colour(rng, 20, 80))
    for _wire in range(rng.randint(3, 12)):
        ends = [(rng.randint(0, width), rng.randint(0, height)) for _ in range(2)]
        draw.line(ends, fill=_colour(rng), width=rng.randint(1, 6))
    img = img.filter(ImageFilter.GaussianBlur(0.8))
    texture = Image.blend(
        _smooth_noise(rng, (width // 24, height // 24), size),
        _smooth_noise(rng, (width // 5, height // 5), size),
        0.5,
    )
    texture = Image.blend(texture, _smooth_noise(rng, (width // 2, height // 2), size), 0.35)
    mask = Image.new("L", size, 30)
    mask.paste(130, (0, horizon, width, height))
    mask = mask.filter(ImageFilter.GaussianBlur(30))
    img = Image.composite(ImageChops.overlay(img, texture.convert("RGB")), img, mask)
    grain = noise(rng, size).filter(ImageFilter.GaussianBlur(0.6)).convert("RGB")
    grey = Image.new("RGB", size, (128, 128, 128))
    img = ImageChops.overlay(img, Image.blend(grey, grain, 0.13))
    vignette = Image.radial_gradient("L").resize(size).point(lambda p: 255 - p * p // 600)
    return ImageChops.multiply(img, Image.merge("RGB", (vignette, vignette, vignette)))


def _exif(rng: random.Random, index: int) -> bytes:
    from PIL import Image

    exif = Image.Exif()
    exif[0x010F] = rng.choice(("Canon", "NIKON CORPORATION", "SONY", "FUJIFILM"))  # Make
    exif[0x0110] = rng.choice(("EOS 5D Mark IV", "D750", "ILCE-7M3", "X-T4"))  # Model
    exif[0x0112] = 1  # Orientation: as stored
    exif[0x0131] = "Adobe Photoshop 25.0 (Windows)"  # Software
    when = datetime(2025, 1, 10, 9, 0, tzinfo=UTC) + timedelta(minutes=7 * index)
    exif[0x0132] = f"{when:%Y:%m:%d %H:%M:%S}"  # DateTime
    return exif.tobytes()


def _make_scene_copies(
    directory: str, scene_index: int, indices: list[int], seed: int
) -> list[tuple[int, int, str, int]]:
    """Render one scene and write its copies; returns (index, bytes, sha256, quality)."""
    from PIL import ImageEnhance

    picture = scene(seed * 1000 + scene_index)
    rng = random.Random(seed * 7919 + scene_index)
    offsets = rng.sample(range((MARGIN_X + 1) * (MARGIN_Y + 1)), len(indices))
    made = []
    for index, offset in zip(indices, offsets, strict=True):
        dx, dy = divmod(offset, MARGIN_Y + 1)
        crop = picture.crop((dx, dy, dx + WIDTH, dy + HEIGHT))
        crop = ImageEnhance.Brightness(crop).enhance(rng.uniform(0.88, 1.12))
        quality = rng.randint(82, 88)
        buffer = io.BytesIO()
        crop.save(buffer, "JPEG", quality=quality, exif=_exif(rng, index))
        data = buffer.getvalue()
        (Path(directory) / f"photo-{index:04d}.jpg").write_bytes(data)
        made.append((index, len(data), hashlib.sha256(data).hexdigest(), quality))
    return made


def generate_photos(directory: Path, count: int, seed: int) -> dict[str, Any]:
    """Write photo-NNNN.jpg files (rendered on all CPUs) and return their index."""
    directory.mkdir(parents=True, exist_ok=True)
    scenes = min(SCENES, count)
    jobs = [(s, list(range(s, count, scenes))) for s in range(scenes)]
    made: list[tuple[int, int, str, int]] = []
    with ProcessPoolExecutor(os.cpu_count() or 1, mp_context=mp.get_context("spawn")) as pool:
        futures = [
            pool.submit(_make_scene_copies, str(directory), s, indices, seed)
            for s, indices in jobs
        ]
        for future in futures:
            made.extend(future.result())
    made.sort()
    sizes = [m[1] for m in made]
    return {
        "count": count,
        "scenes": scenes,
        "bytes": sum(sizes),
        "size": {"min": min(sizes), "mean": statistics.fmean(sizes), "max": max(sizes)},
        "distinct_sha256": len({m[2] for m in made}),
        "quality": [min(m[3] for m in made), max(m[3] for m in made)],
        "seed": seed,
    }


def create_rows(count: int, port: int) -> list[int]:
    """One outlet, one article per photo and one Image row per photo, linked, so that
    ``copy_image`` finds the article page to send as Referer."""
    from articles.models import Article, ArticleImage, Image, Outlet

    outlet = Outlet.objects.create(
        name="منبر الصور",
        slug="bench-images",
        site_url="https://www.outlet000.ma",
        feed_url="https://www.outlet000.ma/feed/",
    )
    now = datetime(2025, 1, 10, 12, 0, tzinfo=UTC)
    Article.objects.bulk_create(
        Article(
            outlet=outlet,
            key=f"https://www.outlet000.ma/?p={180_000 + i}",
            url=f"https://www.outlet000.ma/2025/01/10/article-{180_000 + i}/",
            title=f"مقال {i}",
            published_at=now - timedelta(minutes=i),
            fetched_at=now,
            updated_at=now,
            content_hash=f"{i:064x}",
        )
        for i in range(count)
    )
    Image.objects.bulk_create(
        Image(url=f"http://127.0.0.1:{port}{URL_PATH.format(i)}") for i in range(count)
    )
    articles = list(Article.objects.order_by("id").values_list("id", flat=True))
    images = list(Image.objects.order_by("id").values_list("id", flat=True))
    ArticleImage.objects.bulk_create(
        ArticleImage(article_id=a, image_id=i) for a, i in zip(articles, images, strict=True)
    )
    return images


def stored_sizes() -> dict[str, Any]:
    """Mean byte sizes of what (1) stored: originals, copies, thumbnails."""
    from django.core.files.storage import default_storage

    from articles.models import Image

    rows = list(
        Image.objects.stored().values_list(
            "byte_size", "copy", "thumbnail", "copy_width", "copy_height", "thumbnail_width",
            "thumbnail_height", "sha256",
        )
    )  # fmt: skip
    if not rows:
        return {"rows": 0}
    return {
        "rows": len(rows),
        "original": statistics.fmean(r[0] or 0 for r in rows),
        "copy": statistics.fmean(default_storage.size(r[1]) for r in rows),
        "thumbnail": statistics.fmean(default_storage.size(r[2]) for r in rows),
        "copy_dims": Counter(f"{r[3]}x{r[4]}" for r in rows).most_common(1)[0][0],
        "thumbnail_dims": Counter(f"{r[5]}x{r[6]}" for r in rows).most_common(1)[0][0],
        "distinct_sha256": len({r[7] for r in rows}),
        "files": len({r[1] for r in rows} | {r[2] for r in rows}),
    }


# --------------------------------------------------------------------------- site


def site_picture(index: int) -> Any:
    """A photo-like 1600 x 900 scene (sky, sun, hills, blocks), drawn with Pillow."""
    from PIL import Image as PILImage
    from PIL import ImageDraw, ImageFilter

    rng = random.Random(index)
    width, height = 1600, 900
    sky = (rng.randint(20, 140), rng.randint(60, 190), rng.randint(120, 230))
    land = (rng.randint(30, 200), rng.randint(40, 150), rng.randint(20, 90))
    accent = (rng.randint(150, 250), rng.randint(40, 200), rng.randint(30, 120))
    picture = PILImage.new("RGB", (width, height), sky)
    draw = ImageDraw.Draw(picture)
    for y in range(height // 2):
        draw.line([(0, y), (width, y)], fill=tuple(min(255, c + y // 5) for c in sky))
    x, r = rng.randint(150, width - 150), rng.randint(40, 90)
    draw.ellipse((x - r, 130 - r, x + r, 130 + r), fill=accent)
    for layer in range(3):
        base = height // 2 + layer * 90
        points = [(0, height)]
        points += [
            (x, base - rng.randint(0, 130 - layer * 30)) for x in range(0, width + 120, 120)
        ]
        draw.polygon([*points, (width, height)], fill=tuple(max(0, c - 25 * layer) for c in land))
    for _ in range(rng.randint(6, 16)):
        x, w, h = rng.randint(0, width - 80), rng.randint(30, 80), rng.randint(60, 240)
        draw.rectangle((x, height - h, x + w, height), fill=accent)
    return picture.filter(ImageFilter.GaussianBlur(1.5)).effect_spread(2)


def write_pictures(count: int) -> list[dict[str, Any]]:
    """``count`` copy/thumbnail pairs made by the app's encoder and stored by its own
    ``store_file`` (in MEDIA_ROOT): the fields ``_record_copy`` writes. Made once per run:
    the second database reuses the files."""
    from django.conf import settings

    from articles.images import likeness
    from articles.images.copy import store_file
    from articles.images.likeness import perceptual_hash
    from articles.images.picture import encode, resize

    # Whether a picture is plain and its average colour, where the app records them
    # (look-alikes must be neither plain nor of another colour).
    traits = getattr(likeness, "picture_traits", None)
    index_file = Path(settings.MEDIA_ROOT) / f"bench-pictures-{count}.json"
    if index_file.exists():
        return list(json.loads(index_file.read_text()))
    pictures = []
    for index in range(count):
        original = site_picture(index)
        sha256 = hashlib.sha256(b"bench-web-%d" % index).hexdigest()
        copy = resize(original, settings.IMAGE_COPY_WIDTH, True)
        thumbnail = resize(copy, settings.IMAGE_THUMBNAIL_WIDTH, True)
        copy_r, thumb_r = encode(copy), encode(thumbnail)
        pictures.append(
            {
                "width": original.width, "height": original.height,
                "byte_size": 180_000 + index * 1_111, "sha256": sha256,
                "phash": perceptual_hash(copy),
                "copy": store_file(f"{sha256}-{copy_r.width}.webp", copy_r.data),
                "copy_width": copy_r.width, "copy_height": copy_r.height,
                "copy_byte_size": len(copy_r.data),
                "thumbnail": store_file(f"{sha256}-{thumb_r.width}.webp", thumb_r.data),
                "thumbnail_width": thumb_r.width, "thumbnail_height": thumb_r.height,
            }
        )  # fmt: skip
        if traits is not None:
            pictures[-1]["plain"], pictures[-1]["tone"] = traits(thumbnail)
    index_file.write_text(json.dumps(pictures))
    return pictures
