"""Processes of a run, all started with multiprocessing "spawn" (each its own
interpreter, as a worker is): ``child()`` runs a function in one and returns what it
sends back; ``run_together()`` starts several, releases them at once and times them
from that moment (each calls ``wait_for_start()`` when ready).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

from lib.figures import machine_busy


def child(ctx: Any, target: Any, *args: Any) -> Any:
    """Run ``target(*args, conn)`` in a spawned process; return what it sends."""
    parent, child_end = ctx.Pipe(duplex=False)
    process = ctx.Process(target=target, args=(*args, child_end))
    process.start()
    child_end.close()
    try:
        result = parent.recv()
    except EOFError:
        process.join()
        raise RuntimeError(f"{target.__name__} failed (exit code {process.exitcode})") from None
    process.join()
    return result


def wait_for_start(conn: Any, start: Any) -> None:
    """In a worker of ``run_together()``: say ready, then wait for the common start."""
    conn.send("ready")
    start.wait()


def run_together(
    ctx: Any, target: Callable[..., None], work: Iterable[tuple[Any, ...]]
) -> tuple[list[Any], float, float]:
    """Run ``target(*args, conn, start)`` in one spawned process per ``args`` in
    ``work``; once all are ready, release them at once and take one result from each.
    Returns (results, wall seconds from the release to the last result, CPU-seconds
    the machine spent busy over the same span)."""
    start = ctx.Event()
    pipes, processes = [], []
    for args in work:
        parent, child = ctx.Pipe(duplex=False)
        process = ctx.Process(target=target, args=(*args, child, start))
        process.start()
        child.close()
        pipes.append(parent)
        processes.append(process)
    for parent in pipes:
        if parent.recv() != "ready":
            raise RuntimeError("a worker did not start")
    busy0 = machine_busy()
    wall0 = time.perf_counter()
    start.set()
    results = [parent.recv() for parent in pipes]
    wall = time.perf_counter() - wall0
    busy = machine_busy() - busy0
    for process in processes:
        process.join()
    return results, wall, busy
