"""Clue verification (线索核查): checked within 15 working days, the head decides whether to file.

市场监督管理行政处罚程序规定 第18条 (a sector rule, binding market-regulation organs only): a clue
is verified within 15 working days of its discovery or receipt and the head decides whether to file
(立案); in special cases the head may extend the period once by 15 working days.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from sqlalchemy.orm import Session

from models import OrgKind, Role, User
from workflows.core import audit
from workflows.core.clock import SHANGHAI
from workflows.core.db import unit_of_work
from workflows.core.errors import LegalRuleViolation, ValidationFailed
from workflows.core.forms import Field, Form
from workflows.core.services import ServiceContext, service_task
from workflows.deadlines import extensions
from workflows.deadlines import records as deadlines
from workflows.procedures import case_clock
from workflows.procedures.periods import service_calendar
from workflows.procedures.rules import require_role
from workflows.procedures.starting import org_of
from workflows.registry import powers as registry
from workflows.tasks import processes

PROCESS_ID = "clue_verification"
RULE = "samr_clue_verify"
ART = "市场监督管理行政处罚程序规定 第18条"
SOURCES = ("complaint", "inspection", "referral", "other")  # 投诉举报, 监督检查, 移送, 其他
DECISIONS = ("file", "not_file", "extend")

FORMS = {
    "verify_clue": Form([
        Field("verification_note", "text", required=True, max_length=4000, label_zh="核查情况",
              label_en="What the check found"),
        Field("proposal", "choice", required=True, choices=("file", "not_file"), label_zh="建议（立案/不予立案）",
              label_en="Proposal")]),
    "decide_clue": Form([
        Field("clue_decision", "choice", required=True, choices=DECISIONS,
              label_zh="负责人决定（立案/不予立案/延长十五个工作日）", label_en="Head's decision"),
        Field("clue_opinion", "text", required=True, max_length=2000, label_zh="理由", label_en="Reasons")]),
}
FORM_DEFAULTS = {f.name: None for form in FORMS.values() for f in form.fields}


@service_task("clue.decide")
def record_decision(ctx: ServiceContext, cl: dict, decision: str, opinion: str, proposal: str) -> dict:
    """第18条: file or not (the period is met); or extend once by 15 working days with reasons."""
    if decision == "extend":
        if cl["extended"]:
            raise LegalRuleViolation("核查期限已延长过一次 / the period was already extended once", article=ART)
        extensions.extend(ctx.session, ctx.clock, service_calendar(ctx), cl["clock"]["id"], reason=opinion,
                          approver=ctx.actor_user_id, amount=15)
        clock = case_clock.clock_view(deadlines.get_deadline(ctx.session, cl["clock"]["id"]))
        return {**cl, "clock": clock, "extended": True, "decision": "extend"}
    case_clock.meet(ctx, cl["clock"])
    audit.record(ctx.session, at=ctx.now, action=f"clue.{decision}", subject_type="clue", subject_id=ctx.instance_id,
                 actor_user_id=ctx.actor_user_id, actor_org_id=cl["department_id"], instance_id=ctx.instance_id,
                 details={"proposal": proposal, "reasons": opinion, "item_code": cl["item_code"]})
    return {**cl, "decision": decision, "decided_on": ctx.clock.today().isoformat()}


def _check(source: str, description: str, found_on, today: date) -> None:
    errors = {}
    if source not in SOURCES:
        errors["source"] = [f"应为 {'/'.join(SOURCES)} / must be one of {SOURCES}"]
    if not (description or "").strip():
        errors["description"] = ["须写明线索内容 / describe the clue"]
    if not isinstance(found_on, date) or found_on > today:
        errors["found_on"] = ["发现或收到线索之日不得晚于今天 / the clue cannot be found in the future"]
    if errors:
        raise ValidationFailed(errors, "线索登记不完整 / the clue is incomplete")


def register_clue(session: Session, engine, actor: User, department_id: int, township_id: int, item_code: str,
                  source: str, description: str, found_on: date | None = None):
    """A clue within the department's own competence; its 15 working days run from discovery (第18条)."""
    today = engine.clock.today()
    found_on = found_on or today
    _check(source, description, found_on, today)
    with unit_of_work(session):
        department = org_of(session, department_id, OrgKind.COUNTY_DEPARTMENT)
        township = org_of(session, township_id, OrgKind.TOWNSHIP)
        require_role(session, actor, Role.COUNTY_OFFICER, department)
        answer = registry.who(session, item_code, township.id, today)
        if answer.acting_org.id != department.id:
            raise LegalRuleViolation(
                f"事项 {answer.item_code} 在{township.name}由{answer.acting_org.name}管辖，线索应移交该机关 / the "
                f"competent organ is {answer.acting_org.name}", article="行政处罚法 第22–24条",
                competent_org=answer.acting_org.name)
        cl = {"department_id": department.id, "township_id": township.id, "item_code": answer.item_code,
              "source": source, "description": description.strip(), "found_on": found_on.isoformat(),
              "extended": False, "clock": None}
        instance = processes.start(session, engine, PROCESS_ID, actor=actor, data={
            "department_id": department.id, "township_id": township.id, "cl": cl, **FORM_DEFAULTS},
            business_key=f"XS-{department.id}-{found_on.isoformat()}-{engine.clock.now().timestamp():.0f}")
        return instance


@service_task("clue.open")
def open_clue(ctx: ServiceContext, cl: dict) -> dict:
    """The 15 working days run from the day the clue was found or received; a sector rule (check_sector)."""
    row = deadlines.start_deadline(
        ctx.session, ctx.clock, service_calendar(ctx), RULE, instance_id=ctx.instance_id, task_id="verify_clue",
        case_ref=f"XS-{ctx.instance_id}", org=cl["department_id"], actor=ctx.actor_user_id,
        start=_start_of(cl["found_on"]))
    return {**cl, "clock": case_clock.clock_view(row)}


def _start_of(iso_day: str) -> datetime:
    """Midnight Asia/Shanghai of a legal date, as the deadline's start instant (UTC)."""
    return datetime.combine(date.fromisoformat(iso_day), time(), SHANGHAI).astimezone(UTC)
