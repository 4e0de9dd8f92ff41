"""Deadline records: start, meet, cancel, pause, resume and extend — each change audited."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import case, or_, select, update
from sqlalchemy.orm import Session

from models import Deadline, DeadlineStatus, Membership, Organization, User
from models.deadlines import RUNNING_STATUSES
from workflows.calendar.legal_calendar import LegalCalendar
from workflows.core.audit import record
from workflows.core.db import unit_of_work
from workflows.core.errors import Conflict, NotFound, ValidationFailed
from workflows.deadlines.periods import (
    Period,
    compute_due,
    compute_warn_at,
    excluded_units,
    shift_due,
)
from workflows.deadlines.rules import UNITS, check_sector, county_of, resolve_rule

STATUS_ZH = {"pending": "进行中", "warned": "已预警", "met": "已办结", "overdue": "已逾期",
             "paused": "已中止计算", "cancelled": "已撤销"}


def _as_id(value) -> int | None:
    """An id from a model object or a plain int."""
    return value if value is None or isinstance(value, int) else value.id


def audit_change(session: Session, clock, deadline: Deadline, action: str, actor=None, **details) -> None:
    """One chained audit row for a change to a deadline (执法全过程记录, 行政处罚法 第47条)."""
    record(session, at=clock.now(), action=f"deadline.{action}", subject_type="deadline",
           subject_id=deadline.id, actor_user_id=_as_id(actor), actor_org_id=deadline.org_id,
           instance_id=deadline.instance_id, task_name=deadline.task_id,
           data={"due_at": deadline.due_at.isoformat(), "status": str(deadline.status), **details},
           details={"rule": deadline.rule_key, **details})


def _check_start_input(rule, instance_id, task_id, case_ref, start) -> None:
    errors: dict[str, list[str]] = {}
    if instance_id is None and task_id is None and not case_ref:
        errors["subject"] = ["须关联流程实例、任务或案件 / give an instance, a task or a case"]
    if start is not None and (not isinstance(start, datetime) or start.tzinfo is None):
        errors["start"] = [f"起算时间须带时区 / start must be a timezone-aware instant: {start!r}"]
    if rule.unit not in UNITS:
        errors[f"{rule.key}.unit"] = [f"未知单位 {rule.unit!r} / unknown unit"]
    if rule.amount is None or rule.amount < 0:
        errors[f"{rule.key}.amount"] = [f"期间不得为负 / amount must not be negative: {rule.amount}"]
    if errors:
        raise ValidationFailed(errors, "无法开始计时 / cannot start the deadline")


def start_deadline(session: Session, clock, calendar: LegalCalendar, rule_key: str, *,
                   instance_id: int | None = None, task_id: str | None = None,
                   case_ref: str | None = None, org: Organization | int | None = None,
                   assignee: User | int | None = None, start: datetime | None = None,
                   actor: User | int | None = None) -> Deadline:
    """Start the period of a rule (the county's override when one exists) from `start` or now."""
    with unit_of_work(session):
        org_row = session.get(Organization, _as_id(org)) if org is not None else None
        if org is not None and org_row is None:
            raise NotFound(f"未知机构：{org} / unknown organization: {org}", ref=str(org))
        rule = resolve_rule(session, rule_key, county_of(session, org_row))
        check_sector(rule, org_row)
        _check_start_input(rule, instance_id, task_id, case_ref, start)
        event_at = start or clock.now()
        due = compute_due(calendar, Period(rule.amount, rule.unit, rule.direction), event_at)
        # A 倒算 rule counts back from a future event; its clock runs from now.
        started_at = event_at if rule.direction == "after" else min(event_at, clock.now())
        deadline = Deadline(
            rule_id=rule.id, rule_key=rule.key, amount=rule.amount, unit=rule.unit,
            instance_id=instance_id, task_id=task_id, case_ref=case_ref,
            org_id=_as_id(org), assignee_user_id=_as_id(assignee), started_at=started_at,
            due_at=due.due_at, provisional=due.provisional, status=DeadlineStatus.PENDING,
            warn_at=compute_warn_at(calendar, due.due_at, rule.warn_before_amount,
                                    rule.warn_before_unit, started_at),
        )
        session.add(deadline)
        session.flush()
        audit_change(session, clock, deadline, "started", actor, legal_basis=rule.legal_basis)
    return deadline


def get_deadline(session: Session, deadline_id: int) -> Deadline:
    """A deadline by id, or NotFound."""
    deadline = session.get(Deadline, deadline_id)
    if deadline is None:
        raise NotFound(f"未知期限：{deadline_id} / unknown deadline: {deadline_id}", deadline_id=deadline_id)
    return deadline


def transition(session: Session, deadline: Deadline, allowed, values: dict, verb: str) -> None:
    """Conditional UPDATE so a concurrent scheduler firing and a user action never both win."""
    changed = session.execute(
        update(Deadline)
        .where(Deadline.id == deadline.id, Deadline.status.in_(allowed))
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:
        session.refresh(deadline)
        raise state_conflict(deadline, verb)
    session.refresh(deadline)


def state_conflict(deadline: Deadline, verb: tuple[str, str]) -> Conflict:
    """The error for an action the deadline's current status does not allow."""
    state = STATUS_ZH.get(str(deadline.status), str(deadline.status))
    return Conflict(
        f"期限 {deadline.id} 当前状态为「{state}」，不能{verb[0]} / deadline {deadline.id} is "
        f"{deadline.status}: cannot {verb[1]}", deadline_id=deadline.id, status=str(deadline.status))


def require_reason(reason: str | None, field: str = "reason") -> str:
    if not reason or not reason.strip():
        raise ValidationFailed({field: ["必须说明理由 / a reason is required"]})
    return reason.strip()


def _paused_span(clock, deadline: Deadline) -> int:
    return int((clock.now() - deadline.paused_at).total_seconds()) if deadline.paused_at else 0


def mark_met(session: Session, clock, deadline_id: int, *, actor: User | int | None = None) -> Deadline:
    """The act was done: close the deadline (late when after due — the figures count it so)."""
    with unit_of_work(session):
        deadline = get_deadline(session, deadline_id)
        paused = _paused_span(clock, deadline) if deadline.status == DeadlineStatus.PAUSED else 0
        allowed = (*RUNNING_STATUSES, DeadlineStatus.OVERDUE, DeadlineStatus.PAUSED)
        transition(session, deadline, allowed, {
            "status": DeadlineStatus.MET, "met_at": clock.now(), "paused_at": None,
            "paused_seconds": deadline.paused_seconds + paused}, ("办结", "mark it met"))
        audit_change(session, clock, deadline, "met", actor, on_time=deadline.met_at <= deadline.due_at)
    return deadline


def cancel(session: Session, clock, deadline_id: int, reason: str, *,
           actor: User | int | None = None) -> Deadline:
    """Stop a deadline that no longer applies (case closed otherwise, task withdrawn)."""
    reason = require_reason(reason)
    with unit_of_work(session):
        deadline = get_deadline(session, deadline_id)
        allowed = (*RUNNING_STATUSES, DeadlineStatus.OVERDUE, DeadlineStatus.PAUSED)
        transition(session, deadline, allowed, {"status": DeadlineStatus.CANCELLED,
                                                 "cancelled_at": clock.now()}, ("撤销", "cancel it"))
        audit_change(session, clock, deadline, "cancelled", actor, reason=reason)
    return deadline


def pause(session: Session, clock, deadline_id: int, reason: str, *,
          actor: User | int | None = None) -> Deadline:
    """Stop the clock for a period the law does not count (听证、公告、检测鉴定, 市场监管程序规定)."""
    reason = require_reason(reason)
    with unit_of_work(session):
        deadline = get_deadline(session, deadline_id)
        transition(session, deadline, RUNNING_STATUSES, {
            "status": DeadlineStatus.PAUSED, "paused_at": clock.now(), "pause_reason": reason[:200]},
            ("中止计算", "pause it (only a running deadline can be paused)"))
        audit_change(session, clock, deadline, "paused", actor, reason=reason)
    return deadline


def resume(session: Session, clock, calendar: LegalCalendar, deadline_id: int, *,
           actor: User | int | None = None) -> Deadline:
    """Restart the clock; the due instant moves later by the excluded span in the rule's unit."""
    with unit_of_work(session):
        deadline = get_deadline(session, deadline_id)
        if deadline.status != DeadlineStatus.PAUSED:
            raise state_conflict(deadline, ("恢复计算", "resume it (it is not paused)"))
        now = clock.now()
        excluded = excluded_units(calendar, deadline.unit, deadline.paused_at, now)
        due = shift_due(calendar, deadline.due_at, deadline.unit, excluded)
        rule = deadline.rule
        warn_at = compute_warn_at(calendar, due.due_at, rule.warn_before_amount,
                                  rule.warn_before_unit, deadline.started_at)
        already_warned = deadline.warned_at is not None and (warn_at is None or warn_at <= now)
        old_due = deadline.due_at
        transition(session, deadline, (DeadlineStatus.PAUSED,), {
            "status": DeadlineStatus.WARNED if already_warned else DeadlineStatus.PENDING,
            "due_at": due.due_at, "warn_at": warn_at, "paused_at": None,
            "provisional": deadline.provisional or due.provisional,
            "paused_seconds": deadline.paused_seconds + _paused_span(clock, deadline),
            "excluded_amount": deadline.excluded_amount + excluded}, ("恢复计算", "resume it"))
        audit_change(session, clock, deadline, "resumed", actor, excluded=excluded, unit=deadline.unit,
               old_due_at=old_due.isoformat())
    return deadline


def list_deadlines(session: Session, user: User, *, statuses=None, limit: int = 100) -> list[Deadline]:
    """Deadlines of the user's organizations or assigned to the user: overdue first, then by due."""
    org_ids = select(Membership.organization_id).where(Membership.user_id == user.id)
    query = select(Deadline).where(or_(Deadline.org_id.in_(org_ids), Deadline.assignee_user_id == user.id))
    if statuses:
        query = query.where(Deadline.status.in_(list(statuses)))
    overdue_first = case((Deadline.status == DeadlineStatus.OVERDUE, 0), else_=1)
    return list(session.scalars(query.order_by(overdue_first, Deadline.due_at, Deadline.id).limit(limit)))
