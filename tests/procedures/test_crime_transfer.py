"""Transfer of a suspected crime to public security (国务院令第310号) through the Python API."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from models import Case, Deadline
from tests.support.case_world import PAYABLE, build_case_county, file, officers
from tests.support.procedure_world import fingerprint, in_transaction
from workflows.cases.rules import Officer
from workflows.core.errors import LegalRuleViolation
from workflows.procedures.crime_transfer.steps import start_crime_transfer

DOCS = {"doc_transfer_letter": True, "doc_investigation_report": True, "doc_item_list": True,
        "doc_test_reports": True, "doc_other": False}


@pytest.fixture
def c(session, clock, tmp_path):
    """The case county with the crime-transfer procedure."""
    return build_case_county(session, clock, tmp_path, extra_files=("crime_transfer.bpmn",))


def _start(session, c, case, team=None):
    inst = in_transaction(session, start_crime_transfer, session, c.engine, c.users["zk_officer1"], case.id,
                          report="涉案金额巨大，涉嫌非法经营罪", officers=team or officers(c),
                          police_org=c.orgs["police"])
    return inst.id


def _rules(session, iid) -> list[tuple[str, str]]:
    session.expire_all()
    return [(d.rule_key, str(d.status)) for d in session.scalars(
        select(Deadline).where(Deadline.instance_id == iid).order_by(Deadline.id))]


def test_filed_by_police_after_incomplete_materials_o310_articles_5_to_8(session, c):
    """310号令 第5–8条: head 3 days, hand-over 24 h, police review 3 days, supplement, items in 3 days."""
    case = file(session, c)
    iid = _start(session, c, case)
    head = c.task(session, iid, "head_decision")
    # 3 calendar days, the day of the report not counted: ends 5 March 24:00 Shanghai
    assert head.due_at == datetime(2026, 3, 5, 15, 59, 59, 999999, tzinfo=UTC)
    c.act(session, iid, "head_decision", "zk_leader", {"approve": True})
    c.act(session, iid, "hand_over", "zk_officer2", DOCS)
    review = c.task(session, iid, "police_review")
    assert (review.organization_id, review.role) == (c.orgs["police"].id, "county_officer")
    c.act(session, iid, "police_review", "police", {"police_outcome": "incomplete", "police_reasons": "缺鉴定结论"})
    c.act(session, iid, "supplement_materials", "zk_officer1", {"supplement_note": "补交鉴定结论"})
    c.act(session, iid, "police_review", "police", {"police_outcome": "filed"})
    c.act(session, iid, "hand_over_materials", "zk_officer1", {"materials_note": "移交扣押物品"})
    assert c.instance(session, iid).status == "completed"
    # 公安部 程序规定 第180条: the incompleteness notice is met when given, cancelled once materials are complete.
    assert _rules(session, iid) == [
        ("o310_head_decide", "met"), ("o310_handover", "met"), ("o310_police_review", "met"),
        ("o310_incomplete_notice", "met"), ("o310_supplement", "met"), ("o310_police_review", "met"),
        ("o310_incomplete_notice", "cancelled"), ("o310_materials_handover", "met")]
    assert session.get(Case, case.id).status == "transferred"


def test_not_filed_reconsideration_then_administrative_penalty_o310_articles_9_10(session, c):
    """310号令 第9条 复议 (3+3 days), no supervision asked → 第10条 the organ decides the penalty itself."""
    case = file(session, c)
    iid = _start(session, c, case)
    c.act(session, iid, "head_decision", "zk_leader", {"approve": True})
    c.act(session, iid, "hand_over", "zk_officer2", DOCS)
    c.act(session, iid, "police_review", "police", {"police_outcome": "not_filed", "police_reasons": "未达追诉标准"})
    c.act(session, iid, "ask_reconsideration", "zk_leader",
          {"ask_reconsideration": True, "reconsideration_reason": "金额已达标准"})
    c.act(session, iid, "police_reconsider", "police", {"reconsider_outcome": "maintained"})
    c.act(session, iid, "ask_supervision", "zk_leader", {"ask_supervision": False})
    assert [r for r, _ in _rules(session, iid)][-3:] == [
        "o310_reconsider_request", "o310_reconsider_answer", "o310_procuratorate_request"]
    assert session.get(Case, case.id).status == "investigating"


def test_head_refusal_records_reasons_o310_article_5(session, c):
    """第5条: the head refuses with reasons recorded; the case goes back to administrative handling."""
    case = file(session, c)
    iid = _start(session, c, case)
    with pytest.raises(Exception) as err:
        c.act(session, iid, "head_decision", "zk_leader", {"approve": False})
    assert "refusal_reason" in err.value.errors
    c.act(session, iid, "head_decision", "zk_leader", {"approve": False, "refusal_reason": "证据不足以认定犯罪"})
    assert c.instance(session, iid).status == "completed"
    assert session.get(Case, case.id).status == "investigating"


def test_hand_over_without_required_documents_is_refused_o310_article_6(session, c):
    """第6条: the transfer letter, investigation report and item list must be handed over."""
    case = file(session, c)
    iid = _start(session, c, case)
    c.act(session, iid, "head_decision", "zk_leader", {"approve": True})
    before = fingerprint(session)
    with pytest.raises(LegalRuleViolation) as err:
        c.act(session, iid, "hand_over", "zk_officer2", DOCS | {"doc_item_list": False})
    assert err.value.article == "国务院令第310号 第6条" and "涉案物品清单" in str(err.value)
    assert fingerprint(session) == before


def test_a_report_by_one_officer_is_refused_o310_article_5(session, c):
    """第5条: the report is made by a team of at least two officers."""
    case = file(session, c)
    before = fingerprint(session)
    lone = [Officer(c.users["zk_officer1"].id, "冀执zk1")]
    with pytest.raises(LegalRuleViolation) as err:
        _start(session, c, case, team=lone)
    assert err.value.article == "国务院令第310号 第5条"
    assert fingerprint(session) == before


def test_no_penalty_in_place_of_a_transfer_then_the_case_closes_as_transferred_article_27(session, c):
    """行政处罚法 第27条, 310号令 第11条: once transferred, the organ may not decide a penalty instead."""
    case = file(session, c)
    c.act(session, case.instance_id, "investigate", "zk_officer1",
          {"investigation_report": "涉嫌犯罪", "proposed_decision": "transfer"})
    iid = _start(session, c, case)
    c.act(session, iid, "head_decision", "zk_leader", {"approve": True})
    before = fingerprint(session)
    with pytest.raises(LegalRuleViolation) as err:
        c.act(session, case.instance_id, "decide", "zk_leader", {**PAYABLE, "decision_kind": "penalty", "fine_amount": "3000",
                                                                  "within_benchmark": True})
    assert err.value.article == "行政处罚法 第27条；国务院令第310号 第11条" and fingerprint(session) == before
    c.act(session, case.instance_id, "decide", "zk_leader", {"decision_kind": "transfer"})
    assert c.instance(session, case.instance_id).status == "completed"
    session.expire_all()
    row = session.get(Case, case.id)
    assert (row.status, row.decision_kind) == ("transferred", "transfer")


# Issue 12 point 8: the head of the organ in whose name the case runs; supervision asked directly.

def test_entrusted_case_transfer_is_decided_by_the_entrusting_departments_head_o310_article_5(session, c):
    """310号令 第5条 正职负责人 + 行政处罚法 第20条: an entrusted case runs in the department's name,
    so the department's head decides — not the township leader — within 3 days."""
    case = file(session, c, number="故农罚〔2026〕1号", item="NY-01")
    iid = _start(session, c, case)
    head = c.task(session, iid, "head_decision")
    assert (head.organization_id, head.role) == (c.orgs["nyj"].id, "department_head")
    deadline = session.scalars(select(Deadline).where(Deadline.instance_id == iid)).one()
    assert (deadline.rule_key, deadline.org_id) == ("o310_head_decide", c.orgs["nyj"].id)
    c.act(session, iid, "head_decision", "nyj_head", {"approve": True})
    c.act(session, iid, "hand_over", "zk_officer2", DOCS)  # the township's team does the work
    assert c.task(session, iid, "police_review") is not None


