"""Use cases on instances: start, claim, release, complete, wake timers, messages, cancel."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from models import HumanTask, ProcessInstance, User
from workflows.core.db import unit_of_work
from workflows.core.errors import Conflict, NotFound, QuanzeError
from workflows.core.forms import validate
from workflows.core.pickers import PickContext
from workflows.engine.access import check_may_act, check_may_cancel
from workflows.engine.engine import Engine, guarded, require_json_native
from workflows.engine.messages import route_thrown_messages, start_instance
from workflows.engine.scripting import StepContext
from workflows.engine.store import (
    TaskRow,
    held_or_get,
    mark_completed,
    run_task_write,
    task_for_step,
    task_moved,
)

OPEN = ("running", "waiting")


def start(session: Session, engine: Engine, process_id: str, data: dict, actor: User | None,
          business_key: str | None = None) -> ProcessInstance:
    """Create an instance on the current definition and run it to its first wait state."""
    require_json_native(data)
    with unit_of_work(session):
        return start_instance(session, engine, process_id, data, actor.id if actor else None,
                              lambda instance: _actor_org(actor, instance), business_key)


def _actor_org(actor: User | None, instance: ProcessInstance) -> int | None:
    """The organization the starter acted for: the instance's own organs first, then any."""
    if actor is None:
        return None
    orgs = [m.organization_id for m in actor.memberships]
    for candidate in (instance.township_id, instance.department_id):
        if candidate in orgs:
            return candidate
    return orgs[0] if orgs else None


def _task_row(session: Session, task_id: int) -> HumanTask:
    row = session.get(HumanTask, task_id, populate_existing=True)  # judged on the row as it is
    if row is None:
        raise NotFound(f"未知任务：{task_id} / unknown task: {task_id}", task_id=task_id)
    return row


def _require_open(row: HumanTask | TaskRow) -> None:
    if row.state == "completed":
        raise Conflict(f"任务 {row.id} 已办结，不能重复提交 / task {row.id} is already completed",
                       task_id=row.id)
    if row.state == "cancelled":
        raise Conflict(f"任务 {row.id} 已失效（流程已推进）/ task {row.id} no longer applies: "
                       f"the process has moved on", task_id=row.id)


def claim(session: Session, engine: Engine, task_id: int, user: User) -> HumanTask:
    """Take a ready task; a conditional UPDATE makes claimants and completions race safely."""
    with unit_of_work(session):
        row = _task_row(session, task_id)
        _require_open(row)
        check_may_act(session, row, user, engine.clock.today())
        if row.state == "claimed":
            raise Conflict(f"任务 {row.id} 已被认领 / task {row.id} is already claimed", task_id=row.id)
        _conditional_task_write(session, row, "ready", None, state="claimed", claimed_by=user.id)
        instance = session.get(ProcessInstance, row.instance_id)
        engine.audit(session, instance, "task.claimed", actor_id=user.id,
                     org_id=row.organization_id, task_name=row.task_spec_name)
        return row


def release(session: Session, engine: Engine, task_id: int, user: User) -> HumanTask:
    """Give a claimed task back to the organization's inbox (only its claimant may)."""
    with unit_of_work(session):
        row = _task_row(session, task_id)
        _require_open(row)
        check_may_act(session, row, user, engine.clock.today())
        if row.state != "claimed":
            raise Conflict(f"任务 {row.id} 未被认领 / task {row.id} is not claimed", task_id=row.id)
        # Conditional on the claim still being this user's: a completion that committed
        # meanwhile must never be put back into the inbox.
        _conditional_task_write(session, row, "claimed", user.id, state="ready", claimed_by=None)
        instance = session.get(ProcessInstance, row.instance_id)
        engine.audit(session, instance, "task.released", actor_id=user.id,
                     org_id=row.organization_id, task_name=row.task_spec_name)
        return row


