"""Fixtures for the engine tests: organizations, users, a BPMN folder and an Engine."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import func, select

from models import AuditEvent, EnforcementCertificate, Membership, Organization, OrgKind, Role, User
from workflows.calendar.legal_calendar import LegalCalendar
from workflows.core.forms import Field, Form, FormRegistry
from workflows.core.lanes import ANY_PROCESS, LaneRegistry, LaneRule
from workflows.core.services import ServiceRegistry
from workflows.engine import Engine

BPMN_SRC = Path(__file__).parent / "bpmn"

# Forms of the test process (engine_demo.bpmn).
DEMO_FORMS = {
    "draft": Form([
        Field("title", "str", required=True, max_length=60, label_zh="标题", label_en="Title"),
        Field("item_codes", "item_codes", required=True, label_zh="事项", label_en="Items"),
        Field("term_end", "date", label_zh="期限届满", label_en="Term end"),
    ]),
    "opinion": Form([
        Field("agrees", "bool", required=True, label_zh="是否同意", label_en="Agrees"),
        Field("team_size", "int", min=0, max=500, label_zh="执法队人数", label_en="Team size"),
        Field("opinion", "text", max_length=200, label_zh="意见", label_en="Opinion"),
    ]),
    "review": Form([
        Field("decision", "choice", required=True, choices=("approve", "return"),
              label_zh="审核结论", label_en="Decision"),
        Field("fee", "decimal", min=0, label_zh="金额", label_en="Amount"),
    ]),
}


def demo_forms() -> FormRegistry:
    """The forms of engine_demo.bpmn, in a registry of their own."""
    forms = FormRegistry()
    for task, form in DEMO_FORMS.items():
        forms.register("engine_demo", task, form)
    return forms


# The test processes' lanes (by lane name, in every test process), as declarations give them.
DEMO_LANES = {"CountyDepartment": LaneRule("county_officer", "department_id"),
              "Township": LaneRule("township_leader", "township_id"),
              "LegalReviewer": LaneRule("legal_reviewer", "reviewer_org_id")}


def demo_lanes(default: LaneRule | None = None) -> LaneRegistry:
    """The lanes of the test processes, in a registry of their own."""
    lanes = LaneRegistry(default)
    for lane, rule in DEMO_LANES.items():
        lanes.register(ANY_PROCESS, lane, rule)
    return lanes


@dataclass
class World:
    """Everything an engine test needs."""

    engine: Engine
    services: ServiceRegistry
    calls: list
    dept: Organization
    township: Organization
    legal: Organization
    officer: User
    leader: User
    reviewer: User
    outsider: User

    def start_data(self, **extra) -> dict:
        """Instance data naming the organizations of each lane."""
        return {"department_id": self.dept.id, "township_id": self.township.id,
                "reviewer_org_id": self.legal.id, "rounds": 0, **extra}


def make_user(session, name: str, clock, memberships: list[tuple[Organization, Role]]) -> User:
    user = User(username=name, display_name=name, password_hash="x", created_at=clock.now())
    session.add(user)
    session.flush()
    for org, role in memberships:
        session.add(Membership(user_id=user.id, organization_id=org.id, role=role))
    return user


def build_world(session, clock, tmp_path: Path) -> World:
    """Organizations, users with roles, a certificate, the BPMN folder and a synced engine."""
    with session.begin():
        dept = Organization(name="县市场监督管理局", kind=OrgKind.COUNTY_DEPARTMENT)
        township = Organization(name="郑口镇人民政府", kind=OrgKind.TOWNSHIP)
        legal = Organization(name="县司法局", kind=OrgKind.LEGAL_AFFAIRS_OFFICE)
        session.add_all([dept, township, legal])
        session.flush()
        officer = make_user(session, "officer", clock, [(dept, Role.COUNTY_OFFICER)])
        leader = make_user(session, "leader", clock, [(township, Role.TOWNSHIP_LEADER)])
        reviewer = make_user(session, "reviewer", clock, [(legal, Role.LEGAL_REVIEWER)])
        outsider = make_user(session, "outsider", clock, [(township, Role.TOWNSHIP_OFFICER)])
        session.add(EnforcementCertificate(user_id=reviewer.id, number="HB-0001",
                                           valid_until=date(2027, 12, 31)))
    bpmn_dir = tmp_path / "bpmn"
    bpmn_dir.mkdir()
    shutil.copy(BPMN_SRC / "engine_demo.bpmn", bpmn_dir)
    shutil.copy(BPMN_SRC / "engine_sender.bpmn", bpmn_dir)
    services = ServiceRegistry()
    calls: list = []

    def record_outcome(ctx, summary):
        calls.append((ctx.instance_id, summary, ctx.now))
        return {"recorded": summary}

    services.register("tests.record_outcome", record_outcome)
    engine = Engine(bpmn_dir, clock, LegalCalendar(), services, demo_forms(), demo_lanes())
    engine.sync_definitions(session)
    return World(engine, services, calls, dept, township, legal, officer, leader, reviewer,
                 outsider)


def audit_count(session_factory, action: str, instance_id: int | None = None) -> int:
    """How many audit rows of that action (for one instance, when named) are committed."""
    with session_factory() as s:
        query = select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action)
        if instance_id is not None:
            query = query.where(AuditEvent.instance_id == instance_id)
        return s.scalar(query)
