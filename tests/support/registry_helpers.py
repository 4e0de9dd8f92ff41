"""Small builders for registry and delegation tests: organs, items, certified officers."""

from __future__ import annotations

from datetime import UTC, date, datetime

from models import (
    DelegationMode,
    EnforcementCertificate,
    ItemCategory,
    Membership,
    Organization,
    OrgKind,
    PowerItem,
    Role,
    User,
)
from workflows.core.db import unit_of_work

ALL_MODES = [m.value for m in DelegationMode]


def make_org(session, name: str, kind: OrgKind = OrgKind.TOWNSHIP, **fields) -> Organization:
    """An organization with a short name equal to its name unless given."""
    with unit_of_work(session):
        org = Organization(name=name, short_name=fields.pop("short_name", name), kind=kind, **fields)
        session.add(org)
        session.flush()
    return org


def make_item(session, code: str, department: Organization, *, modes=None,
              category: ItemCategory = ItemCategory.PENALTY, liberty: bool = False,
              related: list[PowerItem] | None = None) -> PowerItem:
    """A catalogue item owned by a department."""
    with unit_of_work(session):
        item = PowerItem(code=code, name_zh=f"事项{code}", category=category,
                         department_id=department.id, legal_basis=f"《某法》第{len(code)}条",
                         modes_allowed=list(modes or ALL_MODES), restricts_personal_liberty=liberty)
        item.related = list(related or [])
        session.add(item)
        session.flush()
    return item


def make_officers(session, township: Organization, count: int = 2, *,
                  valid_until: date = date(2030, 12, 31), issued_on: date = date(2020, 1, 1),
                  role: Role = Role.TOWNSHIP_OFFICER) -> list[User]:
    """Township enforcement officers holding certificates (执法证)."""
    users = []
    with unit_of_work(session):
        for n in range(count):
            tag = f"{township.id}-{role.value}-{n}-{valid_until.isoformat()}"
            user = User(username=f"u{tag}", display_name=f"执法员{n}", password_hash="x",
                        created_at=datetime(2026, 1, 1, tzinfo=UTC))
            user.memberships = [Membership(organization_id=township.id, role=role)]
            user.certificates = [EnforcementCertificate(number=f"C{tag}", issued_on=issued_on,
                                                        valid_until=valid_until)]
            session.add(user)
            users.append(user)
        session.flush()
    return users


def county(session, prefix: str = "") -> dict:
    """A department, two townships (one with certified officers) and a stationed agency."""
    dept = make_org(session, f"{prefix}县城管局", OrgKind.COUNTY_DEPARTMENT)
    town = make_org(session, f"{prefix}甲镇人民政府", short_name=f"{prefix}甲镇")
    other = make_org(session, f"{prefix}乙乡人民政府", short_name=f"{prefix}乙乡")
    stationed = make_org(session, f"{prefix}县市场监管局甲镇分局", OrgKind.COUNTY_DEPARTMENT,
                         is_stationed=True, township_id=town.id)
    make_officers(session, town, 2)
    return {"dept": dept, "town": town, "other": other, "stationed": stationed}
