"""Expiry action "interrupt the task" (中止): deliver a message to the instance the deadline names.

A BPMN step that a legal period may cut short models it with an interrupting boundary message
event (or a catch behind an event-based gateway) on the message `deadline_interrupt`; when an
interrupt-rule deadline tied to that instance expires, the firing pass delivers the message
with the explicit payload {"deadline_id", "rule_key"} only (design.md §3: no task data travels).
An instance that does not wait for the message is left as it is: its people get the
'deadline_interrupted' notification and an audit row says the interrupt was not delivered.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Deadline, DeadlineRule, ExpiryAction, ProcessInstance
from workflows.core.audit import record
from workflows.core.errors import Conflict, QuanzeError
from workflows.tasks import processes

INTERRUPT_MESSAGE = "deadline_interrupt"
OPEN_STATUSES = ("running", "waiting")


@dataclass
class InterruptOutcome:
    """Deadline ids whose instance took the interrupt, and those it could not reach."""

    delivered: list[int] = field(default_factory=list)
    not_waiting: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)


def _interrupt_targets(session: Session, ids: list[int]) -> list[tuple[int, str, int]]:
    """(deadline id, rule key, instance id) of the interrupt-rule deadlines among `ids`."""
    rows = session.execute(
        select(Deadline.id, Deadline.rule_key, Deadline.instance_id)
        .join(DeadlineRule, DeadlineRule.id == Deadline.rule_id)
        .where(Deadline.id.in_(ids), DeadlineRule.on_expiry == ExpiryAction.INTERRUPT,
               Deadline.instance_id.is_not(None))
        .order_by(Deadline.id)).all()
    return [(r.id, r.rule_key, r.instance_id) for r in rows]


def _deliver_one(session: Session, engine, deadline_id: int, rule_key: str, instance_id: int) -> str:
    """Deliver the interrupt in a SAVEPOINT, so one failing instance spoils no other row."""
    status = session.scalar(select(ProcessInstance.status).where(ProcessInstance.id == instance_id))
    if status not in OPEN_STATUSES:
        return "not_waiting"
    savepoint = session.begin_nested()
    try:
        processes.send_message(session, engine, instance_id, INTERRUPT_MESSAGE,
                               {"deadline_id": deadline_id, "rule_key": rule_key}, actor=None)
    except Conflict:
        savepoint.rollback()  # the instance is not (or no longer) at an interruptible step
        return "not_waiting"
    except QuanzeError:
        savepoint.rollback()  # a script or service behind the boundary failed: nothing of it stays
        return "failed"
    savepoint.commit()
    return "delivered"


def interrupt_expired(session: Session, engine, ids: list[int], now: datetime) -> InterruptOutcome:
    """Interrupt the instances of the expired interrupt-rule deadlines among `ids` (in the caller's transaction)."""
    outcome = InterruptOutcome()
    if not ids or engine is None:
        return outcome
    for deadline_id, rule_key, instance_id in _interrupt_targets(session, ids):
        result = _deliver_one(session, engine, deadline_id, rule_key, instance_id)
        getattr(outcome, result).append(deadline_id)
        if result != "delivered":
            record(session, at=now, action=f"deadline.interrupt_{result}", subject_type="deadline",
                   subject_id=deadline_id, instance_id=instance_id,
                   details={"rule_key": rule_key, "instance_id": instance_id,
                            "message": INTERRUPT_MESSAGE})
    return outcome
