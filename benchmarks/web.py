"""Web pages at scale: 100,000 open tasks across 2,000 townships; p50/p95 per page; one JSON line.

Loads the Gucheng sample, adds townships, starts one real entrustment through the engine and clones its
instance, task and deadline rows by Core executemany (SQLite temp file; PostgreSQL in a throw-away
schema when one answers, vacuumed and analyzed as autovacuum would). Times the inbox, a task page, an
instance page, the dashboard and a power list through the Flask test client, each beside a bare SQL query
of the same rows on the DBAPI cursor; the app's heap is settled first, as `quanze serve` settles it
(web.app.settle_heap).
`--small` runs 200 townships × 10,000 tasks.
"""
# ruff: noqa: E402  (imports follow the sys.path fix below)

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

# Run as `python benchmarks/web.py`, this file's folder comes first on sys.path and would shadow the
# `web` package it measures: leave it out until the project's packages are imported.
HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]

from sqlalchemy import insert, select, text

from models import (
    Base,
    Deadline,
    DeadlineRule,
    HumanTask,
    Organization,
    OrgKind,
    ProcessInstance,
    User,
)
from models.db import make_engine, make_session_factory
from web import create_app
from web.app import settle_heap
from workflows.core.clock import FixedClock
from workflows.core.directory import find_org
from workflows.deadlines.rules import seed_deadline_rules
from workflows.procedures.entrustment.steps import start_entrustment
from workflows.sample.gucheng import DEMO_PASSWORD, load_gucheng_sample

sys.path.append(str(HERE))
from pg_scratch import on_scratch_schema

PG_URL = "postgresql://postgres@127.0.0.1:5432/test"
NOW = datetime(2026, 3, 2, 1, tzinfo=UTC)
CHUNK = 5_000
DEPARTMENT_SHARE = 20  # one task in 20 waits in a county department, the rest in townships
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')

BARE = {
    "inbox": """SELECT t.id, t.title, t.due_at, t.state, i.id, i.process_id, i.business_key, o.name
                FROM human_tasks t JOIN process_instances i ON i.id = t.instance_id
                LEFT JOIN organizations o ON o.id = i.township_id
                WHERE t.organization_id = {p} AND t.role = {p} AND t.state IN ('ready', 'claimed')
                ORDER BY t.due_at, t.id LIMIT 100""",  # one page, as the inbox shows
    "task": """SELECT t.*, i.id, i.process_id, i.status, i.township_id, i.department_id, a.seq, a.action
               FROM human_tasks t JOIN process_instances i ON i.id = t.instance_id
               LEFT JOIN audit_events a ON a.instance_id = i.id WHERE t.id = {p}""",
    "instance": """SELECT i.id, i.status, d.bpmn_xml, t.id, t.title, t.state, t.due_at, a.seq, a.action
                   FROM process_instances i JOIN process_definitions d ON d.id = i.definition_id
                   LEFT JOIN human_tasks t ON t.instance_id = i.id
                   LEFT JOIN audit_events a ON a.instance_id = i.id WHERE i.id = {p}""",
    "dashboard": """SELECT d.org_id, o.name, d.status, count(*) FROM deadlines d
                    JOIN organizations o ON o.id = d.org_id
                    WHERE d.due_at >= {p} AND d.due_at < {p} AND d.status <> 'cancelled'
                    GROUP BY d.org_id, o.name, d.status""",
    "power_list": """SELECT i.code, i.name_zh, i.category, d.mode, d.effective_from, d.effective_to
                     FROM power_items i LEFT JOIN delegations d ON d.item_id = i.id AND d.township_id = {p}
                     AND d.status = 'effective' ORDER BY i.code""",
}


def _seed(app, factory) -> tuple[int, int]:
    """One real entrustment of 郑口镇 through the engine; returns (instance id, task id)."""
    with factory() as s:
        actor = s.scalars(select(User).where(User.username == "nyj_officer")).one()
        instance = start_entrustment(
            s, app.extensions["quanze"].workflow_engine(), actor,
            find_org(s, "故城县农业农村局", OrgKind.COUNTY_DEPARTMENT), find_org(s, "郑口镇", OrgKind.TOWNSHIP),
            ["ILLUS-JC-NYNC-01"], authority="在本镇行政区域内实施所列行政检查",
            term_start="2026-03-02", term_end="2026-12-31", responsibilities="以县农业农村局名义实施",
            supervision="每季度检查案卷")
        s.commit()
        task = s.scalars(select(HumanTask.id).where(HumanTask.instance_id == instance.id)).one()
        return instance.id, task


