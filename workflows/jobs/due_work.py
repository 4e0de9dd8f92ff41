"""Everything that falls due with time: deadlines and BPMN timers — and when next."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import ProcessInstance
from workflows.jobs.firing import fire_all_due, next_deadline_event
from workflows.procedures.case_transfer.handover import hand_over_pending
from workflows.tasks import processes

OPEN_INSTANCE_STATUSES = ("running", "waiting")


@dataclass(frozen=True)
class DueWorkReport:
    """What one pass did, and the instant the next pass is needed (None: nothing scheduled)."""

    expired: int
    warned: int
    instances_woken: int
    next_wake_at: datetime | None


def next_instance_wake(session: Session) -> datetime | None:
    """The earliest BPMN timer of an open process instance (its indexed next_wake_at)."""
    return session.scalar(select(func.min(ProcessInstance.next_wake_at))
                          .where(ProcessInstance.status.in_(OPEN_INSTANCE_STATUSES)))


def next_wake_at(session: Session) -> datetime | None:
    """The earliest instant a deadline or an instance timer falls due (webhooks have their own job)."""
    candidates = [next_deadline_event(session), next_instance_wake(session)]
    found = [c for c in candidates if c is not None]
    return min(found) if found else None


def _wake_instances(session: Session, engine, now: datetime, batch: int) -> int:
    woken = 0
    while True:
        done = processes.wake_due_instances(session, engine, now, limit=batch)
        woken += done
        if done < batch:
            return woken


def run_due_work(session: Session, clock, *, engine=None, webhook_url: str | None = None,
                 batch: int = 1000) -> DueWorkReport:
    """Fire all due deadlines (catching up in batches), wake due instances, say when next."""
    fired = fire_all_due(session, clock, batch=batch, webhook_url=webhook_url, engine=engine)
    woken = _wake_instances(session, engine, clock.now(), min(batch, 100)) if engine is not None else 0
    if engine is not None:
        hand_over_pending(session, engine)  # accepted or designated transfers (第25条)
    return DueWorkReport(len(fired.expired), len(fired.warned), woken, next_wake_at(session))
