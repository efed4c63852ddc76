"""Every read-count test runs on the laptop's file cache and on Redis (production's)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.reads import reads_cache


@pytest.fixture(params=["file", pytest.param("redis", marks=pytest.mark.redis)])
def reads(request: pytest.FixtureRequest, settings: Any, tmp_path: Path) -> Iterator[str]:
    yield from reads_cache(settings, request.param, tmp_path / "reads")
