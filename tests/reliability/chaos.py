"""`make chaos`: every fault of tests/reliability/faults/, one after the other, each in a
subprocess of its own (``python -m tests.reliability.faults.<name>``), then a summary.

    .venv/bin/python tests/reliability/chaos.py [--only redis_gone,postgres_restart] [--list]

A fault module is any module of that package whose name does not start with ``_`` and
that has a ``main() -> int``: it starts its own servers and stack, prints its invariants
and exits non-zero when one fails (docs/reliability.md, "Under faults"). Each fault's
output is shown as it runs and kept in var/chaos/<name>.log. Exits 1 if any fault failed.
"""

from __future__ import annotations

import argparse
import os
import pkgutil
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]
FAULTS_DIR = Path(__file__).resolve().with_name("faults")
PACKAGE = "tests.reliability.faults"
OUT_DIR = BASE_DIR / "var" / "chaos"


def fault_names() -> list[str]:
    return sorted(
        module.name
        for module in pkgutil.iter_modules([str(FAULTS_DIR)])
        if not module.name.startswith("_")
        and "def main(" in (FAULTS_DIR / f"{module.name}.py").read_text()
    )


def run_fault(name: str, timeout: float) -> tuple[int, float]:
    """The fault's exit status (124: timed out) and its seconds; output shown and kept."""
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with (OUT_DIR / f"{name}.log").open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-u", "-m", f"{PACKAGE}.{name}"],
            cwd=BASE_DIR,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        assert process.stdout is not None
        for line in process.stdout:
            sys.stdout.write(line)
            sys.stdout.flush()
            log.write(line)
            if time.monotonic() - started > timeout:
                break
        try:
            status = process.wait(timeout=max(1.0, timeout - (time.monotonic() - started)))
        except subprocess.TimeoutExpired:
            status = None
        if status is None or time.monotonic() - started > timeout:
            # The fault's own cleanup (its context managers) runs on SIGTERM.
            process.terminate()
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            status = 124
    return status, time.monotonic() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", default=os.environ.get("CHAOS_FAULTS", ""),
                        help="comma-separated fault names (default: all)")  # fmt: skip
    parser.add_argument("--list", action="store_true", help="list the faults and exit")
    parser.add_argument("--timeout", type=float, default=1200, help="seconds per fault")
    args = parser.parse_args()
    names = fault_names()
    if args.list:
        print("\n".join(names))
        return 0
    if args.only:
        wanted = [n.strip() for n in args.only.split(",") if n.strip()]
        unknown = sorted(set(wanted) - set(names))
        if unknown:
            print(f"chaos: no such fault: {', '.join(unknown)} (have: {', '.join(names)})")
            return 2
        names = [n for n in names if n in wanted]
    if not names:
        print(f"chaos: no fault module in {FAULTS_DIR}")
        return 2
    results = []
    for name in names:
        print(f"\n=== chaos: {name} ===", flush=True)
        status, seconds = run_fault(name, args.timeout)
        results.append((name, status, seconds))
    print("\n=== chaos: summary ===")
    print(f"{'fault':<20} {'result':<10} {'exit':>4} {'seconds':>8}")
    for name, status, seconds in results:
        result = "passed" if status == 0 else ("timed out" if status == 124 else "FAILED")
        print(f"{name:<20} {result:<10} {status:>4} {seconds:>8.0f}")
    failed = [name for name, status, _ in results if status]
    print(f"\nlogs and figures: {OUT_DIR}")
    if failed:
        print(f"chaos FAILED: {', '.join(failed)}")
        return 1
    print(f"chaos passed: {len(results)} faults, every invariant held")
    return 0


if __name__ == "__main__":
    sys.exit(main())
