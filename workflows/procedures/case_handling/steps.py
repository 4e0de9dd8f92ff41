"""Case handling (立案 → 调查 → 决定 → 公示): forms and service tasks of bpmn/case_handling.bpmn."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from models import CaseStatus, DecisionKind, Organization, OrgKind, PartyKind
from workflows.cases.documents import DECISION, issue_case_document
from workflows.cases.payment import paid_so_far
from workflows.cases.records import get_case
from workflows.cases.rules import ART_58, benchmark_bounds, check_benchmark, major_reasons
from workflows.core.errors import LegalRuleViolation, ValidationFailed
from workflows.core.forms import Field, Form
from workflows.core.services import ServiceContext, service_task
from workflows.procedures import case_clock
from workflows.procedures.case_handling.defence import check_after_defence
from workflows.procedures.case_handling.discussion import check_discussed
from workflows.procedures.legal_review.steps import passed_review
from workflows.procedures.rules import as_iso_date

PROCESS_ID = "case_handling"
REVOKED_MESSAGE = "case_decision_revoked"
DECIDE_RULE = "apl60_decide"  # 第60条: 90 days from filing
SERVICE_RULE = "apl61_service"  # 第61条: 7 working days
PUBLISH_RULE = "gb118_publish_penalty"  # 国办发〔2018〕118号: 7 working days
WITHDRAW_RULE = "apl48_withdraw_publication"  # 第48条: 3 working days
# Hebei practice (裕华区): results stay online 5 years, 2 years when the party is a citizen.
ART_59 = "行政处罚法 第59条"
ART_27_O310 = "行政处罚法 第27条；国务院令第310号 第11条"
RETENTION_YEARS = {PartyKind.CITIZEN: 2, PartyKind.ORGANIZATION: 5}


def _text(name: str, zh: str, en: str, required: bool = False) -> Field:
    return Field(name, "text", required=required, max_length=4000, label_zh=zh, label_en=en)


FORMS = {
    "investigate": Form([
        _text("investigation_report", "调查终结报告", "Investigation report", required=True),
        Field("proposed_decision", "choice", required=True, choices=tuple(k.value for k in DecisionKind),
              label_zh="拟处理意见", label_en="Proposed decision"),
        Field("proposed_fine", "decimal", min=0, label_zh="拟罚款金额（元）", label_en="Proposed fine (yuan)"),
        Field("hearing_held", "bool", label_zh="是否经过听证", label_en="Hearing held"),
        Field("complex_case", "bool", label_zh="是否疑难复杂", label_en="Difficult or complex"),
        Field("major_public_interest", "bool", label_zh="是否涉及重大公共利益", label_en="Major public interest"),
    ]),
    "decide": Form([
        Field("decision_kind", "choice", required=True, choices=tuple(k.value for k in DecisionKind),
              label_zh="决定种类", label_en="Decision"),
        Field("fine_amount", "decimal", min=0, label_zh="罚款金额（元）", label_en="Fine (yuan)"),
        Field("within_benchmark", "bool",
              label_zh="是否在自由裁量权基准范围内（见 benchmark）", label_en="Within the discretion benchmark"),
        _text("outside_benchmark_reason", "超出基准的书面理由", "Written reason for leaving the benchmark"),
        Field("party_address", "str", max_length=200, label_zh="当事人地址（处罚决定必填）",
              label_en="The party's address (required for a penalty)"),
        Field("pay_to", "str", max_length=200, label_zh="缴款银行或电子支付渠道（处罚决定必填）",
              label_en="Bank or e-payment channel (required for a penalty)"),
    ]),
    "publish": Form([
        Field("published_on", "date", required=True, label_zh="公示日期", label_en="Published on"),
        Field("publication_channel", "str", required=True, max_length=200, label_zh="公示渠道",
              label_en="Where published"),
    ]),
    "withdraw_publication": Form([
        Field("withdrawn_on", "date", required=True, label_zh="撤回日期", label_en="Withdrawn on"),
        _text("withdrawal_explanation", "公开说明理由", "Public explanation", required=True),
    ]),
}


def _decimal(value) -> Decimal | None:
    return None if value in (None, "") else Decimal(str(value))


@service_task("cases.open_case")
def open_case(ctx: ServiceContext, case_id: int) -> dict:
    """第60条: the decision period runs from filing; investigation starts."""
    case = get_case(ctx.session, case_id)
    case.status = CaseStatus.INVESTIGATING
    return case_clock.start(ctx, DECIDE_RULE, case.handling_org_id, "decide", case.case_number)


@service_task("cases.assess_review")
def assess_review(ctx: ServiceContext, case_id: int, proposed_fine, hearing_held, complex_case,
                  major_public_interest) -> dict:
    """第58条: whether the proposed decision is major and must pass legal review first."""
    case = get_case(ctx.session, case_id)
    facts = {"hearing_held": hearing_held, "complex_case": complex_case,
             "major_public_interest": major_public_interest}
    reasons = major_reasons(case.item, case.party_kind, _decimal(proposed_fine), facts)
    return {"review_required": bool(reasons), "reasons": reasons}


def _check_reviewed(ctx: ServiceContext, case, fine: Decimal | None, facts: dict) -> None:
    """第58条: 未经法制审核或者审核未通过的，不得作出决定 — checked on the decision actually taken."""
    reasons = major_reasons(case.item, case.party_kind, fine, facts)
    if reasons and passed_review(ctx.session, case.id) is None:
        raise LegalRuleViolation(
            f"案件 {case.case_number} 属重大执法决定（{'；'.join(reasons)}），未经法制审核通过不得作出决定 / "
            f"case {case.case_number} is a major decision: it needs a passed legal review first",
            article=ART_58, case_number=case.case_number, reasons=reasons)


@service_task("cases.record_decision")
def record_decision(ctx: ServiceContext, case_id: int, decide_clock: dict, decision_kind: str, fine_amount,
                    within_benchmark, outside_benchmark_reason, facts: dict, notice=None, defence=None,
                    hearing=None, discussion=None, party_address=None, pay_to=None, grounds=None) -> dict:
    """The decision: review gate, benchmark reason, 90-day clock met, publication period started."""
    case = get_case(ctx.session, case_id)
    kind = DecisionKind(decision_kind)
    if kind != DecisionKind.PENALTY and fine_amount not in (None, ""):
        raise ValidationFailed({"fine_amount": ["仅处罚决定可有罚款 / only a penalty carries a fine"]})
    fine = _decimal(fine_amount)
    if case.status == CaseStatus.TRANSFERRED and kind != DecisionKind.TRANSFER:
        raise LegalRuleViolation(
            f"案件 {case.case_number} 已移送公安机关，不得以行政处罚代替刑事处罚 / case {case.case_number} was "
            f"transferred to public security: no administrative penalty in its place",
            article=ART_27_O310, case_number=case.case_number)
    _check_reviewed(ctx, case, fine, facts)
    check_after_defence(case, kind.value, fine, notice, defence, hearing)
    check_discussed(case, kind.value, facts, discussion)
    if kind == DecisionKind.PENALTY:
        _check_penalty_form(within_benchmark, party_address, pay_to)
    outside = kind == DecisionKind.PENALTY and check_benchmark(case.item, fine, within_benchmark,
                                                               outside_benchmark_reason)
    case.decision_kind, case.fine_amount, case.decided_on = kind, fine, ctx.clock.today()
    case.outside_benchmark_reason = outside_benchmark_reason.strip() if outside else None
    case.status = CaseStatus.TRANSFERRED if kind == DecisionKind.TRANSFER else CaseStatus.DECIDED
    case_clock.meet(ctx, decide_clock)
    result = {"kind": kind.value, "fine": str(fine) if fine is not None else None, "outside": outside}
    if kind == DecisionKind.PENALTY:
        # 第61条: served within 7 working days (met by workflows.cases.payment.serve_decision).
        result["service_clock"] = case_clock.start(ctx, SERVICE_RULE, case.handling_org_id, "serve", case.case_number)
        result["document"] = _decision_document(ctx, case, party_address.strip(), pay_to.strip(), notice, defence,
                                                grounds or {})
        result["pay_to"] = pay_to.strip()
        clock = case_clock.start(ctx, PUBLISH_RULE, case.handling_org_id, "publish", case.case_number)
        result.update(publish_clock=clock, publish_due=clock["due_at"])
    return result


def _check_penalty_form(within_benchmark, party_address, pay_to) -> None:
    """第59条: a penalty decision names the party's address and where to pay; the benchmark is stated (第34条)."""
    errors = {}
    if within_benchmark is None:
        errors["within_benchmark"] = ["处罚决定须说明是否在自由裁量权基准范围内 / state whether the penalty is within the benchmark"]
    for name, value in (("party_address", party_address), ("pay_to", pay_to)):
        if not (value or "").strip():
            errors[name] = [f"行政处罚决定书须载明此项（{ART_59}）/ the decision must state it"]
    if errors:
        raise ValidationFailed(errors)