def test_granted_case_transfer_is_decided_by_the_township_head_o310_article_5(session, c):
    """第5条 with 行政处罚法 第24条: a granted case runs in the township's name."""
    case = file(session, c)
    head = c.task(session, _start(session, c, case), "head_decision")
    assert (head.organization_id, head.role) == (c.orgs["zk"].id, "township_leader")


def test_organ_may_ask_the_procuratorate_directly_without_reconsideration_o310_article_9(session, c):
    """310号令 第9条: after 不予立案 the organ may ask for 立案监督 directly, not only after 复议."""
    case = file(session, c)
    iid = _start(session, c, case)
    c.act(session, iid, "head_decision", "zk_leader", {"approve": True})
    c.act(session, iid, "hand_over", "zk_officer2", DOCS)
    c.act(session, iid, "police_review", "police", {"police_outcome": "not_filed", "police_reasons": "未达追诉标准"})
    c.act(session, iid, "ask_reconsideration", "zk_leader",
          {"ask_reconsideration": False, "direct_supervision": True, "reconsideration_reason": "金额已达标准"})
    assert c.instance(session, iid).status == "completed"  # ended under supervision (end_supervision)
    assert [r for r, _ in _rules(session, iid)][-1] == "o310_reconsider_request"
    # not sent back to administrative handling (第10条): the case waits for the procuratorate
    assert session.get(Case, case.id).status == "transferred"


def test_police_forward_a_case_outside_their_jurisdiction_within_24_hours_o310_article_7(session, c):
    """第7条: not the receiving police's case → forwarded within 24 hours of receipt, the sender told in writing."""
    case = file(session, c)
    iid = _start(session, c, case)
    c.act(session, iid, "head_decision", "zk_leader", {"approve": True})
    c.act(session, iid, "hand_over", "zk_officer2", DOCS)
    received = c.task(session, iid, "police_review").created_at
    c.act(session, iid, "police_review", "police", {"police_outcome": "not_ours", "police_reasons": "属森林公安管辖"})
    forward = c.task(session, iid, "police_forward")
    row = session.scalars(select(Deadline).where(Deadline.rule_key == "o310_police_forward")).one()
    assert (row.due_at - row.started_at).total_seconds() == 24 * 3600 and forward.due_at == row.due_at
    assert abs((row.started_at - received).total_seconds()) < 1  # counted from receipt, not from the decision
    before = fingerprint(session)
    with pytest.raises(LegalRuleViolation) as err:  # the sender must be told in writing
        c.act(session, iid, "police_forward", "police", {"forwarded_to": "故城县森林公安局", "sender_notified": False})
    assert err.value.article == "国务院令第310号 第7条" and fingerprint(session) == before
    c.act(session, iid, "police_forward", "police", {"forwarded_to": "故城县森林公安局", "sender_notified": True})
    assert c.instance(session, iid).status == "completed"
    assert dict(_rules(session, iid))["o310_police_forward"] == "met"
    assert dict(_rules(session, iid))["o310_incomplete_notice"] == "cancelled"
