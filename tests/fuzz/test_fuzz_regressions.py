"""Every input the fuzzers keep, replayed through its harness's property check.

tests/fuzz/regressions/<harness>/ holds what ``make fuzz`` found (and known-bad inputs
written by hand, tests/fuzz/make_seeds.py); tests/fuzz/seeds/<harness>/ the committed
seeds. Each file is one case: the harness's ``check`` (the same function the fuzzer
runs, imported without instrumentation) must pass on it, within libFuzzer's per-input
timeout. See tests/fuzz/README.md.
"""

from __future__ import annotations

import importlib
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

FUZZ = Path(__file__).resolve().parent
if str(FUZZ) not in sys.path:
    sys.path.insert(0, str(FUZZ))

import fuzzlib  # noqa: E402


def committed_inputs() -> list[Any]:
    cases = []
    for name in fuzzlib.HARNESSES:
        for folder in (FUZZ / "regressions" / name, FUZZ / "seeds" / name):
            for path in sorted(folder.glob("*")):
                if path.is_file() and not path.name.startswith("."):
                    cases.append(pytest.param(name, path, id=f"{name}/{path.name}"))
    return cases


def harness(name: str) -> ModuleType:
    return importlib.import_module(f"fuzz_{name}")


def test_every_harness_has_committed_inputs() -> None:
    for name in fuzzlib.HARNESSES:
        assert any((FUZZ / "seeds" / name).iterdir()), f"no seeds for {name}"


@pytest.mark.timeout(10 * fuzzlib.TIMEOUT_SECONDS)
@pytest.mark.parametrize(("name", "path"), committed_inputs())
def test_committed_input_passes_its_harness(name: str, path: Path) -> None:
    check = harness(name).check
    data = path.read_bytes()

    started = time.monotonic()
    check(data)
    elapsed = time.monotonic() - started

    assert elapsed < fuzzlib.TIMEOUT_SECONDS, f"{elapsed:.1f} s for one input"
