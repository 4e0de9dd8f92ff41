"""Summary procedure (简易程序): decided on the spot, cash handed over and banked, on record with the organ.

行政处罚法 第51条 (warning or a fine up to 200/3,000 yuan), 第52条 (certificate shown, numbered
form handed over, 报所属行政机关备案), 第68条 (cash on the spot), 第71条 (cash to the organ within
2 working days, into the bank within 2 more; 第85条: working days).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from models import CaseStatus, OrgKind, Role, User
from workflows.cases import summary
from workflows.cases.records import get_case
from workflows.core import audit
from workflows.core.clock import SHANGHAI
from workflows.core.db import unit_of_work
from workflows.core.forms import Field, Form
from workflows.core.services import ServiceContext, service_task
from workflows.procedures import case_clock
from workflows.procedures.rules import require_role
from workflows.procedures.starting import org_of
from workflows.tasks import processes

PROCESS_ID = "summary_penalty"
HANDOVER_RULE = "apl71_fine_handover"  # 第71条: to the organ within 2 working days
DEPOSIT_RULE = "apl71_bank_deposit"  # 第71条: the organ pays it into the bank within 2 more
OFFICER_ROLES = {OrgKind.TOWNSHIP: Role.TOWNSHIP_OFFICER, OrgKind.COUNTY_DEPARTMENT: Role.COUNTY_OFFICER}

FORMS = {
    "hand_over_cash": Form([
        Field("receipt_no", "str", required=True, max_length=60, label_zh="专用票据号（第70条）",
              label_en="Receipt number (art. 70)"),
        Field("handed_amount", "decimal", required=True, min=0, label_zh="交至行政机关的金额（元）",
              label_en="Amount handed to the organ (yuan)")]),
    "deposit_fine": Form([
        Field("bank_slip_no", "str", required=True, max_length=60, label_zh="银行缴款凭证号",
              label_en="Bank deposit slip number")]),
    "record_filing": Form([
        Field("filing_note", "text", max_length=2000, label_zh="备案意见", label_en="Note on the record")]),
}
FORM_DEFAULTS = {f.name: None for form in FORMS.values() for f in form.fields}


@service_task("summary.open")
def open_summary(ctx: ServiceContext, sp: dict, case_id: int) -> dict:
    """The numbered form is issued and the cash period starts when cash was collected (第52、71条)."""
    case = get_case(ctx.session, case_id)
    case.instance_id = ctx.instance_id  # the form and later documents belong to this instance
    doc = summary.issue_spot_form(ctx.session, ctx.clock, case, sp["form"], ctx.actor_user_id)
    clock = None
    if sp["form"].get("cash"):
        clock = case_clock.start(ctx, HANDOVER_RULE, case.handling_org_id, "hand_over_cash", case.case_number)
    return {**sp, "document_no": doc["document_no"], "clock": clock}


@service_task("summary.record_handover")
def record_handover(ctx: ServiceContext, sp: dict, receipt_no: str, handed_amount) -> dict:
    """第71条: the whole fine reached the organ; its 2 working days to bank it start now."""
    case = get_case(ctx.session, sp["case_id"])
    handed = summary.check_handover(case, handed_amount)
    case_clock.meet(ctx, sp.get("clock"))
    clock = case_clock.start(ctx, DEPOSIT_RULE, case.handling_org_id, "deposit_fine", case.case_number)
    audit.record(ctx.session, at=ctx.now, action="summary.cash_handed_over", subject_type="case", subject_id=case.id,
                 actor_user_id=ctx.actor_user_id, actor_org_id=case.handling_org_id, instance_id=ctx.instance_id,
                 details={"receipt_no": receipt_no, "amount": str(handed)})
    return {**sp, "receipt_no": receipt_no, "handed_on": ctx.clock.today().isoformat(), "clock": clock}


@service_task("summary.record_deposit")
def record_deposit(ctx: ServiceContext, sp: dict, bank_slip_no: str) -> dict:
    """第71条: the organ paid the fine into the designated bank."""
    case_clock.meet(ctx, sp.get("clock"))
    audit.record(ctx.session, at=ctx.now, action="summary.fine_deposited", subject_type="case",
                 subject_id=sp["case_id"], actor_user_id=ctx.actor_user_id, instance_id=ctx.instance_id,
                 details={"bank_slip_no": bank_slip_no})
    return {**sp, "bank_slip_no": bank_slip_no, "deposited_on": ctx.clock.today().isoformat(), "clock": None}


@service_task("summary.record_filing")
def record_filing(ctx: ServiceContext, sp: dict, filing_note) -> dict:
    """第52条: the organ has the decision on record (备案); the summary case is closed."""
    case = get_case(ctx.session, sp["case_id"])
    case.status = CaseStatus.CLOSED
    audit.record(ctx.session, at=ctx.now, action="summary.filed", subject_type="case", subject_id=case.id,
                 actor_user_id=ctx.actor_user_id, actor_org_id=case.handling_org_id, instance_id=ctx.instance_id,
                 details={"document_no": sp["document_no"], "note": filing_note or ""})
    return {**sp, "filed_on": ctx.clock.today().isoformat()}


def start_summary(session: Session, engine, actor: User, township_id: int, handling_org_id: int,
                  decision: summary.SpotDecision):
    """第52条: the certified officer decides on the spot; refused with the article and nothing written."""
    with unit_of_work(session):
        township = org_of(session, township_id, OrgKind.TOWNSHIP)
        handling = org_of(session, handling_org_id)
        require_role(session, actor, OFFICER_ROLES.get(handling.kind, Role.TOWNSHIP_OFFICER), handling)
        case = summary.record_spot_case(session, engine.clock, actor, township, handling, decision)
        organ, court = summary.remedy_organs(session, decision.remedy_organ, decision.court)
        form = {"facts": case.facts_summary, "basis": decision.basis.strip(), "place": decision.place.strip(),
                "decided_at": engine.clock.now().astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M"),
                "officer": actor.display_name, "certificate": decision.certificate_number,
                "remedy_organ": organ, "court": court, "cash": bool(decision.cash_collected)}
        data = {"case_id": case.id, "handling_org_id": handling.id, "township_id": township.id,
                "cash": bool(decision.cash_collected),
                "sp": {"case_id": case.id, "form": form, "cash_reason": decision.cash_reason.strip()},
                **FORM_DEFAULTS}
        instance = processes.start(session, engine, PROCESS_ID, actor=actor, business_key=case.case_number,
                                   data=data)
        case.instance_id = instance.id
        return case
