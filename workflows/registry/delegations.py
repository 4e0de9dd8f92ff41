"""Write delegations (赋权/委托) to the registry: add, change status, revoke — all audited."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import IN_FORCE_STATUSES, CutoverRule, Delegation, DelegationMode, DelegationStatus
from workflows.core.audit import record
from workflows.core.db import unit_of_work
from workflows.core.errors import Conflict, LegalRuleViolation, NotFound, ValidationFailed
from workflows.registry.rules import (
    ART_20,
    ART_21,
    ART_ONE_HOLDER,
    BLOCKING_STATUSES,
    MIN_CERTIFIED_OFFICERS,
    DelegationDraft,
    certified_officers,
    check_drafts,
    clash,
    clash_details,
    counts_somewhere,
    overlaps,
    run_checks,
)

__all__ = [
    "DelegationDraft",
    "add_delegations",
    "check_drafts",
    "revoke_delegation",
    "set_delegation_status",
]

S = DelegationStatus
_NOT_YET_IN_FORCE = (S.PROPOSED, S.IN_REVIEW, S.APPROVED)
# Which status may follow which; revocation goes through revoke_delegation (reason required).
_NEXT: dict[DelegationStatus, set[DelegationStatus]] = {
    S.PROPOSED: {S.IN_REVIEW, S.APPROVED, S.PUBLISHED, S.EFFECTIVE},
    S.IN_REVIEW: {S.PROPOSED, S.APPROVED},
    S.APPROVED: {S.IN_REVIEW, S.PUBLISHED, S.EFFECTIVE},
    S.PUBLISHED: {S.EFFECTIVE, S.SUSPENDED, S.EXPIRED},
    S.EFFECTIVE: {S.SUSPENDED, S.EXPIRED},
    S.SUSPENDED: {S.EFFECTIVE, S.EXPIRED},
    S.REVOKED: set(),
    S.EXPIRED: set(),
}


def _snapshot(row: Delegation) -> dict:
    """JSON-native view of a delegation for the audit digest."""
    return {
        "id": row.id, "item_id": row.item_id, "township_id": row.township_id,
        "mode": row.mode.value, "status": row.status.value,
        "effective_from": row.effective_from.isoformat(),
        "effective_to": row.effective_to.isoformat() if row.effective_to else None,
        "document_no": row.document_no, "revoked_reason": row.revoked_reason,
        "funding_yuan": str(row.funding_yuan) if row.funding_yuan is not None else None,
        "staffing_posts": row.staffing_posts, "source": row.source,
    }


def _audit(session, clock, row: Delegation, action: str, actor_user_id, **details) -> None:
    record(session, at=clock.now(), action=action, subject_type="delegation", subject_id=row.id,
           actor_user_id=actor_user_id, instance_id=row.instance_id, data=_snapshot(row),
           details={"item_id": row.item_id, "township_id": row.township_id, **details})


def add_delegations(session: Session, clock, drafts: list[DelegationDraft], *,
                    actor_user_id: int | None = None) -> list[Delegation]:
    """Write all drafts or none: any problem raises ValidationFailed listing every one."""
    with unit_of_work(session):
        problems, checked = run_checks(session, drafts, lock=True, today=clock.today())
        if problems:
            raise ValidationFailed(problems, message=f"{len({p['index'] for p in problems})} 条委托/赋权"
                                   f"有误，未写入任何记录 / invalid delegations, nothing written")
        now = clock.now()
        rows = []
        for c in checked:
            d = c.draft
            rows.append(Delegation(
                item_id=c.item.id, township_id=c.township.id, mode=c.mode, status=c.status,
                effective_from=c.start, effective_to=c.end, document_no=d.document_no,
                document_title=d.document_title,
                funding_yuan=Decimal(str(d.funding_yuan)) if d.funding_yuan is not None else None,
                staffing_posts=d.staffing_posts, cutover_rule=CutoverRule(d.cutover_rule),
                cutover_days=d.cutover_days, note=d.note, source=d.source,
                instance_id=d.instance_id, created_at=now, updated_at=now))
        session.add_all(rows)
        session.flush()
        for row in rows:
            _audit(session, clock, row, "delegation.added", actor_user_id)
    return rows


def _get(session: Session, delegation_id: int) -> Delegation:
    row = session.scalars(
        select(Delegation).where(Delegation.id == delegation_id).with_for_update()
    ).first()
    if row is None:
        raise NotFound(f"未找到委托/赋权记录：{delegation_id} / unknown delegation: {delegation_id}",
                       delegation_id=delegation_id)
    return row


def _check_no_overlap(session: Session, row: Delegation) -> None:
    """One item in one township: no overlap with a row in force or approved and waiting."""
    others = session.scalars(select(Delegation).where(
        Delegation.item_id == row.item_id, Delegation.township_id == row.township_id,
        Delegation.id != row.id, Delegation.status.in_(BLOCKING_STATUSES))).all()
    for other in others:
        if counts_somewhere(other) and overlaps(row.effective_from, row.effective_to,
                                                other.effective_from, other.effective_to):
            (zh, en), (this_zh, this_en) = clash(other), clash(row)
            raise Conflict(f"事项 {row.item.code} 在{row.township.name}：{this_zh}与{zh}期间重叠 / item "
                           f"{row.item.code} in {row.township.name}: {this_en} overlaps {en}",
                           other_id=other.id, article=ART_ONE_HOLDER, clash=clash_details(other))


def _check_can_come_into_force(session: Session, row: Delegation) -> None:
    """Re-check the 第21条 rule when a row enters an in-force status."""
    if row.mode == DelegationMode.ENTRUST:
        count = certified_officers(session, row.township_id, row.effective_from)
        if count < MIN_CERTIFIED_OFFICERS:
            raise LegalRuleViolation(
                f"受托乡镇持证执法人员仅 {count} 名，至少需 {MIN_CERTIFIED_OFFICERS} 名 / the entrusted "
                f"township has {count} certified officers, needs {MIN_CERTIFIED_OFFICERS}",
                article=ART_21, delegation_id=row.id)


def _check_term_over(row: Delegation, today: date) -> None:
    """Expiry (已失效) records a term that ended; an open or running term is revoked instead."""
    if row.effective_to is None or row.effective_to >= today:
        raise Conflict(f"第 {row.id} 号委托/赋权的期限至 {row.effective_to or '长期'}，尚未届满，不能标为已失效；"
                       f"提前终止请撤销 / delegation #{row.id} runs to {row.effective_to or 'open'}: "
                       f"it has not expired; revoke it instead", article=ART_20)


def set_delegation_status(session: Session, clock, delegation_id: int, status, *,
                          actor_user_id: int | None = None) -> Delegation:
    """Move a delegation along its lifecycle; entering force re-checks overlaps and officers."""
    try:
        target = DelegationStatus(status)
    except ValueError:
        raise ValidationFailed([{"index": 0, "field": "status",
                                 "message": f"状态无效：{status} / invalid status: {status}"}]) from None
    with unit_of_work(session):
        row = _get(session, delegation_id)
        if target == S.REVOKED:
            raise Conflict("撤销须说明理由，请用撤销操作 / revoke with revoke_delegation (reason needed)")
        if target not in _NEXT[row.status]:
            raise Conflict(f"第 {row.id} 号委托/赋权不能从 {row.status.value} 变为 {target.value} / "
                           f"delegation #{row.id} cannot go from {row.status.value} to {target.value}")
        if target in BLOCKING_STATUSES and row.status not in BLOCKING_STATUSES:
            _check_no_overlap(session, row)
        if target in IN_FORCE_STATUSES and row.status not in IN_FORCE_STATUSES:
            _check_can_come_into_force(session, row)
        if target == S.EXPIRED:
            _check_term_over(row, clock.today())
        before = row.status.value
        row.status = target
        row.updated_at = clock.now()
        session.flush()
        _audit(session, clock, row, "delegation.status", actor_user_id, before=before,
               after=target.value)
    return row


def revoke_delegation(session: Session, clock, delegation_id: int, *, on: date, reason: str,
                      actor_user_id: int | None = None) -> Delegation:
    """Revoke from a date: the last day in force becomes on-1; the row stays as history."""
    if not reason or not reason.strip():
        raise ValidationFailed([{"index": 0, "field": "reason",
                                 "message": "撤销须说明理由 / a revocation needs a reason"}])
    if not isinstance(on, date):
        raise ValidationFailed([{"index": 0, "field": "on",
                                 "message": f"撤销日期无效：{on!r} / malformed revocation date"}])
    with unit_of_work(session):
        row = _get(session, delegation_id)
        if row.status in (S.REVOKED, S.EXPIRED):
            raise Conflict(f"第 {row.id} 号委托/赋权已{row.status.value}，不能撤销 / delegation "
                           f"#{row.id} is already {row.status.value}")
        last_day = on - timedelta(days=1)
        never_in_force = row.status in _NOT_YET_IN_FORCE or last_day < row.effective_from
        if not never_in_force and row.effective_to is not None and last_day > row.effective_to:
            raise Conflict(f"第 {row.id} 号委托/赋权已于 {row.effective_to} 终止，{on} 无可撤销 / "
                           f"delegation #{row.id} already ended on {row.effective_to}")
        before = row.effective_to
        # A withdrawn proposal, or a row revoked before it began, never counted: a revoked row
        # without an end date counts on no day (never an inverted period, to < from).
        row.effective_to = None if never_in_force else last_day
        row.status = S.REVOKED
        row.revoked_reason = reason.strip()
        row.updated_at = clock.now()
        session.flush()
        _audit(session, clock, row, "delegation.revoked", actor_user_id, on=on.isoformat(),
               reason=row.revoked_reason, previous_effective_to=before.isoformat() if before else None)
    return row
