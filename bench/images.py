"""Image benchmark: what one image copy costs, and where the time goes.

A benchmark, not a test: it prints figures and ratios and asserts nothing about time.
See bench/README.md. Run from the repository root:

    .venv/bin/python bench/images.py                 # 1,000 photos, sample of 200
    .venv/bin/python bench/images.py --quick         # 100 photos, sample of 20

Layout of one run (every process below is started with multiprocessing "spawn"):

* this process first generates the corpus (lib/photos.py: ``--count`` 1600 x 900 JPEGs
  from 50 generated scenes, every file with its own sha256, since the app reuses a
  stored copy for bytes it has seen), on all CPUs and before anything is timed.
* a server process serves them on 127.0.0.1; its CPU is reported apart.
* this process migrates a fresh SQLite database, creates one Image row per photo (each
  linked to an article, so ``copy_image`` sends a Referer as it does in production) and
  runs ``articles.images.copy_image`` for every row, sequentially (1).
* ``--workers`` processes run the same on a pristine copy of the database with a media
  folder of their own, each taking every N-th id (2).
* back in this process, on a sample of the photos: the stages of one copy timed apart
  with the app's own functions and settings (3); the fast path (JPEG draft +
  ``reducing_gap``) against the plain path (4); and, for the suggestions, other encoder
  settings (lib/imaging.py) and larger originals (5, 6).
What it prints is in lib/printing/images.py.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import multiprocessing as mp
import random
import sqlite3
import statistics
import time
from collections import Counter
from pathlib import Path
from typing import Any

from lib.databases import SqliteDatabases
from lib.env import DEFAULT_SEED, base_env, django_setup, progress, temp_dir
from lib.figures import machine_busy, maxrss_mb, summary
from lib.imaging import decode, encoder_pass, resize_both, resize_pass
from lib.photos import HEIGHT, WIDTH, create_rows, generate_photos, noise, stored_sizes
from lib.printing.images import report
from lib.processes import run_together, wait_for_start
from lib.servers import ServerControl, serve_photos, server_process

QUICK = {"count": 100, "sample": 20, "alt_sample": 10, "large": 4}


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


# --------------------------------------------------------------------------- (3) (4) (6)


STAGE_NAMES = ("download", "decode", "resize", "hash", "encode", "store")


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
        picture, reduced_now = decode(data, fast=True)
        t2 = time.perf_counter()
        copy, thumbnail = resize_both(picture, fast=True)
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
            picture, _reduced = decode(data, fast)
            t1 = time.perf_counter()
            copy, thumbnail = resize_both(picture, fast)
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
        grain = noise(rng, big.size).convert("RGB")
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


# --------------------------------------------------------------------------- main


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=None, help="photos (default 1000)")
    parser.add_argument("--workers", type=int, default=2, help="processes for (2), 2")
    parser.add_argument(
        "--sample", type=int, default=None, help="photos for the stage split (3) and (4), 200"
    )
    parser.add_argument(
        "--alt-sample",
        type=int,
        default=None,
        help="photos for the encoder comparison (5), 100; 0 skips it",
    )
    parser.add_argument(
        "--large",
        type=int,
        default=None,
        help="photos for the 2x-originals comparison (6), 20; 0 skips it",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="--count {count} --sample {sample} --alt-sample {alt_sample} --large {large} "
        "(unless given)".format(**QUICK),
    )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="corpus seed")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir")
    args = parser.parse_args()
    full = {"count": 1000, "sample": 200, "alt_sample": 100, "large": 20}
    for name, value in (QUICK if args.quick else full).items():
        if getattr(args, name) is None:
            setattr(args, name, value)
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
        index = generate_photos(tmp / "corpus", args.count, args.seed)
        progress("starting the image server process ...")
        with server_process(ctx, serve_photos, str(tmp / "corpus")) as (server, _hello):
            run_phases(args, ctx, tmp, server, index)


def end_to_end(
    args: argparse.Namespace,
    ctx: Any,
    server: ServerControl,
    databases: SqliteDatabases,
    env_two: dict[str, str],
    ids: list[int],
) -> dict[str, Any]:
    """(1) copy_image for every row in this process, then (2) in --workers processes on
    a pristine copy of the database, with a media folder of their own."""
    from django.db import connections

    progress(f"(1) copy_image for {args.count} images, sequentially ...")
    served0 = server.stats()
    sequential = copy_all(ids)
    served1 = server.stats()
    sequential["server_cpu"] = served1["cpu"] - served0["cpu"]
    sequential["served"] = served1.get("200", 0) - served0.get("200", 0)
    sequential["referer"] = served1.get("referer", 0) - served0.get("referer", 0)
    sizes = stored_sizes()
    connections.close_all()

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
    return {"sequential": sequential, "parallel": parallel, "sizes": sizes}


def pick_sample(args: argparse.Namespace, ids: list[int]) -> list[tuple[int, str, str]]:
    """--sample photos spread over the corpus (every scene appears): (id, URL, Referer)."""
    from articles.models import Article, ArticleImage, Image

    step = args.count / args.sample
    picked = [ids[int(n * step)] for n in range(args.sample)]
    links = dict(
        ArticleImage.objects.filter(image_id__in=picked).values_list("image_id", "article_id")
    )
    pages = dict(Article.objects.filter(id__in=links.values()).values_list("id", "url"))
    urls = dict(Image.objects.filter(id__in=picked).values_list("id", "url"))
    return [(i, urls[i], pages[links[i]]) for i in picked]


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

    call_command("migrate", verbosity=0)
    ids = create_rows(args.count, server.port)
    connections.close_all()
    databases.clone("main", "workers")
    connection.ensure_connection()
    phases = end_to_end(args, ctx, server, databases, env_two, ids)

    connection.ensure_connection()
    sample = pick_sample(args, ids)
    progress(f"(3) stage split on {len(sample)} images ...")
    phases["stages"] = stage_pass(sample)
    datas = phases["stages"].pop("datas")
    progress(f"(4) fast path against plain path on {len(datas)} images ...")
    phases["paths"] = path_pass(datas)
    phases["rss_end"] = maxrss_mb()
    phases["encoders"] = phases["resizers"] = phases["large"] = None
    if args.alt_sample:
        progress(f"(5) encoder settings on {args.alt_sample} copies and thumbnails ...")
        alt = datas[:: max(1, len(datas) // args.alt_sample)][: args.alt_sample]
        phases["encoders"] = encoder_pass(alt)
        phases["resizers"] = resize_pass(alt)
    if args.large:
        progress(f"(6) fast against plain on {args.large} originals at 2x size ...")
        phases["large"] = large_pass(datas[:: max(1, len(datas) // args.large)][: args.large], 2)
    report(args, index, settings, phases)


if __name__ == "__main__":
    main()
