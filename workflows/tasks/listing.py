"""Procedure instances within the user's scope, newest first, a page at a time."""

from __future__ import annotations

from sqlalchemy import and_, exists, false, or_, select
from sqlalchemy.orm import Session

from models import HumanTask, ProcessInstance
from workflows.accounts.access import Principal
from workflows.registry.browse import Page, _page


def instance_scope(principal: Principal):
    """The SQL form of inbox.visible_instance: own township or department, or a task for the user."""
    if principal.is_county_wide:
        return None
    pairs = [and_(HumanTask.organization_id == g.org_id, HumanTask.role == g.role.value)
             for g in principal.grants]
    acts_in = exists().where(HumanTask.instance_id == ProcessInstance.id, or_(*pairs)) if pairs else false()
    return or_(ProcessInstance.township_id.in_(principal.township_ids or {-1}),
               ProcessInstance.department_id.in_(principal.department_ids or {-1}), acts_in)


def visible_instances(session: Session, principal: Principal, *, process_id: str | None = None,
                      status: str | None = None, page: int = 1, page_size: int = 50) -> Page:
    """Instances the user may open, newest first, optionally of one procedure or status."""
    query = select(ProcessInstance).order_by(ProcessInstance.id.desc())
    scope = instance_scope(principal)
    if scope is not None:
        query = query.where(scope)
    if process_id:
        query = query.where(ProcessInstance.process_id == process_id)
    if status:
        query = query.where(ProcessInstance.status == status)
    return _page(session, query, page, page_size)
