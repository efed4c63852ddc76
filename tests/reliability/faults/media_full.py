"""Chaos fault 4: the media folder full, while the feed server publishes items with
pictures and readers read.

    .venv/bin/python -m tests.reliability.faults.media_full

The stack's media folder (MEDIA_ROOT, where our image copies go) is a small filesystem
of its own: a tmpfs of MEDIA_MEGABYTES (``mount -t tmpfs -o size=...``), or a
loop-mounted ext4 image of that size where tmpfs cannot be mounted; the fault refuses to
run (and fails) if neither can. Copies are made normally first; then a filler file takes
every free byte, so each copy's write fails with ENOSPC as on a full disk; then the
filler is deleted (space returns) and the copies' own retry schedule (the copy task's
backoff: 60 s, then 120 s, ...) makes them.

Invariants (printed; exit 1 unless all hold):
- while the disk is full, copies fail with a recorded code (``no_space`` on the image,
  status pending: to be retried), and no partial file is left in the media folder;
- articles are stored all the same, and their pages answer 200 without the picture: no
  lead figure, no ``<img>`` pointing at a copy that is missing or not a whole picture;
- once space returns, every copy that failed is made by the retry schedule, its page
  shows it, and the copy is served (200, a whole WebP of the recorded size);
- every published item stored exactly once, and no image left failed for lack of space;
- the readers saw no server error and no connection error.
"""

from __future__ import annotations

import contextlib
import errno
import io
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import lxml.html
from PIL import Image as PILImage

from tests.reliability.chaosload import Verdict
from tests.reliability.faultkit import (
    Readers,
    chaos_services,
    exit_on_sigterm,
    log,
    outlets,
)
from tests.reliability.feedserver import SoakFeeds
from tests.reliability.soak import drain, items_summary
from tests.reliability.stack import Stack, StackConfig, wait_until

FAULT = "media_full"
MEDIA_MEGABYTES = 16
OUTLETS = 6
PUBLISH_EVERY = 4.0
STORED_BEFORE = 3  # copies made before the disk fills
FAILED_WHILE_FULL = 5  # copies refused for lack of space before space returns
RETRY_WAIT = 420  # the copy task's backoff: 60 s, 120 s, 240 s
READ_RATE = 3.0


@contextlib.contextmanager
def small_filesystem(folder: Path, megabytes: int) -> Iterator[str]:
    """``folder`` on a filesystem of ``megabytes``: tmpfs, else a loop-mounted ext4."""
    folder.mkdir(parents=True, exist_ok=True)
    image = folder.parent / "media.ext4"
    tmpfs = ["mount", "-t", "tmpfs", "-o", f"size={megabytes}m,mode=0755", "tmpfs", str(folder)]
    try:
        subprocess.run(tmpfs, check=True, capture_output=True, text=True)
        kind = f"tmpfs of {megabytes} MB"
    except (subprocess.CalledProcessError, OSError) as refused:
        print(f"{FAULT}: tmpfs refused ({refused}); trying a loop-mounted ext4 image")
        subprocess.run(["truncate", "-s", f"{megabytes}M", str(image)], check=True)
        subprocess.run(["mkfs.ext4", "-q", "-F", "-m", "0", str(image)], check=True)
        subprocess.run(["mount", "-o", "loop", str(image), str(folder)], check=True)
        kind = f"loop-mounted ext4 image of {megabytes} MB"
    try:
        yield kind
    finally:
        if subprocess.run(["umount", str(folder)], capture_output=True).returncode:
            subprocess.run(["umount", "-l", str(folder)], capture_output=True)
        image.unlink(missing_ok=True)


def fill(folder: Path) -> int:
    """Write a filler file until the filesystem has no byte left; its size."""
    written = 0
    with (folder / "filler.bin").open("wb", buffering=0) as out:
        for size in (1 << 20, 1 << 16, 1 << 12, 1 << 9, 1):
            chunk = b"\0" * size
            try:
                while True:
                    written += out.write(chunk) or 0
            except OSError as error:
                if error.errno != errno.ENOSPC:
                    raise
    return written


