"""Report printing shared by the benches: a table header with its rule, "meets" /
"MISSES" against a target, the share of the machine other processes used during each
phase (``OtherLoad``), and small number formats. What each bench prints is in
lib/printing/<bench>.py.
"""

from __future__ import annotations

import os

BUSY_SHARE = 0.10  # other load above this share of all CPUs makes wall times suspect


def print_header(header: str) -> None:
    """Print a table header and a rule under it, indented as the header is."""
    indent = header[: len(header) - len(header.lstrip(" "))]
    print(header)
    print(indent + "-" * (len(header) - len(indent)))


def verdict(ok: bool) -> str:
    return "meets" if ok else "MISSES"


def ordinal(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


def rate(rps: float) -> str:
    """Requests per second, whole above 100."""
    return f"{rps:.0f}" if rps >= 100 else f"{rps:.1f}"


def mb(size: float) -> str:
    return f"{size / 2**20:.1f} MB"


class OtherLoad:
    """The CPU time other processes on the machine used during each phase, as a share
    of all its CPUs; remembers the phases where it was above ``BUSY_SHARE``."""

    def __init__(self) -> None:
        self.capacity = os.cpu_count() or 1
        self.busy_phases: list[str] = []

    def share(self, label: str, other: float, wall: float) -> float:
        """The share for the phase ``label`` ("x) ..."): ``other`` CPU-seconds in ``wall``."""
        share = other / (wall * self.capacity) if wall else 0.0
        if share > BUSY_SHARE:
            self.busy_phases.append(label.split(")")[0] + ")")
        return share

    def print_note(self, which: str = "") -> None:
        """Say what "other load" is, and where the machine was busy (``which`` names
        the phases whose wall times suffer most)."""
        print(
            "other load = CPU time other processes on this machine used during the phase "
            "(/proc/stat), as a share of all its CPUs."
        )
        if self.busy_phases:
            print(
                f"!! the machine was busy with other work during "
                f"{', '.join(self.busy_phases)}: wall times there{which} are pessimistic; "
                "re-run on a quiet machine."
            )
