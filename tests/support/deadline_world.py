"""A small county for deadline tests: county, township, department, users with roles, seeded rules."""

from __future__ import annotations

from dataclasses import dataclass

from models import Membership, Organization, OrgKind, Role, User
from workflows.core.db import unit_of_work
from workflows.deadlines.rules import seed_deadline_rules


@dataclass
class World:
    """Ids of the organizations and users a deadline test needs."""

    county: Organization
    township: Organization
    department: Organization
    officer: User
    leader: User
    approver: User
    reviewer: User
    other_leader: User


def _user(session, clock, name: str, org: Organization, role: Role) -> User:
    user = User(username=name, display_name=name, password_hash="x", created_at=clock.now())
    user.memberships = [Membership(organization_id=org.id, role=role)]
    session.add(user)
    return user


def build_world(session, clock, *, seed: bool = True) -> World:
    """Create the organizations and users (and seed the shipped rules unless told not to)."""
    with unit_of_work(session):
        county = Organization(name="故城县人民政府", short_name="县政府", kind=OrgKind.COUNTY_GOVERNMENT)
        township = Organization(name="故城县郑口镇人民政府", short_name="郑口镇", kind=OrgKind.TOWNSHIP)
        other = Organization(name="故城县青罕镇人民政府", short_name="青罕镇", kind=OrgKind.TOWNSHIP)
        department = Organization(name="故城县城市管理综合行政执法局", kind=OrgKind.COUNTY_DEPARTMENT)
        session.add_all([county, township, other, department])
        session.flush()
        world = World(
            county=county, township=township, department=department,
            officer=_user(session, clock, "zk_officer", township, Role.TOWNSHIP_OFFICER),
            leader=_user(session, clock, "zk_leader", township, Role.TOWNSHIP_LEADER),
            approver=_user(session, clock, "approver", county, Role.COUNTY_APPROVER),
            reviewer=_user(session, clock, "reviewer", county, Role.LEGAL_REVIEWER),
            other_leader=_user(session, clock, "qh_leader", other, Role.TOWNSHIP_LEADER),
        )
        session.flush()
    if seed:
        seed_deadline_rules(session, clock)
    return world