def _remedy_organs(session, case) -> tuple[str, str]:
    """行政复议法 第24条 and 行政诉讼法 第18条: the county government reviews; the county's basic court tries."""
    county = session.scalars(select(Organization).where(Organization.kind == OrgKind.COUNTY_GOVERNMENT)
                             .order_by(Organization.id)).first()
    name = county.name if county is not None else case.enforcement_subject_org.name
    return name, name.replace("人民政府", "") + "人民法院"


def _decision_document(ctx: ServiceContext, case, party_address: str, pay_to: str, notice, defence, grounds: dict):
    """行政处罚决定书 with every content 第59条 requires, issued at the decision (and its masked copy, 第48条)."""
    remedy_organ, court = _remedy_organs(ctx.session, case)
    defence = defence or {}
    return issue_case_document(ctx.session, ctx.clock, case.id, DECISION, {
        "party_address": party_address, "facts": grounds.get("facts") or case.facts_summary,
        "evidence": grounds.get("evidence") or "现场检查笔录等", "basis": grounds.get("basis") or case.item.legal_basis,
        "penalty": f"罚款{case.fine_amount}元" if case.fine_amount is not None else (notice or {}).get("penalty"),
        "performance": f"自收到本决定书之日起十五日内将罚款缴至{pay_to}（行政处罚法 第六十七条）。",
        "remedy_organ": remedy_organ, "court": court, "defence": defence.get("statement"),
        "defence_answer": defence.get("answer")})


