"""执行 of a penalty decision as steps: service (第61条), payment (第66–67、72–73条), 催告 and court (行政强制法 第53–54条), archive."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from models import CaseService, User
from workflows.cases import payment
from workflows.cases.payment import ART_66, ART_67
from workflows.cases.records import get_case
from workflows.core import audit
from workflows.core.clock import end_of_legal_day
from workflows.core.errors import LegalRuleViolation, ValidationFailed
from workflows.core.forms import Field, Form
from workflows.core.services import ServiceContext, service_task
from workflows.procedures.periods import service_calendar
from workflows.procedures.rules import as_iso_date

ART_C53 = "行政强制法 第53条"
PAY_ACTIONS = ("paid", "deferral", "instalments", "unpaid")
ENFORCE_ACTIONS = ("paid", "court")


def _date(name: str, zh: str, en: str, required: bool = False) -> Field:
    return Field(name, "date", required=required, label_zh=zh, label_en=en)


def _text(name: str, zh: str, en: str, required: bool = False) -> Field:
    return Field(name, "text", required=required, max_length=4000, label_zh=zh, label_en=en)


_PAID = [_date("paid_on", "缴款日期", "Paid on"),
         Field("paid_amount", "decimal", min=0, label_zh="实缴金额（元，含加处罚款）", label_en="Amount paid (yuan, late fee included)"),
         _date("remedy_from", "复议或诉讼开始日（第73条，不计加处罚款）", "Reconsideration or suit from (Art. 73)"),
         _date("remedy_to", "复议或诉讼结束日", "Reconsideration or suit until")]
FORMS = {
    "serve": Form([
        Field("service_method", "choice", required=True, choices=tuple(payment.METHODS),
              label_zh="送达方式", label_en="Method of service"),
        _date("served_on", "送达日期", "Served on", required=True),
        Field("service_recipient", "str", required=True, max_length=200, label_zh="签收人", label_en="Received by"),
        Field("electronic_consent", "bool", label_zh="当事人同意电子送达并签订确认书", label_en="Party consented to electronic service"),
    ]),
    "pay": Form([
        Field("payment_action", "choice", required=True, choices=PAY_ACTIONS, label_zh="缴纳情况",
              label_en="Payment"),
        *_PAID,
        _date("deferral_until", "申请暂缓或分期至", "Deferral or instalments until"),
        Field("instalment_count", "int", min=2, max=12, label_zh="分期期数", label_en="Number of instalments"),
        _text("request_reason", "当事人申请理由（经济困难）", "The party's reason (financial hardship)"),
    ]),
    "approve_deferral": Form([
        Field("deferral_approved", "bool", required=True, label_zh="批准暂缓或分期", label_en="Approved"),
        _text("approval_opinion", "审批意见", "Opinion", required=True),
    ]),
    "enforce": Form([
        Field("enforcement_action", "choice", required=True, choices=ENFORCE_ACTIONS, label_zh="执行结果",
              label_en="Outcome"),
        *_PAID,
        _date("court_applied_on", "申请法院强制执行日期", "Applied to the court on"),
        Field("court_name", "str", max_length=200, label_zh="受理法院", label_en="Court"),
    ]),
    "archive": Form([
        Field("archive_number", "str", required=True, max_length=80, label_zh="档案号", label_en="Archive number"),
        _date("archived_on", "归档日期", "Archived on", required=True),
    ]),
}


def _actor(ctx: ServiceContext) -> User:
    return ctx.session.get(User, ctx.actor_user_id)


def _service(ctx: ServiceContext, case) -> CaseService:
    return ctx.session.scalar(select(CaseService).where(CaseService.case_id == case.id))


def _payment_due(ctx: ServiceContext, case) -> dict:
    """The last day to pay (15 days after service, 第67条, or as deferred, 第66条) for the pay task's due date."""
    due_on = _service(ctx, case).payment_due_on
    return {"payment_due_on": due_on.isoformat(), "payment_due_at": end_of_legal_day(due_on).isoformat()}


