"""Scheduler benchmark: firing lag, catch-up after downtime, duplicates with two processes, RSS.

Prints ONE JSON line. Real time is measured here (a benchmark, not a test). Scheduler runs
happen in child processes (`--worker`), so their peak RSS is the scheduler's own.

    python benchmarks/scheduler.py                      # 100,000 pending, 10,000 due in 60 s
    python benchmarks/scheduler.py --total 20000 --due 2000 --window 20   # a quick run
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from bisect import bisect_left
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, insert, select, text, update  # noqa: E402

from models import AuditEvent, Base, Deadline, DeadlineRule, DeadlineStatus, Notification  # noqa: E402
from models.db import make_engine, make_session_factory  # noqa: E402
from scheduler.runner import DeadlineScheduler  # noqa: E402
from tests.support.deadline_world import build_world  # noqa: E402
from workflows.core.clock import SystemClock  # noqa: E402

PG_URL = "postgresql://postgres@127.0.0.1:5432/test"


# --- databases ----------------------------------------------------------------------------------

def _engine(url: str, schema: str | None):
    if schema:
        return make_engine(url, connect_args={"options": f"-csearch_path={schema}"})
    return make_engine(url)


def _pg_answers() -> bool:
    try:
        with make_engine(PG_URL, connect_args={"connect_timeout": 3}).connect() as conn:
            conn.execute(text("SELECT 1"))
        return True
    except Exception:
        return False


def _new_database(backend: str) -> tuple[str, str | None]:
    """A fresh, empty database: a new PostgreSQL schema or a temp SQLite file, with all tables."""
    if backend == "postgresql":
        schema = f"bench_{uuid.uuid4().hex[:10]}"
        with make_engine(PG_URL, isolation_level="AUTOCOMMIT").connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = PG_URL
    else:
        schema, url = None, f"sqlite:///{tempfile.mkdtemp(prefix='qz-bench-')}/bench.db"
    engine = _engine(url, schema)
    Base.metadata.create_all(engine)
    engine.dispose()
    return url, schema


def _drop(url: str, schema: str | None) -> None:
    if schema:
        with make_engine(url, isolation_level="AUTOCOMMIT").connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    elif url.startswith("sqlite:///"):
        shutil.rmtree(Path(url[len("sqlite:///"):]).parent, ignore_errors=True)


def _insert_deadlines(factory, dues: list[datetime], now: datetime) -> list[int]:
    """Bulk-insert pending 行政处罚法 第61条 deadlines with the given due instants."""
    with factory() as session, session.begin():
        rule = session.scalars(select(DeadlineRule).where(DeadlineRule.key == "apl61_service")).one()
        org_id, user_id = session.execute(text(
            "SELECT m.organization_id, m.user_id FROM memberships m JOIN users u ON u.id = m.user_id "
            "WHERE u.username = 'zk_officer'")).one()
        first = session.scalar(select(func.coalesce(func.max(Deadline.id), 0))) + 1
        rows = [{"rule_id": rule.id, "rule_key": rule.key, "amount": 7, "unit": "working_days",
                 "case_ref": f"B{first + i}", "org_id": org_id, "assignee_user_id": user_id,
                 "started_at": now, "due_at": due, "warn_at": None, "status": DeadlineStatus.PENDING,
                 "provisional": False, "paused_seconds": 0, "excluded_amount": 0, "extension_count": 0}
                for i, due in enumerate(dues)]
        for start in range(0, len(rows), 5000):
            session.execute(insert(Deadline), rows[start:start + 5000])
        return list(session.scalars(select(Deadline.id).where(Deadline.id >= first).order_by(Deadline.id)))


# --- the scheduler process ------------------------------------------------------------------------

def worker(url: str, schema: str | None, seconds: float, expect: int) -> None:
    """Child process: run the real scheduler until `expect` rows are overdue; print ticks and RSS."""
    factory = make_session_factory(_engine(url, schema))
    runner = DeadlineScheduler(factory, SystemClock(), sweep_seconds=30)
    ticks: list[tuple[float, float, int]] = []  # one per pass: began, committed, rows expired
    plain_pass = runner._pass

    def timed_pass():
        began = time.time()
        report = plain_pass()
        ticks.append((began, time.time(), report.expired if report else 0))
        return report

    runner._pass = timed_pass  # measure each committed pass of the real scheduler
    if os.environ.get("QZ_BENCH_TRACE"):
        plain_arm, plain_tick = runner.arm, runner.tick

        def traced_arm(when):
            run_at = plain_arm(when)
            print("arm", time.time(), when and when.timestamp(), run_at and run_at.timestamp(), file=sys.stderr)
            return run_at

        def traced_tick():
            print("tick", time.time(), threading.current_thread().name, file=sys.stderr)
            return plain_tick()
        runner.arm, runner.tick = traced_arm, traced_tick
    started = time.time()
    runner.start()
    overdue = select(func.count()).select_from(Deadline).where(Deadline.status == DeadlineStatus.OVERDUE)
    while time.time() - started < seconds:
        time.sleep(0.2)
        with factory() as s:
            if expect and s.scalar(overdue) >= expect:
                break
    runner.shutdown()
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"started": started, "ticks": ticks, "rss_mb": round(rss_mb, 1)}))


def _spawn(url: str, schema: str | None, seconds: float, expect: int) -> subprocess.Popen:
    args = [sys.executable, __file__, "--worker", url, "--schema", schema or "", "--seconds", str(seconds),
            "--expect", str(expect)]
    return subprocess.Popen(args, stdout=subprocess.PIPE, text=True, cwd=ROOT)


def _result(proc: subprocess.Popen) -> dict:
    out, _ = proc.communicate()
    return json.loads(out.strip().splitlines()[-1])


# --- phases --------------------------------------------------------------------------------------

def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def lag_phase(factory, url, schema, total: int, due: int, window: float) -> tuple[dict, float]:
    """`total` pending, `due` of them falling due over `window` seconds; lag until committed."""
    clock = SystemClock()
    later = [clock.now() + timedelta(days=2 + 30 * random.random()) for _ in range(total - due)]
    _insert_deadlines(factory, later, clock.now())
    # The due rows go in last, timed from now, so none is overdue before the scheduler runs.
    now = clock.now()
    lead = 8.0  # seconds for the insert and the scheduler process start
    soon = [now + timedelta(seconds=lead + window * random.random()) for _ in range(due)]
    ids = _insert_deadlines(factory, soon, now)
    out = _result(_spawn(url, schema, lead + window + 30, due))
    ends = sorted(t[1] for t in out["ticks"])
    with factory() as s:
        rows = s.execute(select(Deadline.due_at, Deadline.expired_at).where(Deadline.id.in_(ids))).all()
    lags = []
    for due_at, expired_at in rows:
        if expired_at is None:
            continue
        committed = ends[bisect_left(ends, expired_at.timestamp())]
        lags.append(max(committed - due_at.timestamp(), 0.0))
    busy = [(t[1] - t[0]) * 1000 for t in out["ticks"] if t[2]]
    return {"fired": len(lags), "passes": len(busy), "pass_p50_ms": round(_percentile(busy, 50), 1),
            "pass_max_ms": round(max(busy), 1),
            "lag_p50_s": round(_percentile(lags, 50), 3),
            "lag_p99_s": round(_percentile(lags, 99), 3), "lag_max_s": round(max(lags), 3)}, out["rss_mb"]


def catch_up_phase(factory, url, schema, due: int) -> tuple[dict, float]:
    """The scheduler was down while `due` deadlines fell due: time to fire them all on restart."""
    now = SystemClock().now()
    ids = _insert_deadlines(factory, [now - timedelta(seconds=3600 * random.random()) for _ in range(due)], now)
    with factory() as s, s.begin():  # baseline: a bare UPDATE of the same rows, rolled back
        began = time.perf_counter()
        s.execute(update(Deadline).where(Deadline.id.in_(ids)).values(status=DeadlineStatus.OVERDUE,
                                                                     expired_at=now))
        baseline = time.perf_counter() - began
        s.rollback()
    out = _result(_spawn(url, schema, 60, 2 * due))  # the lag phase left `due` overdue
    firing = [t for t in out["ticks"] if t[2]]
    seconds = firing[-1][1] - firing[0][0]
    with factory() as s:
        done = s.scalar(select(func.count()).select_from(Deadline)
                        .where(Deadline.id.in_(ids), Deadline.status == DeadlineStatus.OVERDUE))
    return {"catch_up_n": done, "catch_up_s": round(seconds, 3), "baseline_bare_update_s": round(baseline, 3),
            "catch_up_vs_bare_update": round(seconds / baseline, 1)}, out["rss_mb"]


def duplicate_phase(due: int) -> dict:
    """Two scheduler processes on one PostgreSQL: no deadline is acted on twice."""
    url, schema = _new_database("postgresql")
    try:
        factory = make_session_factory(_engine(url, schema))
        with factory() as s:
            build_world(s, SystemClock())
        now = SystemClock().now()
        dues = [now - timedelta(seconds=600 * random.random()) for _ in range(due // 2)]
        dues += [now + timedelta(seconds=5 + 15 * random.random()) for _ in range(due - due // 2)]
        _insert_deadlines(factory, dues, now)
        procs = [_spawn(url, schema, 60, due) for _ in range(2)]
        outs = [_result(p) for p in procs]  # each waits until the whole set is overdue or 60 s
        with factory() as s:
            batches = s.scalars(select(AuditEvent.details).where(AuditEvent.action == "deadline.expired")).all()
            acted = [i for b in batches for i in b["ids"]]
            doubled = s.scalar(select(func.count()).select_from(
                select(Notification.deadline_id).group_by(Notification.deadline_id, Notification.kind,
                                                          Notification.user_id, Notification.org_id)
                .having(func.count() > 1).subquery()))
        per_process = [sum(t[2] for t in o["ticks"]) for o in outs]
        return {"dup_deadlines": due, "dup_fired": len(set(acted)), "duplicates": len(acted) - len(set(acted)),
                "duplicate_notifications": doubled, "fired_per_process": per_process}
    finally:
        _drop(url, schema)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--total", type=int, default=100_000)
    parser.add_argument("--due", type=int, default=10_000)
    parser.add_argument("--window", type=float, default=60.0)
    parser.add_argument("--backend", choices=("auto", "sqlite", "postgresql"), default="auto")
    parser.add_argument("--worker")
    parser.add_argument("--schema", default="")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--expect", type=int, default=0)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.schema or None, args.seconds, args.expect)
        return
    pg = _pg_answers()
    backend = ("postgresql" if pg else "sqlite") if args.backend == "auto" else args.backend
    url, schema = _new_database(backend)
    try:
        factory = make_session_factory(_engine(url, schema))
        with factory() as s:
            build_world(s, SystemClock())
        lag, rss1 = lag_phase(factory, url, schema, args.total, args.due, args.window)
        catch, rss2 = catch_up_phase(factory, url, schema, args.due)
    finally:
        _drop(url, schema)
    dup = duplicate_phase(args.due) if pg else {"duplicates": None, "note": f"no PostgreSQL at {PG_URL}: skipped"}
    print(json.dumps({"benchmark": "scheduler", "backend": backend, "pending": args.total, "due_in_window": args.due,
                      "window_s": args.window, **lag, **catch, **dup, "scheduler_peak_rss_mb": max(rss1, rss2),
                      "cpu_count": os.cpu_count()}, ensure_ascii=False))


if __name__ == "__main__":
    main()
