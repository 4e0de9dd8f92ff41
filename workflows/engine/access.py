"""Who may act on a human task: the task's role in the task's organization, certified if needed."""

from __future__ import annotations

from datetime import date

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from models import EnforcementCertificate, HumanTask, Membership, ProcessInstance, Role, User
from workflows.core.errors import LegalRuleViolation, PermissionDenied
from workflows.core.fastsql import fast


def _role_query():
    table = Membership.__table__
    return select(table.c.id).where(
        table.c.user_id == bindparam("user_id"),
        table.c.organization_id == bindparam("organization_id"),
        table.c.role == bindparam("role")).limit(1)


def holds_role(session: Session, user: User, organization_id: int | None, role: str) -> bool:
    """True when the user has the role in that organization."""
    connection = session.connection()
    return fast("engine.holds_role", connection, _role_query).execute(connection, {
        "user_id": user.id, "organization_id": organization_id, "role": str(role)},
    ).first() is not None


def has_valid_certificate(session: Session, user: User, day: date) -> bool:
    """True when one of the user's enforcement certificates covers the day."""
    certificates = session.scalars(
        select(EnforcementCertificate).where(EnforcementCertificate.user_id == user.id))
    return any(c.is_valid_on(day) for c in certificates)


def check_may_act(session: Session, task: HumanTask, user: User, today: date) -> None:
    """Raise unless the user may claim, release or complete this task today."""
    if not user.is_active or not holds_role(session, user, task.organization_id, task.role):
        raise PermissionDenied(
            f"用户 {user.username} 不具备机构 {task.organization_id} 的 {task.role} 角色，不能办理任务 "
            f"{task.id} / user {user.username} lacks role {task.role} in organization "
            f"{task.organization_id} for task {task.id}", task_id=task.id)
    if task.state == "claimed" and task.claimed_by != user.id:
        raise PermissionDenied(
            f"任务 {task.id} 已由他人认领 / task {task.id} is claimed by another user",
            task_id=task.id)
    # 行政处罚法 第42条: enforcement is carried out by officers holding an enforcement certificate.
    if task.needs_certificate and not has_valid_certificate(session, user, today):
        raise LegalRuleViolation(
            f"任务 {task.id} 须由持有效执法证的人员办理 / task {task.id} needs a valid enforcement "
            f"certificate on {today.isoformat()}", article="行政处罚法 第42条", task_id=task.id)


def check_may_cancel(session: Session, instance: ProcessInstance, user: User) -> None:
    """The proposing department's officer or an administrator may stop an instance."""
    if holds_role(session, user, instance.department_id, Role.COUNTY_OFFICER):
        return
    if session.scalars(select(Membership.id).where(
            Membership.user_id == user.id, Membership.role == Role.ADMIN)).first() is not None:
        return
    raise PermissionDenied(
        f"用户 {user.username} 不能终止流程实例 {instance.id} / user {user.username} may not "
        f"cancel instance {instance.id}", instance_id=instance.id)
