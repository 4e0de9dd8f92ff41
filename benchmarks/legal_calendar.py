"""Legal calendar speed: add_working_days as the registry and scheduler call it; one JSON line."""

from __future__ import annotations

import json
import random
import statistics
import sys
import time
from datetime import date, timedelta

from workflows.calendar.legal_calendar import LegalCalendar

CALLS = 100_000
AMOUNTS = (2, 3, 5, 7, 10, 20)  # 行政处罚法 第85条 periods, 行政强制法 第69条 ≤10 days, 20 工作日


def _naive(cal: LegalCalendar, start: date, n: int) -> date:
    """Day-by-day counting: the baseline the index replaces."""
    day = start
    while n:
        day += timedelta(days=1)
        n -= cal.is_working_day(day)
    return day


def main(calls: int = CALLS) -> dict:
    """Time construction, single calls (p50/p99) and the whole batch against the naive walk."""
    t0 = time.perf_counter()
    cal = LegalCalendar(environ={})
    build_ms = (time.perf_counter() - t0) * 1000
    rng = random.Random(85)
    cases = [(date(2025, 1, 1) + timedelta(days=rng.randrange(730)), rng.choice(AMOUNTS))
             for _ in range(calls)]
    samples = []
    for start, n in cases[:10_000]:
        t = time.perf_counter_ns()
        cal.add_working_days(start, n)
        samples.append(time.perf_counter_ns() - t)
    t = time.perf_counter()
    for start, n in cases:
        cal.add_working_days(start, n)
    batch_s = time.perf_counter() - t
    t = time.perf_counter()
    for start, n in cases[:10_000]:
        _naive(cal, start, n)
    naive_per_call = (time.perf_counter() - t) / 10_000
    quantiles = statistics.quantiles(samples, n=100)
    return {
        "benchmark": "legal_calendar.add_working_days",
        "calls": calls,
        "build_ms": round(build_ms, 1),
        "p50_us": round(quantiles[49] / 1000, 2),
        "p99_us": round(quantiles[98] / 1000, 2),
        "batch_s": round(batch_s, 3),
        "calls_per_s": round(calls / batch_s),
        "naive_walk_us": round(naive_per_call * 1e6, 2),
        "speedup_vs_naive": round(naive_per_call / (batch_s / calls), 2),
    }


if __name__ == "__main__":
    print(json.dumps(main(int(sys.argv[1]) if len(sys.argv) > 1 else CALLS)))
