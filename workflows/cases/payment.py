"""Service, payment, late fee, 催告 and court application of a fine (行政处罚法 第61、67、72–73条; 行政强制法 第53–54条)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import Case, CasePayment, CaseService, CaseStatus, Deadline, DecisionKind, User
from workflows.calendar.legal_calendar import LegalCalendar
from workflows.cases.documents import issue_case_document
from workflows.core import audit
from workflows.core.clock import SystemClock, start_of_legal_day
from workflows.core.db import unit_of_work
from workflows.core.errors import Conflict, LegalRuleViolation, NotFound, ValidationFailed
from workflows.deadlines import records as deadlines

ART_61 = "行政处罚法 第61条"
ART_66 = "行政处罚法 第66条第二款"
ART_67 = "行政处罚法 第67条"
ART_72_73 = "行政处罚法 第72–73条"
ART_C53 = "行政强制法 第53条"
ART_C54 = "行政强制法 第54条"
SERVICE_RULE, PAYMENT_RULE = "apl61_service", "apl67_payment"
DAILY_RATE = Decimal("0.03")  # 第72条第1款第1项: 每日按罚款数额的百分之三加处罚款
METHODS = {"hand": "直接送达", "post": "邮寄送达", "electronic": "电子送达"}
LITIGATION_MONTHS, COURT_MONTHS, REMINDER_DAYS = 6, 3, 10  # 行政诉讼法 第46条; 行政强制法 第53、54条


def _case(session: Session, case_id: int) -> Case:
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound(f"未找到案件：{case_id} / unknown case: {case_id}", case_id=case_id)
    return case


def _plus_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def late_fee(fine: Decimal, due_on: date, paid_on: date, excluded: list[dict] | None = None) -> tuple[int, Decimal]:
    """第72条: 3% of the fine a day after the due date, capped at the fine; 第73条 periods are not counted."""
    late = {due_on + timedelta(days=k) for k in range(1, max((paid_on - due_on).days, 0) + 1)}
    for period in excluded or ():
        start, end = date.fromisoformat(period["from"]), date.fromisoformat(period["to"])
        late -= {start + timedelta(days=k) for k in range((end - start).days + 1)}
    fee = (fine * DAILY_RATE * len(late)).quantize(Decimal("0.01"), ROUND_HALF_UP)
    return len(late), min(fee, fine)


def _service_of(session: Session, case: Case) -> CaseService | None:
    return session.scalar(select(CaseService).where(CaseService.case_id == case.id))


def _open_deadline(session: Session, case: Case, rule_key: str) -> Deadline | None:
    return session.scalars(select(Deadline).where(Deadline.case_ref == case.case_number, Deadline.rule_key == rule_key,
                                                  Deadline.status.in_(("pending", "warned", "overdue")))).first()


def serve_decision(session: Session, clock: SystemClock, calendar: LegalCalendar, actor: User, case_id: int, *,
                   method: str, served_on: date, recipient: str, electronic_consent: bool = False,
                   instance_id: int | None = None, task_id: str | None = None) -> CaseService:
    """第61条: the decision served (by hand, post, or electronically with consent); 15 days to pay start (第67条)."""
    errors = {}
    if method not in METHODS:
        errors["method"] = [f"送达方式应为 {'/'.join(METHODS)} / unknown method"]
    if method == "electronic" and not electronic_consent:
        errors["electronic_consent"] = [f"电子送达须当事人同意并签订确认书（{ART_61}第二款）/ consent required"]
    if not (recipient or "").strip():
        errors["recipient"] = ["签收人必填 / the recipient is required"]
    if served_on > clock.today():
        errors["served_on"] = ["送达日期晚于今天 / served in the future"]
    if errors:
        raise ValidationFailed(errors, message=f"送达不予登记（{ART_61}）/ service refused")
    with unit_of_work(session):
        case = _case(session, case_id)
        if case.decision_kind != DecisionKind.PENALTY or case.decided_on is None or served_on < case.decided_on:
            raise Conflict(f"案件 {case.case_number} 无可送达的处罚决定 / no penalty decision to serve", case_id=case.id)
        if _service_of(session, case) is not None:
            raise Conflict(f"案件 {case.case_number} 的决定书已送达 / already served", case_id=case.id)
        due = calendar.add_calendar_days(served_on, 15).due_date
        row = CaseService(case_id=case.id, method=method, served_on=served_on, recipient=recipient.strip(),
                          payment_due_on=due, recorded_by_user_id=actor.id, recorded_at=clock.now())
        session.add(row)
        if (pending := _open_deadline(session, case, SERVICE_RULE)) is not None:
            deadlines.mark_met(session, clock, pending.id, actor=actor)
        deadlines.start_deadline(session, clock, calendar, PAYMENT_RULE, case_ref=case.case_number,
                                 org=case.handling_org_id, start=start_of_legal_day(served_on), actor=actor,
                                 instance_id=instance_id, task_id=task_id)
        issue_case_document(session, clock, case.id, "service_receipt", {
            "served_document": f"{case.case_number} 行政处罚决定书", "served_on": served_on.isoformat(),
            "method": METHODS[method], "recipient": recipient.strip()})
        session.flush()
    return row


def paid_so_far(session: Session, case: Case) -> Decimal:
    """The fine paid so far (late fees apart)."""
    total = session.scalar(select(func.coalesce(func.sum(CasePayment.amount - CasePayment.late_fee), 0))
                           .where(CasePayment.case_id == case.id))
    return Decimal(str(total))


def record_payment(session: Session, clock: SystemClock, actor: User, case_id: int, *, amount: Decimal,
                   paid_on: date, excluded_periods: list[dict] | None = None,
                   instalment: bool = False) -> CasePayment:
    """缴纳罚款 with the late fee due on that day; refused on a closed case (第67条) or when short of the fee.

    With approved instalments (分期, 第66条) one payment may be part of what is owed.
    """
    with unit_of_work(session):
        case = _case(session, case_id)
        if case.status in (CaseStatus.CLOSED, CaseStatus.WITHDRAWN):
            raise LegalRuleViolation(f"案件 {case.case_number} 已结案，不得登记缴款 / the case is closed",
                                     article=ART_67, case_id=case.id, status=str(case.status))
        service = _service_of(session, case)
        if service is None or case.fine_amount is None:
            raise Conflict(f"案件 {case.case_number} 的处罚决定尚未送达 / the decision is not served", case_id=case.id)
        if paid_on > clock.today() or paid_on < service.served_on:
            raise ValidationFailed({"paid_on": ["缴款日期须在送达之后且不晚于今天 / paid between service and today"]})
        days, fee = late_fee(case.fine_amount, service.payment_due_on, paid_on, excluded_periods)
        owed = case.fine_amount - paid_so_far(session, case) + fee
        if not (Decimal(amount) == owed or (instalment and 0 < Decimal(amount) < owed)):
            raise LegalRuleViolation(
                f"应缴 {owed} 元（罚款余额及加处罚款 {fee} 元，逾期 {days} 日），实缴 {amount} 元 / {owed} yuan due "
                f"including a late fee of {fee}", article=ART_72_73, owed=str(owed), late_fee=str(fee), late_days=days)
        row = CasePayment(case_id=case.id, paid_on=paid_on, amount=Decimal(amount), late_fee=fee, late_days=days,
                          excluded_periods=list(excluded_periods or []), recorded_by_user_id=actor.id,
                          recorded_at=clock.now())
        session.add(row)
        if (pending := _open_deadline(session, case, PAYMENT_RULE)) is not None:
            deadlines.mark_met(session, clock, pending.id, actor=actor)
        session.flush()
        audit.record(session, at=clock.now(), action="payment.recorded", subject_type="case", subject_id=case.id,
                     actor_user_id=actor.id, actor_org_id=case.handling_org_id, instance_id=case.instance_id,
                     details={"amount": str(row.amount), "late_fee": str(fee), "late_days": days})
    return row


def defer_payment(session: Session, clock: SystemClock, actor: User, case_id: int, *, until: date,
                  instalments: int | None, reason: str) -> CaseService:
    """暂缓或者分期缴纳 (第66条第二款): on the party's request, approved by the organ, the due date moves."""
    with unit_of_work(session):
        case = _case(session, case_id)
        service = _service_of(session, case)
        if case.status in (CaseStatus.CLOSED, CaseStatus.WITHDRAWN) or service is None:
            raise LegalRuleViolation(f"案件 {case.case_number} 无待缴罚款，不得批准暂缓或分期 / nothing to defer",
                                     article=ART_66, case_id=case.id)
        if until <= service.payment_due_on:
            raise ValidationFailed({"deferral_until": [
                f"暂缓或分期的最后期限须晚于原缴款期限 {service.payment_due_on} / must be after the current due date"]})
        old_due, service.payment_due_on = service.payment_due_on, until
        if (pending := _open_deadline(session, case, PAYMENT_RULE)) is not None:
            deadlines.cancel(session, clock, pending.id, f"经批准暂缓或分期缴纳至 {until}（{ART_66}）", actor=actor)
        audit.record(session, at=clock.now(), action="payment.deferred", subject_type="case", subject_id=case.id,
                     actor_user_id=actor.id, actor_org_id=case.handling_org_id, instance_id=case.instance_id,
                     details={"from": old_due.isoformat(), "until": until.isoformat(), "instalments": instalments,
                              "reason": reason})
        session.flush()
    return service


