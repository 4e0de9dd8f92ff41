"""Service, payment, late fee, 催告 and court application (行政处罚法 第61、67、72–73条; 行政强制法 第53–54条)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from models import AuditEvent, Case, CasePayment, CaseService, CaseStatus, Deadline, Document
from tests.support.case_world import PAYABLE, at, build_case_county, file, notify_and_defend
from tests.support.procedure_world import in_transaction
from workflows.calendar.legal_calendar import LegalCalendar
from workflows.cases.payment import (
    check_court_application,
    late_fee,
    record_payment,
    remind,
    serve_decision,
)
from workflows.core.errors import LegalRuleViolation, ValidationFailed

FINE = Decimal("3000")


@pytest.fixture
def c(session, clock, tmp_path):
    """The test county with case delegations, reviewers and the deadline rules."""
    return build_case_county(session, clock, tmp_path)


def _decided(session, c) -> Case:
    """A 3,000-yuan penalty decided on 2026-03-02 after notice and defence."""
    case = file(session, c)
    c.act(session, case.instance_id, "investigate", "zk_officer1",
          {"investigation_report": "查明", "proposed_decision": "penalty", "proposed_fine": "3000"})
    notify_and_defend(session, c, case.instance_id)
    c.act(session, case.instance_id, "decide", "zk_leader",
          {**PAYABLE, "decision_kind": "penalty", "fine_amount": "3000", "within_benchmark": True})
    return session.get(Case, case.id)


def _serve(session, c, case, **kw):
    args = {"method": "hand", "served_on": date(2026, 3, 2), "recipient": "张三"} | kw
    return in_transaction(session, serve_decision, session, c.clock, LegalCalendar(), c.users["zk_officer1"],
                          case.id, **args)


def _pay(session, c, case, amount, paid_on, **kw):
    return in_transaction(session, record_payment, session, c.clock, c.users["zk_officer1"], case.id,
                          amount=Decimal(amount), paid_on=paid_on, **kw)


def _rules(session, case) -> dict[str, str]:
    session.expire_all()
    rows = session.scalars(select(Deadline).where(Deadline.case_ref == case.case_number))
    return {r.rule_key: str(r.status) for r in rows}


def test_late_fee_is_3_percent_a_day_capped_at_the_fine_article_72():
    """第72条: 3% of the fine per day overdue, never more than the fine itself."""
    assert late_fee(FINE, date(2026, 3, 17), date(2026, 3, 17)) == (0, Decimal("0.00"))
    assert late_fee(FINE, date(2026, 3, 17), date(2026, 3, 22)) == (5, Decimal("450.00"))
    assert late_fee(FINE, date(2026, 3, 17), date(2026, 6, 1))[1] == FINE


def test_reconsideration_and_litigation_days_are_not_counted_article_73():
    """第73条: 申请行政复议或者提起行政诉讼的，加处罚款的数额在复议或者诉讼期间不予计算."""
    period = [{"from": "2026-03-18", "to": "2026-03-20", "kind": "reconsideration"}]
    assert late_fee(FINE, date(2026, 3, 17), date(2026, 3, 22), period) == (2, Decimal("180.00"))


def test_paid_late_path_service_within_7_working_days_then_late_fee(session, c):
    """第61条 service met, 第67条 15 days from service, paid 5 days late with 450 yuan late fee (第72条)."""
    case = _decided(session, c)
    assert _rules(session, case)["apl61_service"] == "pending"
    service = _serve(session, c, case)
    assert service.payment_due_on == date(2026, 3, 17)
    rules = _rules(session, case)
    assert rules["apl61_service"] == "met" and rules["apl67_payment"] == "pending"
    receipt = session.scalars(select(Document).where(Document.kind == "service_receipt",
                                                     Document.mime.like("text/html%"))).one().content.decode()
    assert "直接送达" in receipt and "签收人：张三" in receipt and "行政处罚决定书" in receipt
    at(c, 2026, 3, 22, 2)
    with pytest.raises(LegalRuleViolation) as err:
        _pay(session, c, case, "3000", date(2026, 3, 22))  # the late fee is owed too
    assert err.value.article == "行政处罚法 第72–73条" and err.value.details["late_fee"] == "450.00"
    row = _pay(session, c, case, "3450", date(2026, 3, 22))
    assert (row.late_days, row.late_fee) == (5, Decimal("450.00"))
    assert _rules(session, case)["apl67_payment"] == "met"
    assert session.scalar(select(func.count()).where(AuditEvent.action == "payment.recorded")) == 1


def test_unpaid_path_to_court_application(session, c):
    """行政强制法 第54条 催告 with 10 days, then 第53条: court within 3 months after the litigation period."""
    case = _decided(session, c)
    service = _serve(session, c, case)
    at(c, 2026, 9, 10, 2)
    reminder = in_transaction(session, remind, session, c.clock, c.users["zk_officer1"], case.id, pay_to="故城县农商银行")
    html = session.get(Document, reminder["html_id"]).content.decode()
    assert "催告书" in html and "罚款3000" in html and "加处罚款3000" in html and "申请人民法院强制执行" in html
    assert (reminder["court_from"], reminder["court_until"]) == ("2026-09-20", "2026-12-02")
    with pytest.raises(LegalRuleViolation) as early:
        check_court_application(service, date(2026, 9, 10), date(2026, 9, 15))
    assert early.value.article == "行政强制法 第54条"
    with pytest.raises(LegalRuleViolation) as late:
        check_court_application(service, date(2026, 9, 10), date(2026, 12, 3))
    assert late.value.article == "行政强制法 第53条"
    check_court_application(service, date(2026, 9, 10), date(2026, 10, 8))


def test_payment_on_a_closed_case_is_refused_and_nothing_written(session, c):
    """第67条: a closed case takes no payment; no row and no audit event are written."""
    case = _decided(session, c)
    _serve(session, c, case)
    session.get(Case, case.id).status = CaseStatus.CLOSED
    session.commit()
    events = session.scalar(select(func.count()).select_from(AuditEvent))
    with pytest.raises(LegalRuleViolation) as err:
        _pay(session, c, case, "3000", date(2026, 3, 2))
    assert err.value.article == "行政处罚法 第67条"
    assert session.scalar(select(func.count()).select_from(CasePayment)) == 0
    assert session.scalar(select(func.count()).select_from(AuditEvent)) == events


def test_electronic_service_needs_the_partys_consent_article_61(session, c):
    """第61条第二款: electronic service only with the party's consent; nothing written without it."""
    case = _decided(session, c)
    with pytest.raises(ValidationFailed) as err:
        _serve(session, c, case, method="electronic")
    assert "electronic_consent" in err.value.errors
    assert session.scalar(select(func.count()).select_from(CaseService)) == 0
    assert _serve(session, c, case, method="electronic", electronic_consent=True).method == "electronic"
