"""Where our copies of a picture live: public media storage while it is shown, the
quarantine storage while it is hidden; moves checked, and repaired by a sweep.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import timedelta

from django.core.files.base import ContentFile
from django.core.files.storage import Storage, default_storage, storages
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from articles.models import (
    HIDDEN,
    ContentVersion,
    Image,
)

logger = logging.getLogger(__name__)


def after_change(image_ids: Iterable[int]) -> None:
    """Once committed: copies follow visibility (public media or quarantine), and every
    cached page and fragment is rebuilt."""
    ids = list(image_ids)
    ContentVersion.objects.bump()
    transaction.on_commit(lambda: guarded(place_copies, ids))


def guarded(work: Callable[..., None], *args: object) -> None:
    """Work done after a commit: a failure is logged for staff (the repair sweep,
    ``repair_copies``, puts files right later), never shown to the reader."""
    try:
        work(*args)
    except Exception:
        logger.exception("moderation follow-up %s failed", getattr(work, "__name__", work))


def place_copies(image_ids: Iterable[int]) -> None:
    """Put the copy and thumbnail files of these images where visibility says: in the
    quarantine storage when every image using a file is hidden, else in the public
    media storage. Decided per file: rows of the same bytes share their files."""
    quarantine = storages["quarantine"]
    names: set[str] = set()
    digests: set[str] = set()
    for copy, thumbnail, sha256 in Image.objects.filter(pk__in=list(image_ids)).values_list(
        "copy", "thumbnail", "sha256"
    ):
        names.update(name for name in (copy, thumbnail) if name)
        digests.add(sha256)
    if not names:
        return
    # Files are named after the bytes' sha256: the rows sharing them share it (indexed).
    public: set[str] = set()
    for copy, thumbnail, visibility in Image.objects.filter(
        Q(pk__in=list(image_ids)) | Q(sha256__in=digests - {""})
    ).values_list("copy", "thumbnail", "visibility"):
        if visibility not in HIDDEN:
            public.update((copy, thumbnail))
    for name in sorted(names):
        if name in public:
            _move(name, quarantine, default_storage)
        else:
            _move(name, default_storage, quarantine)


def repair_copies(hours: int = 24) -> int:
    """Put right the files of images moderated within ``hours`` (a move that failed or
    was cut short). The scheduler runs it every few minutes; returns images checked."""
    since = timezone.now() - timedelta(hours=hours)
    ids = list(
        Image.objects.filter(Q(hidden_at__gte=since) | Q(reviewed_at__gte=since))
        .values_list("pk", flat=True)
    )  # fmt: skip
    place_copies(ids)
    return len(ids)


def _move(name: str, source: Storage, target: Storage) -> None:
    """Copy ``name`` to ``target``, check it arrived whole, then delete it from
    ``source``: a failure at any point leaves the file in at least one place."""
    if not source.exists(name):
        return  # already where it belongs (or moved by a twin)
    with source.open(name, "rb") as handle:
        data = handle.read()
    if target.exists(name):
        with target.open(name, "rb") as handle:
            same = handle.read() == data
        if not same:
            target.delete(name)
    if not target.exists(name):
        saved = target.save(name, ContentFile(data))
        if saved != name:
            logger.error("moved image copy %s was stored as %s", name, saved)
            return
    with target.open(name, "rb") as handle:
        if handle.read() != data:
            logger.error("moved image copy %s did not arrive whole", name)
            return
    source.delete(name)
