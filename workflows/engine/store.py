"""Persist instance state under an optimistic lock and mirror ready user tasks into rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import bindparam, insert, or_, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from models import HumanTask, ProcessInstance
from models.engine import OPEN_TASK_STATES
from workflows.core.errors import Conflict
from workflows.core.fastsql import fast
from workflows.engine.lanes import assign, org_kind_lookup

# PendingBpmnEvent.event_type is the event definition's class name (see engine/parser.py).
TIMER_EVENT_TYPES = frozenset({"ClockTimeDate", "ClockDuration", "ClockCycle"})


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


def ready_tasks(workflow) -> list:
    """The workflow's READY tasks (one walk of the tree, shared by a save and its sync)."""
    return workflow.get_tasks(state=TaskState.READY)


def status_of(workflow, ready: list | None = None) -> str:
    """running (engine work or a ready task), waiting (only timers/messages) or completed."""
    if workflow.completed:
        return "completed"
    if ready_tasks(workflow) if ready is None else ready:
        return "running"
    return "waiting"


def _save():
    instances = ProcessInstance.__table__
    return (update(instances)
            .where(instances.c.id == bindparam("instance_id"),
                   instances.c.version == bindparam("expected_version"))
            .values({name: bindparam(name) for name in SAVED_COLUMNS}))


def _open_tasks():
    tasks = HumanTask.__table__
    return select(tasks.c.id, tasks.c.spiff_task_id).where(  # no IN: it compiles late
        tasks.c.instance_id == bindparam("instance_id"),
        or_(*(tasks.c.state == state for state in OPEN_TASK_STATES)))


@lru_cache(maxsize=1)
def _cancel():
    """Expanding IN: left to SQLAlchemy (rare: a task overtaken by a timer or a gateway)."""
    tasks = HumanTask.__table__
    return (update(tasks).where(tasks.c.id.in_(bindparam("ids", expanding=True)))
            .values(state="cancelled", completed_at=bindparam("now")))


def _create():
    tasks = HumanTask.__table__
    return (insert(tasks).values({name: bindparam(name) for name in TASK_COLUMNS})
            .returning(tasks.c.id))


def _task_by_id():
    tasks = HumanTask.__table__
    return select(*(tasks.c[name] for name in TaskRow.__dataclass_fields__)).where(
        tasks.c.id == bindparam("task_id"))


@dataclass(frozen=True)
class TaskRow:
    """The columns of a human task a completion reads (no ORM object to build)."""

    id: int
    instance_id: int
    spiff_task_id: str
    task_spec_name: str
    role: str
    organization_id: int
    state: str
    claimed_by: int | None
    needs_certificate: bool
    form_key: str | None


def held_or_get(session: Session, model, row_id: int):
    """The session's own object for that row if it holds one, else Session.get."""
    held = session.identity_map.get(identity_key(model, row_id))
    return held if held is not None else session.get(model, row_id)


def task_for_step(session: Session, task_id: int) -> HumanTask | TaskRow | None:
    """The task as the session holds it, or its columns read in one statement."""
    held = session.identity_map.get(identity_key(HumanTask, task_id))
    if held is not None:
        return held
    connection = session.connection()
    found = fast("engine.task_by_id", connection, _task_by_id).execute(
        connection, {"task_id": task_id}).first()
    if found is None:
        return None
    values = dict(zip(TaskRow.__dataclass_fields__, found, strict=True))
    values["needs_certificate"] = bool(values["needs_certificate"])
    return TaskRow(**values)


def _done():
    # Still open and unclaimed or claimed by the completer: a claim by another user or a
    # completion that committed meanwhile makes this match nothing, and the step loses.
    tasks = HumanTask.__table__
    return (update(tasks).where(tasks.c.id == bindparam("task_id"),
                                or_(tasks.c.state == "ready", tasks.c.state == "claimed"),
                                or_(tasks.c.claimed_by.is_(None),
                                    tasks.c.claimed_by == bindparam("user_id")))
            .values(state="completed", completed_by=bindparam("user_id"),
                    completed_at=bindparam("now"), submitted=bindparam("submitted")))


def task_moved(task_id: int) -> Conflict:
    """The error for a task row changed by someone else since this step read it."""
    return Conflict(
        f"任务 {task_id} 已被他人认领、退回或办结，请刷新后重试 / task {task_id} was claimed, "
        f"released or completed by someone else; reload and retry", task_id=task_id)


def run_task_write(task_id: int, write) -> int:
    """Run one conditional task-row write; SQLite's stale-snapshot refusal is the same race."""
    try:
        return write()
    except OperationalError as exc:
        if exc.connection_invalidated:  # a lost connection is no race
            raise
        raise task_moved(task_id) from exc


TASK_COLUMNS = ("instance_id", "spiff_task_id", "task_spec_name", "title", "lane", "role",
                "organization_id", "state", "claimed_by", "due_at", "needs_certificate",
                "form_key", "created_at", "completed_at", "completed_by", "submitted")
