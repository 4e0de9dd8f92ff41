"""Case-transfer speed: N sender + receiver instance pairs linked by messages; one JSON line.

The persisted run goes through workflows.procedures.case_transfer.steps on SQLite (WAL): the registry names the
competent township, the receiver instance waits, the sender's thrown message reaches it, the
township accepts and the answer message completes the sender — with the real service tasks
(deadline rows, case update) and one commit per step. The bare run executes the same two BPMN
files on plain in-memory BpmnWorkflows with canned service answers, passing the two messages by
hand. `--pairs N` sets the size.
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
    Case,
    DelegationMode,
    HumanTask,
    Membership,
    Organization,
    OrgKind,
    PartyKind,
    PowerItem,
    Role,
    User,
)
from models.db import make_engine, make_session_factory
from workflows import procedures
from workflows.calendar.legal_calendar import LegalCalendar
from workflows.core.clock import FixedClock
from workflows.core.services import ServiceRegistry
from workflows.deadlines.rules import seed_deadline_rules
from workflows.engine import Engine
from workflows.engine.bare import complete_ready, deliver_events
from workflows.procedures.case_transfer.steps import transfer_case
from workflows.registry.delegations import DelegationDraft, add_delegations
from workflows.tasks import processes

SERVICES, FORMS, LANES = procedures.services(), procedures.forms(), procedures.lanes()  # from the one procedure list
BPMN = Path(__file__).resolve().parents[1] / "bpmn"
# The acceptance hands the case over in its own step (第25条): case handling starts there.
FILES = ("case_transfer_send.bpmn", "case_transfer_receive.bpmn", "case_handling.bpmn",
         "legal_review.bpmn")
NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
MATERIALS = [{"title": "现场检查笔录", "pages": 3}]


def light_services() -> ServiceRegistry:
    """Canned answers for the bare run's service tasks (no database)."""
    registry = ServiceRegistry()
    registry.register("transfer.send", lambda ctx, **_: {
        "transfer_id": 1, "case_number": "C-1", "item_code": "NY-01", "reason": "r", "materials": MATERIALS,
        "sender_org_id": 1})
    registry.register("transfer.answer", lambda ctx, **_: {"outcome": "accepted", "handling_org_id": 2})
    registry.register("transfer.close", lambda ctx, **_: {"status": "accepted"})
    for name in SERVICES.names() - registry.names():
        registry.register(name, SERVICES.get(name))
    return registry


def build_world(session, clock) -> dict:
    """The county, a department, a township holding NY-01 by grant, and two users."""
    def org(name, kind):
        row = Organization(name=name, kind=kind, enforcement_team_size=12)
        session.add(row)
        session.flush()
        return row

    def user(name, where, role):
        row = User(username=name, display_name=name, password_hash="x", created_at=clock.now())
        row.memberships = [Membership(organization_id=where.id, role=role)]
        session.add(row)
        return row

    with session.begin():
        org("故城县人民政府", OrgKind.COUNTY_GOVERNMENT)
        org("故城县司法局", OrgKind.LEGAL_AFFAIRS_OFFICE)  # reviews the handed-over case
        dept = org("故城县农业农村局", OrgKind.COUNTY_DEPARTMENT)
        town = org("故城县郑口镇人民政府", OrgKind.TOWNSHIP)
        item = PowerItem(code="NY-01", name_zh="占用耕地建房", department_id=dept.id, legal_basis="土地管理法 第78条",
                         modes_allowed=["grant"])
        session.add(item)
        users = {"sender": user("sender", dept, Role.COUNTY_OFFICER), "receiver": user("receiver", town, Role.TOWNSHIP_OFFICER)}
    seed_deadline_rules(session, clock)
    add_delegations(session, clock, [DelegationDraft(item_code="NY-01", township=town.id, mode=DelegationMode.GRANT.value,
                                                     effective_from=date(2026, 3, 2), document_no="故政〔2026〕1号",
                                                     document_title="赋权决定")])
    session.commit()
    return {"users": users, "dept": dept.id, "town": town.id, "item": item.id}


