"""Cases within the user's scope, one case with its deadlines and reviews, and start-form choices."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from models import (
    Case,
    CaseTransfer,
    Deadline,
    EnforcementCertificate,
    Membership,
    Organization,
    OrgKind,
    Role,
    User,
)
from workflows.accounts.access import Principal
from workflows.core.errors import NotFound
from workflows.registry.browse import Page, _page


def case_scope(principal: Principal):
    """A WHERE clause limiting cases to the user's scope, or None for no limit."""
    if principal.is_county_wide:
        return None
    orgs = principal.org_ids
    return or_(Case.handling_org_id.in_(orgs), Case.responsible_org_id.in_(orgs),
               Case.township_id.in_(principal.township_ids or {-1}))


def list_cases(session: Session, principal: Principal, page: int = 1, page_size: int = 50) -> Page:
    """Cases the user may open, newest first."""
    query = select(Case).order_by(Case.filed_on.desc(), Case.id.desc())
    scope = case_scope(principal)
    if scope is not None:
        query = query.where(scope)
    return _page(session, query, page, page_size)


def cases_by_stage(session: Session, principal: Principal) -> list[tuple[str, str, int]]:
    """(township, status, count) of the cases the user may open: where each township's cases stand."""
    query = (select(Organization.name, Case.status, func.count(Case.id))
             .join(Organization, Organization.id == Case.township_id)
             .group_by(Organization.name, Case.status).order_by(Organization.name, Case.status))
    scope = case_scope(principal)
    if scope is not None:
        query = query.where(scope)
    return [(name, str(status), count) for name, status, count in session.execute(query)]


def visible_case(session: Session, principal: Principal, case_id: int) -> Case:
    """A case the user may open; others look exactly like missing ones."""
    query = select(Case).where(Case.id == case_id)
    scope = case_scope(principal)
    case = session.scalar(query if scope is None else query.where(scope))
    if case is None:
        raise NotFound(f"未找到案件：{case_id} / unknown case: {case_id}", case_id=case_id)
    return case


def case_deadlines(session: Session, case: Case) -> list[Deadline]:
    """The periods running or run for the case (办案期限、公示期限、移送答复期限)."""
    match = Deadline.case_ref == case.case_number
    if case.instance_id is not None:
        match = or_(match, Deadline.instance_id == case.instance_id)
    return list(session.scalars(select(Deadline).where(match).order_by(Deadline.started_at, Deadline.id)))


def case_transfers(session: Session, case_id: int) -> list[CaseTransfer]:
    """Transfers of the case to another organ (案件移送), oldest first."""
    return list(session.scalars(select(CaseTransfer).where(CaseTransfer.case_id == case_id)
                                .order_by(CaseTransfer.id)))


def certified_officers(session: Session, org_id: int, on: date) -> list[tuple[User, str]]:
    """Officers of the organ with an enforcement certificate valid on the date (第42条 choices)."""
    rows = session.execute(
        select(User, EnforcementCertificate.number)
        .join(Membership, Membership.user_id == User.id)
        .join(EnforcementCertificate, EnforcementCertificate.user_id == User.id)
        .where(Membership.organization_id == org_id,
               Membership.role.in_((Role.TOWNSHIP_OFFICER, Role.COUNTY_OFFICER)),
               EnforcementCertificate.valid_until >= on,
               or_(EnforcementCertificate.revoked_on.is_(None), EnforcementCertificate.revoked_on > on))
        .order_by(User.id)).all()
    return [(user, number) for user, number in rows]


def orgs_of_kind(session: Session, *kinds: OrgKind) -> list[Organization]:
    """Active organizations of the given kinds, by name (choices for start forms)."""
    return list(session.scalars(select(Organization).where(
        Organization.kind.in_(kinds), Organization.is_active.is_(True)).order_by(Organization.kind, Organization.id)))
