"""Fire due deadlines exactly once: claim by conditional UPDATE, then warn, notify, escalate."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, func, select, update
from sqlalchemy.orm import Session

from models import Deadline, DeadlineRule, DeadlineStatus, ExpiryAction
from models.deadlines import RUNNING_STATUSES
from workflows.core.audit import record
from workflows.core.db import unit_of_work
from workflows.deadlines.notifications import (
    RecipientIndex,
    insert_notifications,
    notification_rows,
)
from workflows.jobs import webhooks
from workflows.jobs.interrupts import interrupt_expired


@dataclass
class FireResult:
    """Ids a firing pass claimed: expired (now overdue) and warned."""

    expired: list[int] = field(default_factory=list)
    warned: list[int] = field(default_factory=list)
    notifications: int = 0
    interrupted: list[int] = field(default_factory=list)  # deadlines whose instance took the interrupt

    @property
    def count(self) -> int:
        """How many deadlines this pass acted on."""
        return len(self.expired) + len(self.warned)


def _expiry_condition(now: datetime):
    return and_(Deadline.status.in_(RUNNING_STATUSES), Deadline.due_at <= now)


def _warning_condition(now: datetime):
    return and_(Deadline.status == DeadlineStatus.PENDING, Deadline.warn_at <= now, Deadline.due_at > now)


def _claim(session: Session, condition, order_col, values: dict, limit: int) -> list[int]:
    """Pick due ids, then win them with `UPDATE … WHERE id IN (…) AND <still due>`.

    On PostgreSQL the pick is `FOR UPDATE SKIP LOCKED`, so a second worker takes other rows
    instead of waiting; on SQLite the single writer lock serializes the UPDATEs and the
    repeated condition drops rows another worker already took. Either way a row moves once.
    """
    query = select(Deadline.id).where(condition).order_by(order_col).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    ids = list(session.scalars(query))
    if not ids:
        return []
    won = session.scalars(
        update(Deadline).where(Deadline.id.in_(ids), condition).values(**values)
        .returning(Deadline.id).execution_options(synchronize_session=False))
    return sorted(won)


def _payload(event: str, d, rule: DeadlineRule, users: list[int], now: datetime) -> dict:
    return {"event": event, "deadline_id": d.id, "rule_key": rule.key, "name_zh": rule.name_zh,
            "name_en": rule.name_en, "legal_basis": rule.legal_basis, "case_ref": d.case_ref,
            "instance_id": d.instance_id, "task_id": d.task_id, "org_id": d.org_id,
            "due_at": d.due_at.isoformat(), "fired_at": now.isoformat(), "recipients": users}


def _facts(session: Session, ids: list[int]):
    """The columns notifications need, as plain rows (no ORM objects for big catch-ups)."""
    rows = session.execute(select(
        Deadline.id, Deadline.org_id, Deadline.assignee_user_id, Deadline.case_ref, Deadline.instance_id,
        Deadline.task_id, Deadline.due_at, Deadline.rule_id).where(Deadline.id.in_(ids))).all()
    rules = {r.id: r for r in session.scalars(select(DeadlineRule).where(
        DeadlineRule.id.in_({row.rule_id for row in rows})))}
    return rows, rules


def _notify(session: Session, ids: list[int], expired: bool, now: datetime, webhook_url: str | None) -> int:
    """Notifications (and webhook payloads) for one claimed batch, in the claim's transaction."""
    if not ids:
        return 0
    deadlines, rules = _facts(session, ids)
    index = RecipientIndex(session, {d.org_id for d in deadlines})
    rows, payloads = [], []
    for d in deadlines:
        rule = rules[d.rule_id]
        audience = index.leaders(d.org_id)
        if d.assignee_user_id:
            audience.users.add(d.assignee_user_id)
            audience.orgs.clear()
        kind = "deadline_overdue" if expired else "deadline_warning"
        if expired and rule.on_expiry == ExpiryAction.INTERRUPT:
            kind = "deadline_interrupted"
        rows += notification_rows(kind, d, rule, audience, now)
        if expired and rule.on_expiry == ExpiryAction.ESCALATE and rule.escalate_to_role:
            above = index.role_holders(d.org_id, rule.escalate_to_role)
            above.users -= audience.users
            rows += notification_rows("deadline_escalated", d, rule, above, now)
        if webhook_url:
            payloads.append(_payload(kind, d, rule, sorted(audience.users), now))
    insert_notifications(session, rows)
    webhooks.enqueue(session, webhook_url, payloads, now)
    return len(rows)


def fire_due(session: Session, clock, *, limit: int = 1000, webhook_url: str | None = None,
             engine=None) -> FireResult:
    """One pass: expire (overdue) then warn up to `limit` rows each, all in one transaction.

    With an engine, expired interrupt-rule deadlines also interrupt their instance (in the
    claim's transaction, so a row that was claimed once is never delivered twice).
    """
    now = clock.now()
    result = FireResult()
    with unit_of_work(session):
        result.expired = _claim(session, _expiry_condition(now), Deadline.due_at,
                                {"status": DeadlineStatus.OVERDUE, "expired_at": now}, limit)
        result.warned = _claim(session, _warning_condition(now), Deadline.warn_at,
                               {"status": DeadlineStatus.WARNED, "warned_at": now}, limit)
        result.notifications = _notify(session, result.expired, True, now, webhook_url)
        result.notifications += _notify(session, result.warned, False, now, webhook_url)
        result.interrupted = interrupt_expired(session, engine, result.expired, now).delivered
        for action, ids in (("deadline.expired", result.expired), ("deadline.warned", result.warned)):
            if ids:
                # One chained row per batch keeps the audit head from serializing every row.
                record(session, at=now, action=action, subject_type="deadline_batch",
                       subject_id=f"{ids[0]}+{len(ids) - 1}", data=ids, details={"ids": ids})
    return result


def fire_all_due(session: Session, clock, *, batch: int = 1000, webhook_url: str | None = None,
                 engine=None) -> FireResult:
    """Repeat passes until nothing is due: the catch-up after the scheduler was down."""
    total = FireResult()
    while True:
        result = fire_due(session, clock, limit=batch, webhook_url=webhook_url, engine=engine)
        total.expired += result.expired
        total.warned += result.warned
        total.interrupted += result.interrupted
        total.notifications += result.notifications
        if len(result.expired) < batch and len(result.warned) < batch:
            return total


def next_deadline_event(session: Session) -> datetime | None:
    """The earliest instant a running deadline will warn or expire, or None."""
    # One min() per status, so each is a single probe of the (status, instant) indexes.
    candidates = [session.scalar(select(func.min(Deadline.warn_at)).where(
        Deadline.status == DeadlineStatus.PENDING))]
    candidates += [session.scalar(select(func.min(Deadline.due_at)).where(Deadline.status == status))
                   for status in RUNNING_STATUSES]
    candidates = [t for t in candidates if t is not None]
    return min(candidates) if candidates else None