def new_case(session, world, n: int) -> int:
    """A case the department filed on the granted item (to be transferred)."""
    case = Case(case_number=f"故农罚〔2026〕{n}号", item_id=world["item"], township_id=world["town"],
                handling_org_id=world["dept"], enforcement_subject_org_id=world["dept"], responsible_org_id=world["dept"],
                filed_on=date(2026, 3, 2), party_name="张某", party_kind=PartyKind.CITIZEN, facts_summary="占地",
                violation_on=date(2026, 2, 20), created_at=NOW)
    session.add(case)
    session.commit()
    return case.id


def persisted_pair(session, engine, world, n: int, steps: list) -> None:
    """Transfer (both instances + message), then the township accepts (answer message back)."""
    case_id = new_case(session, world, n)
    t0 = time.perf_counter()
    transfer = transfer_case(session, engine, world["users"]["sender"], case_id, reason="已赋权", materials=MATERIALS)
    session.commit()
    t1 = time.perf_counter()
    task_id = session.scalar(select(HumanTask.id).where(
        HumanTask.task_spec_name == "answer_township", HumanTask.state == "ready"))
    processes.complete(session, engine, task_id, world["users"]["receiver"], {"answer": "accept"})
    session.commit()
    steps += [t1 - t0, time.perf_counter() - t1]
    assert transfer.id




def bare_pair(engine, session, world, steps: list) -> None:
    """The same two files in memory: receiver waits, sender throws, receiver accepts and answers."""
    t0 = time.perf_counter()
    receiver = engine.bare_workflow(session, "case_transfer_receive")
    receiver.task_tree.data.update({"receiver_org_id": world["town"], "receiver_is_township": True,
                                    "county_government_id": 1, "reply_key": "S", "objection_reason": ""})
    receiver.do_engine_steps()
    sender = engine.bare_workflow(session, "case_transfer_send")
    sender.task_tree.data.update({"transfer_id": 1, "target_key": "R"})
    sender.do_engine_steps()
    deliver_events(receiver, sender.get_events())
    t1 = time.perf_counter()
    complete_ready(receiver, "answer_township", {"answer": "accept"})
    deliver_events(sender, receiver.get_events())
    assert sender.is_completed() and receiver.is_completed()
    steps += [t1 - t0, time.perf_counter() - t1]


def _ms(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))], 3)


def run(pairs: int) -> dict:
    """Time both runs, interleaved, and summarise them."""
    with tempfile.TemporaryDirectory() as tmp:
        bpmn = Path(tmp) / "bpmn"
        bpmn.mkdir()
        for name in FILES:
            shutil.copy(BPMN / name, bpmn / name)
        db = make_engine(f"sqlite:///{Path(tmp) / 'bench.db'}")
        Base.metadata.create_all(db)
        session = make_session_factory(db)()
        clock = FixedClock(NOW)
        world = build_world(session, clock)
        calendar = LegalCalendar()
        engine = Engine(bpmn, clock, calendar, SERVICES, FORMS, LANES)
        bare = Engine(bpmn, clock, calendar, light_services(), FORMS, LANES)
        engine.sync_definitions(session)
        bare.sync_definitions(session)
        session.commit()
        persisted_steps, bare_steps, persisted_s, bare_s = [], [], 0.0, 0.0
        for n in range(pairs + 3):
            warm = n < 3  # spec cache and SQLite page cache
            t0 = time.perf_counter()
            persisted_pair(session, engine, world, n, [] if warm else persisted_steps)
            t1 = time.perf_counter()
            bare_pair(bare, session, world, [] if warm else bare_steps)
            if not warm:
                persisted_s, bare_s = persisted_s + t1 - t0, bare_s + time.perf_counter() - t1
        session.close()
        db.dispose()
    return {"benchmark": "case_transfer_pairs", "store": "sqlite", "pairs": pairs,
            "pairs_per_s": round(pairs / persisted_s, 1),
            "step_p50_ms": _ms(persisted_steps, 0.5), "step_p99_ms": _ms(persisted_steps, 0.99),
            "bare_step_p50_ms": _ms(bare_steps, 0.5), "bare_step_p99_ms": _ms(bare_steps, 0.99),
            "ratio_to_bare_spiff": round(persisted_s / bare_s, 1),
            "mean_pair_ms": round(1000 * persisted_s / pairs, 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=50)
    args = parser.parse_args()
    print(json.dumps(run(args.pairs), ensure_ascii=False))


if __name__ == "__main__":
    main()
