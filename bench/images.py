"""Image benchmark: what one image copy costs, and where the time goes.

A benchmark, not a test: it prints figures and ratios and asserts nothing about time.
See bench/README.md. Run from the repository root:

    .venv/bin/python bench/images.py                 # 1,000 photos, sample of 200
    .venv/bin/python bench/images.py --count 100 --sample 20 --alt-sample 10   # quick

Layout of one run (every process below is started with multiprocessing "spawn"):

* this process first generates the corpus with a fixed seed, on all CPUs and before
  anything is timed: ``--count`` 1600 x 900 JPEG photos made from 50 distinct generated
  scenes, each copy with its own crop offset, brightness, JPEG quality and EXIF, so that
  every file has its own sha256 (the app reuses a stored copy for bytes it has seen,
  which would skip the work being measured).
* a server process serves them over HTTP on 127.0.0.1 (ephemeral port). Its CPU is
  never counted in the client figures; it is reported apart.
* this process migrates a fresh SQLite database, creates one Image row per photo (each
  linked to an article, so ``copy_image`` sends a Referer as it does in production) and
  runs ``articles.images.copy_image`` for every row, sequentially (1).
* ``--workers`` processes run the same on a pristine copy of the database with a media
  folder of their own, each taking every N-th id (2).
* back in this process, on a sample of the photos: the stages of one copy timed apart
  with the app's own functions and settings (3); the fast path (JPEG draft +
  ``reducing_gap``) against the plain path (4); and, for the suggestions, other encoder
  settings and larger originals (5, 6).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import math
import multiprocessing as mp
import os
import random
import sqlite3
import statistics
import sys
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from benchlib import (
    DEFAULT_SEED,
    BenchHandler,
    OtherLoad,
    ServerControl,
    SqliteDatabases,
    base_env,
    django_setup,
    machine_busy,
    maxrss_mb,
    other_cpu,
    print_header,
    progress,
    run_together,
    serve,
    server_process,
    temp_dir,
    wait_for_start,
)

WIDTH, HEIGHT = 1600, 900
MARGIN_X, MARGIN_Y = 64, 40  # room for the per-copy crop offset
SCENES = 50  # distinct generated photos; every copy of one differs in its bytes
URL_PATH = "/wp-content/uploads/2025/01/photo-{:04d}.jpg"


# --------------------------------------------------------------------------- corpus


def _noise(rng: random.Random, size: tuple[int, int], mode: str = "L") -> Any:
    from PIL import Image

    bands = 3 if mode == "RGB" else 1
    return Image.frombytes(mode, size, rng.randbytes(size[0] * size[1] * bands))


def _smooth_noise(
    rng: random.Random, cells: tuple[int, int], size: tuple[int, int], mode: str = "L"
) -> Any:
    from PIL import Image

    return _noise(rng, cells, mode).resize(size, Image.Resampling.BICUBIC)


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
    grain = _noise(rng, size).filter(ImageFilter.GaussianBlur(0.6)).convert("RGB")
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


def generate_corpus(directory: Path, count: int, seed: int) -> dict[str, Any]:
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


# --------------------------------------------------------------------------- server


def serve_corpus(directory: str, conn: Any) -> None:
    """Server process: serve the photos in ``directory`` until /_shutdown."""
    root = Path(directory)

    class Handler(BenchHandler):
        def do_GET(self) -> None:  # noqa: N802
            path = urlsplit(self.path).path
            if self.admin(path):
                return
            name = path.rsplit("/", 1)[-1]
            file = root / name
            if not (name.startswith("photo-") and name.endswith(".jpg") and file.is_file()):
                self._send(404, {"Content-Length": "0"})
                return
            body = file.read_bytes()
            self.count(
                {"200": 1, "bytes": len(body), "referer": bool(self.headers.get("Referer"))}
            )
            headers = {
                "Content-Type": "image/jpeg",
                "Content-Length": str(len(body)),
                "Cache-Control": "max-age=31536000",
                "Last-Modified": "Fri, 10 Jan 2025 09:00:00 GMT",
            }
            self._send(200, headers, body)

    serve(Handler, conn)


# --------------------------------------------------------------------------- helpers


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0-100)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def summary(values: list[float]) -> dict[str, float]:
    return {
        "median": statistics.median(values),
        "p90": percentile(values, 90),
        "mean": statistics.fmean(values),
    }


# --------------------------------------------------------------------------- rows


def create_rows(count: int, port: int) -> list[int]:
    """One outlet, one article per photo and one Image row per photo, linked, so that
    ``copy_image`` finds the article page to send as Referer."""
    from articles.models import Article, ArticleImage, Image, Source

    source = Source.objects.create(
        name="منبر الصور",
        slug="bench-images",
        site_url="https://www.outlet000.ma",
        feed_url="https://www.outlet000.ma/feed/",
    )
    now = datetime(2025, 1, 10, 12, 0, tzinfo=UTC)
    Article.objects.bulk_create(
        Article(
            source=source,
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


# --------------------------------------------------------------------------- (1) (2)


def copy_all(ids: list[int]) -> dict[str, Any]:
    """copy_image for every id, sequentially, in this process."""
    from articles.images.copy import copy_image

    statuses: Counter[str] = Counter()
    errors: Counter[str] = Counter()
    rss0 = maxrss_mb()
    busy0 = machine_busy()
    cpu0, wall0 = time.process_time(), time.perf_counter()
    for image_id in ids:
        result = copy_image(image_id)
        statuses[str(result.status)] += 1
        if result.error_code:
            errors[result.error_code] += 1
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    return {
        "cpu": cpu,
        "wall": wall,
        "busy": machine_busy() - busy0,
        "statuses": dict(statuses),
        "errors": dict(errors),
        "rss_before_mb": rss0,
        "rss_after_mb": maxrss_mb(),
    }


def _worker(env: dict[str, str], ids: list[int], conn: Any, start: Any) -> None:
    """(2): copy_image for a share of the ids, in a process of its own."""
    django_setup(env)
    from django.db import connection

    import articles.images.picture  # noqa: F401  (imports Pillow before the clock starts)

    connection.ensure_connection()
    wait_for_start(conn, start)
    result = copy_all(ids)
    result["maxrss_mb"] = maxrss_mb()
    conn.send(result)
    conn.close()


def run_workers(ctx: Any, env: dict[str, str], ids: list[int], workers: int) -> dict[str, Any]:
    work = [(env, ids[n::workers]) for n in range(workers)]
    results, wall, busy = run_together(ctx, _worker, work)
    statuses: Counter[str] = Counter()
    errors: Counter[str] = Counter()
    for result in results:
        statuses.update(result["statuses"])
        errors.update(result["errors"])
    return {
        "wall": wall,
        "cpu": sum(r["cpu"] for r in results),
        "cpu_each": [r["cpu"] for r in results],
        "busy": busy,
        "statuses": dict(statuses),
        "errors": dict(errors),
        "maxrss_mb": max(r["maxrss_mb"] for r in results),
    }


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


# --------------------------------------------------------------------------- (3) stages

STAGE_NAMES = ("download", "decode", "resize", "hash", "encode", "store")


def _decode(data: bytes, fast: bool) -> tuple[Any, bool]:
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


def _resize_both(picture: Any, fast: bool) -> tuple[Any, Any]:
    from django.conf import settings

    from articles.images.picture import resize

    copy = resize(picture, settings.IMAGE_COPY_WIDTH, fast)
    return copy, resize(copy, settings.IMAGE_THUMBNAIL_WIDTH, fast)


def stage_pass(sample: list[tuple[int, str, str]]) -> dict[str, Any]:
    """(3) one copy, stage by stage, with the app's functions and settings: fetch_image;
    Pillow open + draft + load (+ exif_transpose, convert); resize to the copy and the
    thumbnail; sha256 + perceptual_hash; encode (WebP) both; store_file both. Files are
    stored under a "-stage" name, so they are really written (the names (1) used exist)."""
    from articles.images.copy import fetch_image, store_file
    from articles.images.likeness import perceptual_hash
    from articles.images.picture import encode

    times: dict[str, list[float]] = {name: [] for name in STAGE_NAMES}
    datas: list[bytes] = []
    reduced = 0
    for _image_id, url, referer in sample:
        t0 = time.perf_counter()
        data = fetch_image(url, referer)
        t1 = time.perf_counter()
        picture, reduced_now = _decode(data, fast=True)
        t2 = time.perf_counter()
        copy, thumbnail = _resize_both(picture, fast=True)
        t3 = time.perf_counter()
        sha256 = hashlib.sha256(data).hexdigest()
        perceptual_hash(copy)
        t4 = time.perf_counter()
        copy_out, thumbnail_out = encode(copy), encode(thumbnail)
        t5 = time.perf_counter()
        store_file(f"{sha256}-{copy_out.width}-stage.webp", copy_out.data)
        store_file(f"{sha256}-{thumbnail_out.width}-stage.webp", thumbnail_out.data)
        t6 = time.perf_counter()
        for name, start, end in zip(
            STAGE_NAMES, (t0, t1, t2, t3, t4, t5), (t1, t2, t3, t4, t5, t6), strict=True
        ):
            times[name].append(1000 * (end - start))
        reduced += reduced_now
        datas.append(data)
    return {
        "stages": {name: summary(values) for name, values in times.items()},
        "total": summary([sum(parts) for parts in zip(*times.values(), strict=True)]),
        "reduced": reduced,
        "datas": datas,
    }


# --------------------------------------------------------------------------- (4) paths


def path_pass(datas: list[bytes]) -> dict[str, Any]:
    """(4) decode + resize + encode, fast path against plain path, on the same bytes;
    the order alternates from one image to the next so drift hits both alike."""
    from articles.images.picture import encode

    paths = {True: "fast", False: "plain"}
    times: dict[str, dict[str, list[float]]] = {
        p: {"decode": [], "resize": [], "encode": [], "total": []} for p in paths.values()
    }
    outputs: dict[str, list[tuple[int, int]]] = {"fast": [], "plain": []}
    same_copy = 0
    for n, data in enumerate(datas):
        made: dict[str, bytes] = {}
        for fast in (True, False) if n % 2 == 0 else (False, True):
            name = paths[fast]
            t0 = time.perf_counter()
            picture, _reduced = _decode(data, fast)
            t1 = time.perf_counter()
            copy, thumbnail = _resize_both(picture, fast)
            t2 = time.perf_counter()
            copy_out, thumbnail_out = encode(copy), encode(thumbnail)
            t3 = time.perf_counter()
            row = times[name]
            row["decode"].append(1000 * (t1 - t0))
            row["resize"].append(1000 * (t2 - t1))
            row["encode"].append(1000 * (t3 - t2))
            row["total"].append(1000 * (t3 - t0))
            outputs[name].append((len(copy_out.data), len(thumbnail_out.data)))
            made[name] = copy_out.data
        same_copy += made["fast"] == made["plain"]
    return {
        "times": {p: {k: summary(v) for k, v in row.items()} for p, row in times.items()},
        "bytes": {
            p: (statistics.fmean(o[0] for o in out), statistics.fmean(o[1] for o in out))
            for p, out in outputs.items()
        },
        "same_copy": same_copy,
        "n": len(datas),
    }


def large_pass(datas: list[bytes], scale: int) -> dict[str, Any]:
    """(6) context: the same comparison on originals ``scale`` times larger each way
    (made from the sample: LANCZOS upscale + fresh grain, JPEG quality 85), the size at
    which JPEG draft can decode at a reduced scale."""
    from PIL import Image, ImageChops

    rng = random.Random(7)
    bigs = []
    for data in datas:
        with Image.open(io.BytesIO(data)) as small:
            big = small.convert("RGB").resize(
                (small.width * scale, small.height * scale), Image.Resampling.LANCZOS
            )
        grain = _noise(rng, big.size).convert("RGB")
        big = ImageChops.overlay(
            big, Image.blend(Image.new("RGB", big.size, (128,) * 3), grain, 0.06)
        )
        buffer = io.BytesIO()
        big.save(buffer, "JPEG", quality=85)
        bigs.append(buffer.getvalue())
    result = path_pass(bigs)
    result["size"] = (WIDTH * scale, HEIGHT * scale)
    result["bytes_in"] = statistics.fmean(len(b) for b in bigs)
    return result


# --------------------------------------------------------------------------- (5) encoders


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


def _image_psnr(reference: Any, other: Any) -> float:
    from PIL import ImageChops, ImageStat

    difference = ImageChops.difference(reference, other)
    mse = statistics.fmean(v * v for v in ImageStat.Stat(difference).rms)
    return 99.0 if mse == 0 else 10 * math.log10(255 * 255 / mse)


def _psnr(reference: Any, data: bytes) -> float:
    from PIL import Image

    with Image.open(io.BytesIO(data)) as decoded:
        return _image_psnr(reference, decoded.convert("RGB"))


def encoder_pass(datas: list[bytes]) -> dict[str, Any]:
    """(5) other encoder settings on the same copies and thumbnails (fast path): ms,
    bytes and PSNR against the resized picture before encoding (higher = closer)."""
    pictures = []
    for data in datas:
        picture, _reduced = _decode(data, fast=True)
        pictures.append(_resize_both(picture, fast=True))
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
                psnrs.append(_psnr(picture, buffer.getvalue()))
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

    sources = [_decode(data, fast=True)[0] for data in datas]
    references = [_resize_both(source, fast=True) for source in sources]
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
            psnrs.append(_image_psnr(reference, made))
        results[label] = {"ms": statistics.median(ms), "psnr": statistics.fmean(psnrs)}
    return results


# --------------------------------------------------------------------------- main


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=1000, help="photos (default 1000)")
    parser.add_argument("--workers", type=int, default=2, help="processes for (2), 2")
    parser.add_argument(
        "--sample", type=int, default=200, help="photos for the stage split (3) and (4), 200"
    )
    parser.add_argument(
        "--alt-sample",
        type=int,
        default=100,
        help="photos for the encoder comparison (5), 100; 0 skips it",
    )
    parser.add_argument(
        "--large",
        type=int,
        default=20,
        help="photos for the 2x-originals comparison (6), 20; 0 skips it",
    )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="corpus seed")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir")
    args = parser.parse_args()
    if args.count < 1 or args.workers < 1 or args.sample < 1:
        parser.error("--count, --workers and --sample must be at least 1")
    args.sample = min(args.sample, args.count)
    args.alt_sample = min(args.alt_sample, args.sample)
    args.large = min(args.large, args.sample)
    return args


def main() -> None:
    args = parse_args()
    ctx = mp.get_context("spawn")
    with temp_dir("newsroom-bench-images-", args.keep) as tmp:
        progress(f"generating {args.count} photos (seed {args.seed}) on all CPUs ...")
        index = generate_corpus(tmp / "corpus", args.count, args.seed)
        progress("starting the image server process ...")
        with server_process(ctx, serve_corpus, str(tmp / "corpus")) as (server, _hello):
            run_phases(args, ctx, tmp, server, index)


def run_phases(
    args: argparse.Namespace, ctx: Any, tmp: Path, server: ServerControl, index: dict[str, Any]
) -> None:
    databases = SqliteDatabases(tmp)
    local_storage = {"AWS_STORAGE_BUCKET_NAME": ""}  # local FileSystemStorage
    env = {**base_env(tmp / "var"), **databases.env("main"), **local_storage}
    env_two = {**base_env(tmp / "var-workers"), **databases.env("workers"), **local_storage}
    django_setup(env)
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, connections

    import articles.images.picture  # noqa: F401  (Pillow imported before any clock)
    from articles.models import Article, ArticleImage, Image

    call_command("migrate", verbosity=0)
    ids = create_rows(args.count, server.port)
    connections.close_all()
    databases.clone("main", "workers")
    connection.ensure_connection()

    # (1) end to end, sequential, this process
    progress(f"(1) copy_image for {args.count} images, sequentially ...")
    served0 = server.stats()
    sequential = copy_all(ids)
    served1 = server.stats()
    sequential["server_cpu"] = served1["cpu"] - served0["cpu"]
    sequential["served"] = served1.get("200", 0) - served0.get("200", 0)
    sequential["referer"] = served1.get("referer", 0) - served0.get("referer", 0)
    sizes = stored_sizes()
    connections.close_all()

    # (2) end to end, N processes, pristine database, media folder of their own
    progress(f"(2) copy_image for {args.count} images, {args.workers} processes ...")
    served0 = server.stats()
    parallel = run_workers(ctx, env_two, ids, args.workers)
    parallel["server_cpu"] = server.stats()["cpu"] - served0["cpu"]
    parallel_rows = sqlite3.connect(databases.path("workers"))
    try:
        parallel["stored_rows"] = parallel_rows.execute(
            "SELECT COUNT(*) FROM articles_image WHERE status = 'stored'"
        ).fetchone()[0]
    except sqlite3.Error:
        parallel["stored_rows"] = None
    finally:
        parallel_rows.close()

    # (3) stage split on a sample spread over the corpus (every scene appears)
    connection.ensure_connection()
    step = args.count / args.sample
    picked = [ids[int(n * step)] for n in range(args.sample)]
    links = dict(
        ArticleImage.objects.filter(image_id__in=picked).values_list("image_id", "article_id")
    )
    pages = dict(Article.objects.filter(id__in=links.values()).values_list("id", "url"))
    urls = dict(Image.objects.filter(id__in=picked).values_list("id", "url"))
    sample = [(i, urls[i], pages[links[i]]) for i in picked]
    progress(f"(3) stage split on {len(sample)} images ...")
    stages = stage_pass(sample)
    datas = stages.pop("datas")

    progress(f"(4) fast path against plain path on {len(datas)} images ...")
    paths = path_pass(datas)
    rss_end = maxrss_mb()
    encoders = resizers = None
    if args.alt_sample:
        progress(f"(5) encoder settings on {args.alt_sample} copies and thumbnails ...")
        alt = datas[:: max(1, len(datas) // args.alt_sample)][: args.alt_sample]
        encoders = encoder_pass(alt)
        resizers = resize_pass(alt)
    large = None
    if args.large:
        progress(f"(6) fast against plain on {args.large} originals at 2x size ...")
        large = large_pass(datas[:: max(1, len(datas) // args.large)][: args.large], 2)

    report(
        args, index, settings, sequential, parallel, sizes, stages, paths, encoders,
        resizers, large, rss_end,
    )  # fmt: skip


# --------------------------------------------------------------------------- report


def report(
    args: argparse.Namespace,
    index: dict[str, Any],
    settings: Any,
    sequential: dict[str, Any],
    parallel: dict[str, Any],
    sizes: dict[str, Any],
    stages: dict[str, Any],
    paths: dict[str, Any],
    encoders: dict[str, Any] | None,
    resizers: dict[str, Any] | None,
    large: dict[str, Any] | None,
    rss_end: float,
) -> None:
    import django
    from PIL import __version__ as pillow_version
    from PIL import features

    from articles.images.picture import WEBP_METHOD

    storage = settings.STORAGES["default"]["BACKEND"].rsplit(".", 1)[-1]

    count = args.count
    load = OtherLoad()
    capacity = load.capacity
    size = index["size"]
    print()
    print(
        f"Newsroom image benchmark: {count} photos {WIDTH}x{HEIGHT} JPEG (quality "
        f"{index['quality'][0]}-{index['quality'][1]}, {size['min'] / 1024:.0f}-"
        f"{size['max'] / 1024:.0f} KB, mean {size['mean'] / 1024:.0f} KB, "
        f"{index['bytes'] / 2**20:.0f} MiB in all), {index['scenes']} generated scenes, "
        f"{index['distinct_sha256']} distinct sha256; seed {index['seed']}"
    )
    print(
        f"app settings: copy {settings.IMAGE_COPY_WIDTH} px, thumbnail "
        f"{settings.IMAGE_THUMBNAIL_WIDTH} px, WebP quality {settings.IMAGE_QUALITY} "
        f"method {WEBP_METHOD}, storage {storage} "
        "(MEDIA_ROOT in the temp dir)"
    )
    print(
        f"Python {sys.version.split()[0]}, Django {django.__version__}, Pillow "
        f"{pillow_version} (libjpeg-turbo {features.version('libjpeg_turbo')}, libwebp "
        f"{features.version('webp')}), SQLite, DEBUG off; {capacity} CPUs"
    )
    print(
        "HTTP server: a separate process on 127.0.0.1; its CPU is NOT in the client "
        "figures (shown apart as 'server CPU')."
    )
    if index["distinct_sha256"] != count:
        print(f"!! only {index['distinct_sha256']} distinct files of {count}: dedupe skips work")
    print()

    header = (
        f"{'end to end: copy_image':<38} {'wall s':>7} {'CPU s':>7} {'copies/s':>9} "
        f"{'wall ms/img':>11} {'CPU ms/img':>10} {'other load':>10}"
    )
    print_header(header)
    for label, phase in (
        ("(1) sequential, this process", sequential),
        (f"(2) {args.workers} processes, every N-th id each", parallel),
    ):
        other = other_cpu(phase["busy"], phase["cpu"], phase["server_cpu"])
        share = load.share(label, other, phase["wall"])
        print(
            f"{label:<38} {phase['wall']:7.2f} {phase['cpu']:7.2f} "
            f"{count / phase['wall']:9.1f} {1000 * phase['wall'] / count:11.1f} "
            f"{1000 * phase['cpu'] / count:10.1f} {100 * share:9.0f}%"
        )
        if phase is sequential:
            print(
                f"      {phase['statuses']}; server sent {phase['served']} images "
                f"({phase['referer']} with a Referer), server CPU {phase['server_cpu']:.2f} s"
            )
        else:
            each = " + ".join(f"{c:.1f}" for c in phase["cpu_each"])
            print(
                f"      {phase['statuses']}; CPU = {each} s; {phase['stored_rows']} rows "
                f"stored; server CPU {phase['server_cpu']:.2f} s"
            )
    speedup = sequential["wall"] / parallel["wall"]
    print(
        f"      {args.workers} processes / sequential: {speedup:.2f}x the copies per second "
        f"(ideal {min(args.workers, capacity)}x on {capacity} CPUs)"
    )
    load.print_note()
    errors = {**sequential["errors"], **parallel["errors"]}
    if errors:
        print(f"!! errors: {errors}")
    if sizes.get("rows"):
        print(
            f"stored by (1): {sizes['rows']} rows, {sizes['distinct_sha256']} distinct "
            f"sha256, {sizes['files']} files; mean bytes: original "
            f"{sizes['original'] / 1024:.1f} KB -> copy {sizes['copy_dims']} "
            f"{sizes['copy'] / 1024:.1f} KB + thumbnail {sizes['thumbnail_dims']} "
            f"{sizes['thumbnail'] / 1024:.1f} KB "
            f"({100 * (sizes['copy'] + sizes['thumbnail']) / sizes['original']:.0f}% of "
            "the original)"
        )
    print()

    n = args.sample
    total_mean = sum(s["mean"] for s in stages["stages"].values())
    e2e_ms = 1000 * sequential["wall"] / count
    print(
        f"(3) one copy, stage by stage, on {n} photos spread over the corpus (wall ms per "
        "image; the app's functions and settings, fast path):"
    )
    header = f"  {'stage':<52} {'median':>7} {'p90':>7} {'mean':>7} {'share':>6}"
    print_header(header)
    labels = {
        "download": "download   fetch_image (guarded client, Referer)",
        "decode": "decode     Image.open + draft + load + exif/convert",
        "resize": "resize     resize -> copy, resize copy -> thumb",
        "hash": "hash       sha256 + perceptual_hash (dHash)",
        "encode": "encode     encode: WebP copy + WebP thumbnail",
        "store": "store      store_file x2 (default_storage.save)",
    }
    for name, values in stages["stages"].items():
        print(
            f"  {labels[name]:<52} {values['median']:7.1f} {values['p90']:7.1f} "
            f"{values['mean']:7.1f} {100 * values['mean'] / total_mean:5.0f}%"
        )
    total = stages["total"]
    print(
        f"  {'sum of the stages':<52} {total['median']:7.1f} {total['p90']:7.1f} "
        f"{total['mean']:7.1f}"
    )
    print(
        f"  {'rest of copy_image (database, bookkeeping): (1) - sum':<52} {'':>7} {'':>7} "
        f"{e2e_ms - total_mean:7.1f}   (mean (1) {e2e_ms:.1f} ms/image)"
    )
    dominant = max(stages["stages"], key=lambda k: stages["stages"][k]["mean"])
    dominant_share = 100 * stages["stages"][dominant]["mean"] / total_mean
    print(
        f"  dominant stage: {dominant} ({dominant_share:.0f}% "
        f"of the stage time); JPEG draft decoded at reduced scale for {stages['reduced']} of "
        f"{n} photos"
    )
    print()

    def path_table(result: dict[str, Any], title: str) -> None:
        fast, plain = result["times"]["fast"], result["times"]["plain"]
        print(title)
        header = (
            f"  {'path':<44} {'decode':>7} {'resize':>7} {'encode':>7} {'total':>7} "
            f"{'p90':>7} {'copy KB':>8} {'thumb KB':>8}"
        )
        print_header(header)
        for label, key, row in (
            ("fast: draft + LANCZOS reducing_gap=2.0", "fast", fast),
            ("plain: full decode + plain LANCZOS", "plain", plain),
        ):
            copy_kb, thumb_kb = (b / 1024 for b in result["bytes"][key])
            print(
                f"  {label:<44} {row['decode']['median']:7.1f} {row['resize']['median']:7.1f} "
                f"{row['encode']['median']:7.1f} {row['total']['median']:7.1f} "
                f"{row['total']['p90']:7.1f} {copy_kb:8.1f} {thumb_kb:8.1f}"
            )
        ratio = plain["total"]["median"] / fast["total"]["median"]
        resize_ratio = (plain["decode"]["median"] + plain["resize"]["median"]) / (
            fast["decode"]["median"] + fast["resize"]["median"]
        )
        faster = "fast" if ratio > 1.0 else "plain"
        verdict = (
            f"the {faster} path is faster"
            if abs(ratio - 1) >= 0.03
            else f"no real difference (the {faster} path by {100 * abs(ratio - 1):.1f}%)"
        )
        print(
            f"  plain / fast (median total ms): {ratio:.2f}; decode+resize alone: "
            f"{resize_ratio:.2f} -> {verdict}; identical WebP copy from both paths for "
            f"{result['same_copy']} of {result['n']} photos"
        )

    path_table(
        paths,
        f"(4) decode + resize + encode, fast path against plain path, same {n} photos "
        "(median ms per image):",
    )
    if paths["same_copy"] == paths["n"]:
        print(
            f"  (at {WIDTH} px wide, draft cannot decode at 1/2 scale: {WIDTH // 2} px < "
            f"{settings.IMAGE_COPY_WIDTH}; and reducing_gap=2.0 only reduces when shrinking "
            "by 4x or more: the two paths run the same code here)"
        )
    print()

    if encoders:
        current = encoders[ENCODERS[0][0]]
        print(
            f"(5) encoder settings on {args.alt_sample} copies and thumbnails (fast path): "
            "median ms to encode, mean KB, mean PSNR dB against the picture before "
            "encoding:"
        )
        header = (
            f"  {'encoder':<30} {'copy ms':>8} {'KB':>7} {'PSNR':>6}   "
            f"{'thumb ms':>8} {'KB':>6} {'PSNR':>6}   {'both ms vs now':>14}"
        )
        print_header(header)
        now_ms = current["copy"]["ms"] + current["thumbnail"]["ms"]
        for label, row in encoders.items():
            copy, thumb = row["copy"], row["thumbnail"]
            both = copy["ms"] + thumb["ms"]
            print(
                f"  {label:<30} {copy['ms']:8.1f} {copy['kb']:7.1f} {copy['psnr']:6.2f}   "
                f"{thumb['ms']:8.1f} {thumb['kb']:6.1f} {thumb['psnr']:6.2f}   "
                f"{both / now_ms:13.2f}x"
            )
        print()
    if resizers:
        print(
            f"(5b) resize filters on the same {args.alt_sample} photos: median ms, mean PSNR dB "
            "against the current output (higher = closer to it):"
        )
        header = f"  {'resize':<42} {'ms':>6} {'PSNR':>6}"
        print_header(header)
        for label, row in resizers.items():
            psnr = "  same" if row["psnr"] >= 99 else f"{row['psnr']:6.2f}"
            print(f"  {label:<42} {row['ms']:6.1f} {psnr}")
        print()

    if large:
        width, height = large["size"]
        path_table(
            large,
            f"(6) context: the same comparison on {args.large} originals at {width}x{height} "
            f"(mean {large['bytes_in'] / 1024:.0f} KB), where draft can decode at 1/2 scale:",
        )
        print()

    print("memory (ru_maxrss):")
    print(
        f"  (1) this process: {sequential['rss_before_mb']:.1f} -> "
        f"{sequential['rss_after_mb']:.1f} MB (includes Django and the migrated app)"
    )
    print(f"  (2) peak RSS of one worker process: {parallel['maxrss_mb']:.1f} MB")
    print(
        f"  this process after (3) and (4): {rss_end:.1f} MB (holds the {n} sample "
        "originals in memory)"
    )


if __name__ == "__main__":
    main()