def whole_picture(path: Path) -> bool:
    try:
        with PILImage.open(io.BytesIO(path.read_bytes())) as picture:
            picture.load()
    except (OSError, SyntaxError, ValueError):
        return False
    return True


def image_rows(stack: Stack, where: str = "TRUE") -> list[dict[str, Any]]:
    columns = ("id", "status", "error_code", "attempts", "copy", "copy_byte_size", "thumbnail")
    rows = stack.query(f"SELECT {', '.join(columns)} FROM articles_image WHERE {where}")
    return [dict(zip(columns, row, strict=True)) for row in rows]


def unrecorded(stack: Stack, settle: float = 45) -> list[dict[str, Any]]:
    """Images tried and neither stored nor given a code: a copy in progress gets one
    within seconds; one still without after ``settle`` seconds failed silently."""
    where = "status = 'pending' AND error_code = '' AND attempts > 0"
    ids = [row["id"] for row in image_rows(stack, where)] + [0]
    deadline = time.monotonic() + settle
    while (rows := image_rows(stack, f"{where} AND id = ANY(ARRAY{ids})")) and (
        time.monotonic() < deadline
    ):
        time.sleep(1)
    return rows


def articles_of(stack: Stack, image_ids: list[int]) -> list[tuple[int, str, str, int]]:
    """(article id, outlet slug, title, image id) of the articles using these images."""
    return [
        tuple(row)  # type: ignore[misc]
        for row in stack.query(
            "SELECT a.id, s.slug, a.title, ai.image_id FROM articles_articleimage ai "
            "JOIN articles_article a ON a.id = ai.article_id "
            "JOIN articles_source s ON s.id = a.source_id WHERE ai.image_id = ANY(%s)",
            (image_ids,),
        )
    ]


def page_pictures(html: str) -> tuple[bool, list[str]]:
    """(a lead figure is shown, every picture address) in the page's <article>."""
    root = lxml.html.fromstring(html)
    article = root.find(".//article")
    if article is None:
        return False, []
    sources = [img.get("src") or "" for img in article.iter("img")]
    for img in article.iter("img"):
        sources += [part.split()[0] for part in (img.get("srcset") or "").split(",") if part]
    return bool(article.find_class("lead-figure")), sources


def broken(sources: list[str], media: Path) -> list[str]:
    """Addresses that are not a whole picture of ours in the media folder."""
    return [
        src
        for src in sources
        if not src.startswith("/media/") or not whole_picture(media / src[len("/media/") :])
    ]