SAVED_COLUMNS = ("state", "version", "status", "next_wake_at", "updated_at", "completed_at")


def save_state(session: Session, instance: ProcessInstance, workflow, state: str,
               expected_version: int, now: datetime, ready: list | None = None) -> None:
    """UPDATE … WHERE id=? AND version=?; a lost race raises Conflict and writes nothing."""
    status = status_of(workflow, ready)
    values = {
        "state": state, "version": expected_version + 1, "status": status,
        "next_wake_at": next_wake(workflow), "updated_at": now,
        "completed_at": now if status == "completed" else None,
    }
    connection = session.connection()
    try:
        # One UPDATE on the session's connection: no ORM bookkeeping on the hot path.
        cursor = fast("engine.save", connection, _save).execute(
            connection, {"instance_id": instance.id, "expected_version": expected_version,
                         **values})
    except OperationalError as exc:
        # SQLite refuses a writer whose snapshot is stale ("database is locked"): same race.
        # A lost connection is no race: it propagates as itself.
        if exc.connection_invalidated:
            raise
        raise lost_race(instance.id) from exc
    if cursor.rowcount != 1:
        raise lost_race(instance.id)
    for key, value in values.items():
        set_committed_value(instance, key, value)  # mirror the UPDATE without a second write


def _mirror(session: Session, task_id: int, **values) -> None:
    """Copy a Core write onto the task's object if the session holds one."""
    row = session.identity_map.get(identity_key(HumanTask, task_id))
    if row is not None:
        for key, value in values.items():
            set_committed_value(row, key, value)


def mark_completed(session: Session, row: HumanTask, user_id: int, now: datetime,
                   submitted: dict) -> None:
    """Record who completed a task with which data (one conditional UPDATE, mirrored)."""
    connection = session.connection()
    params = {"task_id": row.id, "user_id": user_id, "now": now, "submitted": submitted}
    changed = run_task_write(row.id, lambda: fast("engine.task_done", connection, _done)
                             .execute(connection, params).rowcount)
    if changed != 1:
        raise task_moved(row.id)
    _mirror(session, row.id, state="completed", completed_by=user_id, completed_at=now,
            submitted=submitted)


def sync_human_tasks(session: Session, instance: ProcessInstance, workflow, engine,
                     now: datetime, ready: list | None = None) -> list[int]:
    """Create rows for newly ready user tasks (their ids are returned); cancel vanished ones.

    Only the difference between SpiffWorkflow's READY manual tasks and the open rows is
    written, with Core statements; objects the session holds are kept in step.
    """
    connection = session.connection()
    ready = {str(t.id): t for t in (ready_tasks(workflow) if ready is None else ready)
             if t.task_spec.manual}
    open_rows = fast("engine.open_tasks", connection, _open_tasks).execute(
        connection, {"instance_id": instance.id}).fetchall()
    gone = [task_id for task_id, spiff_id in open_rows if spiff_id not in ready]
    if gone:
        connection.execute(_cancel(), {"ids": gone, "now": now})
        for task_id in gone:
            _mirror(session, task_id, state="cancelled", completed_at=now)
    known = {spiff_id for _, spiff_id in open_rows}
    created = []
    for task_id, task in ready.items():
        if task_id not in known:
            created.append(_create_row(connection, instance, workflow, engine, task_id, task, now))
    return created


def _up(task):
    """The task's parent; at a subprocess's root, the task that started the subprocess."""
    if task.parent is not None:
        return task.parent
    workflow = task.workflow
    if workflow.parent_task_id is None:
        return None
    return workflow.top_workflow.get_task_from_id(workflow.parent_task_id)


class InstanceData:
    """The instance's data as a ready task sees it, before an ioSpecification narrows it.

    A task with an ioSpecification holds only its declared inputs, and a called process only
    what its call activity passed; the organization key (township_id, …) is read from the
    nearest task up the tree that holds it, across subprocess boundaries up to the instance.
    """

    def __init__(self, task) -> None:
        self.task = task

    def get(self, key: str, default=None):
        """The value of `key` in the task's data, else in its nearest ancestor's."""
        node = self.task
        while node is not None:
            if key in node.data:
                return node.data[key]
            node = _up(node)
        return default


def _create_row(connection, instance, workflow, engine, task_id, task, now):
    """Insert the row of one newly ready user task; returns its id."""
    who = assign(task.task_spec, InstanceData(task), org_kind_lookup(connection), engine.forms,
                 engine.lanes)
    due_at = None
    if who.due_expression:
        due_at = datetime.fromisoformat(engine.evaluate(workflow, task, who.due_expression))
    values = dict(
        instance_id=instance.id, spiff_task_id=task_id, task_spec_name=task.task_spec.name,
        title=who.title, lane=who.lane, role=who.role, organization_id=who.organization_id,
        state="ready", claimed_by=None, due_at=due_at, needs_certificate=who.needs_certificate,
        form_key=who.form_key, created_at=now, completed_at=None, completed_by=None,
        submitted=None)
    return fast("engine.create_task", connection, _create).execute(
        connection, values).first()[0]
