"""The inbox and the instance view, scoped to the user (tasks, due dates, documents, diagram data)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import false, func, or_, select
from sqlalchemy.orm import Session, defer

from models import (
    Document,
    HumanTask,
    Membership,
    Organization,
    ProcessDefinition,
    ProcessInstance,
    User,
)
from workflows.accounts.access import Principal, can_view_instance
from workflows.core.errors import NotFound
from workflows.core.forms import FormRegistry
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


def _inbox_ids(session: Session, user: User, now: datetime, process_id: str | None,
               township_id: int | None, due_window: str | None):
    """Ids of open tasks for the user's roles in their organizations, filtered in SQL on the inbox index.

    Only human_tasks columns are read unless a filter needs the instance: instance rows carry the
    engine's blob, and reading thousands of them just to sort was most of a department's inbox time.
    """
    memberships = session.execute(select(Membership.organization_id, Membership.role)
                                  .where(Membership.user_id == user.id)).all()
    pairs = [(HumanTask.organization_id == org) & (HumanTask.role == role) for org, role in memberships]
    query = select(HumanTask.id).where(or_(*pairs) if pairs else false(), HumanTask.state.in_(("ready", "claimed")))
    if process_id or township_id is not None:
        query = query.join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
    if process_id:
        query = query.where(ProcessInstance.process_id == process_id)
    if township_id is not None:
        query = query.where(ProcessInstance.township_id == township_id)
    if due_window == "overdue":
        query = query.where(HumanTask.due_at < now)
    elif (end := _window_end(due_window, now)) is not None:
        query = query.where(HumanTask.due_at <= end)
    return query


def inbox(session: Session, user: User, now: datetime, *, process_id: str | None = None,
          township_id: int | None = None, due_window: str | None = None,
          limit: int | None = None, offset: int = 0) -> list[InboxRow]:
    """Open tasks the user may act on: overdue first, then by due date, undated last; one page when limited."""
    ids = (_inbox_ids(session, user, now, process_id, township_id, due_window)
           .order_by(HumanTask.due_at.is_(None), HumanTask.due_at, HumanTask.id))
    if limit is not None:
        ids = ids.limit(limit).offset(offset)
    page = list(session.scalars(ids))
    found = session.execute(
        select(HumanTask, ProcessInstance, Organization)
        .join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
        .outerjoin(Organization, Organization.id == ProcessInstance.township_id)
        .where(HumanTask.id.in_(page or [-1]))
        .options(defer(ProcessInstance.state))).all()  # the engine's blob is not shown
    order = {task_id: n for n, task_id in enumerate(page)}
    return [InboxRow(task, instance, town, task.due_at is not None and task.due_at < now)
            for task, instance, town in sorted(found, key=lambda row: order[row[0].id])]


def inbox_total(session: Session, user: User, now: datetime, *, process_id: str | None = None,
                township_id: int | None = None, due_window: str | None = None) -> int:
    """How many rows the inbox has with these filters (for its pager)."""
    ids = _inbox_ids(session, user, now, process_id, township_id, due_window)
    return session.scalar(ids.with_only_columns(func.count(HumanTask.id), maintain_column_froms=True)) or 0


def inbox_townships(session: Session, user: User, now: datetime) -> list:
    """The townships the user's open tasks concern, for the inbox filter (not every township of a province).

    Rows of id and names only: a county department's tasks can span two thousand townships. Both
    sides come from indexes (ix_human_task_inbox, ix_process_instances_township_of); SQLite, without
    statistics, would read each instance's row (a page of engine state) instead, so it is told.
    """
    ids = _inbox_ids(session, user, now, None, None, None).with_only_columns(
        ProcessInstance.township_id, maintain_column_froms=True).join(
        ProcessInstance, ProcessInstance.id == HumanTask.instance_id).distinct().with_hint(
        ProcessInstance, "INDEXED BY ix_process_instances_township_of", "sqlite")
    return list(session.execute(select(Organization.id, Organization.short_name, Organization.name, Organization.name_en)
                                .where(Organization.id.in_(ids)).order_by(Organization.id)))


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


def dated_open_tasks(session: Session, org_ids: set[int], limit: int = 200) -> list[tuple[HumanTask, ProcessInstance]]:
    """Open tasks with a due date for these organizations, soonest first (期限提醒 lists them)."""
    rows = session.execute(select(HumanTask, ProcessInstance).join(
        ProcessInstance, ProcessInstance.id == HumanTask.instance_id).where(
        HumanTask.organization_id.in_(org_ids or {-1}), HumanTask.state.in_(("ready", "claimed")),
        HumanTask.due_at.is_not(None)).order_by(HumanTask.due_at, HumanTask.id).limit(limit)).all()
    return [(task, instance) for task, instance in rows]


def visible_instance(session: Session, principal: Principal, instance_id: int) -> ProcessInstance:
    """An instance the user may open; others look exactly like missing ones."""
    instance = session.get(ProcessInstance, instance_id)
    if not _may_open(session, principal, instance):
        raise NotFound(f"未知流程实例：{instance_id} / unknown instance: {instance_id}")
    return instance


def _may_open(session: Session, principal: Principal, instance: ProcessInstance | None) -> bool:
    """True when the instance exists and is in the user's scope or has a task for them."""
    return instance is not None and (can_view_instance(principal, instance.township_id, instance.department_id)
                                     or instance.started_by == principal.user_id  # the sender sees what it sent
                                     or _acts_in(session, principal, instance.id))


def _acts_in(session: Session, principal: Principal, instance_id: int) -> bool:
    """True when one of the instance's tasks is (or was) for the user's role and organization."""
    pairs = {(g.org_id, g.role.value) for g in principal.grants}
    rows = session.execute(select(HumanTask.organization_id, HumanTask.role)
                           .where(HumanTask.instance_id == instance_id)).all()
    return any((org, role) in pairs for org, role in rows)


def visible_task(session: Session, principal: Principal, task_id: int) -> HumanTask:
    """A task of an instance the user may open."""
    task = session.get(HumanTask, task_id)
    instance = session.get(ProcessInstance, task.instance_id) if task is not None else None
    # A task of an instance outside the user's scope answers exactly as a missing task: naming
    # its instance would tell a prober which task ids exist and where they belong.
    if not _may_open(session, principal, instance):
        raise NotFound(f"未知任务：{task_id} / unknown task: {task_id}")
    return task


def instance_view(session: Session, principal: Principal, instance_id: int,
                  forms: FormRegistry | None = None) -> dict:
    """The instance with tasks (and their forms, given the registry), history, documents and BPMN XML."""
    instance = visible_instance(session, principal, instance_id)
    view = processes.show_instance(session, instance.id, forms)
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
