"""The inbox and the instance view, scoped to the user (tasks, due dates, documents, diagram data)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from models import Document, HumanTask, Organization, ProcessDefinition, ProcessInstance, User
from workflows.accounts.access import Principal, can_view_instance
from workflows.core.errors import NotFound
from workflows.tasks import processes

DUE_WINDOWS = ("overdue", "today", "3d", "7d")


@dataclass(frozen=True)
class InboxRow:
    """One open task with its procedure, township and whether it is overdue."""

    task: HumanTask
    instance: ProcessInstance
    township: Organization | None
    overdue: bool


def _window_end(window: str | None, now: datetime) -> datetime | None:
    days = {"today": 1, "3d": 3, "7d": 7}.get(window or "")
    return now + timedelta(days=days) if days else None


def inbox(session: Session, user: User, now: datetime, *, process_id: str | None = None,
          township_id: int | None = None, due_window: str | None = None) -> list[InboxRow]:
    """Open tasks the user may act on: overdue first, then by due date, undated last."""
    tasks = processes.list_tasks(session, user, process_id=process_id)
    instances = {i.id: i for i in session.scalars(select(ProcessInstance).where(
        ProcessInstance.id.in_({t.instance_id for t in tasks} or {-1})))}
    towns = {o.id: o for o in session.scalars(select(Organization).where(
        Organization.id.in_({i.township_id for i in instances.values() if i.township_id} or {-1})))}
    end = _window_end(due_window, now)
    rows = []
    for task in tasks:
        instance = instances[task.instance_id]
        if township_id is not None and instance.township_id != township_id:
            continue
        overdue = task.due_at is not None and task.due_at < now
        if due_window == "overdue" and not overdue:
            continue
        if end is not None and (task.due_at is None or task.due_at > end):
            continue
        rows.append(InboxRow(task, instance, towns.get(instance.township_id), overdue))
    far = datetime.max.replace(tzinfo=now.tzinfo)
    return sorted(rows, key=lambda r: (not r.overdue, r.task.due_at or far, r.task.id))


def open_task_count(session: Session, principal: Principal) -> int:
    """How many open tasks wait for the user's roles in their organizations (the 待办 badge)."""
    pairs = [(HumanTask.organization_id == g.org_id) & (HumanTask.role == g.role.value) for g in principal.grants]
    if not pairs:
        return 0
    return session.scalar(select(func.count(HumanTask.id)).where(
        or_(*pairs), HumanTask.state.in_(("ready", "claimed")))) or 0


def next_task_for(session: Session, principal: Principal, instance_id: int) -> HumanTask | None:
    """The instance's first open task the same user may act on next, if any."""
    pairs = [(HumanTask.organization_id == g.org_id) & (HumanTask.role == g.role.value) for g in principal.grants]
    if not pairs:
        return None
    return session.scalars(select(HumanTask).where(
        HumanTask.instance_id == instance_id, or_(*pairs), HumanTask.state.in_(("ready", "claimed")))
        .order_by(HumanTask.id).limit(1)).first()


def procedure_ids(session: Session) -> list[str]:
    """Every procedure with a stored definition, for the inbox filter."""
    return list(session.scalars(select(ProcessDefinition.process_id).distinct().order_by(ProcessDefinition.process_id)))


def visible_instance(session: Session, principal: Principal, instance_id: int) -> ProcessInstance:
    """An instance the user may open; others look exactly like missing ones."""
    instance = session.get(ProcessInstance, instance_id)
    if instance is None or not (can_view_instance(principal, instance.township_id, instance.department_id)
                                or _acts_in(session, principal, instance.id)):
        raise NotFound(f"未知流程实例：{instance_id} / unknown instance: {instance_id}")
    return instance


def _acts_in(session: Session, principal: Principal, instance_id: int) -> bool:
    """True when one of the instance's tasks is (or was) for the user's role and organization."""
    pairs = {(g.org_id, g.role.value) for g in principal.grants}
    rows = session.execute(select(HumanTask.organization_id, HumanTask.role)
                           .where(HumanTask.instance_id == instance_id)).all()
    return any((org, role) in pairs for org, role in rows)


def visible_task(session: Session, principal: Principal, task_id: int) -> HumanTask:
    """A task of an instance the user may open."""
    task = session.get(HumanTask, task_id)
    if task is None:
        raise NotFound(f"未知任务：{task_id} / unknown task: {task_id}")
    visible_instance(session, principal, task.instance_id)
    return task


def instance_view(session: Session, principal: Principal, instance_id: int) -> dict:
    """The instance with tasks, history, documents and the BPMN XML it runs on."""
    instance = visible_instance(session, principal, instance_id)
    view = processes.show_instance(session, instance.id)
    definition = session.get(ProcessDefinition, instance.definition_id)
    view["bpmn_xml"] = definition.bpmn_xml if definition else ""
    _name_actors(session, view["history"])
    view["documents"] = list(session.scalars(select(Document).where(Document.instance_id == instance.id)
                                             .order_by(Document.id)))
    return view


def _name_actors(session: Session, history: list[dict]) -> None:
    """Put the user's and organization's names beside the ids of each audit row."""
    user_ids = {h["actor_user_id"] for h in history if h.get("actor_user_id")}
    org_ids = {h["actor_org_id"] for h in history if h.get("actor_org_id")}
    users = dict(session.execute(select(User.id, User.display_name).where(User.id.in_(user_ids))).all()) if user_ids else {}
    orgs = dict(session.execute(select(Organization.id, Organization.name)
                                .where(Organization.id.in_(org_ids))).all()) if org_ids else {}
    for h in history:
        h["actor_name"] = users.get(h.get("actor_user_id"))
        h["actor_org_name"] = orgs.get(h.get("actor_org_id"))


def visible_document(session: Session, principal: Principal, document_id: int) -> Document:
    """A document of an instance the user may open."""
    doc = session.get(Document, document_id)
    if doc is None or doc.instance_id is None:
        raise NotFound(f"未找到文书：{document_id} / unknown document: {document_id}")
    try:
        visible_instance(session, principal, doc.instance_id)
    except NotFound:
        raise NotFound(f"未找到文书：{document_id} / unknown document: {document_id}") from None
    return doc
