"""Joint enforcement (联合执法, 浙江省综合行政执法条例 第13–14条 as practice).

The initiating township proposes a plan with the departments it invites; each confirms within its
period in parallel; the operation is held; each participant records its findings; the initiator
consolidates them, every follow-up case routed through the power registry (who()); the result is
published (国办发〔2018〕118号: 20 working days for other enforcement information).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import JointFinding, JointOperation, JointParticipant, OrgKind, Role, User
from workflows import processes
from workflows.coordination_common import meet_period, start_period
from workflows.db import unit_of_work
from workflows.errors import ValidationFailed
from workflows.forms import Field, Form, register_form
from workflows.procedure_rules import as_iso_date, org_of_kind, require_role
from workflows.registry import who
from workflows.services import ServiceContext, service_task

PROCESS_ID = "joint_enforcement"

register_form(PROCESS_ID, "confirm", Form([
    Field("joins", "bool", required=True, label_zh="是否参加", label_en="Joins"),
    Field("response_note", "text", max_length=2000, label_zh="答复意见", label_en="Note"),
]))
register_form(PROCESS_ID, "hold_operation", Form([
    Field("held_on", "date", required=True, label_zh="实施日期", label_en="Held on"),
    Field("operation_note", "text", max_length=4000, label_zh="实施情况", label_en="What was done"),
]))
register_form(PROCESS_ID, "record_findings", Form([
    Field("finding", "text", required=True, max_length=4000, label_zh="检查发现", label_en="Findings"),
    Field("item_codes", "item_codes", label_zh="涉嫌违法事项", label_en="Items of suspected violations"),
]))
register_form(PROCESS_ID, "publish_result", Form([
    Field("result_summary", "text", required=True, max_length=4000, label_zh="综合结果", label_en="Result"),
    Field("published_on", "date", required=True, label_zh="公布日期", label_en="Published on"),
    Field("publication_channel", "str", required=True, max_length=200, label_zh="公布渠道",
          label_en="Where published"),
]))


def _check_plan(session: Session, township, title: str, plan: str, planned_on: str, participant_ids: list,
                today) -> list:
    errors: dict[str, list[str]] = {}
    if not title.strip():
        errors["title"] = ["必填 / required"]
    if not plan.strip():
        errors["plan"] = ["须有执法方案 / a plan is required (浙江条例 第14条)"]
    if not participant_ids:
        errors["participant_ids"] = ["至少邀请一个部门 / invite at least one department"]
    elif len(set(participant_ids)) != len(participant_ids):
        errors["participant_ids"] = ["部门重复 / a department is listed twice"]
    if errors:
        raise ValidationFailed(errors, "联合执法方案不完整 / the plan is incomplete")
    if as_iso_date(planned_on, "planned_on") < today:
        raise ValidationFailed({"planned_on": [f"实施日期 {planned_on} 早于今天 / the date is in the past"]})
    return [org_of_kind(session, p, OrgKind.COUNTY_DEPARTMENT, "县直部门 / department") for p in participant_ids]


def propose_joint_operation(session: Session, engine, actor: User, township_id: int, *, title: str, plan: str,
                            planned_on: str, participant_ids: list[int]) -> JointOperation:
    """The initiating township writes the plan and invites the departments."""
    with unit_of_work(session):
        township = org_of_kind(session, township_id, OrgKind.TOWNSHIP, "乡镇 / township")
        require_role(session, actor, Role.TOWNSHIP_OFFICER, township)
        departments = _check_plan(session, township, title, plan, planned_on, participant_ids,
                                  engine.clock.today())
        operation = JointOperation(initiator_org_id=township.id, township_id=township.id, title=title.strip(),
                                   plan=plan.strip(), planned_on=planned_on, created_at=engine.clock.now(),
                                   participants=[JointParticipant(org_id=d.id) for d in departments])
        session.add(operation)
        session.flush()
        data = {"operation_id": operation.id, "township_id": township.id,
                "participant_ids": [d.id for d in departments], "response_note": "", "operation_note": "",
                "item_codes": []}
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
        p.deadline_id = start_period(ctx.session, ctx.clock, "joint_confirm", instance_id=ctx.instance_id,
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
    """Service task: the departments that confirmed; none means the operation is called off."""
    operation = ctx.session.get(JointOperation, operation_id)
    confirmed = [p.org_id for p in operation.participants if p.confirmed]
    operation.status = "confirmed" if confirmed else "cancelled"
    return confirmed


@service_task("joint.held")
def held(ctx: ServiceContext, operation_id: int, confirmed_ids: list, held_on: str) -> dict:
    """Service task: the operation took place; each participant's findings period starts."""
    operation = ctx.session.get(JointOperation, operation_id)
    operation.status = "held"
    ids = {str(org): start_period(ctx.session, ctx.clock, "joint_findings", instance_id=ctx.instance_id,
                                  org_id=org, case_ref=f"LH-{operation_id}") for org in confirmed_ids}
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
    publication = start_period(ctx.session, ctx.clock, "gb118_publish_other", instance_id=ctx.instance_id,
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
