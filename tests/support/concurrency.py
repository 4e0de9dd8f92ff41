"""Run one callable in several threads started together; errors are surfaced, never swallowed."""

from __future__ import annotations

import threading


def run_together(take, threads: int = 2, times: int = 1) -> list:
    """Call `take()` `times` times in each of `threads` threads released at once; all results."""
    results: list = []
    errors: list[BaseException] = []
    start = threading.Barrier(threads)

    def worker():
        try:
            start.wait()
            for _ in range(times):
                results.append(take())
        except BaseException as exc:  # surfaced below, the thread must not swallow it
            errors.append(exc)

    workers = [threading.Thread(target=worker) for _ in range(threads)]
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    assert errors == []
    return results
