"""Service API over the engine for the web, the CLI and the scheduler (issue 3)."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from models import AuditEvent, HumanTask, Membership, ProcessInstance, User
from workflows.core.db import unit_of_work
from workflows.core.errors import NotFound
from workflows.core.forms import FormRegistry
from workflows.core.pickers import Option, PickContext
from workflows.engine import messages, reading, runtime

start = runtime.start
claim = runtime.claim
release = runtime.release
complete = runtime.complete
cancel = runtime.cancel
send_message = messages.send_message
wake_due_instances = runtime.wake_due_instances
task_data = reading.task_data


def list_tasks(session: Session, user: User, state: str | None = None,
               process_id: str | None = None, instance_id: int | None = None) -> list[HumanTask]:
    """Tasks the user may act on: their roles in their organizations (one indexed query)."""
    with unit_of_work(session):  # ends the read transaction it opens, so a later step commits
        return _tasks_for(session, user, state, process_id, instance_id)


def _tasks_for(session, user, state, process_id, instance_id) -> list[HumanTask]:
    memberships = session.execute(
        select(Membership.organization_id, Membership.role).where(Membership.user_id == user.id)
    ).all()
    if not memberships:
        return []
    query = select(HumanTask).join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
    pairs = [(HumanTask.organization_id == org) & (HumanTask.role == role)
             for org, role in memberships]
    query = query.where(or_(*pairs))
    query = query.where(HumanTask.state.in_([state] if state else ["ready", "claimed"]))
    if process_id:
        query = query.where(ProcessInstance.process_id == process_id)
    if instance_id:
        query = query.where(HumanTask.instance_id == instance_id)
    return list(session.scalars(query.order_by(HumanTask.due_at, HumanTask.id)))


def list_instances(session: Session, status: str | None = None, process_id: str | None = None,
                   limit: int = 200) -> list[ProcessInstance]:
    """Instances, newest first, optionally filtered."""
    query = select(ProcessInstance)
    if status:
        query = query.where(ProcessInstance.status == status)
    if process_id:
        query = query.where(ProcessInstance.process_id == process_id)
    with unit_of_work(session):
        return list(session.scalars(query.order_by(ProcessInstance.id.desc()).limit(limit)))


def task_to_dict(task: HumanTask, process_id: str | None = None, forms: FormRegistry | None = None) -> dict:
    """JSON view of a human task, with its form when the process id and the forms are known."""
    data = {
        "id": task.id, "instance_id": task.instance_id, "task": task.task_spec_name,
        "title": task.title, "lane": task.lane, "role": task.role,
        "organization_id": task.organization_id, "state": task.state,
        "claimed_by": task.claimed_by, "due_at": task.due_at, "created_at": task.created_at,
        "needs_certificate": task.needs_certificate, "completed_at": task.completed_at,
        "completed_by": task.completed_by, "submitted": task.submitted,
    }
    if process_id and forms is not None:
        data["form"] = forms.form_for(process_id, task.task_spec_name, task.form_key).to_dict()
    return data


def task_options(session: Session, forms: FormRegistry, process_id: str, task: HumanTask,
                 data: dict) -> dict[str, list[Option]]:
    """The choices of the task's person and organization fields, exactly those completing it accepts."""
    form = forms.form_for(process_id, task.task_spec_name, task.form_key)
    picks = forms.picks(form, PickContext(session, data, task.organization_id))
    return {name: picks.options(name) for name in picks.pickers}


def show_instance(session: Session, instance_id: int, forms: FormRegistry | None = None) -> dict:
    """An instance with its tasks and audit history (执法全过程记录)."""
    with unit_of_work(session):
        return _instance_view(session, instance_id, forms)


def _instance_view(session: Session, instance_id: int, forms: FormRegistry | None) -> dict:
    instance = session.get(ProcessInstance, instance_id)
    if instance is None:
        raise NotFound(f"未知流程实例：{instance_id} / unknown instance: {instance_id}",
                       instance_id=instance_id)
    tasks = session.scalars(select(HumanTask).where(HumanTask.instance_id == instance_id)
                            .order_by(HumanTask.id)).all()
    history = session.scalars(select(AuditEvent).where(AuditEvent.instance_id == instance_id)
                              .order_by(AuditEvent.seq)).all()
    return {
        "id": instance.id, "process_id": instance.process_id,
        "business_key": instance.business_key, "status": instance.status,
        "version": instance.version, "township_id": instance.township_id,
        "department_id": instance.department_id, "started_by": instance.started_by,
        "started_at": instance.started_at, "updated_at": instance.updated_at,
        "completed_at": instance.completed_at, "next_wake_at": instance.next_wake_at,
        "definition_id": instance.definition_id,
        "tasks": [task_to_dict(t, instance.process_id, forms) for t in tasks],
        "history": [
            {"seq": e.seq, "at": e.at, "action": e.action, "actor_user_id": e.actor_user_id,
             "actor_org_id": e.actor_org_id, "task": e.task_name, "data_digest": e.data_digest,
             "details": e.details}
            for e in history
        ],
    }
