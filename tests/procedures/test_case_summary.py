"""Summary procedure (简易程序, 行政处罚法 第51–52、68、71条): on the spot, within the limits, on record."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from models import AuditEvent, Case, Deadline, Document, HumanTask, ProcessInstance
from tests.support.case_world import at, build_case_county, reload
from tests.support.procedure_world import in_transaction
from workflows.cases.summary import SpotDecision
from workflows.core.errors import LegalRuleViolation, PermissionDenied, ValidationFailed
from workflows.procedures.summary_penalty.steps import start_summary


@pytest.fixture
def c(session, clock, tmp_path):
    """The test county with case delegations and the summary procedure."""
    return build_case_county(session, clock, tmp_path, extra_files=("summary_penalty.bpmn",))


def _spot(session, c, user="zk_officer1", **kw):
    args = {"item_code": "CGJ-01", "party_name": "李四", "party_kind": "citizen", "facts": "在解放街乱扔垃圾",
            "penalty_kind": "fine", "fine": "50", "place": "郑口镇解放街",
            "basis": "《城市市容和环境卫生管理条例》第三十四条", "certificate_number": "冀执zk1",
            "violation_on": date(2026, 3, 2)} | kw
    return in_transaction(session, start_summary, session, c.engine, c.users[user], c.orgs["zk"].id, c.orgs["zk"].id,
                          SpotDecision(**args))


def _counts(session) -> tuple:
    session.expire_all()
    return tuple(session.scalar(select(func.count()).select_from(m))
                 for m in (Case, Document, AuditEvent, Deadline, ProcessInstance, HumanTask))


def _rules(session, case) -> list[tuple[str, str, date]]:
    session.expire_all()
    return [(d.rule_key, str(d.status), d.due_at.date()) for d in session.scalars(
        select(Deadline).where(Deadline.case_ref == case.case_number).order_by(Deadline.id))]


def _form(session, case) -> Document:
    return session.scalars(select(Document).where(Document.kind == "summary_decision", Document.instance_id ==
                                                  case.instance_id, Document.mime.like("text/html%"))).one()


def test_cash_fine_handed_over_banked_and_filed_saved_and_reloaded_at_every_wait(session, c):
    """第51–52条 form with certificate; 第71条 cash to the organ in 2 working days, to the bank in 2 more; 备案."""
    case = _spot(session, c, cash_collected=True)  # Monday 2026-03-02
    assert (case.status, case.decision_kind, case.fine_amount) == ("decided", "penalty", 50)
    html = _form(session, case).content.decode()
    for needle in ("当场行政处罚决定书", _form(session, case).document_no, "李四", "罚款50元", "冀执zk1", "郑口镇解放街",
                   "六十日内", "报所属行政机关备案", "专用票据", "人民法院"):
        assert needle in html, needle
    assert case.case_number.startswith("故") and "简案〔2026〕1号" in case.case_number  # from the sequence
    assert c.open_tasks(session, case.instance_id) == ["hand_over_cash"]
    assert _rules(session, case) == [("apl71_fine_handover", "pending", date(2026, 3, 4))]
    reload(session, c)
    at(c, 2026, 3, 3, 2)
    c.act(session, case.instance_id, "hand_over_cash", "zk_officer1", {"receipt_no": "冀罚票0001", "handed_amount": "50"})
    assert c.open_tasks(session, case.instance_id) == ["deposit_fine"]
    assert c.task(session, case.instance_id, "deposit_fine").role == "township_leader"
    # 第71条: the organ's 2 working days run from the hand-over (Tue 3 March → Thu 5 March).
    assert _rules(session, case)[-1] == ("apl71_bank_deposit", "pending", date(2026, 3, 5))
    reload(session, c)
    c.act(session, case.instance_id, "deposit_fine", "zk_leader", {"bank_slip_no": "BANK-778"})
    reload(session, c)
    c.act(session, case.instance_id, "record_filing", "zk_leader", {"filing_note": "已备案"})
    session.expire_all()
    assert session.get(ProcessInstance, case.instance_id).status == "completed"
    assert session.get(Case, case.id).status == "closed"
    assert [s for _, s, _ in _rules(session, case)] == ["met", "met"]
    actions = list(session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("summary.%"))
                                   .order_by(AuditEvent.id)))
    assert actions == ["summary.decided", "summary.cash_handed_over", "summary.fine_deposited", "summary.filed"]


def test_warning_for_an_organization_goes_straight_to_the_record(session, c):
    """第51条: a warning is always within the summary procedure; no cash, no 第71条 period."""
    case = _spot(session, c, party_kind="organization", party_name="某公司", penalty_kind="warning", fine=None)
    assert case.fine_amount is None and "警告" in _form(session, case).content.decode()
    assert c.open_tasks(session, case.instance_id) == ["record_filing"] and _rules(session, case) == []


def test_handover_is_late_when_after_two_working_days(session, c):
    """第71条 with 第85条: Friday's cash is due Tuesday (weekend not counted); Wednesday is late."""
    at(c, 2026, 3, 6, 2)
    case = _spot(session, c, cash_collected=True, fine="100")
    assert _rules(session, case)[0][2] == date(2026, 3, 10)
    at(c, 2026, 3, 11, 2)
    c.act(session, case.instance_id, "hand_over_cash", "zk_officer1", {"receipt_no": "票2", "handed_amount": "100"})
    row = session.scalars(select(Deadline).where(Deadline.rule_key == "apl71_fine_handover")).one()
    assert row.met_at > row.due_at