def run(stack: Stack, feeds: SoakFeeds, verdict: Verdict, t0: float, media: Path) -> dict:
    stack.start()
    stack.add_outlets(outlets(feeds))
    feeds.start_publishing()
    log(FAULT, f"stack up ({stack.web_url}); waiting for {STORED_BEFORE} copies", t0)
    wait_until(lambda: len(image_rows(stack, "status = 'stored'")) >= STORED_BEFORE, 240, "copies")
    readers = Readers(stack, rate=READ_RATE).start()
    before = {row["id"] for row in image_rows(stack)}
    filler = fill(media)
    full_at = time.monotonic()
    log(FAULT, f"media folder full: filler of {filler / 1e6:.1f} MB", t0)

    def refused() -> list[dict[str, Any]] | None:
        rows = image_rows(stack, "error_code = 'no_space'")
        return rows if len(rows) >= FAILED_WHILE_FULL else None

    failed = wait_until(refused, 240, f"{FAILED_WHILE_FULL} copies refused for lack of space")
    full_seconds = time.monotonic() - full_at
    failed_ids = sorted(row["id"] for row in failed)
    silent = unrecorded(stack)
    verdict.check(
        "copies fail with a recorded code while the disk is full",
        all(row["status"] == "pending" for row in failed) and not silent,
        f"{len(failed)} images pending with no_space after {full_seconds:.0f} s full "
        f"(attempts {sorted(row['attempts'] for row in failed)}); tried with no code: "
        f"{[row['id'] for row in silent]}",
    )
    leftovers = [
        str(p.relative_to(media))
        for p in media.rglob("*.webp")
        if p.is_file() and not whole_picture(p)
    ]
    verdict.check("no partial file left in the media folder", not leftovers, f"{leftovers[:5]}")
    shown_while_full = check_pages_without_picture(stack, readers, verdict, failed_ids, media)
    (media / "filler.bin").unlink()
    freed_at = time.monotonic()
    log(FAULT, "space returned (filler deleted); waiting for the copies' retries", t0)
    # Every copy refused so far, including those refused after our count.
    failed_ids = sorted(row["id"] for row in image_rows(stack, "error_code = 'no_space'"))
    waited: dict[int, float] = {}

    def all_made() -> bool:
        rows = image_rows(stack, f"id = ANY(ARRAY{failed_ids})")
        for row in rows:
            if row["status"] == "stored" and row["id"] not in waited:
                waited[row["id"]] = time.monotonic() - freed_at
        return all(row["status"] == "stored" for row in rows)

    with contextlib.suppress(TimeoutError):
        wait_until(all_made, RETRY_WAIT, "the refused copies to be made", every=1)
    verdict.check(
        "copies are retried and made once space returns",
        len(waited) == len(failed_ids),
        f"{len(waited)} of {len(failed_ids)} made, {min(waited.values(), default=0):.0f} to "
        f"{max(waited.values(), default=0):.0f} s after space returned",
    )
    shown_after = check_pages_with_picture(stack, readers, verdict, failed_ids, media)
    feeds.stop_publishing()
    drain_seconds, stored = drain(stack, feeds, 180)
    readers.stop()
    items = items_summary(feeds, stored)
    verdict.check(
        "every published item stored exactly once",
        not items["missing_count"] and not items["doubled"] and not items["unexpected_count"],
        f"{items['stored']} of {items['expected']} stored, missing {items['missing_count']}, "
        f"doubled {len(items['doubled'])}, unexpected {items['unexpected_count']}",
    )
    images = image_rows(stack)
    statuses: dict[str, int] = {}
    for row in images:
        statuses[f"{row['status']} {row['error_code']}".strip()] = (
            statuses.get(f"{row['status']} {row['error_code']}".strip(), 0) + 1
        )
    truncated = [
        row["id"]
        for row in images
        if row["status"] == "stored"
        and (
            not (media / row["copy"]).is_file()
            or (media / row["copy"]).stat().st_size != row["copy_byte_size"]
            or not whole_picture(media / row["thumbnail"])
        )
    ]
    verdict.check(
        "every stored copy whole, none failed for lack of space",
        not truncated and not statuses.get("failed no_space"),
        f"images {statuses}; not whole: {truncated[:5]}",
    )
    reads = readers.summary()
    verdict.check(
        "readers: no server error, no connection error",
        reads["requests"] > 0 and not reads["server_errors"] and not reads["connection_errors"],
        f"{reads['requests']} requests, statuses {reads['statuses']}, "
        f"p50 {reads['p50_ms']} ms, p99 {reads['p99_ms']} ms",
    )
    return {
        "images_before_full": len(before),
        "filler_bytes": filler,
        "full_seconds": round(full_seconds, 1),
        "refused_copies": len(failed_ids),
        "retried_after_seconds": sorted(round(v, 1) for v in waited.values()),
        "pages_while_full": shown_while_full,
        "pages_after": shown_after,
        "images": statuses,
        "items": {k: v for k, v in items.items() if k != "missing"},
        "drain_seconds": round(drain_seconds, 1),
        "readers": reads,
    }


