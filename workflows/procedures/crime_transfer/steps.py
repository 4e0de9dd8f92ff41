"""Transfer of a suspected crime to public security (涉嫌犯罪案件移送, 国务院令第310号)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from models import CaseStatus, Organization, OrgKind, Role, User
from workflows.cases.records import get_case
from workflows.cases.rules import Officer, check_officers
from workflows.core.db import unit_of_work
from workflows.core.errors import Conflict, LegalRuleViolation, NotFound, ValidationFailed
from workflows.core.forms import Field, Form
from workflows.core.services import ServiceContext, service_task
from workflows.deadlines import records as deadlines
from workflows.procedures import case_clock
from workflows.procedures.periods import service_calendar
from workflows.procedures.rules import require_role
from workflows.tasks import processes

PROCESS_ID = "crime_transfer"
O310 = "国务院令第310号"
# 第6条: documents handed over with the case; the first three are indispensable.
DOCUMENTS = {"transfer_letter": "涉嫌犯罪案件移送书", "investigation_report": "涉嫌犯罪案件情况的调查报告",
             "item_list": "涉案物品清单", "test_reports": "有关检验报告或者鉴定结论", "other": "其他有关涉嫌犯罪的材料"}
REQUIRED_DOCUMENTS = ("transfer_letter", "investigation_report", "item_list")
OPEN_STATUSES = (CaseStatus.FILED, CaseStatus.INVESTIGATING, CaseStatus.REVIEWING)


def _bool(name: str, zh: str, en: str) -> Field:
    return Field(name, "bool", required=True, label_zh=zh, label_en=en)


def _text(name: str, zh: str, en: str, required: bool = False) -> Field:
    return Field(name, "text", required=required, max_length=4000, label_zh=zh, label_en=en)


FORMS = {
    "head_decision": Form([_bool("approve", "是否批准移送", "Approve the transfer"),
                           _text("refusal_reason", "不批准的理由", "Reasons for refusal")]),
    "hand_over": Form([_bool(f"doc_{key}", zh, key.replace("_", " ")) for key, zh in DOCUMENTS.items()]),
    "police_review": Form([
        Field("police_outcome", "choice", required=True, choices=("filed", "not_filed", "incomplete", "not_ours"),
              label_zh="审查结果（立案/不予立案/材料不全/不属于本机关管辖）", label_en="Outcome"),
        _text("police_reasons", "理由、需补充的材料或有管辖权的机关", "Reasons, missing materials or the competent organ")]),
    # 第7条: a case outside its jurisdiction is forwarded within 24 hours, the sender told in writing.
    "police_forward": Form([
        Field("forwarded_to", "str", required=True, max_length=200, label_zh="转送的有管辖权机关",
              label_en="Competent organ forwarded to"),
        _bool("sender_notified", "已书面告知移送的行政执法机关", "The sending organ was told in writing")]),
    "supplement_materials": Form([_text("supplement_note", "补充材料说明", "What was supplemented", True)]),
    "hand_over_materials": Form([_text("materials_note", "移交物品说明", "Items handed over")]),
    "ask_reconsideration": Form([_bool("ask_reconsideration", "是否提请复议", "Ask for reconsideration"),
                                 Field("direct_supervision", "bool", label_zh="不复议，直接建议人民检察院立案监督",
                                       label_en="Ask the procuratorate directly instead"),
                                 _text("reconsideration_reason", "复议或建议立案监督的理由", "Reasons")]),
    "police_reconsider": Form([
        Field("reconsider_outcome", "choice", required=True, choices=("filed", "maintained"),
              label_zh="复议决定（立案/维持不立案）", label_en="Answer"),
        _text("reconsider_reasons", "理由", "Reasons")]),
    "ask_supervision": Form([_bool("ask_supervision", "是否建议人民检察院立案监督", "Ask the procuratorate"),
                             _text("supervision_reason", "理由", "Reasons")]),
}
FORM_DEFAULTS = {f.name: None for form in FORMS.values() for f in form.fields}


def _next(ctx: ServiceContext, transfer: dict, rule: str, org_key: str, task: str, **facts) -> dict:
    """Close the running period and start the next one for the organ that must act now."""
    case_clock.meet(ctx, transfer.get("clock"))
    clock = case_clock.start(ctx, rule, transfer[org_key], task, transfer["case_number"]) if rule else None
    return {**transfer, **facts, "clock": clock}


def _reason(value, field: str, what: str) -> str:
    if not (value or "").strip():
        raise ValidationFailed({field: [f"{what}须说明理由 / reasons are required"]})
    return value.strip()


@service_task("crime.open")
def open_transfer(ctx: ServiceContext, transfer, case_id: int, police_org_id: int) -> dict:
    """The report reached the head: 3 days to decide (第5条)."""
    case = get_case(ctx.session, case_id)
    base = {"case_id": case.id, "case_number": case.case_number, "organ_id": case.handling_org_id,
            "subject_org_id": case.enforcement_subject_org_id, "police_org_id": police_org_id}
    # 第5条: the 正职负责人 of the organ in whose name the case runs decides (第20条: the
    # entrusting department for an entrusted item), so the period is that organ's.
    return _next(ctx, base, "o310_head_decide", "subject_org_id", "head_decision")


@service_task("crime.record_head")
def record_head(ctx: ServiceContext, transfer: dict, approve: bool, refusal_reason) -> dict:
    """第5条: approved → hand over within 24 hours; refused → the reasons are recorded."""
    if not approve:
        return _next(ctx, transfer, None, "organ_id", "", refusal_reason=_reason(refusal_reason, "refusal_reason",
                                                                                "不批准移送"))
    # The administrative case waits meanwhile (不得以行政处罚代替移送, 第11条; 行政处罚法 第27条).
    get_case(ctx.session, transfer["case_id"]).status = CaseStatus.TRANSFERRED
    return _next(ctx, transfer, "o310_handover", "organ_id", "hand_over", approved_on=ctx.clock.today().isoformat())


@service_task("crime.record_handover")
def record_handover(ctx: ServiceContext, transfer: dict, documents: dict) -> dict:
    """第6条: the transfer letter, investigation report and item list must travel with the case."""
    missing = [DOCUMENTS[k] for k in REQUIRED_DOCUMENTS if documents.get(k) is not True]
    if missing:
        raise LegalRuleViolation(
            f"移送材料不全，缺少：{'、'.join(missing)} / the hand-over lacks: {', '.join(missing)}",
            article=f"{O310} 第6条", missing=missing)
    return _received(ctx, _next(ctx, transfer, "o310_police_review", "police_org_id", "police_review",
                                documents={k: bool(documents.get(k)) for k in DOCUMENTS}))


def _received(ctx: ServiceContext, transfer: dict) -> dict:
    """The police received the case: 24 hours to tell the sender of missing materials (第180条)."""
    notice = case_clock.start(ctx, "o310_incomplete_notice", transfer["police_org_id"], "police_review",
                              transfer["case_number"])
    return {**transfer, "received_at": ctx.now.isoformat(), "notice_clock": notice}


def _close_notice(ctx: ServiceContext, transfer: dict, outcome: str) -> None:
    """The incompleteness notice is met when given, and owed by no one once the materials were accepted."""
    handle = transfer.get("notice_clock")
    if handle is None:
        return
    if outcome == "incomplete":
        case_clock.meet(ctx, handle)
    else:
        deadlines.cancel(ctx.session, ctx.clock, handle["id"], "材料齐全，无需告知补充 / materials complete",
                         actor=ctx.actor_user_id)


@service_task("crime.record_police")
def record_police(ctx: ServiceContext, transfer: dict, police_outcome: str, police_reasons) -> dict:
    """第8条: filed, not filed (reasons), incomplete (supplement within 3 days), or forwarded (第7条)."""
    _close_notice(ctx, transfer, police_outcome)
    transfer = {**transfer, "notice_clock": None}
    if police_outcome == "not_ours":
        return _forward_period(ctx, transfer, _reason(police_reasons, "police_reasons", "转送"))
    if police_outcome == "incomplete":
        return _next(ctx, transfer, "o310_supplement", "organ_id", "supplement_materials",
                     missing_materials=_reason(police_reasons, "police_reasons", "材料不全"))
    if police_outcome == "filed":
        return _next(ctx, transfer, "o310_materials_handover", "organ_id", "hand_over_materials", police="filed")
    return _next(ctx, transfer, "o310_reconsider_request", "subject_org_id", "ask_reconsideration", police="not_filed",
                 police_reasons=_reason(police_reasons, "police_reasons", "不予立案"))


@service_task("crime.record_supplement")
def record_supplement(ctx: ServiceContext, transfer: dict, supplement_note: str) -> dict:
    """The sender supplemented; the police review period runs again."""
    return _received(ctx, _next(ctx, transfer, "o310_police_review", "police_org_id", "police_review",
                                supplement_note=supplement_note))


def _forward_period(ctx: ServiceContext, transfer: dict, reasons: str) -> dict:
    """第7条: 24 hours from receipt to forward the case to the competent organ."""
    case_clock.meet(ctx, transfer.get("clock"))
    row = deadlines.start_deadline(ctx.session, ctx.clock, service_calendar(ctx), "o310_police_forward",
                                   instance_id=ctx.instance_id, task_id="police_forward",
                                   case_ref=transfer["case_number"], org=transfer["police_org_id"],
                                   start=datetime.fromisoformat(transfer["received_at"]), actor=ctx.actor_user_id)
    return {**transfer, "clock": case_clock.clock_view(row), "police": "not_ours", "police_reasons": reasons}


@service_task("crime.record_forward")
def record_forward(ctx: ServiceContext, transfer: dict, forwarded_to: str, sender_notified: bool) -> dict:
    """第7条: forwarded to the competent organ and the sending organ told in writing."""
    if not sender_notified:
        raise LegalRuleViolation("转送须书面告知移送案件的行政执法机关 / the sending organ must be told in writing",
                                 article=f"{O310} 第7条")
    return _next(ctx, transfer, None, "organ_id", "", forwarded_to=forwarded_to.strip(),
                 forwarded_on=ctx.clock.today().isoformat())


@service_task("crime.record_materials")
def record_materials(ctx: ServiceContext, transfer: dict) -> dict:
    """The case was filed: items and materials handed over within 3 days."""
    return _next(ctx, transfer, None, "organ_id", "", materials_handed_over=ctx.clock.today().isoformat())


@service_task("crime.record_reconsider_request")
def record_reconsider_request(ctx: ServiceContext, transfer: dict, ask: bool, reason,
                              direct: bool | None = None) -> dict:
    """第9条: the organ may ask the police to reconsider within 3 days (they answer in 3), or ask
    the procuratorate for 立案监督 directly."""
    if not ask and direct:
        return _next(ctx, transfer, None, "organ_id", "", reconsideration=False,
                     supervision=_reason(reason, "reconsideration_reason", "建议立案监督"))
    if not ask:
        return _next(ctx, transfer, None, "organ_id", "", reconsideration=False)
    return _next(ctx, transfer, "o310_reconsider_answer", "police_org_id", "police_reconsider",
                 reconsideration=_reason(reason, "reconsideration_reason", "提请复议"))


@service_task("crime.record_reconsider_answer")
def record_reconsider_answer(ctx: ServiceContext, transfer: dict, outcome: str, reasons) -> dict:
    """Filed on reconsideration → materials; maintained → 3 days to ask the procuratorate (第9条)."""
    if outcome == "filed":
        return _next(ctx, transfer, "o310_materials_handover", "organ_id", "hand_over_materials", police="filed")
    return _next(ctx, transfer, "o310_procuratorate_request", "subject_org_id", "ask_supervision",
                 reconsider_reasons=reasons)


@service_task("crime.record_supervision")
def record_supervision(ctx: ServiceContext, transfer: dict, ask: bool, reason) -> dict:
    """第9条: the organ asks the procuratorate for filing supervision, or lets the answer stand."""
    if ask:
        return _next(ctx, transfer, None, "organ_id", "", supervision=_reason(reason, "supervision_reason",
                                                                             "建议立案监督"))
    return _next(ctx, transfer, None, "organ_id", "", supervision=False)


@service_task("crime.back_to_administrative")
def back_to_administrative(ctx: ServiceContext, transfer: dict, case_id: int) -> dict:
    """第10条: not transferred or not filed — the organ decides the administrative penalty itself."""
    case = get_case(ctx.session, case_id)
    case.status = CaseStatus.INVESTIGATING
    return {**transfer, "back_to_administrative": True}


def start_crime_transfer(session: Session, engine, actor: User, case_id: int, *, report: str,
                         officers: list[Officer], police_org: Organization):
    """第5条: two or more officers report a suspected crime to the head; nothing written on refusal.

    The case's own instance keeps waiting at its investigation: not filed → the organ goes on to
    decide the penalty itself (第10条); filed → it closes the case with the decision `transfer`.
    """
    _reason(report, "report", "移送报告")
    with unit_of_work(session):
        case = get_case(session, case_id)
        require_role(session, actor, Role.TOWNSHIP_OFFICER, case.handling_org)
        if case.status not in OPEN_STATUSES:
            raise Conflict(f"案件 {case.case_number} 状态为 {case.status}，不能移送 / case is {case.status}",
                           case_id=case.id)
        if police_org is None or police_org.kind != OrgKind.PUBLIC_SECURITY:
            raise NotFound("未找到公安机关 / unknown public-security organ")
        check_officers(session, case.handling_org, officers, engine.clock.today(), article=f"{O310} 第5条")
        data = {"case_id": case.id, "organ_id": case.handling_org_id, "township_id": case.township_id,
                "subject_org_id": case.enforcement_subject_org_id,
                "police_org_id": police_org.id, "report": report.strip(),
                "reporting_officer_ids": [o.user_id for o in officers], "ct": {}, **FORM_DEFAULTS}
        return processes.start(session, engine, PROCESS_ID, actor=actor, business_key=f"{case.case_number}/移送",
                               data=data)
