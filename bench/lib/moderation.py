"""The moderation side of bench/reports.py: the settings the counted and hiding runs
control, what the reports left in the database, and the preparation of the hiding run
(every stored image a picture of its own, the targets with look-alikes).
"""

from __future__ import annotations

import hashlib
import random
import time
from typing import Any

from lib.env import django_setup

COUNTED_RATE = 1_000_000  # IMAGE_REPORT_RATE of the counted run: nothing is rate limited
COUNTED_THRESHOLD = 1_000_000  # IMAGE_REPORT_THRESHOLD of the counted run: nothing hides
LOOKALIKES = 2  # look-alike rows (another outlet's copy of the picture) per hidden image
# Settings the counted and hiding runs control: anything the caller's environment has
# for them is dropped, so that the hiding run has the code's defaults.
MODERATION_SETTINGS = (
    "IMAGE_REPORT_THRESHOLD", "IMAGE_REPORT_WINDOW_DAYS", "IMAGE_REPORT_RATE",
    "IMAGE_HIDE_BREAKER", "IMAGE_LOOKALIKE_DISTANCE", "TRUSTED_PROXY_COUNT",
)  # fmt: skip


def moderation_env(env: dict[str, str], **settings: int) -> dict[str, str]:
    """``env`` with the moderation settings at the code's defaults, but for ``settings``."""
    clean = {k: v for k, v in env.items() if k not in MODERATION_SETTINGS}
    return {**clean, **{name: str(value) for name, value in settings.items()}}


def report_state(env: dict[str, str], conn: Any) -> None:
    """Child process: what the reports left in the database."""
    django_setup(env)
    from django.db.models import Count

    from articles.models import Image, ImageReport, ModerationEvent

    def counts(queryset: Any, field: str) -> dict[str, int]:
        rows = queryset.order_by().values_list(field).annotate(n=Count("id"))
        return {str(key): n for key, n in rows}

    conn.send(
        {
            "reports": ImageReport.objects.count(),
            "visibility": counts(Image.objects.all(), "visibility"),
            "events": counts(ModerationEvent.objects.all(), "action"),
        }
    )
    conn.close()


def lookalikes(
    rows: dict[int, tuple[Any, ...]], spare: list[int], targets: int, kind: str, rng: Any
) -> dict[str, Any]:
    """Each row's own sha256 and a random distinctive phash; ``targets`` rows of
    ``spare`` (not plain) as targets, each with LOOKALIKES look-alike rows (its phash
    with 2-4 bits flipped, its tone); copy and thumbnail files of their own for both."""
    from django.core.files.storage import default_storage

    from articles.images.copy import store_file
    from articles.images.likeness import is_distinctive

    traits = bool(rows) and len(next(iter(rows.values()))) > 5

    def distinctive() -> str:
        while True:
            value = f"{rng.getrandbits(64):016x}"
            if is_distinctive(value):
                return value

    def plain(image: int) -> bool | None:
        return rows[image][5] if traits else False

    sha = {i: hashlib.sha256(f"bench-web-{kind}-{i}".encode()).hexdigest() for i in rows}
    phash = {i: distinctive() for i in rows}
    picked = [i for i in spare if i in rows and plain(i) is False][:targets]
    rest = [i for i in spare if i in rows and i not in set(picked)]
    twins, rest = rest[: len(picked) * LOOKALIKES], rest[len(picked) * LOOKALIKES :]
    tone_of: dict[int, str] = {}
    for n, target in enumerate(picked):
        for k, twin in enumerate(twins[n * LOOKALIKES : (n + 1) * LOOKALIKES]):
            while True:
                bits = int(phash[target], 16)
                for bit in rng.sample(range(64), 2 + k % 3):
                    bits ^= 1 << bit
                if is_distinctive(f"{bits:016x}"):
                    phash[twin] = f"{bits:016x}"
                    break
            if traits:
                tone_of[twin] = rows[target][6]
    files: list[tuple[str, str, int]] = []
    for image in picked + twins:
        copy, thumbnail, copy_width, thumbnail_width = rows[image][1:5]
        names = []
        for name, width in ((copy, copy_width), (thumbnail, thumbnail_width)):
            with default_storage.open(name, "rb") as handle:
                names.append(store_file(f"{sha[image]}-{width}.webp", handle.read()))
        files.append((names[0], names[1], image))
    candidates = sum(1 for i in rows if plain(i) is False or i in tone_of)
    return {"sha": sha, "phash": phash, "picked": picked, "rest": rest, "tone_of": tone_of,
            "files": files, "candidates": candidates}  # fmt: skip


def hide_prep(
    env: dict[str, str], kind: str, spare: list[int], targets: int, seed: int, conn: Any
) -> None:
    """Child process: make every stored image a picture of its own, as outlets' photos
    are, before the hiding run. The loader's rows share 40 pictures (sha256, phash and
    files), so that hiding one would hide the ~1/40 of all images that are its twins:
    here each row gets its own sha256 and a random distinctive phash (nothing within
    IMAGE_LOOKALIKE_DISTANCE of another but by chance; ``plain`` and ``tone``, where the
    model has them, stay those of the row's picture), and each target image, chosen
    among pictures that are not plain, gets LOOKALIKES look-alike rows: its phash with
    2-4 bits flipped and its tone (another outlet's copy of the photo at another size).
    Targets and look-alikes get copy and thumbnail files of their own, so that hiding
    them moves files to the quarantine storage."""
    django_setup(env)
    from django.conf import settings
    from django.db import connection, transaction

    from articles.models import Image

    t0 = time.perf_counter()
    rng = random.Random(seed + 6)
    columns = {field.name for field in Image._meta.get_fields()}
    traits = "plain" in columns and "tone" in columns
    rows = {
        row[0]: row
        for row in Image.objects.filter(status=Image.Status.STORED).values_list(
            "id", "copy", "thumbnail", "copy_width", "thumbnail_width",
            *(("plain", "tone") if traits else ()),
        )
    }  # fmt: skip
    plan = lookalikes(rows, spare, targets, kind, rng)
    sha, phash = plan["sha"], plan["phash"]
    table = connection.ops.quote_name(Image._meta.db_table)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET sha256 = %s, phash = %s WHERE id = %s",  # noqa: S608
            [(sha[i], phash[i], i) for i in rows],
        )
        cursor.executemany(
            f"UPDATE {table} SET copy = %s, thumbnail = %s WHERE id = %s",  # noqa: S608
            plan["files"],
        )
        if traits:
            cursor.executemany(
                f"UPDATE {table} SET plain = %s, tone = %s WHERE id = %s",  # noqa: S608
                [(False, tone, i) for i, tone in plan["tone_of"].items()],
            )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {table}")
    conn.send(
        {
            "seconds": time.perf_counter() - t0,
            "rows": len(rows),
            # What lookalikes() walks: stored, not plain (where recorded), with a phash.
            "candidates": plan["candidates"],
            "traits": traits,
            "targets": plan["picked"],
            "rest": plan["rest"],
            "threshold": settings.IMAGE_REPORT_THRESHOLD,
            "rate": settings.IMAGE_REPORT_RATE,
            "breaker": settings.IMAGE_HIDE_BREAKER,
            "distance": settings.IMAGE_LOOKALIKE_DISTANCE,
        }
    )
    conn.close()
