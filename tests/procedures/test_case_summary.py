"""Summary procedure (简易程序, 行政处罚法 第51–52、71条): on the spot, within the limits, on record."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from models import AuditEvent, Case, Deadline, Document
from tests.support.case_world import build_case_county
from tests.support.procedure_world import in_transaction
from workflows.calendar.legal_calendar import LegalCalendar
from workflows.cases.summary import decide_on_the_spot
from workflows.core.errors import LegalRuleViolation


@pytest.fixture
def c(session, clock, tmp_path):
    """The test county with case delegations, reviewers and the deadline rules."""
    return build_case_county(session, clock, tmp_path)


def _spot(session, c, **kw):
    args = {"item_code": "CGJ-01", "township": c.orgs["zk"], "handling_org": c.orgs["zk"],
            "case_number": "郑口简〔2026〕1号", "party_name": "李四", "party_kind": "citizen",
            "facts": "在解放街乱扔垃圾", "penalty_kind": "fine", "fine": "50", "place": "郑口镇解放街",
            "basis": "《城市市容和环境卫生管理条例》第三十四条", "certificate_number": "冀执zk1",
            "remedy_organ": "故城县人民政府", "court": "故城县人民法院", "violation_on": date(2026, 3, 2)} | kw
    return in_transaction(session, decide_on_the_spot, session, c.clock, LegalCalendar(), c.users["zk_officer1"], **args)


def _counts(session) -> tuple:
    session.expire_all()
    return tuple(session.scalar(select(func.count()).select_from(m)) for m in (Case, Document, AuditEvent, Deadline))


def test_summary_fine_on_the_spot_with_cash_handed_over_in_2_working_days(session, c):
    """第51–52条: a 50-yuan fine on the spot, numbered form with certificate; 第71条 cash to the organ in 2 working days."""
    case = _spot(session, c, cash_collected=True)
    assert (case.status, case.decision_kind, case.fine_amount) == ("decided", "penalty", 50)
    form = session.scalars(select(Document).where(Document.kind == "summary_decision",
                                                  Document.mime.like("text/html%"))).one()
    html = form.content.decode()
    for needle in ("当场行政处罚决定书", form.document_no, "李四", "罚款50元", "冀执zk1", "郑口镇解放街", "六十日内",
                   "报所属行政机关备案", "专用票据"):
        assert needle in html, needle
    handover = session.scalars(select(Deadline).where(Deadline.case_ref == case.case_number)).one()
    assert handover.rule_key == "apl71_fine_handover" and handover.due_at.date() == date(2026, 3, 4)
    record = session.scalars(select(AuditEvent).where(AuditEvent.action == "summary.decided")).one()
    assert record.details["document_no"] == form.document_no  # 备案


def test_warning_for_an_organization(session, c):
    """第51条: a warning is always within the summary procedure."""
    case = _spot(session, c, party_kind="organization", party_name="某公司", penalty_kind="warning", fine=None)
    assert case.fine_amount is None


@pytest.mark.parametrize(("party_kind", "fine", "limit"), [("citizen", "201", "200"), ("organization", "3000.01", "3000")])
def test_summary_fine_above_the_limit_is_refused_and_nothing_written(session, c, party_kind, fine, limit):
    """第51条: above 200 yuan (citizen) or 3,000 yuan (organization) the ordinary procedure applies."""
    before = _counts(session)
    with pytest.raises(LegalRuleViolation) as err:
        _spot(session, c, party_kind=party_kind, fine=fine)
    assert err.value.article == "行政处罚法 第51条" and err.value.details["limit"] == limit
    assert _counts(session) == before


def test_summary_needs_a_valid_certificate_article_52(session, c):
    """第52条: the officer shows a valid enforcement certificate; a wrong number is refused, nothing written."""
    before = _counts(session)
    with pytest.raises(LegalRuleViolation) as err:
        _spot(session, c, certificate_number="冀执假1")
    assert err.value.article == "行政处罚法 第52条" and _counts(session) == before


def test_summary_on_an_item_the_township_does_not_hold_is_refused(session, c):
    """第22–24条: the summary procedure does not widen competence."""
    before = _counts(session)
    with pytest.raises(LegalRuleViolation):
        _spot(session, c, item_code="CGJ-02")
    assert _counts(session) == before
