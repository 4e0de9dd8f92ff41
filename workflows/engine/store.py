"""Persist instance state under an optimistic lock and mirror ready user tasks into rows."""

from __future__ import annotations

from datetime import datetime

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from models import HumanTask, ProcessInstance
from models.engine import OPEN_TASK_STATES
from workflows.engine.lanes import assign
from workflows.errors import Conflict

# PendingBpmnEvent.event_type is the event definition's class name (see engine/parser.py).
TIMER_EVENT_TYPES = frozenset({"ClockTimeDate", "ClockDuration"})


def lost_race(instance_id: int) -> Conflict:
    """The error for a save that found the instance changed underneath it."""
    return Conflict(
        f"流程实例 {instance_id} 已被他人更新，请刷新后重试 / process instance {instance_id} "
        f"was changed by someone else; reload and retry", instance_id=instance_id)


def next_wake(workflow) -> datetime | None:
    """Earliest instant a waiting timer of the workflow is due (from waiting_events())."""
    instants = []
    for event in workflow.waiting_events():
        if event.event_type in TIMER_EVENT_TYPES and isinstance(event.value, str):
            instants.append(TimerEventDefinition.get_datetime(event.value))
    return min(instants) if instants else None


def status_of(workflow) -> str:
    """running (engine work or a ready task), waiting (only timers/messages) or completed."""
    if workflow.completed:
        return "completed"
    if workflow.get_tasks(state=TaskState.READY):
        return "running"
    return "waiting"


def save_state(session: Session, instance: ProcessInstance, workflow, state: str,
               expected_version: int, now: datetime) -> None:
    """UPDATE … WHERE id=? AND version=?; a lost race raises Conflict and writes nothing."""
    status = status_of(workflow)
    values = {
        "state": state, "version": expected_version + 1, "status": status,
        "next_wake_at": next_wake(workflow), "updated_at": now,
        "completed_at": now if status == "completed" else None,
    }
    try:
        # A Core UPDATE on the table: no ORM bulk-update bookkeeping on the hot path.
        table = ProcessInstance.__table__
        result = session.execute(
            update(table)
            .where(table.c.id == instance.id, table.c.version == expected_version)
            .values(**values)
        )
    except OperationalError as exc:
        # SQLite refuses a writer whose snapshot is stale ("database is locked"): same race.
        raise lost_race(instance.id) from exc
    if result.rowcount != 1:
        raise lost_race(instance.id)
    for key, value in values.items():
        set_committed_value(instance, key, value)  # mirror the UPDATE without a second write


def sync_human_tasks(session: Session, instance: ProcessInstance, workflow, engine,
                     now: datetime) -> list[HumanTask]:
    """Create rows for newly ready user tasks; cancel open rows whose task is gone."""
    ready = {str(t.id): t for t in workflow.get_tasks(state=TaskState.READY) if t.task_spec.manual}
    open_rows = session.scalars(
        select(HumanTask).where(
            HumanTask.instance_id == instance.id, HumanTask.state.in_(OPEN_TASK_STATES)
        )
    ).all()
    for row in open_rows:
        if row.spiff_task_id not in ready:
            row.state, row.completed_at = "cancelled", now
    known = {row.spiff_task_id for row in open_rows}
    created = []
    for task_id, task in ready.items():
        if task_id in known:
            continue
        who = assign(task.task_spec, task.data)
        due_at = None
        if who.due_expression:
            due_at = datetime.fromisoformat(engine.evaluate(workflow, task, who.due_expression))
        row = HumanTask(
            instance_id=instance.id, spiff_task_id=task_id, task_spec_name=task.task_spec.name,
            title=who.title, lane=who.lane, role=who.role, organization_id=who.organization_id,
            state="ready", due_at=due_at, needs_certificate=who.needs_certificate,
            form_key=who.form_key, created_at=now,
        )
        session.add(row)
        created.append(row)
    session.flush()
    return created