def _conditional_task_write(session: Session, row: HumanTask, was: str, claimant: int | None,
                            **values) -> None:
    """UPDATE the task row only if it is still in (was, claimant); else the clear Conflict."""
    statement = (update(HumanTask).where(
        HumanTask.id == row.id, HumanTask.state == was,
        HumanTask.claimed_by.is_not_distinct_from(claimant))
        .values(**values).execution_options(synchronize_session=False))
    if run_task_write(row.id, lambda: session.execute(statement).rowcount) != 1:
        raise task_moved(row.id)
    for key, value in values.items():
        set_committed_value(row, key, value)


def complete(session: Session, engine: Engine, task_id: int, user: User,
             data: dict | None) -> ProcessInstance:
    """Validate the form, refresh timers first (a lapsed period wins), run the task, save."""
    with unit_of_work(session):
        row = task_for_step(session, task_id)
        if row is None:
            raise NotFound(f"未知任务：{task_id} / unknown task: {task_id}", task_id=task_id)
        instance = held_or_get(session, ProcessInstance, row.instance_id)
        wake = instance.next_wake_at is not None and instance.next_wake_at <= engine.clock.now()
        if not wake:  # the common case: one transaction for the whole step
            return _complete_step(session, engine, row, instance, user, data)
    wake_instance(session, engine, instance.id)  # records the lapse before judging the task
    with unit_of_work(session):
        row = task_for_step(session, task_id)  # the wake may have cancelled it
        return _complete_step(session, engine, row, instance, user, data)


def _complete_step(session: Session, engine: Engine, row: HumanTask | TaskRow,
                   instance: ProcessInstance, user: User, data: dict | None) -> ProcessInstance:
    """Check, run and save one task completion inside the caller's unit of work."""
    _require_open(row)
    check_may_act(session, row, user, engine.clock.today())
    expected = instance.version
    step = StepContext(session, instance.id, instance.business_key, user.id)
    workflow = engine.load(session, instance, step)
    engine.refresh(workflow)
    task = workflow.get_task_from_id(UUID(row.spiff_task_id))
    if task is None or task.state != TaskState.READY:
        raise Conflict(f"任务 {row.id} 已失效（流程已推进）/ task {row.id} no longer applies: "
                       f"the process has moved on", task_id=row.id)
    form = engine.forms.form_for(instance.process_id, row.task_spec_name, row.form_key)
    # People and organizations only among what this task offers (its data, its organization).
    cleaned = validate(form, data, engine.forms.picks(form, PickContext(session, task.data, row.organization_id)))
    task.data.update(cleaned)
    guarded(task.run)
    engine.advance(workflow)

    def record_completion():
        mark_completed(session, row, user.id, engine.clock.now(), cleaned)

    thrown = workflow.get_events()
    engine.persist(session, instance, workflow, expected, before_sync=record_completion)
    engine.audit(session, instance, "task.completed", actor_id=user.id,
                 org_id=row.organization_id, task_name=row.task_spec_name, data=cleaned)
    route_thrown_messages(session, engine, thrown, instance, user.id, 0)
    engine.run_effects(session, step)
    return instance


def _claim_due(session: Session, instance_id: int, due_by: datetime) -> ProcessInstance | None:
    """The instance row if it is still open and due, locked (SKIP LOCKED) on PostgreSQL.

    A stale id (completed, woken by another scheduler, or locked by one right now) yields
    None, so a second scheduler never runs a step for it.
    """
    query = (select(ProcessInstance).where(
        ProcessInstance.id == instance_id, ProcessInstance.status.in_(OPEN),
        ProcessInstance.next_wake_at <= due_by).execution_options(populate_existing=True))
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return session.scalars(query).first()


def _pending(workflow) -> list[tuple]:
    """What the workflow waits for (name, kind, instant): a fired timer changes this."""
    return [(e.name, e.event_type, str(e.value)) for e in workflow.waiting_events()]