@service_task("cases.record_publication")
def record_publication(ctx: ServiceContext, case_id: int, decision: dict, published_on: str,
                       publication_channel: str) -> dict:
    """国办发〔2018〕118号: the decision is published; the retention end is set (Hebei practice)."""
    case = get_case(ctx.session, case_id)
    on = as_iso_date(published_on, "published_on")
    if case.decided_on and on < case.decided_on:
        raise ValidationFailed({"published_on": [f"公示日期 {on} 早于决定日期 {case.decided_on} / "
                                                 f"published before the decision"]})
    case_clock.meet(ctx, decision.get("publish_clock"))
    case.published_on = on
    if case.status == CaseStatus.DECIDED:  # a case already closed by payment stays closed
        case.status = CaseStatus.PUBLISHED
    return {"published_on": on.isoformat(), "channel": publication_channel,
            "retention_until": retention_until(on, case.party_kind).isoformat()}


@service_task("cases.open_withdrawal")
def open_withdrawal(ctx: ServiceContext, case_id: int, revocation: dict) -> dict:
    """第48条: a revoked published decision is withdrawn within 3 working days."""
    case = get_case(ctx.session, case_id)
    clock = case_clock.start(ctx, WITHDRAW_RULE, case.handling_org_id, "withdraw_publication",
                             case.case_number)
    return clock | {"reason": revocation.get("reason")}


@service_task("cases.record_withdrawal")
def record_withdrawal(ctx: ServiceContext, case_id: int, withdrawal: dict, withdrawn_on: str,
                      withdrawal_explanation: str) -> dict:
    """The publication is withdrawn with a public explanation; the case is closed as withdrawn."""
    case = get_case(ctx.session, case_id)
    on = as_iso_date(withdrawn_on, "withdrawn_on")
    if case.published_on and on < case.published_on:
        raise ValidationFailed({"withdrawn_on": [f"撤回日期 {on} 早于公示日期 / withdrawn before publication"]})
    case_clock.meet(ctx, withdrawal)
    case.publication_withdrawn_on, case.status = on, CaseStatus.WITHDRAWN
    return {"withdrawn_on": on.isoformat(), "explanation": withdrawal_explanation}


@service_task("cases.close_case")
def close_case(ctx: ServiceContext, case_id: int) -> dict:
    """结案: the case is closed and its 结案报告 issued (第47条: the file is archived)."""
    case = get_case(ctx.session, case_id)
    case.status = CaseStatus.CLOSED
    report = issue_case_document(ctx.session, ctx.clock, case.id, "closing_report",
                                 {"outcome": _outcome(case), "execution": _execution(ctx.session, case)})
    return {"closed_on": ctx.clock.today().isoformat(), "report": report}


def _outcome(case) -> str:
    if case.decision_kind == DecisionKind.PENALTY:
        return f"给予行政处罚{f'，罚款{case.fine_amount}元' if case.fine_amount is not None else ''}。"
    return {DecisionKind.NO_PENALTY: "不予行政处罚。", DecisionKind.TRANSFER: "移送司法机关。"}.get(
        case.decision_kind, "撤销立案。")


def _execution(session, case) -> str:
    if case.decision_kind != DecisionKind.PENALTY or case.fine_amount is None:
        return "无须执行。"
    paid = paid_so_far(session, case)
    return "罚款已缴清。" if paid >= case.fine_amount else f"已缴 {paid} 元，未缴清。"


def retention_until(published_on: date, party_kind: str) -> date:
    """Last day a published decision stays online (5 years; 2 for a citizen)."""
    years = RETENTION_YEARS[PartyKind(party_kind)]
    try:
        return published_on.replace(year=published_on.year + years)
    except ValueError:
        return published_on.replace(year=published_on.year + years, day=28)


def decision_context(session, case_id: int) -> dict:
    """What the decide form shows beside its fields: the item's discretion benchmark (第34条)."""
    case = get_case(session, case_id)
    bounds = benchmark_bounds(case.item.penalty_range)
    return {"case_number": case.case_number, "party_kind": str(case.party_kind),
            "benchmark": {"ref": case.item.discretion_benchmark_ref, "penalty_range": case.item.penalty_range,
                          "min": str(bounds[0]) if bounds else None, "max": str(bounds[1]) if bounds else None},
            "reviews": [{"result": str(r.result), "opinion": r.opinion} for r in case.reviews],
            "form": FORMS["decide"].to_dict()}