def test_handing_over_less_than_collected_is_refused_nothing_written(session, c):
    """第71条: the whole fine collected reaches the organ; a short amount is refused, the task stays open."""
    case = _spot(session, c, cash_collected=True)
    before = _counts(session)
    with pytest.raises(LegalRuleViolation) as err:
        c.act(session, case.instance_id, "hand_over_cash", "zk_officer1", {"receipt_no": "票", "handed_amount": "40"})
    assert err.value.article == "行政处罚法 第71条" and _counts(session) == before
    assert c.open_tasks(session, case.instance_id) == ["hand_over_cash"]


@pytest.mark.parametrize(("party_kind", "fine", "limit"), [("citizen", "201", "200"), ("organization", "3000.01", "3000")])
def test_summary_fine_above_the_limit_is_refused_and_nothing_written(session, c, party_kind, fine, limit):
    """第51条: above 200 yuan (citizen) or 3,000 yuan (organization) the ordinary procedure applies."""
    before = _counts(session)
    with pytest.raises(LegalRuleViolation) as err:
        _spot(session, c, party_kind=party_kind, fine=fine)
    assert err.value.article == "行政处罚法 第51条" and err.value.details["limit"] == limit
    assert _counts(session) == before


def test_cash_above_100_yuan_needs_a_reason_article_68(session, c):
    """第68条: above 100 yuan cash is collected on the spot only where later collection would be hard."""
    before = _counts(session)
    with pytest.raises(LegalRuleViolation) as err:
        _spot(session, c, fine="150", cash_collected=True)
    assert err.value.article == "行政处罚法 第68条" and _counts(session) == before
    case = _spot(session, c, fine="150", cash_collected=True, cash_reason="外地流动摊贩，事后难以执行")
    assert c.open_tasks(session, case.instance_id) == ["hand_over_cash"]


def test_summary_needs_a_valid_certificate_article_52(session, c):
    """第52条: the officer shows a valid enforcement certificate; a wrong number is refused, nothing written."""
    before = _counts(session)
    with pytest.raises(LegalRuleViolation) as err:
        _spot(session, c, certificate_number="冀执假1")
    assert err.value.article == "行政处罚法 第52条" and _counts(session) == before


def test_only_an_officer_of_the_handling_organ_decides(session, c):
    """第52条: the township's own officer acts; another township's officer is refused, nothing written."""
    before = _counts(session)
    with pytest.raises(PermissionDenied):
        _spot(session, c, user="qh_officer1", certificate_number="冀执qh1")
    assert _counts(session) == before


def test_a_warning_with_a_fine_or_blank_facts_is_refused(session, c):
    """Bad input: a fine on a warning, a blank place — field errors, nothing written."""
    before = _counts(session)
    with pytest.raises(ValidationFailed):
        _spot(session, c, penalty_kind="warning", fine="20")
    with pytest.raises(ValidationFailed):
        _spot(session, c, place="  ")
    assert _counts(session) == before


def test_summary_on_an_item_the_township_does_not_hold_is_refused(session, c):
    """第22–24条: the summary procedure does not widen competence."""
    before = _counts(session)
    with pytest.raises(LegalRuleViolation):
        _spot(session, c, item_code="CGJ-02")
    assert _counts(session) == before


def test_decided_at_is_shanghai_time_on_the_form(session, c):
    """The form states the time in Asia/Shanghai (instants are UTC in storage)."""
    c.clock.set(datetime(2026, 3, 2, 1, 30, tzinfo=UTC))
    case = _spot(session, c)
    assert "2026-03-02 09:30" in _form(session, case).content.decode()
