"""The caches, from the environment: Redis in production, local memory and a folder
under var/ on a laptop (newsroom/settings.py)."""

from __future__ import annotations

from pathlib import Path


def cache_settings(cache_url: str, var_dir: Path, timeout: float) -> dict[str, dict[str, object]]:
    """``CACHES``: "default" for pages and counters, "reads" for the read counters
    (articles.reads), which the web process counts and the worker flushes, so both must
    see it."""
    if cache_url:
        # Django's RedisCache, answering as an empty cache (each failure logged) while
        # Redis is gone: pages come from the database meanwhile (articles/lib/rediscache.py).
        redis: dict[str, object] = {
            "BACKEND": "articles.lib.rediscache.FallbackRedisCache",
            "LOCATION": cache_url,
            "OPTIONS": {"socket_connect_timeout": timeout, "socket_timeout": timeout},
        }
        return {"default": redis, "reads": dict(redis)}
    return {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        # One process's memory would not do for the read counters: a folder under var/.
        "reads": {
            "BACKEND": "articles.lib.filecache.LockedFileCache",
            "LOCATION": str(var_dir / "reads"),
            "OPTIONS": {"MAX_ENTRIES": 100_000},
        },
    }
