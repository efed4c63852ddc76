"""What bench/images.py prints: the corpus and settings, the end-to-end table (1) (2)
with the speed-up, the stage split (3), fast against plain path (4) and (6), other
encoder settings and resize filters (5) (5b), memory.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from lib.figures import other_cpu
from lib.imaging import ENCODERS
from lib.photos import HEIGHT, WIDTH
from lib.report import OtherLoad, print_header


def print_intro(args: argparse.Namespace, index: dict[str, Any], settings: Any) -> None:
    import django
    from PIL import __version__ as pillow_version
    from PIL import features

    from articles.images.picture import WEBP_METHOD

    storage = settings.STORAGES["default"]["BACKEND"].rsplit(".", 1)[-1]

    count = args.count
    capacity = OtherLoad().capacity
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


def print_end_to_end(args: argparse.Namespace, phases: dict[str, Any]) -> None:
    count = args.count
    sequential, parallel, sizes = phases["sequential"], phases["parallel"], phases["sizes"]
    load = OtherLoad()
    capacity = load.capacity
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


def print_stages(args: argparse.Namespace, phases: dict[str, Any]) -> None:
    stages, sequential, count = phases["stages"], phases["sequential"], args.count
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


def print_alternatives(args: argparse.Namespace, phases: dict[str, Any]) -> None:
    encoders, resizers = phases["encoders"], phases["resizers"]
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


def print_memory(args: argparse.Namespace, phases: dict[str, Any]) -> None:
    sequential, parallel, n = phases["sequential"], phases["parallel"], args.sample
    rss_end = phases["rss_end"]
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


def report(
    args: argparse.Namespace, index: dict[str, Any], settings: Any, phases: dict[str, Any]
) -> None:
    print_intro(args, index, settings)
    print_end_to_end(args, phases)
    print_stages(args, phases)
    n, paths = args.sample, phases["paths"]
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

    print_alternatives(args, phases)
    large = phases["large"]
    if large:
        width, height = large["size"]
        path_table(
            large,
            f"(6) context: the same comparison on {args.large} originals at {width}x{height} "
            f"(mean {large['bytes_in'] / 1024:.0f} KB), where draft can decode at 1/2 scale:",
        )
        print()

    print_memory(args, phases)
