"""Who may see and do what, by role and organization; the web, CLI and scheduler share it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from models import Delegation, Membership, Organization, OrgKind, PowerItem, Role, User
from workflows.core.errors import NotFound, PermissionDenied

# Organs whose people oversee the whole county (县政府, 县司法局) rather than one unit.
COUNTY_WIDE_KINDS = (OrgKind.COUNTY_GOVERNMENT, OrgKind.LEGAL_AFFAIRS_OFFICE)
TOWNSHIP_ROLES = (Role.TOWNSHIP_OFFICER, Role.TOWNSHIP_LEADER)


@dataclass(frozen=True)
class Grant:
    """One role held in one organization, with what kind of organ it is."""

    role: Role
    org_id: int
    org_kind: OrgKind
    township_id: int | None  # the township the organ belongs to, if any
    org_name: str = ""


@dataclass(frozen=True)
class Principal:
    """The signed-in user (or token holder) with every role they hold."""

    user_id: int
    username: str
    display_name: str
    grants: tuple[Grant, ...]

    @property
    def roles(self) -> set[Role]:
        """Every role held, in any organization."""
        return {g.role for g in self.grants}

    @property
    def is_admin(self) -> bool:
        """True for system administrators (系统管理员)."""
        return Role.ADMIN in self.roles

    def has_role(self, role: Role, org_id: int | None = None) -> bool:
        """True when the user holds the role (in that organization, if one is named)."""
        return any(g.role == role and (org_id is None or g.org_id == org_id) for g in self.grants)

    @property
    def is_county_wide(self) -> bool:
        """True for admins and anyone in the county government or legal affairs office."""
        return self.is_admin or any(g.org_kind in COUNTY_WIDE_KINDS for g in self.grants)

    @property
    def township_ids(self) -> set[int]:
        """Townships the user works in (their own organ or its parent township)."""
        return {g.township_id for g in self.grants if g.township_id is not None}

    @property
    def department_ids(self) -> set[int]:
        """County departments the user works in."""
        return {g.org_id for g in self.grants if g.org_kind == OrgKind.COUNTY_DEPARTMENT}

    @property
    def org_ids(self) -> set[int]:
        """Every organization the user belongs to."""
        return {g.org_id for g in self.grants}


def _township_of(org: Organization) -> int | None:
    if org.kind == OrgKind.TOWNSHIP:
        return org.id
    if org.kind == OrgKind.TOWNSHIP_ORGAN:
        return org.township_id
    return None


def principal_for(session: Session, user: User) -> Principal:
    """Build the principal of an active user from their memberships."""
    rows = session.execute(
        select(Membership.role, Organization)
        .join(Organization, Organization.id == Membership.organization_id)
        .where(Membership.user_id == user.id)
    ).all()
    grants = tuple(
        Grant(role=role, org_id=org.id, org_kind=org.kind, township_id=_township_of(org),
              org_name=org.name)
        for role, org in rows
    )
    return Principal(user.id, user.username, user.display_name, grants)


def require_admin(principal: Principal) -> None:
    """Only system administrators manage users, organizations and certificates."""
    if not principal.is_admin:
        raise PermissionDenied("仅系统管理员可执行此操作 / administrators only")


def visible_township_ids(principal: Principal) -> set[int] | None:
    """Townships whose internal lists the user may open; None means every township."""
    if principal.is_county_wide or principal.department_ids:
        return None
    return principal.township_ids


def can_view_township(principal: Principal, township_id: int) -> bool:
    """True when the user may open the township's internal power and responsibility lists."""
    visible = visible_township_ids(principal)
    return visible is None or township_id in visible


def visible_township(session: Session, principal: Principal, township_id: int) -> Organization:
    """The township, or NotFound when it does not exist or is outside the user's scope."""
    org = session.get(Organization, township_id)
    if org is None or org.kind != OrgKind.TOWNSHIP or not can_view_township(principal, org.id):
        # The same answer for "absent" and "not yours" leaks nothing about other townships.
        raise NotFound(f"未找到乡镇：{township_id} / unknown township: {township_id}")
    return org


def delegation_scope(principal: Principal):
    """A WHERE clause limiting delegations to the user's scope, or None for no limit."""
    if principal.is_county_wide:
        return None
    clauses = []
    if principal.department_ids:
        owned = select(PowerItem.id).where(PowerItem.department_id.in_(principal.department_ids))
        clauses.append(Delegation.item_id.in_(owned))
    if principal.township_ids:
        clauses.append(Delegation.township_id.in_(principal.township_ids))
    if not clauses:
        return Delegation.id.is_(None)  # sees none
    return or_(*clauses)


def can_view_delegation(principal: Principal, delegation: Delegation) -> bool:
    """True when the delegation concerns the user's township or department's item."""
    if principal.is_county_wide:
        return True
    if delegation.township_id in principal.township_ids:
        return True
    return delegation.item.department_id in principal.department_ids


def may_view_catalogue(principal: Principal) -> bool:
    """Every signed-in user may read the county catalogue; it is published anyway."""
    return bool(principal.grants)


def can_view_instance(principal: Principal, township_id: int | None, department_id: int | None) -> bool:
    """True when a procedure instance concerns the user's township or department (or county-wide)."""
    if principal.is_county_wide:
        return True
    return (township_id is not None and township_id in principal.township_ids) or (
        department_id is not None and department_id in principal.department_ids)


def start_grants(principal: Principal, rules: tuple[tuple[Role, OrgKind], ...]) -> list[Grant]:
    """The roles held in organizations in whose name the user may start (rules: role, org kind)."""
    seen: dict[int, Grant] = {}
    for g in principal.grants:
        if (g.role, g.org_kind) in rules:
            seen.setdefault(g.org_id, g)
    return list(seen.values())


def require_start(principal: Principal, procedure: str, rules: tuple[tuple[Role, OrgKind], ...],
                  org_id: int | None = None) -> None:
    """PermissionDenied unless the user may start the procedure (in that organization, if named)."""
    orgs = {g.org_id for g in start_grants(principal, rules)}
    if not orgs or (org_id is not None and org_id not in orgs):
        raise PermissionDenied(f"无权以该机关发起此流程：{procedure} / you may not start {procedure} "
                               f"for this organization", procedure=procedure, organization_id=org_id)
