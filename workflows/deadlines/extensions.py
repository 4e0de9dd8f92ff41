"""Extensions (延期) of a running deadline, approved by the organ's head or a collective decision."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import (
    Case,
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

# The head of each kind of organ (负责人): who approves an extension in that organ's name.
HEAD_ROLES = {OrgKind.TOWNSHIP: Role.TOWNSHIP_LEADER, OrgKind.TOWNSHIP_ORGAN: Role.TOWNSHIP_LEADER,
              OrgKind.COUNTY_DEPARTMENT: Role.DEPARTMENT_HEAD, OrgKind.PUBLIC_SECURITY: Role.DEPARTMENT_HEAD,
              OrgKind.COUNTY_GOVERNMENT: Role.COUNTY_APPROVER}


def head_role(rule_role: str | None, org: Organization | None) -> Role:
    """Who heads the deciding organ: the rule's role, else the head of that kind of organ."""
    if rule_role:
        return Role(rule_role)
    return HEAD_ROLES.get(OrgKind(org.kind), Role.COUNTY_APPROVER) if org is not None else Role.COUNTY_APPROVER


def deciding_organ(session: Session, deadline: Deadline) -> Organization | None:
    """The organ in whose name the decision is made: for a case its enforcement subject — the
    entrusting department for an entrusted case (行政处罚法 第20条) — else the deadline's organ."""
    if deadline.case_ref:
        subject = session.scalar(select(Case.enforcement_subject_org_id)
                                 .where(Case.case_number == deadline.case_ref))
        if subject is not None:
            return session.get(Organization, subject)
    return session.get(Organization, deadline.org_id) if deadline.org_id else None


def _approver_orgs(org: Organization | None) -> set[int]:
    """Where holding the head role lets a user approve for `org`: the organ itself (a township
    organ's head is the township's)."""
    if org is None:
        return set()
    return {org.township_id} if org.kind == OrgKind.TOWNSHIP_ORGAN and org.township_id else {org.id}


def _check_approver(session: Session, deadline: Deadline, approver: User | int) -> User:
    approver_id = approver if isinstance(approver, int) else approver.id
    user = session.get(User, approver_id)
    if user is None:
        raise NotFound(f"未知用户：{approver_id} / unknown user: {approver_id}", ref=str(approver_id))
    org = deciding_organ(session, deadline)
    role = head_role(deadline.rule.extension_role, org)
    allowed = _approver_orgs(org)
    held = session.scalars(select(Membership).where(
        Membership.user_id == user.id, Membership.role == role,
        Membership.organization_id.in_(allowed))).first()
    if held is None:
        raise PermissionDenied(
            f"用户 {user.username} 不是{org.name if org else '该机关'}的负责人（需要角色 {role.value}），不能批准延期；"
            f"延期由以其名义作出决定的机关负责人批准 / {user.username} is not the head ({role.value}) of "
            f"{org.name if org else 'the deciding organ'}, in whose name the decision is made",
            deadline_id=deadline.id, role=role.value, article="行政处罚法 第20条",
            organization_id=org.id if org else None)
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
    """The extended due instant, only as far as the rule's basis provides (第60条 via sector rules,
    行政强制法 第25条); a period fixed by law (第48、61、64条, 310号令, 118号) is never extended."""
    rule = deadline.rule
    if not rule.extension_amount and not rule.extension_collective:
        raise LegalRuleViolation(
            f"「{rule.name_zh}」的期限由其依据确定，依据未规定延长，不得延长 / this period is fixed by its "
            f"basis, which provides no extension", article=_article(deadline), rule_key=rule.key)
    target = new_due or shift_due(calendar, deadline.due_at, deadline.unit, _units(deadline, amount)).due_at
    head_used = any(not e.collective for e in deadline.extensions)
    if collective:
        if not rule.extension_collective:
            raise LegalRuleViolation(
                f"「{rule.name_zh}」的依据未规定集体讨论延期，只能由负责人延长{rule.extension_amount}（{deadline.unit}）"
                f"一次 / its basis provides no collective extension", article=_article(deadline))
        if rule.extension_amount and not head_used:
            raise LegalRuleViolation(
                "先由负责人批准延期，仍不能完成的才由集体讨论决定继续延期 / the head extends first; a "
                "collective decision only extends further", article=_article(deadline))
        return target
    if not rule.extension_amount:
        raise LegalRuleViolation(
            f"「{rule.name_zh}」不能由负责人延长，须集体讨论决定 / this period cannot be extended "
            f"by the head; a collective decision is needed", article=_article(deadline))
    if head_used:
        further = ("再次延期须集体讨论决定 / a further extension needs a collective decision"
                   if rule.extension_collective else "依据只允许延长一次 / the basis allows one extension")
        raise LegalRuleViolation(f"负责人已批准过一次延期，{further}", article=_article(deadline))
    cap = shift_due(calendar, deadline.due_at, deadline.unit, _units(deadline, rule.extension_amount)).due_at
    if target > cap:
        raise LegalRuleViolation(
            f"负责人最多可延长{rule.extension_amount}（{deadline.unit}），至 {cap.isoformat()} / the head may "
            f"extend by at most {rule.extension_amount} {deadline.unit}", article=_article(deadline),
            limit=cap.isoformat())
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
