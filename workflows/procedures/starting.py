"""Helpers of the start functions: who may start, officers and organizations from start data."""

from __future__ import annotations

from sqlalchemy.orm import Session

from models import Organization, OrgKind, Role
from workflows.cases.rules import Officer
from workflows.core.errors import NotFound

# Who may start, as (role, kind of organization the role is held in). 立案 and 移送 are acts of
# the handling organ: its officers (行政处罚法 第42条); a township's leader also signs notices and
# takes in tickets for the township (首接负责制).
DEPT_OFFICER = (Role.COUNTY_OFFICER, OrgKind.COUNTY_DEPARTMENT)
TOWN_OFFICER = (Role.TOWNSHIP_OFFICER, OrgKind.TOWNSHIP)
TOWN_LEADER = (Role.TOWNSHIP_LEADER, OrgKind.TOWNSHIP)
COUNTY_APPROVER = (Role.COUNTY_APPROVER, OrgKind.COUNTY_GOVERNMENT)


def officers_of(data: dict) -> list[Officer]:
    """The officers named in start data, with the certificate each acts under (第42条)."""
    return [Officer(o["user_id"], o["certificate_number"]) for o in data["officers"]]


def org_of(session: Session, org_id: int, kind: OrgKind | None = None) -> Organization:
    """An organization (of that kind, if named), or NotFound."""
    org = session.get(Organization, org_id)
    if org is None or (kind is not None and org.kind != kind):
        raise NotFound(f"未找到机关：{org_id} / unknown organization: {org_id}", org_id=org_id)
    return org