def _chunks(rows: list[dict]):
    for start in range(0, len(rows), CHUNK):
        yield rows[start:start + CHUNK]


def build(engine, townships: int, tasks: int) -> dict:
    """Schema, sample, extra townships, one real instance and its clones; returns ids and seconds."""
    started = time.perf_counter()
    Base.metadata.create_all(engine)
    factory = make_session_factory(engine)
    clock = FixedClock(NOW)
    with factory() as s:
        load_gucheng_sample(s, clock)
        seed_deadline_rules(s, clock)
        s.commit()
    with engine.begin() as conn:
        have = conn.scalar(select(text("count(*)")).select_from(Organization).where(
            Organization.kind == OrgKind.TOWNSHIP))
        conn.execute(insert(Organization), [
            {"name": f"第{n}乡镇人民政府", "short_name": f"第{n}镇", "kind": OrgKind.TOWNSHIP}
            for n in range(max(0, townships - have))])
    app = create_app({"ENGINE": engine, "CLOCK": clock, "SECRET_KEY": "bench", "TESTING": True,
                      "INSTANCE_PATH": tempfile.mkdtemp(prefix="quanze-bench-")})
    instance_id, task_id = _seed(app, factory)
    with engine.begin() as conn:
        towns = list(conn.scalars(select(Organization.id).where(Organization.kind == OrgKind.TOWNSHIP)
                                  .order_by(Organization.id)))
        dept = conn.scalar(select(Organization.id).where(Organization.name == "故城县农业农村局"))
        seed_i = dict(conn.execute(select(ProcessInstance).where(ProcessInstance.id == instance_id)).mappings().one())
        seed_t = dict(conn.execute(select(HumanTask).where(HumanTask.id == task_id)).mappings().one())
        rule = conn.execute(select(DeadlineRule.id, DeadlineRule.key)).first()
        for rows in _chunks([{**seed_i, "id": None, "township_id": towns[n % len(towns)],
                              "business_key": f"bench-{n}"} for n in range(tasks - 1)]):
            conn.execute(insert(ProcessInstance), [{k: v for k, v in r.items() if k != "id"} for r in rows])
        clones = list(conn.execute(select(ProcessInstance.id, ProcessInstance.township_id)
                                   .where(ProcessInstance.id > instance_id).order_by(ProcessInstance.id)))
        task_rows, deadline_rows = [], []
        for n, (iid, town) in enumerate(clones):
            at_dept = n % DEPARTMENT_SHARE == 0
            due = NOW + timedelta(hours=(n % 480) - 72)  # three days overdue to seventeen days ahead
            task_rows.append({**{k: v for k, v in seed_t.items() if k != "id"}, "instance_id": iid,
                              "spiff_task_id": str(uuid.uuid4()), "organization_id": dept if at_dept else town, "due_at": due,
                              "role": "county_officer" if at_dept else "township_leader"})
            deadline_rows.append({"rule_id": rule[0], "rule_key": rule[1], "amount": 10, "unit": "working_days",
                                  "instance_id": iid, "org_id": dept if at_dept else town, "started_at": NOW,
                                  "due_at": due, "status": "overdue" if due < NOW else "pending"})
        for rows in _chunks(task_rows):
            conn.execute(insert(HumanTask), rows)
        for rows in _chunks(deadline_rows):
            conn.execute(insert(Deadline), rows)
        zk = conn.scalar(select(Organization.id).where(Organization.short_name == "郑口镇"))
    if engine.dialect.name == "postgresql":
        # What autovacuum does on a running server within a minute of such a load: without it the pages are
        # timed against planner defaults and, mid-run, against autovacuum's own pass over 100,000 rows.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            for table in ("organizations", "process_instances", "human_tasks", "deadlines"):
                conn.exec_driver_sql(f"VACUUM ANALYZE {table}")
    return {"app": app, "instance": instance_id, "task": task_id, "township": zk, "dept": dept,
            "seconds": round(time.perf_counter() - started, 1)}


def _client(app, username: str):
    client = app.test_client()
    token = CSRF.search(client.get("/login").get_data(as_text=True)).group(1)
    response = client.post("/login", data={"username": username, "password": DEMO_PASSWORD, "csrf_token": token})
    assert response.status_code == 302, f"{username} cannot sign in"
    return client