def court_window(service: CaseService, reminded_on: date) -> tuple[date, date]:
    """行政强制法 第53–54条: from 10 days after the 催告 to 3 months after the litigation period ends."""
    remedies_end = _plus_months(service.served_on, LITIGATION_MONTHS)
    return max(reminded_on + timedelta(days=REMINDER_DAYS), remedies_end + timedelta(days=1)), \
        _plus_months(remedies_end, COURT_MONTHS)


def remind(session: Session, clock: SystemClock, actor: User, case_id: int, *, pay_to: str) -> dict:
    """催告 (行政强制法 第35、54条): after the due date, unpaid: fine and late fee to date, 10 days to pay."""
    with unit_of_work(session):
        case = _case(session, case_id)
        service = _service_of(session, case)
        today = clock.today()
        if service is None or today <= service.payment_due_on or paid_so_far(session, case) >= case.fine_amount:
            raise Conflict("未逾期或已缴清，无须催告 / nothing overdue to remind of", case_id=case_id)
        _days, fee = late_fee(case.fine_amount, service.payment_due_on, today)
        doc = issue_case_document(session, clock, case.id, "payment_reminder", {
            "decision_no": case.case_number, "fine": str(case.fine_amount), "late_fee": str(fee),
            "pay_until": (today + timedelta(days=REMINDER_DAYS)).isoformat(), "pay_to": pay_to})
        earliest, latest = court_window(service, today)
        return doc | {"court_from": earliest.isoformat(), "court_until": latest.isoformat()}


def check_court_application(service: CaseService, reminded_on: date, on: date) -> None:
    """行政强制法 第53–54条: not before the 催告 has run 10 days and remedies have lapsed; within 3 months."""
    earliest, latest = court_window(service, reminded_on)
    if on < earliest:
        raise LegalRuleViolation(f"最早于 {earliest} 申请强制执行 / apply on {earliest} at the earliest",
                                 article=ART_C54, earliest=earliest.isoformat())
    if on > latest:
        raise LegalRuleViolation(f"申请期限已于 {latest} 届满 / the 3 months ended {latest}", article=ART_C53,
                                 latest=latest.isoformat())
