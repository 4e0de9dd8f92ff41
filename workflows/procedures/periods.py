"""Helpers shared by the coordination procedures: periods as deadline rows, membership checks."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Deadline, HumanTask, Membership, Organization, OrgKind, Role, User
from workflows.calendar.legal_calendar import LegalCalendar
from workflows.core.clock import SHANGHAI
from workflows.core.errors import NotFound, PermissionDenied, QuanzeError
from workflows.core.services import ServiceContext
from workflows.deadlines.records import mark_met, start_deadline


def service_calendar(ctx: ServiceContext):
    """The engine's legal calendar, handed to every service task (one calendar per engine)."""
    if ctx.calendar is None:
        raise QuanzeError("未配置法定日历 / the engine has no legal calendar for this service task")
    return ctx.calendar


def start_period(ctx: ServiceContext, rule_key: str, *, instance_id: int | None, org_id: int,
                 task_id: str | None = None, case_ref: str | None = None) -> int:
    """Start a deadline row for a rule and return its id (figures count it per organ)."""
    row = start_deadline(ctx.session, ctx.clock, service_calendar(ctx), rule_key,
                         instance_id=instance_id, task_id=task_id, case_ref=case_ref, org=org_id)
    return row.id


def met_since(session: Session, engine, rule_key: str, since: date, *, org_id: int, case_ref: str,
              actor: User | int | None) -> Deadline:
    """A period that ran from a past legal date (Asia/Shanghai) and is met by this act, late when overdue."""
    start = datetime.combine(since, time(), SHANGHAI).astimezone(UTC)
    row = start_deadline(session, engine.clock, engine.calendar or LegalCalendar(), rule_key,
                         case_ref=case_ref, org=org_id, start=start, actor=actor)
    return mark_met(session, engine.clock, row.id, actor=actor)


def meet_period(session: Session, clock, deadline_id: int | None, actor_id: int | None = None) -> None:
    """Close a period that is still running (met late counts as late in the figures)."""
    if deadline_id is not None:
        mark_met(session, clock, deadline_id, actor=actor_id)


def org_or_404(session: Session, org_id, label: str) -> Organization:
    """An organization by id or a NotFound naming what was asked for."""
    org = session.get(Organization, org_id) if isinstance(org_id, int) else None
    if org is None:
        raise NotFound(f"未找到{label}：{org_id} / unknown {label}: {org_id}", org_id=org_id)
    return org


def member_roles(session: Session, user: User, org_id: int) -> set[str]:
    """The roles the user holds in one organization."""
    return {str(r) for r in session.scalars(select(Membership.role).where(
        Membership.user_id == user.id, Membership.organization_id == org_id))}


def require_member(session: Session, user: User, org: Organization, what: str) -> None:
    """The actor must belong to the organization that owns the act."""
    if not member_roles(session, user, org.id):
        raise PermissionDenied(
            f"{user.display_name} 不属于{org.name}，不能{what} / {user.username} is not a member of "
            f"{org.name} and cannot {what}", user_id=user.id, organization_id=org.id)


def role_for(org: Organization) -> Role:
    """The working role of an organ's staff for coordination tasks."""
    if org.kind in (OrgKind.TOWNSHIP, OrgKind.TOWNSHIP_ORGAN):
        return Role.TOWNSHIP_OFFICER
    if org.kind == OrgKind.COUNTY_GOVERNMENT:
        return Role.COUNTY_APPROVER
    return Role.COUNTY_OFFICER


def open_task(session: Session, instance_id: int, name: str, org_id: int | None = None) -> HumanTask:
    """The open human task of that BPMN id in the instance (optionally for one organization)."""
    query = select(HumanTask).where(HumanTask.instance_id == instance_id, HumanTask.task_spec_name == name,
                                    HumanTask.state.in_(("ready", "claimed")))
    if org_id is not None:
        query = query.where(HumanTask.organization_id == org_id)
    row = session.scalars(query.order_by(HumanTask.id)).first()
    if row is None:
        raise NotFound(f"实例 {instance_id} 没有待办任务 {name} / instance {instance_id} has no open "
                       f"task {name}", instance_id=instance_id, task=name)
    return row
