"""Mutual notification (相互告知) between county departments and townships, acknowledged in time.

A department tells a township (or the reverse) of a licence, a penalty or an inspection. The
local rule's periods are the sender's (domain.md §9): notify within 1 working day of a licence
decision, 5 of a major decision, counted from the decision. The recipient's acknowledgement
period is a separate design default (notify_recipient_ack, 2 working days).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from models import MutualNotification, OrgKind, User
from workflows.accounts.access import principal_for
from workflows.cases.browse import visible_case
from workflows.core.db import unit_of_work
from workflows.core.errors import Conflict, LegalRuleViolation, NotFound, ValidationFailed
from workflows.core.forms import Field, Form
from workflows.core.services import ServiceContext, service_task
from workflows.procedures.periods import (
    meet_period,
    met_since,
    open_task,
    org_or_404,
    require_member,
    start_period,
)
from workflows.tasks import processes

PROCESS_ID = "mutual_notification"
KINDS = ("licence", "penalty", "inspection")
PARTIES = (OrgKind.COUNTY_DEPARTMENT, OrgKind.TOWNSHIP)
ART = "故字〔2020〕6号 相互告知制度"
# The sender's period from its decision (local practice), by kind; a major notice uses 5 days.
SENDER_RULES = {"licence": "notify_licence_ack", "penalty": "notify_major_ack"}
# The recipient's acknowledgement: working days and rule (a design default, not law).
ACK = (2, "notify_recipient_ack")

_ACK = Form([Field("note", "text", max_length=2000, label_zh="签收意见", label_en="Note")])
FORMS = {"ack_department": _ACK, "ack_township": _ACK}


def _sender_rule(kind: str, major: bool) -> str | None:
    """The sender's period: licences 1 working day, major decisions 5; inspections none."""
    return SENDER_RULES["penalty"] if major else SENDER_RULES.get(kind)


def _check_notice(sender, recipient, kind: str, subject: str, summary: str) -> None:
    errors: dict[str, list[str]] = {}
    if kind not in KINDS:
        errors["kind"] = [f"应为 {'/'.join(KINDS)}：{kind!r} / must be one of {KINDS}"]
    if not subject.strip():
        errors["subject"] = ["须填写告知事由 / a subject is required"]
    if not summary.strip():
        errors["summary"] = ["须填写告知内容 / a summary is required"]
    if errors:
        raise ValidationFailed(errors, "告知内容不完整 / the notice is incomplete")
    # 相互告知 runs between a county department and a township, in either direction.
    if {sender.kind, recipient.kind} != set(PARTIES):
        raise LegalRuleViolation(
            f"相互告知在县直部门与乡镇之间进行：{sender.name} → {recipient.name} 不适用 / mutual "
            f"notification runs between a county department and a township", article=ART,
            sender_org_id=sender.id, recipient_org_id=recipient.id)


def send_notification(session: Session, engine, actor: User, sender_org_id: int, recipient_org_id: int,
                      kind: str, subject: str, summary: str, *, major: bool = False,
                      case_id: int | None = None, decided_on: date | None = None) -> MutualNotification:
    """Record the notice, the sender's period from its decision, and start the acknowledgement."""
    decided_on = decided_on or engine.clock.today()
    if not isinstance(decided_on, date) or decided_on > engine.clock.today():
        raise ValidationFailed({"decided_on": ["决定日期须为今天或以前 / the decision date must not be in the future"]})
    with unit_of_work(session):
        sender = org_or_404(session, sender_org_id, "告知机关 / sender")
        recipient = org_or_404(session, recipient_org_id, "被告知机关 / recipient")
        require_member(session, actor, sender, "以该机关名义告知 / notify in its name")
        _check_notice(sender, recipient, kind, subject, summary)
        if case_id is not None:
            # A case the sender cannot open is refused exactly as a missing one (no id probing).
            visible_case(session, principal_for(session, actor), case_id)
        days, rule = ACK
        notice = MutualNotification(sender_org_id=sender.id, recipient_org_id=recipient.id, kind=kind,
                                    major=major, subject=subject.strip(), summary=summary.strip(),
                                    case_id=case_id, sent_at=engine.clock.now())
        session.add(notice)
        session.flush()
        sender_rule = _sender_rule(kind, major)
        if sender_rule:
            # The sender's period runs from its decision and is met by this notice (late when overdue).
            met_since(session, engine, sender_rule, decided_on, org_id=notice.sender_org_id,
                      case_ref=f"MN-{notice.id}", actor=actor)
        data = {"notification_id": notice.id, "recipient_org_id": recipient.id, "ack_days": days,
                "ack_rule": rule, "recipient_is_township": recipient.kind == OrgKind.TOWNSHIP,
                "sender_org_id": sender.id, "note": ""}
        instance = processes.start(session, engine, PROCESS_ID, data=data, actor=actor,
                                   business_key=f"MN-{notice.id}")
        notice.instance_id = instance.id
        return notice


def acknowledge_notification(session: Session, engine, notification_id: int, user: User,
                             note: str = "") -> MutualNotification:
    """The recipient signs for the notice; nobody else may."""
    with unit_of_work(session):
        notice = session.get(MutualNotification, notification_id)
        if notice is None:
            raise NotFound(f"未找到告知：{notification_id} / unknown notification", notification_id=notification_id)
        recipient = org_or_404(session, notice.recipient_org_id, "被告知机关 / recipient")
        require_member(session, user, recipient, f"签收告知 {notice.id} / acknowledge notice {notice.id}")
        if notice.acknowledged_at is not None:
            raise Conflict(f"告知 {notice.id} 已于 {notice.acknowledged_at:%Y-%m-%d %H:%M} 签收 / notice "
                           f"{notice.id} is already acknowledged", notification_id=notice.id)
        name = "ack_township" if recipient.kind == OrgKind.TOWNSHIP else "ack_department"
        task = open_task(session, notice.instance_id, name)
        processes.complete(session, engine, task.id, user, {"note": note})
        session.refresh(notice)
        return notice


@service_task("notification.open")
def open_acknowledgement(ctx: ServiceContext, notification_id: int, recipient_org_id: int, ack_rule: str) -> dict:
    """Service task: the acknowledgement period starts when the notice is sent."""
    notice = ctx.session.get(MutualNotification, notification_id)
    notice.deadline_id = start_period(ctx, ack_rule, instance_id=ctx.instance_id,
                                      org_id=recipient_org_id, case_ref=f"MN-{notification_id}")
    return {"deadline_id": notice.deadline_id}


@service_task("notification.acknowledge")
def record_acknowledgement(ctx: ServiceContext, notification_id: int, note) -> dict:
    """Service task: stamp the acknowledgement and meet its period."""
    notice = ctx.session.get(MutualNotification, notification_id)
    notice.acknowledged_at = ctx.now
    notice.acknowledged_by = ctx.actor_user_id
    notice.acknowledgement_note = note or None
    meet_period(ctx.session, ctx.clock, notice.deadline_id, ctx.actor_user_id)
    return {"acknowledged_at": ctx.now.isoformat()}