@service_task("cases.record_service")
def record_service(ctx: ServiceContext, case_id: int, service_method: str, served_on: str, service_recipient: str,
                   electronic_consent) -> dict:
    """第61条: the decision served by hand, post or electronically with consent; 送达回证 issued; 15 days to pay run."""
    case = get_case(ctx.session, case_id)
    payment.serve_decision(ctx.session, ctx.clock, service_calendar(ctx), _actor(ctx), case.id,
                           method=service_method, served_on=as_iso_date(served_on, "served_on"),
                           recipient=service_recipient or "", electronic_consent=bool(electronic_consent),
                           instance_id=ctx.instance_id, task_id="pay")
    return {"served_on": served_on, "method": service_method} | _payment_due(ctx, case)


def _excluded(remedy_from, remedy_to) -> list[dict]:
    """第73条: the days a reconsideration or suit ran are not counted for the late fee."""
    if remedy_from in (None, "") and remedy_to in (None, ""):
        return []
    start, end = as_iso_date(remedy_from, "remedy_from"), as_iso_date(remedy_to, "remedy_to")
    if end < start:
        raise ValidationFailed({"remedy_to": ["结束日早于开始日 / ends before it starts"]})
    return [{"from": start.isoformat(), "to": end.isoformat()}]


def _pay(ctx: ServiceContext, case, paid_on, paid_amount, remedy_from, remedy_to, instalment: bool) -> dict:
    missing = {k: ["缴款时必填 / required for a payment"] for k, v in (("paid_on", paid_on), ("paid_amount", paid_amount))
               if v in (None, "")}
    if missing:
        raise ValidationFailed(missing)
    row = payment.record_payment(ctx.session, ctx.clock, _actor(ctx), case.id, amount=Decimal(str(paid_amount)),
                                 paid_on=as_iso_date(paid_on, "paid_on"),
                                 excluded_periods=_excluded(remedy_from, remedy_to), instalment=instalment)
    settled = payment.paid_so_far(ctx.session, case) >= case.fine_amount
    return {"next": "closed" if settled else "pay", "paid_on": row.paid_on.isoformat(), "amount": str(row.amount),
            "late_fee": str(row.late_fee), "late_days": row.late_days}


@service_task("cases.record_payment")
def record_payment_step(ctx: ServiceContext, case_id: int, plan, payment_action: str, paid_on, paid_amount,
                        remedy_from, remedy_to, deferral_until, instalment_count, request_reason) -> dict:
    """第67条 paid (late fee 第72–73条), a 第66条 request for the head, or unpaid after the due date (催告 next)."""
    case = get_case(ctx.session, case_id)
    if payment_action == "paid":
        return _pay(ctx, case, paid_on, paid_amount, remedy_from, remedy_to, bool(plan and plan.get("instalments")))
    if payment_action in ("deferral", "instalments"):
        errors = {}
        if not (request_reason or "").strip():
            errors["request_reason"] = [f"暂缓或分期须由当事人申请并说明理由（{ART_66}）/ the party's request and reason"]
        if deferral_until in (None, ""):
            errors["deferral_until"] = ["必填 / required"]
        if payment_action == "instalments" and not instalment_count:
            errors["instalment_count"] = ["分期须写明期数 / the number of instalments is required"]
        if errors:
            raise ValidationFailed(errors)
        return {"next": "approve", "kind": payment_action, "until": as_iso_date(deferral_until, "deferral_until").isoformat(),
                "instalments": instalment_count if payment_action == "instalments" else None,
                "reason": request_reason.strip()}
    service = _service(ctx, case)
    if ctx.clock.today() <= service.payment_due_on:
        raise LegalRuleViolation(
            f"缴款期限至 {service.payment_due_on} 届满，期满前不得认定逾期未缴 / the period to pay runs until "
            f"{service.payment_due_on}", article=ART_67, payment_due_on=service.payment_due_on.isoformat())
    return {"next": "remind"}


