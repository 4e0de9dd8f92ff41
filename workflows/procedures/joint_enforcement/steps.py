"""Joint enforcement (联合执法, 浙江省综合行政执法条例 第13–14条 as practice).

The initiating organ (a township or a county department) proposes a plan with the organs it
invites; each confirms within its period in parallel; the operation is held; each participant records its findings; the initiator
consolidates them, every follow-up case routed through the power registry (who()); the result is
published (国办发〔2018〕118号: 20 working days for other enforcement information).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import JointFinding, JointOperation, JointParticipant, Organization, OrgKind, User
from workflows.core.db import unit_of_work
from workflows.core.errors import ValidationFailed
from workflows.core.forms import Field, Form
from workflows.core.services import ServiceContext, service_task
from workflows.procedures.periods import meet_period, org_or_404, role_for, start_period
from workflows.procedures.rules import as_iso_date, org_of_kind, require_role
from workflows.registry.powers import who
from workflows.tasks import processes

PROCESS_ID = "joint_enforcement"

FORMS = {
    "confirm": Form([
        Field("joins", "bool", required=True, label_zh="是否参加", label_en="Joins"),
        Field("response_note", "text", max_length=2000, label_zh="答复意见", label_en="Note"),
    ]),
    "hold": Form([
        Field("held_on", "date", required=True, label_zh="实施日期", label_en="Held on"),
        Field("operation_note", "text", max_length=4000, label_zh="实施情况", label_en="What was done"),
    ]),
    "findings": Form([
        Field("finding", "text", required=True, max_length=4000, label_zh="检查发现", label_en="Findings"),
        Field("item_codes", "item_codes", label_zh="涉嫌违法事项", label_en="Items of suspected violations"),
    ]),
    "publish": Form([
        Field("result_summary", "text", required=True, max_length=4000, label_zh="综合结果", label_en="Result"),
        Field("published_on", "date", required=True, label_zh="公布日期", label_en="Published on"),
        Field("publication_channel", "str", required=True, max_length=200, label_zh="公布渠道",
              label_en="Where published"),
    ]),
}
# One task per kind of organ (the lane's role differs), the same form for both.
TASK_FORMS = {f"{base}_{side}": form for base, form in FORMS.items() for side in ("township", "department")}
PARTIES = (OrgKind.TOWNSHIP, OrgKind.COUNTY_DEPARTMENT)


def _check_plan(title: str, plan: str, planned_on: str, participant_ids: list, initiator_id: int, today) -> None:
    errors: dict[str, list[str]] = {}
    if not title.strip():
        errors["title"] = ["必填 / required"]
    if not plan.strip():
        errors["plan"] = ["须有执法方案 / a plan is required (浙江条例 第14条)"]
    if not participant_ids:
        errors["participant_ids"] = ["至少邀请一个机关 / invite at least one organ"]
    elif len(set(participant_ids)) != len(participant_ids) or initiator_id in participant_ids:
        errors["participant_ids"] = ["机关重复或邀请了发起机关本身 / an organ is listed twice or is the initiator"]
    if errors:
        raise ValidationFailed(errors, "联合执法方案不完整 / the plan is incomplete")
    if as_iso_date(planned_on, "planned_on") < today:
        raise ValidationFailed({"planned_on": [f"实施日期 {planned_on} 早于今天 / the date is in the past"]})


def _party(session: Session, org_id, label: str) -> Organization:
    """A township or a county department (the organs that take part in joint enforcement)."""
    org = org_or_404(session, org_id, label)
    if org.kind not in PARTIES:
        raise ValidationFailed({"participant_ids": [f"{org.name} 不是乡镇或县直部门 / not a township or department"]})
    return org


def propose_joint_operation(session: Session, engine, actor: User, initiator_org_id: int, *, title: str, plan: str,
                            planned_on: str, participant_ids: list[int],
                            township_id: int | None = None) -> JointOperation:
    """The initiating organ writes the plan (浙江条例 第14条) and invites the organs that take part."""
    with unit_of_work(session):
        initiator = _party(session, initiator_org_id, "发起机关 / initiator")
        require_role(session, actor, role_for(initiator), initiator)
        place = initiator if initiator.kind == OrgKind.TOWNSHIP else org_of_kind(
            session, township_id, OrgKind.TOWNSHIP, "实施地乡镇 / township of the operation")
        _check_plan(title, plan, planned_on, participant_ids, initiator.id, engine.clock.today())
        organs = [_party(session, p, "参与机关 / participant") for p in participant_ids]
        operation = JointOperation(initiator_org_id=initiator.id, township_id=place.id, title=title.strip(),
                                   plan=plan.strip(), planned_on=planned_on, created_at=engine.clock.now(),
                                   participants=[JointParticipant(org_id=o.id) for o in organs])
        session.add(operation)
        session.flush()
        owner = "township_id" if initiator.kind == OrgKind.TOWNSHIP else "department_id"
        data = {owner: initiator.id, "operation_id": operation.id, "initiator_org_id": initiator.id,
                "initiator_is_township": initiator.kind == OrgKind.TOWNSHIP,
                "planned_on": as_iso_date(planned_on, "planned_on").isoformat(),  # the hold task's due (第14条)
                "participants": [{"org_id": o.id, "township": o.kind == OrgKind.TOWNSHIP} for o in organs],
                "response_note": "", "operation_note": "", "item_codes": []}
        operation.instance_id = processes.start(session, engine, PROCESS_ID, data=data, actor=actor,
                                                business_key=f"LH-{operation.id}").id
        return operation


def _participant(session: Session, operation_id: int, org_id: int) -> JointParticipant:
    return session.scalars(select(JointParticipant).where(
        JointParticipant.operation_id == operation_id, JointParticipant.org_id == org_id)).one()


@service_task("joint.invite")
def invite(ctx: ServiceContext, operation_id: int) -> dict:
    """Service task: each invited department's confirmation period starts."""
    operation = ctx.session.get(JointOperation, operation_id)
    for p in operation.participants:
        p.deadline_id = start_period(ctx, "joint_confirm", instance_id=ctx.instance_id,
                                     org_id=p.org_id, case_ref=f"LH-{operation_id}")
    return {"invited": [p.org_id for p in operation.participants]}


