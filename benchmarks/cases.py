"""Case handling with a legal-review call activity: persisted engine on SQLite vs bare SpiffWorkflow.

Both runs execute bpmn/case_handling.bpmn — investigation, prior notice and defence, the
`legal_review` call activity with a return for supplement and a second review, the decision, the
publication alongside service, payment, the closing report and the archive — completing the
same user tasks with the same data, on one set of light service tasks (canned answers, no
database), so the ratio measures what our engine adds (state-only blobs under a version lock,
human-task rows, form validation, certificate checks, the audit chain, a commit per step). A
smaller third run files real cases (registry, limitation and officer checks, case rows, deadline
rows) for reference. Prints one JSON line. `--instances N` sets the size of the main runs.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import select

from models import (
    Base,
    Delegation,
    DelegationMode,
    DelegationStatus,
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
from workflows.cases.rules import Officer
from workflows.core.clock import FixedClock
from workflows.core.services import ServiceRegistry
from workflows.deadlines.rules import seed_deadline_rules
from workflows.engine import Engine
from workflows.engine.bare import complete_ready
from workflows.engine.serializer import full_serializer
from workflows.procedures.case_handling.filing import FORM_DEFAULTS, file_case
from workflows.tasks import processes

SERVICES, FORMS, LANES = procedures.services(), procedures.forms(), procedures.lanes()  # from the one procedure list
BPMN = Path(__file__).resolve().parents[1] / "bpmn" / "case_handling.bpmn"
NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
STEPS = [  # (task, acting user key, form data) after the start (the filing)
    ("investigate", "officer1", {"investigation_report": "查明", "proposed_decision": "penalty",
                                 "proposed_fine": "30000"}),
    ("notify", "officer1", {"notice_facts": "占道经营", "notice_evidence": "现场照片", "notice_basis": "条例第三十六条",
                            "notified_penalty": "罚款30000元", "hearing_right": True}),
    ("defend", "officer1", {"defence_statement": "初次违法", "defence_answer": "部分采纳", "hearing_requested": False}),
    ("review", "reviewer", {"review_result": "return", "review_opinion": "补证"}),
    ("supplement", "officer2", {"supplement_note": "已补充"}),
    ("review", "reviewer", {"review_result": "pass", "review_opinion": "同意"}),
    ("decide", "leader", {"party_address": "郑口镇解放街12号", "pay_to": "故城县农商银行", "decision_kind": "penalty", "fine_amount": "18000", "within_benchmark": True}),
    ("publish", "officer1", {"published_on": "2026-03-02", "publication_channel": "镇网站"}),
    ("serve", "officer1", {"service_method": "hand", "served_on": "2026-03-02", "service_recipient": "张三"}),
    ("pay", "officer1", {"payment_action": "paid", "paid_on": "2026-03-02", "paid_amount": "18000"}),
    ("archive", "officer1", {"archive_number": "BM-档-1", "archived_on": "2026-03-02"}),
]
MIDDLE = 4  # blob size sampled after the start, inside the call activity, and at the end
CLOCK = {"id": 0, "rule": "x", "due_at": "2026-06-01T15:59:59.999999+00:00", "status": "pending"}


def light_services() -> ServiceRegistry:
    """The service tasks on this path, answering as the real ones do, without a database."""
    registry = ServiceRegistry()
    answers = {
        "cases.open_case": lambda ctx, **_: dict(CLOCK),
        "cases.record_notice": lambda ctx, **_: {"defence_until": CLOCK["due_at"], "fine": "30000",
                                                  "clock": dict(CLOCK)},
        "cases.record_defence": lambda ctx, **_: {"statement": "初次违法", "hearing_requested": False},
        "cases.assess_review": lambda ctx, **_: {"review_required": True, "reasons": ["罚款达到标准"]},
        "legal_review.open": lambda ctx, **_: dict(CLOCK),
        "legal_review.record": lambda ctx, **kw: {"result": kw["review_result"], "supplement_due": CLOCK["due_at"]},
        "legal_review.resume": lambda ctx, **_: dict(CLOCK),
        "cases.record_decision": lambda ctx, **_: {"kind": "penalty", "publish_clock": dict(CLOCK),
                                                    "publish_due": CLOCK["due_at"], "service_clock": dict(CLOCK),
                                                    "pay_to": "故城县农商银行"},
        "cases.record_service": lambda ctx, **_: {"payment_due_on": "2026-03-17", "payment_due_at": CLOCK["due_at"]},
        "cases.record_payment": lambda ctx, **_: {"next": "closed"},
        "cases.close_case": lambda ctx, **_: {"closed_on": "2026-03-02"},
        "cases.record_archive": lambda ctx, **_: {"archive_number": "BM-档-1"},
        "cases.record_publication": lambda ctx, **_: {"published_on": "2026-03-03", "retention_until": "2028-03-03"},
    }
    for name, fn in answers.items():
        registry.register(name, fn)
    for name in SERVICES.names() - registry.names():  # off this path; bound so the file checks
        registry.register(name, SERVICES.get(name))
    return registry


def build_world(session, clock) -> tuple[dict, dict, Organization]:
    """A department, a township with a granted item and two certified officers, the legal office."""
    def org(name, kind):
        row = Organization(name=name, kind=kind, enforcement_team_size=12)
        session.add(row)
        session.flush()
        return row

    def user(name, where, role, cert=None):
        row = User(username=name, display_name=name, password_hash="x", created_at=clock.now())
        row.memberships = [Membership(organization_id=where.id, role=role)]
        if cert:
            row.certificates = [EnforcementCertificate(number=cert, valid_until=date(2029, 12, 31))]
        session.add(row)
        session.flush()
        return row

    with session.begin():
        dept = org("故城县城市管理综合行政执法局", OrgKind.COUNTY_DEPARTMENT)
        town = org("故城县郑口镇人民政府", OrgKind.TOWNSHIP)
        legal = org("故城县司法局", OrgKind.LEGAL_AFFAIRS_OFFICE)
        item = PowerItem(code="BM-01", name_zh="对占道经营的处罚", department_id=dept.id,
                         legal_basis="《城市市容和环境卫生管理条例》第三十六条", modes_allowed=["grant"],
                         penalty_range="处2000元以上20000元以下的罚款")
        session.add(item)
        session.flush()
        session.add(Delegation(item_id=item.id, township_id=town.id, mode=DelegationMode.GRANT,
                               status=DelegationStatus.EFFECTIVE, effective_from=date(2025, 1, 1),
                               created_at=clock.now(), updated_at=clock.now()))
        users = {"leader": user("leader", town, Role.TOWNSHIP_LEADER),
                 "reviewer": user("reviewer", legal, Role.LEGAL_REVIEWER),
                 "officer1": user("officer1", town, Role.TOWNSHIP_OFFICER, "冀执BM1"),
                 "officer2": user("officer2", town, Role.TOWNSHIP_OFFICER, "冀执BM2")}
        seed_deadline_rules(session, clock)
    data = {"case_id": 1, "case_number": "BM", "handling_org_id": town.id, "township_id": town.id,
            "department_id": dept.id, "enforcement_subject_org_id": town.id, "reviewer_org_id": legal.id,
            "party_kind": "citizen", "mode": "grant", "benchmark": {}, **FORM_DEFAULTS}
    return users, data, town


def _step(session, engine, iid, users, name, who, form) -> None:
    task_id = session.scalar(select(HumanTask.id).where(
        HumanTask.instance_id == iid, HumanTask.task_spec_name == name, HumanTask.state == "ready"))
    processes.complete(session, engine, task_id, users[who], dict(form))
    session.commit()


def persisted_instance(session, engine, users, data, step_times, blobs, town=None, real_n=None) -> None:
    """File (real) or start (light) one case and complete its tasks (STEPS), one commit per step."""
    t0 = time.perf_counter()
    if real_n is None:
        instance = processes.start(session, engine, "case_handling", data=dict(data), actor=users["officer1"])
        iid = instance.id
    else:
        case = file_case(session, engine, users["officer1"], item_code="BM-01", township=town, handling_org=town,
                         case_number=f"BM-{real_n}", party_name="张三", party_kind="citizen",
                         facts_summary="占道经营", violation_on=date(2026, 2, 1),
                         officers=[Officer(users["officer1"].id, "冀执BM1"), Officer(users["officer2"].id, "冀执BM2")])
        iid = case.instance_id
    session.commit()
    step_times.append(time.perf_counter() - t0)
    if blobs is not None:
        blobs.append(len(session.get(ProcessInstance, iid).state.encode()))
    for n, (name, who, form) in enumerate(STEPS, start=1):
        t0 = time.perf_counter()
        _step(session, engine, iid, users, name, who, form)
        step_times.append(time.perf_counter() - t0)
        if blobs is not None and n in (MIDDLE, len(STEPS)):
            blobs.append(len(session.get(ProcessInstance, iid).state.encode()))


def bare_instance(engine, session, data, step_times, sizes=None) -> None:
    """The same path on a plain BpmnWorkflow in memory: no persistence, no checks."""
    t0 = time.perf_counter()
    workflow = engine.bare_workflow(session, "case_handling")
    workflow.task_tree.data.update(data)
    workflow.do_engine_steps()
    step_times.append(time.perf_counter() - t0)
    if sizes is not None:
        sizes.append(len(full_serializer().serialize_json(workflow).encode()))
    for n, (name, _who, form) in enumerate(STEPS, start=1):
        t0 = time.perf_counter()
        complete_ready(workflow, name, form, refresh_timers=True)
        step_times.append(time.perf_counter() - t0)
        if sizes is not None and n in (MIDDLE, len(STEPS)):
            sizes.append(len(full_serializer().serialize_json(workflow).encode()))


def setup(folder: Path, services: ServiceRegistry):
    """A fresh SQLite (WAL) file, the world, and an engine over case_handling.bpmn and the
    legal_review.bpmn its call activity uses."""
    bpmn = folder / "bpmn"
    bpmn.mkdir()
    shutil.copy(BPMN, bpmn / BPMN.name)
    shutil.copy(BPMN.with_name("legal_review.bpmn"), bpmn / "legal_review.bpmn")
    db = make_engine(f"sqlite:///{folder / 'bench.db'}")
    Base.metadata.create_all(db)
    session = make_session_factory(db)()
    clock = FixedClock(NOW)
    users, data, town = build_world(session, clock)
    engine = Engine(bpmn, clock, LegalCalendar(), services, FORMS, LANES)
    engine.sync_definitions(session)
    session.commit()
    return db, session, engine, users, data, town


def _ms(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))], 3)


def _light_runs(tmp: Path, instances: int) -> dict:
    db, session, engine, users, plain, _town = setup(tmp, light_services())
    for _ in range(3):  # warm the spec cache and SQLite's page cache
        persisted_instance(session, engine, users, plain, [], None)
        bare_instance(engine, session, plain, [])
    blobs, default_sizes, persisted_steps, bare_steps = [], [], [], []
    persisted_s = bare_s = 0.0
    for n in range(instances):  # interleaved, so machine load hits both runs alike
        t0 = time.perf_counter()
        persisted_instance(session, engine, users, plain, persisted_steps, blobs if n == 0 else None)
        t1 = time.perf_counter()
        bare_instance(engine, session, plain, bare_steps)
        persisted_s, bare_s = persisted_s + t1 - t0, bare_s + time.perf_counter() - t1
    bare_instance(engine, session, plain, [], default_sizes)
    session.close()
    db.dispose()
    return {"persisted_s": persisted_s, "bare_s": bare_s, "persisted_steps": persisted_steps,
            "bare_steps": bare_steps, "blobs": blobs, "default_sizes": default_sizes}


def run(instances: int, real: int) -> dict:
    """Time both runs (and the real-services run) and summarise them."""
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "light").mkdir()
        light = _light_runs(Path(tmp) / "light", instances)
        (Path(tmp) / "real").mkdir()
        db, session, engine, users, data, town = setup(Path(tmp) / "real", SERVICES)
        t0 = time.perf_counter()
        for n in range(real):
            persisted_instance(session, engine, users, data, [], None, town=town, real_n=n)
        real_s = time.perf_counter() - t0
        session.close()
        db.dispose()
    persisted_rate, bare_rate = instances / light["persisted_s"], instances / light["bare_s"]
    points = ("start", "in_call_activity", "end")
    return {
        "benchmark": "cases.case_handling_with_legal_review", "instances": instances,
        "steps_per_instance": 1 + len(STEPS),
        "persisted_sqlite_per_s": round(persisted_rate, 1), "bare_spiff_in_memory_per_s": round(bare_rate, 1),
        "ratio_persisted_to_bare": round(persisted_rate / bare_rate, 3),
        "persisted_step_ms_p50": _ms(light["persisted_steps"], 0.50),
        "persisted_step_ms_p99": _ms(light["persisted_steps"], 0.99),
        "bare_step_ms_p50": _ms(light["bare_steps"], 0.50), "bare_step_ms_p99": _ms(light["bare_steps"], 0.99),
        "state_blob_bytes": dict(zip(points, light["blobs"], strict=True)),
        "default_serializer_bytes": dict(zip(points, light["default_sizes"], strict=True)),
        "real_services_instances": real, "real_services_per_s": round(real / real_s, 1),
    }


def main() -> None:
    """Parse arguments, run, print one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=int, default=100)
    parser.add_argument("--real", type=int, default=20, help="cases filed with the real service tasks")
    args = parser.parse_args()
    print(json.dumps(run(args.instances, args.real), ensure_ascii=False))


if __name__ == "__main__":
    main()
