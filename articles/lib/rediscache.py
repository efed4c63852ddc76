"""Django's Redis cache, answering as an empty cache while Redis is gone.

Django's ``RedisCache`` raises when Redis cannot be reached, so a Redis restart would
turn every page into a 500. Nothing we keep in the cache is the only copy of anything
(pages, fragments and the content version are rebuilt from the database; the rate-limit
and read counters start again from zero), so while Redis fails this backend behaves as
a cache that forgets what it is told: a read misses, a write stores nothing, a counter
counts from zero. Each failure is logged (logger ``articles.lib.rediscache``, one
warning per failed call), never shown to readers.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)


def _forgiving(
    answer: Callable[..., Any],
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The method, or ``answer(*args, **kwargs)`` when Redis fails."""

    def decorate(method: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(method)
        def wrapper(self: RedisCache, *args: Any, **kwargs: Any) -> Any:
            try:
                return method(self, *args, **kwargs)
            except RedisError as exc:
                logger.warning("cache %s failed, answered without Redis: %r", method.__name__, exc)
                return answer(*args, **kwargs)

        return wrapper

    return decorate


def _default(key: str, default: Any = None, version: int | None = None) -> Any:
    return default


def _delta(key: str, delta: int = 1, version: int | None = None) -> int:
    return delta


class FallbackRedisCache(RedisCache):
    @_forgiving(_default)
    def get(self, key: str, default: Any = None, version: int | None = None) -> Any:
        return super().get(key, default, version)

    @_forgiving(lambda *a, **k: None)
    def set(
        self, key: str, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None
    ) -> None:
        super().set(key, value, timeout, version)

    @_forgiving(lambda *a, **k: False)
    def add(
        self, key: str, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None
    ) -> bool:
        return super().add(key, value, timeout, version)

    @_forgiving(lambda *a, **k: False)
    def touch(self, key: str, timeout: Any = DEFAULT_TIMEOUT, version: Any = None) -> bool:
        return super().touch(key, timeout, version)

    @_forgiving(lambda *a, **k: False)
    def delete(self, key: str, version: int | None = None) -> bool:
        return super().delete(key, version)

    @_forgiving(lambda *a, **k: {})
    def get_many(self, keys: Any, version: int | None = None) -> dict[str, Any]:
        return super().get_many(keys, version)

    @_forgiving(lambda *a, **k: False)
    def has_key(self, key: str, version: int | None = None) -> bool:
        return super().has_key(key, version)

    @_forgiving(_delta)
    def incr(self, key: str, delta: int = 1, version: int | None = None) -> int:
        return super().incr(key, delta, version)

    @_forgiving(lambda *a, **k: [])
    def set_many(
        self, data: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None
    ) -> list[str]:
        return super().set_many(data, timeout, version)

    @_forgiving(lambda *a, **k: None)
    def delete_many(self, keys: Any, version: int | None = None) -> None:
        super().delete_many(keys, version)

    @_forgiving(lambda *a, **k: None)
    def clear(self) -> None:
        super().clear()
