"""A file cache whose ``add`` and ``incr`` are atomic across the processes of one
machine, for the read counters on a laptop (``CACHES["reads"]`` without Redis).

The web process counts and the Celery worker flushes, so the counters must live outside
both (local memory would not do); Redis's ``add`` (SET NX) and ``incr`` are atomic by
themselves. Django's file cache checks then writes in both, and its ``incr`` writes the
value back with the default timeout: here both run under one ``flock`` on the folder's
lock file, and ``incr`` keeps the entry's expiry. Culling drops expired entries first.
"""

# Django's file cache's private helpers (_dir, _key_to_file, _cull ...) are not in its
# stubs: this subclass is the one place that uses them.
# mypy: disable-error-code="attr-defined,misc"
from __future__ import annotations

import contextlib
import fcntl
import os
import pickle
import time
import zlib
from collections.abc import Iterator
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.filebased import FileBasedCache

LOCK_NAME = ".lock"


class LockedFileCache(FileBasedCache):
    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self._createdir()
        with open(os.path.join(self._dir, LOCK_NAME), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def add(
        self, key: Any, value: Any, timeout: float | None = DEFAULT_TIMEOUT, version: Any = None
    ) -> bool:
        with self._locked():
            return bool(super().add(key, value, timeout, version))

    def incr(self, key: Any, delta: int = 1, version: Any = None) -> int:
        with self._locked():
            expiry, value = self._read(self._key_to_file(key, version))
            if value is None or (expiry is not None and expiry < time.time()):
                raise ValueError(f"Key '{key}' not found")
            timeout = None if expiry is None else max(expiry - time.time(), 0.001)
            self.set(key, value + delta, timeout, version)
            return int(value + delta)

    @staticmethod
    def _read(fname: str) -> tuple[float | None, Any]:
        """An entry's expiry and value as stored (the file cache's own format)."""
        try:
            with open(fname, "rb") as f:
                # Our own cache folder, written by this class (as Django's file cache reads it).
                expiry = pickle.load(f)  # noqa: S301
                return expiry, pickle.loads(zlib.decompress(f.read()))  # noqa: S301
        except (FileNotFoundError, EOFError):
            return 0.0, None

    def _cull(self) -> None:
        files = self._list_cache_files()
        if len(files) < self._max_entries:
            return
        for fname in files:
            with contextlib.suppress(FileNotFoundError), open(fname, "rb") as f:
                self._is_expired(f)  # deletes it if expired
        super()._cull()
