"""The figures a bench reads and the maths on them: CPU time of the whole machine
(/proc/stat) and of one process (/proc/<pid>/stat), what other processes used, peak RSS,
nearest-rank percentiles and a median / p90 / mean summary.
"""

from __future__ import annotations

import math
import os
import resource
import statistics
from pathlib import Path


def machine_busy() -> float:
    """CPU-seconds the whole machine has spent busy since boot (Linux), else 0."""
    try:
        with open("/proc/stat") as stat:
            fields = [int(v) for v in stat.readline().split()[1:]]
    except (OSError, ValueError):
        return 0.0
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    busy = sum(fields[:8]) - idle  # user nice system idle iowait irq softirq steal
    return busy / os.sysconf("SC_CLK_TCK")


def other_cpu(busy: float, cpu: float, server_cpu: float = 0.0) -> float:
    """CPU-seconds other processes used: the machine's busy time less ours and the server's."""
    return max(0.0, busy - cpu - server_cpu)


def maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def process_cpu(pid: int) -> float:
    """CPU-seconds (user + system) process ``pid`` has used, or 0."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile of ``values`` (``share`` from 0 to 1; NaN if empty)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(share * len(ordered)) - 1))]


def summary(values: list[float]) -> dict[str, float]:
    return {
        "median": statistics.median(values),
        "p90": percentile(values, 0.90),
        "mean": statistics.fmean(values),
    }
