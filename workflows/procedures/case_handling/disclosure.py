"""Case figures for the public page (事后公开, within retention) and the dashboard (cases by item)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from models import Case, CaseStatus, PartyKind, PowerItem
from workflows.accounts.access import Principal
from workflows.procedures.case_handling.steps import retention_until


@dataclass(frozen=True)
class PublishedDecision:
    """What the public sees of one decision; a citizen's name is masked."""

    case_number: str
    item_code: str
    item_name: str
    party: str
    decision_kind: str
    fine_amount: str | None
    decided_on: date | None
    published_on: date
    enforcement_subject: str
    retention_until: date


def _masked(name: str, kind: PartyKind) -> str:
    # Natural persons: surname only; organisations are published by name.
    return name if kind == PartyKind.ORGANIZATION else (name[:1] + "*" * max(1, len(name) - 1))


def published_decisions(session: Session, township_id: int, on: date) -> list[PublishedDecision]:
    """Decisions published and not withdrawn whose retention (5 years; 2 for a citizen) covers `on`."""
    cases = session.scalars(
        select(Case).options(selectinload(Case.item), selectinload(Case.enforcement_subject_org))
        .where(Case.township_id == township_id, Case.status != CaseStatus.WITHDRAWN,
               Case.publication_withdrawn_on.is_(None),  # closed by payment, still published
               Case.published_on.is_not(None), Case.published_on <= on)
        .order_by(Case.published_on.desc()))
    shown = []
    for case in cases:
        until = retention_until(case.published_on, case.party_kind)
        if until < on:
            continue
        shown.append(PublishedDecision(
            case.case_number, case.item.code, case.item.name_zh, _masked(case.party_name, case.party_kind),
            str(case.decision_kind) if case.decision_kind else "",
            str(case.fine_amount) if case.fine_amount is not None else None, case.decided_on,
            case.published_on, case.enforcement_subject_org.name, until))
    return shown


def cases_by_item(session: Session, principal: Principal) -> list[tuple[str, str, int]]:
    """(code, name, number of cases) per item, within the user's scope, most cases first."""
    query = (select(PowerItem.code, PowerItem.name_zh, func.count(Case.id))
             .join(Case, Case.item_id == PowerItem.id).group_by(PowerItem.code, PowerItem.name_zh))
    if not principal.is_county_wide:
        query = query.where(or_(Case.township_id.in_(principal.township_ids or {-1}),
                                PowerItem.department_id.in_(principal.department_ids or {-1})))
    rows = session.execute(query.order_by(func.count(Case.id).desc(), PowerItem.code)).all()
    return [(code, name, count) for code, name, count in rows]
