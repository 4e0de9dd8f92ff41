"""Entrustment speed: our persisted service layer on SQLite against bare SpiffWorkflow; one JSON line.

Both runs execute bpmn/entrustment.bpmn from the draft through the township's opinion, the legal
review, the county government's approval and both signatures, completing the same user tasks
with the same data. They share one set of light service tasks (canned answers, no database), so
the ratio measures what our engine adds — state-only blobs under a version lock, human-task rows,
form validation, the audit chain, a commit per step — and not business work. A third, smaller run
uses the real service tasks (registry checks, 委托书 rendered as .docx and HTML) for reference.
`--instances N` sets the size of the main runs.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import shutil
import statistics
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import select

from models import (
    Base,
    EnforcementCertificate,
    HumanTask,
    Membership,
    Organization,
    OrgKind,
    PowerItem,
    ProcessInstance,
    Role,
    User,
)
from models.db import make_engine, make_session_factory
from workflows import procedures
from workflows.calendar.legal_calendar import LegalCalendar
from workflows.core.clock import FixedClock
from workflows.core.services import ServiceRegistry
from workflows.engine import Engine
from workflows.engine.bare import complete_ready
from workflows.engine.serializer import full_serializer
from workflows.tasks import processes

SERVICES, FORMS, LANES = procedures.services(), procedures.forms(), procedures.lanes()  # from the one procedure list
BPMN = Path(__file__).resolve().parents[1] / "bpmn" / "entrustment.bpmn"
NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
STEPS = [  # (task, acting user key, form data) after the start (the draft)
    ("township_opinion", "leader", {"agrees": True, "township_opinion_text": "同意"}),
    ("legal_review", "reviewer", {"review_decision": "approve", "review_opinion": "合法"}),
    ("county_approval", "approver", {"county_decision": "approve"}),
    ("sign_department", "officer", {"department_signed_on": "2026-03-05", "department_signatory": "王"}),
    ("sign_township", "leader", {"township_signed_on": "2026-03-05", "township_signatory": "刘"}),
]
MIDDLE = 2  # blob size is sampled after the start, after the legal review and at the end


def light_services() -> ServiceRegistry:
    """The two service tasks on this path, answering as the real ones do, without a database."""
    registry = ServiceRegistry()
    registry.register("entrustment.validate_letter", lambda ctx, **_: {"item_ids": [1], "term_days": 275})
    registry.register("entrustment.issue_letter", lambda ctx, **_: {
        "document_no": f"故城管委〔2026〕{ctx.instance_id or 0}号", "docx_id": 0, "html_id": 0,
        "docx_sha256": "0" * 64, "html_sha256": "0" * 64})
    for name in SERVICES.names() - registry.names():  # off this path; bound so the file checks
        registry.register(name, SERVICES.get(name))
    return registry


def build_world(session, clock) -> tuple[dict, dict]:
    """A department, a township with two certified officers, the county, the legal office, users."""
    def org(name, kind, team=None):
        row = Organization(name=name, kind=kind, enforcement_team_size=team)
        session.add(row)
        session.flush()
        return row

    def user(name, where, role, cert=None):
        row = User(username=name, display_name=name, password_hash="x", created_at=clock.now())
        row.memberships = [Membership(organization_id=where.id, role=role)]
        if cert:
            row.certificates = [EnforcementCertificate(number=cert, valid_until=date(2029, 12, 31))]
        session.add(row)
        return row

    with session.begin():
        dept = org("故城县城市管理综合行政执法局", OrgKind.COUNTY_DEPARTMENT)
        town = org("故城县郑口镇人民政府", OrgKind.TOWNSHIP, 12)
        county = org("故城县人民政府", OrgKind.COUNTY_GOVERNMENT)
        legal = org("故城县司法局", OrgKind.LEGAL_AFFAIRS_OFFICE)
        session.add(PowerItem(code="BM-01", name_zh="对违法建设的处罚", department_id=dept.id,
                              legal_basis="《中华人民共和国城乡规划法》第六十五条", modes_allowed=["entrust"]))
        users = {"officer": user("officer", dept, Role.COUNTY_OFFICER),
                 "leader": user("leader", town, Role.TOWNSHIP_LEADER),
                 "reviewer": user("reviewer", legal, Role.LEGAL_REVIEWER),
                 "approver": user("approver", county, Role.COUNTY_APPROVER)}
        for n in (1, 2):
            user(f"officer{n}", town, Role.TOWNSHIP_OFFICER, f"冀执BM{n}")
    data = {"department_id": dept.id, "township_id": town.id, "county_government_id": county.id,
            "reviewer_org_id": legal.id, "requires_county_approval": True,
            "item_codes": ["BM-01"], "authority": "立案、调查取证、作出行政处罚决定",
            "term_start": "2026-04-01", "term_end": "2026-12-31", "responsibilities": "以委托机关名义实施。",
            "supervision": "每季度评查案卷。", "new_term_end": None}
    return users, data


def persisted_instance(session, engine, users, data, step_times, blobs) -> None:
    """Start and complete the five tasks through workflows.tasks.processes, one commit per step."""
    t0 = time.perf_counter()
    instance = processes.start(session, engine, "entrustment", data=dict(data), actor=users["officer"])
    session.commit()
    step_times.append(time.perf_counter() - t0)
    iid = instance.id
    if blobs is not None:
        blobs.append(len(instance.state.encode()))
    for n, (name, who, form) in enumerate(STEPS, start=1):
        t0 = time.perf_counter()
        task_id = session.scalar(select(HumanTask.id).where(
            HumanTask.instance_id == iid, HumanTask.task_spec_name == name, HumanTask.state == "ready"))
        instance = processes.complete(session, engine, task_id, users[who], dict(form))
        session.commit()
        step_times.append(time.perf_counter() - t0)
        if blobs is not None and n in (MIDDLE, len(STEPS)):
            blobs.append(len(session.get(ProcessInstance, iid).state.encode()))


def bare_instance(engine, session, data, step_times, sizes=None) -> None:
    """The same path on a plain BpmnWorkflow in memory: no persistence, no checks."""
    t0 = time.perf_counter()
    workflow = engine.bare_workflow(session, "entrustment")
    workflow.task_tree.data.update(data)
    workflow.do_engine_steps()
    step_times.append(time.perf_counter() - t0)
    if sizes is not None:
        sizes.append(len(full_serializer().serialize_json(workflow).encode()))
    for n, (name, _who, form) in enumerate(STEPS, start=1):
        t0 = time.perf_counter()
        complete_ready(workflow, name, form)
        step_times.append(time.perf_counter() - t0)
        if sizes is not None and n in (MIDDLE, len(STEPS)):
            sizes.append(len(full_serializer().serialize_json(workflow).encode()))


def setup(folder: Path, services: ServiceRegistry):
    """A fresh SQLite (WAL) file, the world, and an engine over entrustment.bpmn only."""
    bpmn = folder / "bpmn"
    bpmn.mkdir()
    shutil.copy(BPMN, bpmn / BPMN.name)
    db = make_engine(f"sqlite:///{folder / 'bench.db'}")
    Base.metadata.create_all(db)
    session = make_session_factory(db)()
    clock = FixedClock(NOW)
    users, data = build_world(session, clock)
    engine = Engine(bpmn, clock, LegalCalendar(), services, FORMS, LANES)
    engine.sync_definitions(session)
    session.commit()
    return db, session, engine, users, data


def _ms(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))], 3)


def run(instances: int, real: int) -> dict:
    """Time both runs (and the real-services run) and summarise them."""
    with tempfile.TemporaryDirectory() as tmp:
        light_dir = Path(tmp) / "light"
        light_dir.mkdir()
        db, session, engine, users, data = setup(light_dir, light_services())
        for _ in range(3):  # warm the spec cache and SQLite's page cache
            persisted_instance(session, engine, users, data, [], None)
            bare_instance(engine, session, data, [])
        blobs, default_sizes, persisted_steps, bare_steps = [], [], [], []
        persisted_s = bare_s = persisted_cpu = bare_cpu = 0.0
        # Interleaved, so load from other processes on the machine hits both runs alike; CPU time
        # of this process is reported beside wall time because the machine is shared.
        for n in range(instances):
            t0, c0 = time.perf_counter(), time.process_time()
            persisted_instance(session, engine, users, data, persisted_steps, blobs if n == 0 else None)
            t1, c1 = time.perf_counter(), time.process_time()
            bare_instance(engine, session, data, bare_steps)
            persisted_s, bare_s = persisted_s + t1 - t0, bare_s + time.perf_counter() - t1
            persisted_cpu, bare_cpu = persisted_cpu + c1 - c0, bare_cpu + time.process_time() - c1
        bare_instance(engine, session, data, [], default_sizes)
        session.close()
        db.dispose()
        real_dir = Path(tmp) / "real"
        real_dir.mkdir()
        db, session, engine, users, data = setup(real_dir, SERVICES)
        t0 = time.perf_counter()
        for _ in range(real):
            persisted_instance(session, engine, users, data, [], None)
        real_s = time.perf_counter() - t0
        session.close()
        db.dispose()
    persisted_rate, bare_rate = instances / persisted_s, instances / bare_s
    return {
        "benchmark": "engine.entrustment", "instances": instances, "steps_per_instance": 1 + len(STEPS),
        "persisted_sqlite_per_s": round(persisted_rate, 1), "bare_spiff_in_memory_per_s": round(bare_rate, 1),
        "ratio_persisted_to_bare": round(persisted_rate / bare_rate, 3),
        "cpu_ratio_persisted_to_bare": round(bare_cpu / persisted_cpu, 3),
        "persisted_step_ms_p50": _ms(persisted_steps, 0.50), "persisted_step_ms_p99": _ms(persisted_steps, 0.99),
        "bare_step_ms_p50": _ms(bare_steps, 0.50), "bare_step_ms_p99": _ms(bare_steps, 0.99),
        "persisted_step_ms_mean": round(1000 * statistics.fmean(persisted_steps), 3),
        "state_blob_bytes": dict(zip(("start", "middle", "end"), blobs, strict=True)),
        "default_serializer_bytes": dict(zip(("start", "middle", "end"), default_sizes, strict=True)),
        "real_services_instances": real, "real_services_per_s": round(real / real_s, 1),
    }


def main() -> None:
    """Parse arguments, run, print one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=int, default=200)
    parser.add_argument("--real", type=int, default=30, help="instances with the real service tasks")
    parser.add_argument("--cases", type=int, default=50,
                        help="case-handling instances with a legal-review call activity (0: skip)")
    parser.add_argument("--pairs", type=int, default=30, help="case-transfer pairs (0: skip)")
    args = parser.parse_args()
    result = run(args.instances, args.real)
    # Issue 5 asks this benchmark to show the case procedures beside the entrustment figures;
    # the sibling scripts own their worlds, so their run() results are nested here.
    if args.cases:
        result["case_handling"] = _sibling("cases").run(args.cases, max(1, args.cases // 10))
    if args.pairs:
        result["transfer_pairs"] = _sibling("transfer").run(args.pairs)
    print(json.dumps(result, ensure_ascii=False))


def _sibling(name: str):
    """Import another benchmark script of this folder as a module."""
    spec = importlib.util.spec_from_file_location(f"bench_{name}", Path(__file__).with_name(f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


if __name__ == "__main__":
    main()