def wake_instance(session: Session, engine: Engine, instance_id: int,
                  due_by: datetime | None = None) -> ProcessInstance | None:
    """Refresh a due instance's timers and advance it; writes only when a timer fired.

    Returns the instance when a step was saved, None when it was not due (any more) or no
    timer fired: such a wake writes nothing (no version bump, no audit row).
    """
    with unit_of_work(session):
        instance = _claim_due(session, instance_id, due_by or engine.clock.now())
        if instance is None:
            return None
        expected = instance.version
        step = StepContext(session, instance.id, instance.business_key)
        workflow = engine.load(session, instance, step)
        before = _pending(workflow)
        engine.advance(workflow)
        after = _pending(workflow)
        if after == before and not workflow.completed:
            return None  # nothing fired: the loaded state stands, nothing is written
        fired = sorted({name for name, _, _ in before} - {name for name, _, _ in after})
        thrown = workflow.get_events()
        engine.persist(session, instance, workflow, expected)
        engine.audit(session, instance, "instance.woken", details={"fired": fired})
        route_thrown_messages(session, engine, thrown, instance, None, 0)
        engine.run_effects(session, step)
        return instance


def wake_due_instances(session: Session, engine: Engine, now: datetime, limit: int = 100) -> int:
    """Advance open instances whose next timer is due, each in its own transaction.

    Call with a session that has no transaction open. Each instance is claimed again in its
    own transaction (SKIP LOCKED on PostgreSQL), so several schedulers never wake it twice;
    a lost race is skipped; an instance whose step fails is marked 'error' and audited, so
    one broken instance never blocks the others. Returns how many instances a timer moved.
    """
    with unit_of_work(session):
        due_ids = session.scalars(
            select(ProcessInstance.id)
            .where(ProcessInstance.status.in_(OPEN), ProcessInstance.next_wake_at <= now)
            .order_by(ProcessInstance.next_wake_at).limit(limit)).all()
    woken = 0
    for instance_id in due_ids:
        try:
            woken += wake_instance(session, engine, instance_id, now) is not None
        except Conflict:
            session.rollback()  # another process advanced it first; nothing lost
        except QuanzeError as exc:
            session.rollback()
            mark_error(session, engine, instance_id, exc.message)
    return woken


def mark_error(session: Session, engine: Engine, instance_id: int, message: str) -> None:
    """Park an instance whose step keeps failing (status 'error'), with an audit row."""
    with unit_of_work(session):
        instance = session.get(ProcessInstance, instance_id)
        changed = session.execute(
            update(ProcessInstance).where(ProcessInstance.id == instance_id,
                                          ProcessInstance.version == instance.version)
            .values(status="error", version=instance.version + 1, next_wake_at=None,
                    updated_at=engine.clock.now())
            .execution_options(synchronize_session=False)).rowcount
        if changed != 1:
            return  # someone else moved it on; their state stands
        session.refresh(instance)
        engine.audit(session, instance, "instance.error", data={"error": message},
                     details={"error": message[:500]})


def cancel(session: Session, engine: Engine, instance_id: int, user: User, reason: str):
    """Stop an instance (e.g. a withdrawn proposal); open tasks are cancelled."""
    with unit_of_work(session):
        instance = session.get(ProcessInstance, instance_id)
        if instance is None:
            raise NotFound(f"未知流程实例：{instance_id} / unknown instance: {instance_id}")
        check_may_cancel(session, instance, user)
        if instance.status not in OPEN:
            raise Conflict(f"流程实例 {instance_id} 已结束 / instance {instance_id} has ended")
        now = engine.clock.now()
        changed = session.execute(
            update(ProcessInstance).where(ProcessInstance.id == instance.id,
                                          ProcessInstance.version == instance.version)
            .values(status="cancelled", version=instance.version + 1, updated_at=now,
                    next_wake_at=None, completed_at=now)
            .execution_options(synchronize_session=False)).rowcount
        if changed != 1:
            raise Conflict(f"流程实例 {instance_id} 已被他人更新 / instance {instance_id} changed")
        session.refresh(instance)
        for row in session.scalars(select(HumanTask).where(
                HumanTask.instance_id == instance.id, HumanTask.state.in_(("ready", "claimed")))):
            row.state, row.completed_at = "cancelled", now
        engine.audit(session, instance, "instance.cancelled", actor_id=user.id,
                     data={"reason": reason})
        return instance