@service_task("cases.record_deferral")
def record_deferral(ctx: ServiceContext, case_id: int, request: dict, deferral_approved, approval_opinion: str) -> dict:
    """第66条第二款: the organ approves (the due date moves) or refuses; either way the party is to pay."""
    case = get_case(ctx.session, case_id)
    if not deferral_approved:
        return {"approved": False, "opinion": approval_opinion, "instalments": None}
    payment.defer_payment(ctx.session, ctx.clock, _actor(ctx), case.id,
                                    until=as_iso_date(request["until"], "deferral_until"),
                                    instalments=request.get("instalments"), reason=request["reason"])
    return {"approved": True, "opinion": approval_opinion, "instalments": request.get("instalments")} | \
        _payment_due(ctx, case)


@service_task("cases.remind_payment")
def remind_payment(ctx: ServiceContext, case_id: int, pay_to: str) -> dict:
    """行政强制法 第54条: 催告书 with the fine and the late fee to date; the court window is computed (第53条)."""
    case = get_case(ctx.session, case_id)
    result = payment.remind(ctx.session, ctx.clock, _actor(ctx), case.id, pay_to=pay_to or "指定银行")
    court_until = as_iso_date(result["court_until"], "court_until")
    return result | {"reminded_on": ctx.clock.today().isoformat(), "court_due_at": end_of_legal_day(court_until).isoformat()}


@service_task("cases.record_enforcement")
def record_enforcement(ctx: ServiceContext, case_id: int, reminder: dict, enforcement_action: str, paid_on,
                       paid_amount, remedy_from, remedy_to, court_applied_on, court_name) -> dict:
    """Paid after the 催告 (with its late fee), or applied to the court within the window (行政强制法 第53–54条)."""
    case = get_case(ctx.session, case_id)
    if enforcement_action == "paid":
        result = _pay(ctx, case, paid_on, paid_amount, remedy_from, remedy_to, False)
        return result | {"action": "paid"}
    if court_applied_on in (None, "") or not (court_name or "").strip():
        raise ValidationFailed({k: ["申请强制执行时必填 / required"] for k, v in
                                (("court_applied_on", court_applied_on), ("court_name", court_name))
                                if v in (None, "") or not str(v).strip()})
    on = as_iso_date(court_applied_on, "court_applied_on")
    if on > ctx.clock.today():
        raise ValidationFailed({"court_applied_on": ["申请日期晚于今天 / in the future"]})
    payment.check_court_application(_service(ctx, case), as_iso_date(reminder["reminded_on"], "reminded_on"), on)
    audit.record(ctx.session, at=ctx.now, action="case.court_application", subject_type="case", subject_id=case.id,
                 actor_user_id=ctx.actor_user_id, actor_org_id=case.handling_org_id, instance_id=ctx.instance_id,
                 details={"applied_on": on.isoformat(), "court": court_name.strip(), "article": ART_C53})
    return {"action": "court", "applied_on": on.isoformat(), "court": court_name.strip()}


@service_task("cases.record_archive")
def record_archive(ctx: ServiceContext, case_id: int, closed: dict, archive_number: str, archived_on: str) -> dict:
    """第47条: the file (案卷) is archived after closing, under its archive number."""
    case = get_case(ctx.session, case_id)
    on = as_iso_date(archived_on, "archived_on")
    if on < as_iso_date(closed["closed_on"], "closed_on") or on > ctx.clock.today():
        raise ValidationFailed({"archived_on": ["归档日期须在结案之后且不晚于今天 / between closing and today"]})
    audit.record(ctx.session, at=ctx.now, action="case.archived", subject_type="case", subject_id=case.id,
                 actor_user_id=ctx.actor_user_id, actor_org_id=case.handling_org_id, instance_id=ctx.instance_id,
                 details={"archive_number": archive_number.strip(), "archived_on": on.isoformat()})
    return {"archive_number": archive_number.strip(), "archived_on": on.isoformat()}
