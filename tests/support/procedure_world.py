"""A small county for the procedure tests: organs, users with roles, items, an engine on bpmn/."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import select

import workflows.procedures.evaluation.steps  # noqa: F401
import workflows.procedures.grant.steps  # noqa: F401
from models import (
    AuditEvent,
    Delegation,
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
from workflows.calendar.legal_calendar import LegalCalendar
from workflows.engine import Engine
from workflows.procedures import build_engine
from workflows.tasks import processes

BPMN_DIR = Path(__file__).resolve().parents[2] / "bpmn"
PROCEDURES = ("grant.bpmn", "entrustment.bpmn", "evaluation.bpmn")


@dataclass
class County:
    """The organs, users and items of the test county, and an engine synced on bpmn/."""

    engine: Engine
    clock: object
    orgs: dict[str, Organization] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)

    def task(self, session, instance_id: int, name: str) -> HumanTask:
        """The open human task of that BPMN id in the instance."""
        row = session.scalars(select(HumanTask).where(
            HumanTask.instance_id == instance_id, HumanTask.task_spec_name == name,
            HumanTask.state.in_(("ready", "claimed")))).one_or_none()
        assert row is not None, f"no open task {name}; open: {self.open_tasks(session, instance_id)}"
        return row

    def open_tasks(self, session, instance_id: int) -> list[str]:
        """BPMN ids of the instance's open human tasks."""
        return list(session.scalars(select(HumanTask.task_spec_name).where(
            HumanTask.instance_id == instance_id, HumanTask.state.in_(("ready", "claimed")))))

    def act(self, session, instance_id: int, name: str, user: str, data: dict) -> ProcessInstance:
        """Complete the open task `name` as `user` with `data`."""
        task_id = self.task(session, instance_id, name).id
        return in_transaction(session, processes.complete, session, self.engine, task_id,
                              self.users[user], data)

    def instance(self, session, instance_id: int) -> ProcessInstance:
        """The instance row, fresh from the database."""
        session.expire_all()
        return session.get(ProcessInstance, instance_id)


def in_transaction(session, fn, *args, **kwargs):
    """Run one use case as a request would: commit on success, roll back on any error."""
    session.commit()
    try:
        result = fn(*args, **kwargs)
    except Exception:
        session.rollback()
        raise
    session.commit()
    return result


def fingerprint(session) -> tuple:
    """Row counts that any write would change (used to show that nothing was written)."""
    session.expire_all()
    counts = []
    for model in (ProcessInstance, HumanTask, Delegation, AuditEvent):
        counts.append(len(session.scalars(select(model.id)).all()))
    versions = tuple(session.scalars(select(ProcessInstance.version).order_by(ProcessInstance.id)))
    states = tuple(session.scalars(select(HumanTask.state).order_by(HumanTask.id)))
    return (*counts, versions, states)


def _org(session, name, kind, short=None, team=None) -> Organization:
    org = Organization(name=name, kind=kind, short_name=short, enforcement_team_size=team)
    session.add(org)
    session.flush()
    return org


def _user(session, clock, name, org, role, cert: str | None = None) -> User:
    user = User(username=name, display_name=name, password_hash="x", created_at=clock.now())
    user.memberships = [Membership(organization_id=org.id, role=role)]
    if cert:
        user.certificates = [EnforcementCertificate(number=cert, issued_on=date(2024, 1, 1),
                                                    valid_until=date(2029, 12, 31))]
    session.add(user)
    session.flush()
    return user


def _item(session, code, dept, in_guidance=True) -> PowerItem:
    item = PowerItem(code=code, name_zh=f"事项{code}", department_id=dept.id,
                     legal_basis="《中华人民共和国城乡规划法》第六十五条",
                     modes_allowed=["grant", "entrust"], in_provincial_guidance=in_guidance)
    session.add(item)
    session.flush()
    return item


def build_county(session, clock, tmp_path: Path) -> County:
    """Organs, users and items; an engine over a copy of the three procedure files."""
    bpmn = tmp_path / "bpmn"
    bpmn.mkdir()
    for name in PROCEDURES:
        shutil.copy(BPMN_DIR / name, bpmn / name)
    county = County(build_engine(bpmn, clock, LegalCalendar()), clock)
    o, u = county.orgs, county.users
    with session.begin():
        o["county"] = _org(session, "故城县人民政府", OrgKind.COUNTY_GOVERNMENT, "故城县")
        o["legal"] = _org(session, "故城县司法局", OrgKind.LEGAL_AFFAIRS_OFFICE)
        o["province"] = _org(session, "河北省人民政府", OrgKind.PROVINCE)
        o["cgj"] = _org(session, "故城县城市管理综合行政执法局", OrgKind.COUNTY_DEPARTMENT)
        o["nyj"] = _org(session, "故城县农业农村局", OrgKind.COUNTY_DEPARTMENT)
        o["zk"] = _org(session, "故城县郑口镇人民政府", OrgKind.TOWNSHIP, "郑口镇", 12)
        o["qh"] = _org(session, "故城县青罕镇人民政府", OrgKind.TOWNSHIP, "青罕镇", 12)
        o["ll"] = _org(session, "故城县里老乡人民政府", OrgKind.TOWNSHIP, "里老乡", 12)  # no certified officers
        o["xz"] = _org(session, "故城县夏庄镇人民政府", OrgKind.TOWNSHIP, "夏庄镇", 6)  # team of 6
        u["cgj_officer"] = _user(session, clock, "cgj_officer", o["cgj"], Role.COUNTY_OFFICER)
        u["nyj_officer"] = _user(session, clock, "nyj_officer", o["nyj"], Role.COUNTY_OFFICER)
        u["approver"] = _user(session, clock, "approver", o["county"], Role.COUNTY_APPROVER)
        u["reviewer"] = _user(session, clock, "reviewer", o["legal"], Role.LEGAL_REVIEWER)
        u["province"] = _user(session, clock, "province", o["province"], Role.COUNTY_APPROVER)
        for town in ("zk", "qh", "ll", "xz"):
            u[f"{town}_leader"] = _user(session, clock, f"{town}_leader", o[town], Role.TOWNSHIP_LEADER)
        for town in ("zk", "qh", "xz"):
            for n in (1, 2):
                _user(session, clock, f"{town}_officer{n}", o[town], Role.TOWNSHIP_OFFICER, f"冀执{town}{n}")
        _item(session, "CGJ-01", o["cgj"])
        _item(session, "CGJ-02", o["cgj"])
        _item(session, "CGJ-09", o["cgj"], in_guidance=False)
        _item(session, "NY-01", o["nyj"])
    county.engine.sync_definitions(session)
    session.commit()
    return county
