"""Extensions (延期) of a running deadline, approved by the organ's head or a collective decision."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import (
    Deadline,
    DeadlineExtension,
    DeadlineStatus,
    Membership,
    Organization,
    OrgKind,
    Role,
    User,
)
from models.deadlines import RUNNING_STATUSES
from workflows.calendar.legal_calendar import LegalCalendar
from workflows.core.db import unit_of_work
from workflows.core.errors import LegalRuleViolation, NotFound, PermissionDenied, ValidationFailed
from workflows.deadlines.periods import compute_warn_at, shift_due
from workflows.deadlines.records import (
    audit_change,
    get_deadline,
    require_reason,
    state_conflict,
    transition,
)


def head_role(rule_role: str | None, org: Organization | None) -> Role:
    """Who heads the deciding organ: the rule's role, else the township leader or the county approver."""
    if rule_role:
        return Role(rule_role)
    if org is not None and org.kind in (OrgKind.TOWNSHIP, OrgKind.TOWNSHIP_ORGAN):
        return Role.TOWNSHIP_LEADER
    return Role.COUNTY_APPROVER


def _approver_orgs(session: Session, org: Organization | None, role: Role) -> set[int]:
    """Organizations where holding `role` lets a user approve for `org`."""
    ids = {o for o in (org.id, org.township_id, org.parent_id) if o} if org is not None else set()
    if role == Role.COUNTY_APPROVER:
        ids |= set(session.scalars(select(Organization.id).where(
            Organization.kind == OrgKind.COUNTY_GOVERNMENT)))
    return ids


def _check_approver(session: Session, deadline: Deadline, approver: User | int) -> User:
    approver_id = approver if isinstance(approver, int) else approver.id
    user = session.get(User, approver_id)
    if user is None:
        raise NotFound(f"未知用户：{approver_id} / unknown user: {approver_id}", ref=str(approver_id))
    org = session.get(Organization, deadline.org_id) if deadline.org_id else None
    role = head_role(deadline.rule.extension_role, org)
    allowed = _approver_orgs(session, org, role)
    held = session.scalars(select(Membership).where(
        Membership.user_id == user.id, Membership.role == role,
        Membership.organization_id.in_(allowed))).first()
    if held is None:
        raise PermissionDenied(
            f"用户 {user.username} 不是该机关负责人（需要角色 {role.value}），不能批准延期 / "
            f"{user.username} lacks the {role.value} role needed to approve the extension",
            deadline_id=deadline.id, role=role.value)
    return user


def _article(deadline: Deadline) -> str:
    """The short citation of a rule's legal basis, e.g. '行政处罚法 第60条'."""
    return deadline.rule.legal_basis.split("：")[0].split("；")[0]


def _check_input(amount, new_due, deadline: Deadline) -> None:
    errors: dict[str, list[str]] = {}
    if (amount is None) == (new_due is None):
        errors["amount"] = ["须给出延长期间或新的届满时间之一 / give either an amount or a new due instant"]
    if amount is not None and (isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0):
        errors["amount"] = [f"延长期间须为正整数 / amount must be a positive integer: {amount!r}"]
    if new_due is not None and (not isinstance(new_due, datetime) or new_due.tzinfo is None):
        errors["new_due"] = ["新的届满时间须带时区 / new due must be timezone-aware"]
    elif new_due is not None and new_due <= deadline.due_at:
        errors["new_due"] = [f"须晚于原届满时间 {deadline.due_at.isoformat()} / must be later than the current due"]
    if errors:
        raise ValidationFailed(errors, "延期申请有误 / invalid extension")


def _units(deadline: Deadline, amount: int) -> int:
    """Rule units as shift_due takes them (hour periods shift by seconds)."""
    return amount * 3600 if deadline.unit == "hours" else amount


def _new_due(calendar, deadline: Deadline, amount, new_due, collective: bool):
    """The extended due instant, within the head's allowance unless decided collectively."""
    target = new_due or shift_due(calendar, deadline.due_at, deadline.unit, _units(deadline, amount)).due_at
    if collective:
        return target
    allowance = deadline.rule.extension_amount
    if not allowance:
        raise LegalRuleViolation(
            f"「{deadline.rule.name_zh}」不能由负责人延长，须集体讨论决定 / this period cannot be extended "
            f"by the head; a collective decision is needed", article=_article(deadline))
    if any(not e.collective for e in deadline.extensions):
        # 市场监督管理行政处罚程序规定: the head extends once; any further extension is collective.
        raise LegalRuleViolation(
            "负责人已批准过一次延期，再次延期须集体讨论决定 / the head's extension is used; a further "
            "extension needs a collective decision", article=_article(deadline))
    cap = shift_due(calendar, deadline.due_at, deadline.unit, _units(deadline, allowance)).due_at
    if target > cap:
        raise LegalRuleViolation(
            f"负责人最多可延长{allowance}（{deadline.unit}），至 {cap.isoformat()} / the head may extend by "
            f"at most {allowance} {deadline.unit}", article=_article(deadline), limit=cap.isoformat())
    return target


def extend(session: Session, clock, calendar: LegalCalendar, deadline_id: int, *, reason: str,
           approver: User | int, amount: int | None = None, new_due: datetime | None = None,
           collective: bool = False) -> DeadlineExtension:
    """Extend a running deadline by `amount` rule units or to `new_due`, with reason and approver."""
    reason = require_reason(reason)
    with unit_of_work(session):
        deadline = get_deadline(session, deadline_id)
        if deadline.status not in RUNNING_STATUSES:
            raise state_conflict(deadline, ("延期", "extend it (only a running deadline)"))
        _check_input(amount, new_due, deadline)
        user = _check_approver(session, deadline, approver)
        target = _new_due(calendar, deadline, amount, new_due, collective)
        rule = deadline.rule
        warn_at = compute_warn_at(calendar, target, rule.warn_before_amount, rule.warn_before_unit,
                                  deadline.started_at)
        old_due = deadline.due_at
        pending = warn_at is None or warn_at > clock.now()
        transition(session, deadline, RUNNING_STATUSES, {
            "due_at": target, "warn_at": warn_at, "extension_count": deadline.extension_count + 1,
            "status": DeadlineStatus.PENDING if pending else deadline.status}, ("延期", "extend it"))
        extension = DeadlineExtension(deadline_id=deadline.id, reason=reason, approver_user_id=user.id,
                                      collective=collective, old_due_at=old_due, new_due_at=target,
                                      created_at=clock.now())
        session.add(extension)
        session.flush()
        audit_change(session, clock, deadline, "extended", user, reason=reason, collective=collective,
               old_due_at=old_due.isoformat(), new_due_at=target.isoformat())
    return extension