def check_pages_without_picture(
    stack: Stack, readers: Readers, verdict: Verdict, image_ids: list[int], media: Path
) -> dict[str, Any]:
    """The articles of the refused copies: stored, and shown without the picture."""
    pages = articles_of(stack, image_ids)
    answers, problems = [], []
    for article_id, slug, title, _image in pages:
        status, body, error = readers.get(f"/{slug}/{article_id}/")
        html = body.decode(errors="replace")
        lead, sources = page_pictures(html) if status == 200 else (False, [])
        answers.append(status)
        if status != 200 or lead or broken(sources, media) or title.split()[0] not in html:
            problems.append(f"/{slug}/{article_id}/: {status or error}, lead {lead}, {sources}")
    home_status, home, _ = readers.get("/")
    home_broken = broken(
        [img.get("src") or "" for img in lxml.html.fromstring(home).iter("img")], media
    )
    verdict.check(
        "articles stored and shown without the picture while the disk is full",
        pages and len({p[3] for p in pages}) == len(image_ids) and not problems,
        f"{len(pages)} article pages: statuses {sorted(set(answers))}, no lead figure, "
        f"no broken <img>; problems {problems[:3]}",
    )
    verdict.check(
        "the home page answers with no broken picture",
        home_status == 200 and not home_broken,
        f"{home_status}, broken {home_broken[:3]}",
    )
    return {"articles": len(pages), "statuses": sorted(set(answers)), "problems": problems}


def check_pages_with_picture(
    stack: Stack, readers: Readers, verdict: Verdict, image_ids: list[int], media: Path
) -> dict[str, Any]:
    """The same articles once the copies are made: the page shows our copy, served whole."""
    copies = {row["id"]: row for row in image_rows(stack, f"id = ANY(ARRAY{image_ids})")}
    problems, shown = [], 0
    for article_id, slug, _title, image_id in articles_of(stack, image_ids):
        status, body, error = readers.get(f"/{slug}/{article_id}/")
        lead, sources = page_pictures(body.decode(errors="replace")) if status == 200 else (0, [])
        src = f"/media/{copies[image_id]['copy']}"
        served, data, _ = readers.get(src)
        whole = served == 200 and len(data) == copies[image_id]["copy_byte_size"]
        if status == 200 and lead and src in sources and whole and not broken(sources, media):
            shown += 1
        else:
            problems.append(
                f"/{slug}/{article_id}/: {status or error}, lead {lead}, {src} {served}"
            )
    verdict.check(
        "pages show the copies once made, and the copies are served whole",
        shown and not problems,
        f"{shown} article pages show their copy (200, the recorded size); problems {problems[:3]}",
    )
    return {"shown": shown, "problems": problems}


def main() -> int:
    exit_on_sigterm()
    t0 = time.monotonic()
    verdict = Verdict(FAULT)
    figures: dict[str, Any] = {}
    with (
        chaos_services(FAULT) as services,
        SoakFeeds(outlets=OUTLETS, interval=PUBLISH_EVERY) as feeds,
    ):
        # SERVE_MEDIA: gunicorn serves the copies, so the run can ask for them as a
        # reader's browser would (a proxy or S3 does in production).
        config = StackConfig(**services, env={"SERVE_MEDIA": "1"})
        with Stack(config) as stack:
            media = stack.workdir / "var" / "media"
            try:
                with small_filesystem(media, MEDIA_MEGABYTES) as kind:
                    print(f"{FAULT}: the media folder on a {kind}", flush=True)
                    figures = {"filesystem": kind}
                    figures |= run(stack, feeds, verdict, t0, media)
                    stack.stop()  # nothing writes there while it is unmounted
            except Exception as error:  # noqa: BLE001 - a fault that cannot run fails
                verdict.check("the fault ran to its end", False, repr(error))
                for name in stack.processes:
                    print(f"--- {name} ---\n{stack.log_text(name, tail=1500)}")
    figures["seconds"] = round(time.monotonic() - t0, 1)
    return verdict.report(figures)  # written to var/chaos/<fault>.json


if __name__ == "__main__":
    sys.exit(main())
