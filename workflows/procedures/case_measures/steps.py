"""Evidence preservation and coercive measures of a case, with their forms, documents and deadlines.

先行登记保存 (行政处罚法 第56条): approved by the organ's head, decided within 7 working days.
查封、扣押 (行政强制法): only where the case's item carries the coercive power and the organ holds
it (第17条, never by entrustment); two officers (第18条); on the spot in an emergency and reported
to the head within 24 hours, released at once if the head disagrees (第19条); a decision with its
list (第24条); at most 30 days, extended once by at most 30 with the head's approval and written
notice to the party (第25条); released when no longer needed (第28条).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from models import Role, User
from workflows.cases.documents import issue_case_document
from workflows.cases.records import get_case
from workflows.cases.rules import Officer, check_officers
from workflows.cases.summary import remedy_organs
from workflows.core.clock import SHANGHAI
from workflows.core.db import unit_of_work
from workflows.core.errors import LegalRuleViolation
from workflows.core.forms import Field, Form
from workflows.core.services import ServiceContext, service_task
from workflows.deadlines import extensions
from workflows.deadlines import records as deadlines
from workflows.procedures import case_clock
from workflows.procedures.case_measures import rules
from workflows.procedures.periods import service_calendar
from workflows.procedures.rules import require_role
from workflows.tasks import processes

PROCESS_ID = "case_measures"
PRESERVE_RULE = "apl56_preservation_decide"  # 行政处罚法 第56条: 7 working days
REPORT_RULE = "coercion_on_spot_report"  # 行政强制法 第19条: 24 hours
TERM_RULE = "coercion_term"  # 行政强制法 第25条: 30 days, once extendable by 30

_APPROVAL = Form([Field("approve", "bool", required=True, label_zh="是否批准", label_en="Approve"),
                  Field("head_opinion", "text", max_length=2000, label_zh="负责人意见", label_en="Head's opinion")])
FORMS = {
    "approve_measure": _APPROVAL,
    "report_on_spot": _APPROVAL,
    "decide_preserved": Form([
        Field("preservation_outcome", "choice", required=True, choices=rules.PRESERVATION_OUTCOMES,
              label_zh="处理决定（解除/查封/扣押/移送）", label_en="Decision on the preserved items"),
        Field("outcome_reason", "text", required=True, max_length=2000, label_zh="理由", label_en="Reasons"),
        Field("coercion_item_code", "str", max_length=60, label_zh="行政强制事项编码（查封、扣押时）",
              label_en="Coercive power item code (for seizure or detention)")]),
    "dispose_measure": Form([
        Field("disposal", "choice", required=True, choices=rules.DISPOSALS,
              label_zh="处理（解除/申请延长/作出处理决定）", label_en="Disposal"),
        Field("disposal_reason", "text", required=True, max_length=2000, label_zh="理由", label_en="Reasons")]),
    "approve_extension": Form([
        Field("approve_extension", "bool", required=True, label_zh="是否批准延长", label_en="Approve the extension"),
        Field("extension_opinion", "text", max_length=2000, label_zh="负责人意见", label_en="Head's opinion")]),
}
FORM_DEFAULTS = {f.name: None for form in FORMS.values() for f in form.fields}


def _date(iso: str) -> str:
    return datetime.fromisoformat(iso).astimezone(SHANGHAI).date().isoformat()


def _issue(ctx: ServiceContext, cm: dict, kind: str, facts: dict) -> dict:
    doc = issue_case_document(ctx.session, ctx.clock, cm["case_id"], kind, {"items": cm["items"], **facts})
    return {**cm, "documents": {**cm["documents"], kind: doc["document_no"]}}


def _start_term(ctx: ServiceContext, cm: dict) -> dict:
    """第24–25条: the decision with its list and a term of at most 30 days."""
    term = case_clock.start(ctx, TERM_RULE, cm["handling_org_id"], "dispose_measure", cm["case_number"])
    organ, court = remedy_organs(ctx.session)
    cm = {**cm, "clock": term}
    return _issue(ctx, cm, "coercion_decision", {
        "measure": rules.MEASURE_ZH[cm["kind"]], "reason": cm["reason"], "basis": cm["basis"],
        "term_from": ctx.clock.today().isoformat(), "term_to": _date(term["due_at"]), "remedy_organ": organ,
        "court": court, "on_the_spot": cm["on_the_spot"]})


def _release(ctx: ServiceContext, cm: dict, reason: str) -> dict:
    """第28条: released, the items returned; the term is no longer running."""
    cm = _issue(ctx, cm, "coercion_release", {"measure": rules.MEASURE_ZH[cm["kind"]], "reason": reason,
                                              "decision_no": cm["documents"]["coercion_decision"]})
    return {**cm, "outcome": "released"}


@service_task("measure.open")
def open_measure(ctx: ServiceContext, cm: dict) -> dict:
    """第19条: a measure taken on the spot is decided now and reported within 24 hours."""
    if not cm["on_the_spot"]:
        return cm
    report = case_clock.start(ctx, REPORT_RULE, cm["handling_org_id"], "report_on_spot", cm["case_number"])
    return {**_start_term(ctx, cm), "report": report}


@service_task("measure.approve")
def record_approval(ctx: ServiceContext, cm: dict, approve: bool, head_opinion) -> dict:
    """The head approves (第56条; 强制法 第18–19条); a refused on-the-spot measure is released at once."""
    case_clock.meet(ctx, cm.get("report"))
    cm = {**cm, "approved": bool(approve), "head_opinion": head_opinion or ""}
    if not approve:
        if cm["on_the_spot"]:  # 第19条: 负责人认为不应当采取的，应当立即解除
            deadlines.cancel(ctx.session, ctx.clock, cm["clock"]["id"], "负责人不批准，立即解除（行政强制法 第19条）",
                             actor=ctx.actor_user_id)
            return _release(ctx, cm, "行政机关负责人认为不应当采取行政强制措施")
        return {**cm, "outcome": "refused"}
    if cm["kind"] == "preservation":
        clock = case_clock.start(ctx, PRESERVE_RULE, cm["handling_org_id"], "decide_preserved", cm["case_number"])
        approver = ctx.session.get(User, ctx.actor_user_id).display_name
        return _issue(ctx, {**cm, "clock": clock}, "preservation_notice", {
            "reason": cm["reason"], "approved_by": approver, "decide_by": _date(clock["due_at"])})
    return cm if cm["on_the_spot"] else _start_term(ctx, cm)


@service_task("measure.preserved")
def record_preservation_decision(ctx: ServiceContext, cm: dict, outcome: str, reason: str, item_code) -> dict:
    """第56条: decided within 7 working days; turning into 查封/扣押 needs the coercive power (强制法 第17条)."""
    case = get_case(ctx.session, cm["case_id"])
    if outcome in rules.COERCIVE:
        item_code = rules.check_coercive_power(ctx.session, case, item_code, ctx.clock.today())
    case_clock.meet(ctx, cm["clock"])
    zh = {"release": "解除先行登记保存，退还物品", "seizure": "依法予以查封", "detention": "依法予以扣押",
          "transfer": "移送有关机关依法处理"}[outcome]
    cm = _issue(ctx, {**cm, "clock": None}, "preservation_decision", {
        "notice_no": cm["documents"]["preservation_notice"], "outcome": zh, "outcome_reason": reason})
    if outcome not in rules.COERCIVE:
        return {**cm, "outcome": outcome}
    return _start_term(ctx, {**cm, "kind": outcome, "coercion_item_code": item_code, "reason": reason})


@service_task("measure.dispose")
def record_disposal(ctx: ServiceContext, cm: dict, disposal: str, reason) -> dict:
    """Release (第28条), a request to extend once (第25条), or the disposal decided (第27条)."""
    reason = rules.check_disposal(disposal, reason, cm["extensions"])
    if disposal == "extend":
        return {**cm, "disposal": "extend", "extension_reason": reason}
    case_clock.meet(ctx, cm["clock"])
    cm = {**cm, "disposal": disposal}
    if disposal == "release":
        return _release(ctx, cm, reason)
    return {**cm, "outcome": "disposed", "disposal_reason": reason}


@service_task("measure.extend")
def record_extension(ctx: ServiceContext, cm: dict, approve: bool, opinion) -> dict:
    """第25条: the head extends by at most 30 days, once; the party is told in writing with reasons."""
    cm = {**cm, "disposal": None}
    if not approve:
        return {**cm, "extension_refused": opinion or ""}
    extensions.extend(ctx.session, ctx.clock, service_calendar(ctx), cm["clock"]["id"],
                      reason=cm["extension_reason"], approver=ctx.actor_user_id, amount=30)
    clock = case_clock.clock_view(deadlines.get_deadline(ctx.session, cm["clock"]["id"]))
    approver = ctx.session.get(User, ctx.actor_user_id).display_name
    cm = {**cm, "clock": clock, "extensions": cm["extensions"] + 1}
    return _issue(ctx, cm, "coercion_extension", {
        "measure": rules.MEASURE_ZH[cm["kind"]], "decision_no": cm["documents"]["coercion_decision"],
        "reason": cm["extension_reason"], "approved_by": approver, "term_to": _date(clock["due_at"])})


def start_case_measure(session: Session, engine, actor: User, case_id: int, *, kind: str, items: str, reason: str,
                       basis: str, officers: list[Officer], on_the_spot: bool = False,
                       coercion_item_code: str | None = None):
    """A measure on an open case by two officers; refused with the article and nothing written."""
    with unit_of_work(session):
        case = get_case(session, case_id)
        require_role(session, actor, Role.TOWNSHIP_OFFICER if case.handling_org.kind in ("township", "township_organ")
                     else Role.COUNTY_OFFICER, case.handling_org)
        rules.check_request(case, kind, items, reason, basis)
        today = engine.clock.today()
        article = rules.ART_18 if kind in rules.COERCIVE else rules.ART_56
        check_officers(session, case.handling_org, officers, today, article=article)
        code = None
        if kind in rules.COERCIVE:
            code = rules.check_coercive_power(session, case, coercion_item_code, today)
        elif on_the_spot:
            raise LegalRuleViolation("先行登记保存须经行政机关负责人批准，不得当场先行实施 / preservation needs the head's "
                                     "approval first", article=rules.ART_56)
        cm = {"case_id": case.id, "case_number": case.case_number, "handling_org_id": case.handling_org_id,
              "kind": kind, "items": items.strip(), "reason": reason.strip(), "basis": basis.strip(),
              "on_the_spot": bool(on_the_spot), "coercion_item_code": code, "documents": {}, "clock": None,
              "extensions": 0, "officer_ids": [o.user_id for o in officers], "taken_at": engine.clock.now().isoformat()}
        data = {"case_id": case.id, "handling_org_id": case.handling_org_id, "township_id": case.township_id,
                "cm": cm, **FORM_DEFAULTS}
        return processes.start(session, engine, PROCESS_ID, actor=actor,
                               business_key=f"{case.case_number}/{rules.MEASURE_ZH[kind]}", data=data)
