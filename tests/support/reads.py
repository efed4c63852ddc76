"""The ``reads`` cache of the read-count tests: the laptop's locked file cache in a
fresh folder, or Redis (as in production) under a key prefix of this process's own, so
that runs beside each other never share counters."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.core.cache import caches

from articles.reads import counting

REDIS_LOCATION = "redis://127.0.0.1:6379/13"


def reads_cache(settings: Any, kind: str, folder: Path) -> Iterator[str]:
    """Point ``CACHES["reads"]`` at a fresh cache of ``kind`` ("file" or "redis")."""
    prefix = f"test-reads-{os.getpid()}"
    if kind == "file":
        alias = {"BACKEND": "articles.lib.filecache.LockedFileCache", "LOCATION": str(folder)}
    else:
        alias = {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_LOCATION,
            "KEY_PREFIX": prefix,
        }
    settings.CACHES = {**settings.CACHES, "reads": alias}
    counting.forget_salt()
    yield kind
    if kind == "redis":
        _delete_prefixed(prefix)
    counting.forget_salt()


def _delete_prefixed(prefix: str) -> None:
    client = caches["reads"]._cache.get_client(write=True)  # type: ignore[attr-defined]
    for key in client.scan_iter(match=f"{prefix}:*"):
        client.delete(key)


def stored_strings(kind: str, folder: Path) -> list[str]:
    """Everything the ``reads`` cache holds, keys and values, as text."""
    if kind == "file":
        store = caches["reads"]
        return [repr(store._read(str(path))) for path in folder.glob("*.djcache")]  # type: ignore[attr-defined]
    client = caches["reads"]._cache.get_client()  # type: ignore[attr-defined]
    prefix = f"test-reads-{os.getpid()}"
    return [f"{key!r} {client.get(key)!r}" for key in client.scan_iter(match=f"{prefix}:*")]
