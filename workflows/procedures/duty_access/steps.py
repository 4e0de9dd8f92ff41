"""Duty access (职责准入, 故字〔2020〕6号 五(一); 山东省乡镇人民政府工作条例 第26条).

A county department may not push its own duties onto townships on its own: it asks, the
townships give their opinions, and the county government decides with targets, staff and funding
(权随事转、人随事转、费随事转). The decision is recorded either way.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from sqlalchemy.orm import Session

from models import DutyAccessOpinion, DutyAccessRequest, OrgKind, Role, User
from workflows.core.db import unit_of_work
from workflows.core.errors import LegalRuleViolation, ValidationFailed
from workflows.core.forms import Field, Form
from workflows.core.services import ServiceContext, service_task
from workflows.procedures.periods import meet_period, start_period
from workflows.procedures.rules import org_of_kind, require_role, single_org
from workflows.tasks import processes

PROCESS_ID = "duty_access"
ART = "故字〔2020〕6号 五(一)（职责准入：权随事转、人随事转、费随事转）；山东省乡镇人民政府工作条例 第26条"

FORMS = {
    "township_opinion": Form([
        Field("agrees", "bool", required=True, label_zh="是否同意承接", label_en="Agrees"),
        Field("opinion", "text", required=True, max_length=2000, label_zh="乡镇意见", label_en="Opinion"),
    ]),
    "county_decision": Form([
        Field("decision", "choice", required=True, choices=("approve", "reject"), label_zh="审批结论",
              label_en="Decision"),
        Field("targets", "text", max_length=4000, label_zh="工作目标", label_en="Targets"),
        Field("approved_staff", "int", min=0, label_zh="随事转移编制/人员", label_en="Staff moved"),
        Field("approved_funding_yuan", "decimal", label_zh="随事转移经费（元）", label_en="Funding (yuan)"),
        Field("decision_note", "text", max_length=2000, label_zh="审批意见", label_en="Note"),
    ]),
}


def _money(value, field: str) -> Decimal:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationFailed({field: [f"应为金额：{value!r} / must be an amount"]}) from None
    if amount < 0 or not amount.is_finite():
        raise ValidationFailed({field: [f"金额不得为负：{value} / must not be negative"]})
    return amount


def check_resources(staff: int, funding: Decimal, required: bool, what: str) -> None:
    """费随事转: where the county requires it, a duty moves only with staff and money."""
    if required and (staff <= 0 or funding <= 0):
        raise LegalRuleViolation(
            f"{what}须同时明确随事转移的人员和经费（人员 {staff}，经费 {funding} 元）/ {what} must move "
            f"staff and funding with the duty (staff {staff}, funding {funding})", article=ART)


def _check_request(title: str, description: str, legal_basis: str, township_ids: list) -> None:
    errors: dict[str, list[str]] = {}
    for name, value in (("title", title), ("description", description), ("legal_basis", legal_basis)):
        if not (value or "").strip():
            errors[name] = ["必填 / required"]
    if not township_ids:
        errors["township_ids"] = ["至少选择一个乡镇 / choose at least one township"]
    elif len(set(township_ids)) != len(township_ids):
        errors["township_ids"] = ["乡镇重复 / a township is listed twice"]
    if errors:
        raise ValidationFailed(errors, "准入申请不完整 / the request is incomplete")


def request_duty_access(session: Session, engine, actor: User, department_id: int, *, title: str,
                        description: str, legal_basis: str, township_ids: list[int], staff: int,
                        funding_yuan, resources_required: bool = True) -> DutyAccessRequest:
    """A department asks to push a task onto townships; the townships are consulted in parallel."""
    with unit_of_work(session):
        department = org_of_kind(session, department_id, OrgKind.COUNTY_DEPARTMENT, "县直部门 / department")
        require_role(session, actor, Role.COUNTY_OFFICER, department)
        _check_request(title, description, legal_basis, township_ids)
        towns = [org_of_kind(session, t, OrgKind.TOWNSHIP, "乡镇 / township") for t in township_ids]
        funding = _money(funding_yuan, "funding_yuan")
        check_resources(int(staff), funding, resources_required, "职责准入申请 / the request")
        row = DutyAccessRequest(department_id=department.id, title=title.strip(), description=description.strip(),
                                legal_basis=legal_basis.strip(), township_ids=[t.id for t in towns],
                                staff=int(staff), funding_yuan=funding, resources_required=resources_required,
                                created_at=engine.clock.now())
        session.add(row)
        session.flush()
        data = {"request_id": row.id, "department_id": department.id, "township_ids": row.township_ids,
                "county_government_id": single_org(session, OrgKind.COUNTY_GOVERNMENT).id,
                "resources_required": resources_required, "targets": "", "approved_staff": 0,
                "approved_funding_yuan": "0", "decision_note": ""}
        row.instance_id = processes.start(session, engine, PROCESS_ID, data=data, actor=actor,
                                          business_key=f"ZZ-{row.id}").id
        return row


@service_task("duty_access.open")
def open_consultation(ctx: ServiceContext, request_id: int, township_ids: list) -> dict:
    """Service task: each township's opinion period starts."""
    ids = {str(t): start_period(ctx, "duty_township_opinion", instance_id=ctx.instance_id,
                                org_id=t, case_ref=f"ZZ-{request_id}") for t in township_ids}
    return {"deadline_ids": ids}


@service_task("duty_access.record_opinion")
def record_opinion(ctx: ServiceContext, request_id: int, township_id: int, agrees: bool, opinion: str,
                   deadline_ids: dict) -> dict:
    """Service task: one township's opinion, in the same step as its task."""
    ctx.session.add(DutyAccessOpinion(request_id=request_id, township_id=township_id, agrees=bool(agrees),
                                      opinion=opinion, recorded_at=ctx.now))
    meet_period(ctx.session, ctx.clock, deadline_ids.get(str(township_id)), ctx.actor_user_id)
    return {"township_id": township_id, "agrees": bool(agrees)}


@service_task("duty_access.gather")
def gather(ctx: ServiceContext, request_id: int, county_government_id: int) -> dict:
    """Service task: opinions are in; the county's decision period starts."""
    request = ctx.session.get(DutyAccessRequest, request_id)
    request.status = "deciding"
    deadline = start_period(ctx, "duty_county_decision", instance_id=ctx.instance_id,
                            org_id=county_government_id, case_ref=f"ZZ-{request_id}")
    against = [o.township_id for o in request.opinions if not o.agrees]
    return {"deadline_id": deadline, "objecting_townships": against}


@service_task("duty_access.decide")
def decide(ctx: ServiceContext, request_id: int, decision: str, targets, approved_staff, approved_funding_yuan,
           decision_note, deadline_id: int) -> dict:
    """Service task: the county's decision with targets, staff and funding is recorded."""
    request = ctx.session.get(DutyAccessRequest, request_id)
    if decision == "approve":
        if not (targets or "").strip():
            raise ValidationFailed({"targets": ["批准须明确工作目标 / an approval states the targets"]})
        staff = int(approved_staff or 0)
        funding = _money(approved_funding_yuan or "0", "approved_funding_yuan")
        check_resources(staff, funding, request.resources_required, "县政府批准 / the approval")
        request.approved_targets, request.approved_staff, request.approved_funding_yuan = targets.strip(), staff, funding
    request.status = "approved" if decision == "approve" else "rejected"
    request.decision_note, request.decided_at = decision_note or None, ctx.now
    meet_period(ctx.session, ctx.clock, deadline_id, ctx.actor_user_id)
    return {"status": request.status}
