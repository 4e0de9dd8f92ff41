"""Run callables together on threads lined up by a barrier (race tests; no sleeps)."""

from __future__ import annotations

import threading
from collections.abc import Callable


def run_together(*actions: Callable[[], object]) -> list:
    """Start every action after one barrier; each slot holds its result or its exception."""
    barrier = threading.Barrier(len(actions))
    results: list = [None] * len(actions)

    def run(slot: int) -> None:
        barrier.wait()
        try:
            results[slot] = actions[slot]()
        except Exception as exc:  # the caller inspects it
            results[slot] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(actions))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results