@service_task("joint.record_confirmation")
def record_confirmation(ctx: ServiceContext, operation_id: int, participant_org_id: int, joins: bool,
                        response_note) -> dict:
    """Service task: one department's answer, in the step of its task."""
    p = _participant(ctx.session, operation_id, participant_org_id)
    p.confirmed, p.response_note, p.answered_at = bool(joins), response_note or None, ctx.now
    meet_period(ctx.session, ctx.clock, p.deadline_id, ctx.actor_user_id)
    return {"org_id": participant_org_id, "joins": bool(joins)}


@service_task("joint.roster")
def roster(ctx: ServiceContext, operation_id: int) -> list:
    """Service task: the organs that confirmed; none means the operation is called off."""
    operation = ctx.session.get(JointOperation, operation_id)
    kinds = {o.id: o.kind for o in ctx.session.scalars(select(Organization).where(
        Organization.id.in_([p.org_id for p in operation.participants])))}
    confirmed = [{"org_id": p.org_id, "township": kinds[p.org_id] == OrgKind.TOWNSHIP}
                 for p in operation.participants if p.confirmed]
    operation.status = "confirmed" if confirmed else "cancelled"
    return confirmed


@service_task("joint.held")
def held(ctx: ServiceContext, operation_id: int, confirmed: list, held_on: str) -> dict:
    """Service task: the operation took place; each participant's findings period starts."""
    operation = ctx.session.get(JointOperation, operation_id)
    operation.status = "held"
    ids = {str(org): start_period(ctx, "joint_findings", instance_id=ctx.instance_id,
                                  org_id=org, case_ref=f"LH-{operation_id}")
           for org in (c["org_id"] for c in confirmed)}
    return {"held_on": held_on, "deadline_ids": ids}


@service_task("joint.record_findings")
def record_findings(ctx: ServiceContext, operation_id: int, finder_org_id: int, finding: str, item_codes,
                    deadline_ids: dict) -> dict:
    """Service task: a participant's findings, one row per suspected item (or one without an item)."""
    for code in (item_codes or [None]):
        ctx.session.add(JointFinding(operation_id=operation_id, org_id=finder_org_id, item_code=code,
                                     finding=finding, recorded_at=ctx.now))
    meet_period(ctx.session, ctx.clock, deadline_ids.get(str(finder_org_id)), ctx.actor_user_id)
    return {"org_id": finder_org_id, "items": list(item_codes or [])}


@service_task("joint.consolidate")
def consolidate(ctx: ServiceContext, operation_id: int) -> dict:
    """Service task: route every follow-up case to the competent organ via the registry (who())."""
    operation = ctx.session.get(JointOperation, operation_id)
    routed = []
    for f in operation.findings:
        if f.item_code is None:
            continue
        answer = who(ctx.session, f.item_code, operation.township_id, ctx.clock.today())
        f.routed_org_id, f.routed_mode, f.routed_basis = answer.acting_org.id, answer.mode, answer.basis
        routed.append({"item_code": f.item_code, "org_id": answer.acting_org.id, "org": answer.acting_org.name,
                       "mode": answer.mode})
    operation.status = "consolidated"
    publication = start_period(ctx, "gb118_publish_other", instance_id=ctx.instance_id,
                               org_id=operation.initiator_org_id, case_ref=f"LH-{operation_id}")
    return {"follow_ups": routed, "publication_deadline_id": publication}


@service_task("joint.publish")
def publish(ctx: ServiceContext, operation_id: int, result_summary: str, published_on: str,
            publication_channel: str, deadline_id: int) -> dict:
    """Service task: the consolidated result is published."""
    operation = ctx.session.get(JointOperation, operation_id)
    operation.result_summary, operation.published_on = result_summary, published_on
    operation.publication_channel, operation.status = publication_channel, "published"
    meet_period(ctx.session, ctx.clock, deadline_id, ctx.actor_user_id)
    return {"published_on": published_on}