def _quantiles(samples: list[tuple[float, float]]) -> dict:
    """Wall-clock p50/p95 and this process's CPU p50 (ms): on a shared machine the CPU figure is the one
    other people's load does not inflate (PostgreSQL's own work is outside it)."""
    wall = [w for w, _ in samples]
    return {"p50": round(statistics.median(wall), 2), "p95": round(statistics.quantiles(wall, n=20)[18], 2),
            "cpu_p50": round(statistics.median(c for _, c in samples), 2)}


def _time(call, runs: int) -> list[tuple[float, float]]:
    for _ in range(3):
        call()  # warm caches (templates, compiled statements, SQLite pages)
    samples = []
    for _ in range(runs):
        wall, cpu = time.perf_counter_ns(), time.process_time_ns()
        call()
        samples.append(((time.perf_counter_ns() - wall) / 1e6, (time.process_time_ns() - cpu) / 1e6))
    return samples


def _page(client, path: str):
    def get():
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        return response
    return get


def _bare(engine, sql: str, params: tuple):
    placeholder = "%s" if engine.dialect.name == "postgresql" else "?"
    statement = sql.format(p=placeholder)

    def run():
        raw = engine.raw_connection()
        try:
            cursor = raw.cursor()
            cursor.execute(statement, params)
            rows = cursor.fetchall()
            raw.rollback()
            return rows
        finally:
            raw.close()
    return run


def measure(engine, built: dict, runs: int) -> dict:
    """p50/p95 (ms) of each page and its bare query, and their ratio."""
    app = built["app"]
    leader, officer, approver = (_client(app, u) for u in ("zk_leader", "nyj_officer", "approver"))
    settle_heap(app)  # as `quanze serve` does before serving
    span = (NOW - timedelta(days=90), NOW + timedelta(days=1))
    if engine.dialect.name == "sqlite":  # UTCDateTime stores ISO text on SQLite
        span = tuple(s.isoformat(sep=" ") for s in span)
    pages = {
        "inbox": (_page(leader, "/tasks"), BARE["inbox"], (built["township"], "township_leader")),
        "inbox_department": (_page(officer, "/tasks"), BARE["inbox"], (built["dept"], "county_officer")),
        "task": (_page(leader, f"/tasks/{built['task']}"), BARE["task"], (built["task"],)),
        "instance": (_page(leader, f"/instances/{built['instance']}"), BARE["instance"], (built["instance"],)),
        "dashboard": (_page(approver, "/dashboard"), BARE["dashboard"], span),
        "power_list": (_page(leader, f"/townships/{built['township']}/powers"), BARE["power_list"],
                       (built["township"],)),
    }
    out = {}
    for name, (page, sql, params) in pages.items():
        rows = len(_bare(engine, sql, params)())
        web, bare = _quantiles(_time(page, runs)), _quantiles(_time(_bare(engine, sql, params), runs))
        out[name] = {"ms": web, "bare_ms": bare, "rows": rows,
                     "ratio_p50": round(web["p50"] / max(bare["p50"], 0.01), 1)}
    return out


def run_sqlite(townships: int, tasks: int, runs: int) -> dict:
    """The whole run on a temporary SQLite file."""
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'web.db'}")
        built = build(engine, townships, tasks)
        result = {"build_s": built["seconds"], **measure(engine, built, runs)}
        engine.dispose()
        return result


def run_postgresql(url: str, townships: int, tasks: int, runs: int) -> dict | None:
    """PostgreSQL in a dedicated schema, dropped afterwards; None when no server answers."""

    def body(engine) -> dict:
        built = build(engine, townships, tasks)
        return {"build_s": built["seconds"], **measure(engine, built, runs)}

    return on_scratch_schema(url, body)


def main() -> None:
    """Parse arguments, run both backends, print one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="200 townships, 10,000 tasks")
    parser.add_argument("--runs", type=int, default=40, help="timed requests per page")
    parser.add_argument("--pg-url", default=PG_URL)
    parser.add_argument("--no-pg", action="store_true", help="SQLite only")
    args = parser.parse_args()
    townships, tasks = (200, 10_000) if args.small else (2_000, 100_000)
    result = {"benchmark": "web", "townships": townships, "open_tasks": tasks, "runs": args.runs,
              "load_avg_1m": round(os.getloadavg()[0], 1), "sqlite": run_sqlite(townships, tasks, args.runs)}
    if not args.no_pg:
        result["postgresql"] = run_postgresql(args.pg_url, townships, tasks, args.runs)
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
