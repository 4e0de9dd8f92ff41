"""The ordinary procedure after the decision, as steps: 送达 (第61条), 缴纳 (第66–67、72–73条), 催告 and court
(行政强制法 第53–54条), 结案 and 归档 (第47条) — each path saved and reloaded at every wait state."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from models import AuditEvent, Case, CasePayment, CaseService, Deadline, Document
from tests.support.case_world import PAYABLE, at, build_case_county, file, notify_and_defend, reload
from tests.support.procedure_world import fingerprint
from workflows.core.errors import LegalRuleViolation, ValidationFailed
from workflows.deadlines.figures import step_kind_figures

SERVE = {"service_method": "hand", "served_on": "2026-03-02", "service_recipient": "张三"}
ARCHIVE = {"archive_number": "郑口罚档〔2026〕1号", "archived_on": None}


@pytest.fixture
def c(session, clock, tmp_path):
    """The test county with case delegations, reviewers and the deadline rules."""
    return build_case_county(session, clock, tmp_path)


def _written(session) -> tuple:
    return (fingerprint(session), session.scalar(select(func.count()).select_from(Document)),
            session.scalar(select(func.count()).select_from(CasePayment)))


def _html(session, case, kind: str) -> str:
    rows = session.scalars(select(Document).where(Document.instance_id == case.instance_id, Document.kind == kind,
                                                  Document.mime.like("text/html%")).order_by(Document.id))
    return [d.content.decode() for d in rows][-1]


def _decided(session, c, fine: str = "3000") -> Case:
    """Filed, investigated, notified, defended and decided on 2026-03-02 (3,000 yuan), reloading at each wait."""
    case = file(session, c)
    iid = case.instance_id
    reload(session, c)
    c.act(session, iid, "investigate", "zk_officer1",
          {"investigation_report": "查明占道", "proposed_decision": "penalty", "proposed_fine": fine})
    reload(session, c)
    notify_and_defend(session, c, iid)
    reload(session, c)
    c.act(session, iid, "decide", "zk_leader",
          {**PAYABLE, "decision_kind": "penalty", "fine_amount": fine, "within_benchmark": True})
    reload(session, c)
    assert sorted(c.open_tasks(session, iid)) == ["publish", "serve"]
    return case


def _status(session, case) -> str:
    session.expire_all()
    return str(session.get(Case, case.id).status)


def _rules(session, case) -> dict[str, str]:
    session.expire_all()
    return {r.rule_key: str(r.status) for r in session.scalars(select(Deadline).where(Deadline.case_ref == case.case_number))}


def test_ordinary_path_without_hearing_to_archive_with_its_documents(session, c):
    """第59条 decision, 第61条 service in 7 working days, 第67条 paid in 15 days, 结案报告, archive (第47条)."""
    case = _decided(session, c)
    iid = case.instance_id
    decision = _html(session, case, "penalty_decision")
    for needle in ("行政处罚决定书", "张三", "郑口镇解放街12号", "占道经营", "现场照片、询问笔录", "《条例》第三十六条",
                   "罚款3000元", "十五日内", "故城县农商银行郑口支行", "百分之三", "六十日内", "六个月内",
                   "初次违法，请求从轻", "不予采纳：情节一般"):
        assert needle in decision, needle  # 第59条: party, facts, evidence, basis, penalty, performance, remedies
    assert "张*" in _html(session, case, "penalty_decision_public")  # 第48条: the published copy is masked
    assert c.task(session, iid, "serve").due_at == session.scalars(select(Deadline.due_at).where(
        Deadline.case_ref == case.case_number, Deadline.rule_key == "apl61_service")).one()
    c.act(session, iid, "publish", "zk_officer1", {"published_on": "2026-03-03", "publication_channel": "郑口镇网站"})
    reload(session, c)
    c.act(session, iid, "serve", "zk_officer1", SERVE)
    receipt = _html(session, case, "service_receipt")
    assert "送达回证" in receipt and "直接送达" in receipt and "签收人：张三" in receipt
    assert _rules(session, case)["apl61_service"] == "met" and _rules(session, case)["apl67_payment"] == "pending"
    reload(session, c)
    at(c, 2026, 3, 16, 2)
    c.act(session, iid, "pay", "zk_officer1", {"payment_action": "paid", "paid_on": "2026-03-16", "paid_amount": "3000"})
    assert _rules(session, case)["apl67_payment"] == "met" and _status(session, case) == "closed"
    report = _html(session, case, "closing_report")
    assert "结案报告" in report and "罚款已缴清" in report and "立卷归档" in report
    reload(session, c)
    c.act(session, iid, "archive", "zk_officer1", ARCHIVE | {"archived_on": "2026-03-16"})
    assert session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "case.archived", AuditEvent.instance_id == iid)) == 1
    assert c.open_tasks(session, iid) == [] and c.instance(session, iid).status == "waiting"  # publication runs on


def test_paid_late_with_the_3_percent_fee_and_remedy_days_not_counted(session, c):
    """第72条: 3% a day after 03-17; 第73条: the reconsideration days are not counted; a wrong sum is refused."""
    case = _decided(session, c)
    iid = case.instance_id
    c.act(session, iid, "serve", "zk_officer1", SERVE)
    reload(session, c)
    at(c, 2026, 3, 22, 2)
    before = _written(session)
    with pytest.raises(LegalRuleViolation) as err:
        c.act(session, iid, "pay", "zk_officer1", {"payment_action": "paid", "paid_on": "2026-03-22", "paid_amount": "3000"})
    assert err.value.article == "行政处罚法 第72–73条" and err.value.details["late_fee"] == "450.00"
    assert _written(session) == before and sorted(c.open_tasks(session, iid)) == ["pay", "publish"]
    c.act(session, iid, "pay", "zk_officer1", {"payment_action": "paid", "paid_on": "2026-03-22", "paid_amount": "3180",
                                              "remedy_from": "2026-03-18", "remedy_to": "2026-03-20"})
    row = session.scalars(select(CasePayment).where(CasePayment.case_id == case.id)).one()
    assert (row.late_days, str(row.late_fee)) == (2, "180.00")
    assert _rules(session, case)["apl67_payment"] == "met" and _status(session, case) == "closed"
    assert sorted(c.open_tasks(session, iid)) == ["archive", "publish"]


def test_instalments_approved_by_the_organ_then_paid_in_parts_article_66(session, c):
    """第66条第二款: on the party's request and the organ's approval the fine is paid in instalments, no late fee."""
    case = _decided(session, c)
    iid = case.instance_id
    c.act(session, iid, "serve", "zk_officer1", SERVE)
    before = _written(session)
    with pytest.raises(ValidationFailed) as err:
        c.act(session, iid, "pay", "zk_officer1", {"payment_action": "instalments", "deferral_until": "2026-05-31",
                                                  "instalment_count": 2})
    assert "request_reason" in err.value.errors and _written(session) == before
    c.act(session, iid, "pay", "zk_officer1", {"payment_action": "instalments", "deferral_until": "2026-05-31",
                                              "instalment_count": 2, "request_reason": "经营困难，申请分两期"})
    reload(session, c)
    c.act(session, iid, "approve_deferral", "zk_leader", {"deferral_approved": True, "approval_opinion": "同意分两期"})
    assert _rules(session, case)["apl67_payment"] == "cancelled"
    assert session.scalars(select(CaseService.payment_due_on).where(CaseService.case_id == case.id)).one() == date(2026, 5, 31)
    reload(session, c)
    at(c, 2026, 4, 20, 2)  # after the first 15 days: not late under the plan
    c.act(session, iid, "pay", "zk_officer1", {"payment_action": "paid", "paid_on": "2026-04-20", "paid_amount": "1500"})
    assert "pay" in c.open_tasks(session, iid) and _status(session, case) == "decided"
    at(c, 2026, 5, 30, 2)
    c.act(session, iid, "pay", "zk_officer1", {"payment_action": "paid", "paid_on": "2026-05-30", "paid_amount": "1500"})
    assert _status(session, case) == "closed" and "archive" in c.open_tasks(session, iid)


def test_unpaid_to_reminder_and_court_application(session, c):
    """第67条 not unpaid before the 15 days end; 行政强制法 第54条 催告书; 第53条 court after remedies lapse, within 3 months."""
    case = _decided(session, c)
    iid = case.instance_id
    c.act(session, iid, "serve", "zk_officer1", SERVE)
    at(c, 2026, 3, 17, 2)
    before = _written(session)
    with pytest.raises(LegalRuleViolation) as err:
        c.act(session, iid, "pay", "zk_officer1", {"payment_action": "unpaid"})
    assert err.value.article == "行政处罚法 第67条" and _written(session) == before
    at(c, 2026, 3, 18, 2)
    c.act(session, iid, "pay", "zk_officer1", {"payment_action": "unpaid"})
    reminder = _html(session, case, "payment_reminder")
    for needle in ("催告书", "罚款3000.00元", "加处罚款90.00元", "2026-03-28", "故城县农商银行郑口支行", "申请人民法院强制执行"):
        assert needle in reminder, needle
    reload(session, c)
    assert c.task(session, iid, "enforce").due_at.date() == date(2026, 12, 2)
    at(c, 2026, 8, 1, 2)
    before = _written(session)
    with pytest.raises(LegalRuleViolation) as err:  # the 6 months to sue run until 09-02 (行政诉讼法 第46条)
        c.act(session, iid, "enforce", "zk_officer1",
              {"enforcement_action": "court", "court_applied_on": "2026-08-01", "court_name": "故城县人民法院"})
    assert err.value.article == "行政强制法 第54条" and _written(session) == before
    at(c, 2026, 9, 10, 2)
    c.act(session, iid, "enforce", "zk_officer1",
          {"enforcement_action": "court", "court_applied_on": "2026-09-10", "court_name": "故城县人民法院"})
    assert _status(session, case) == "closed"
    assert "未缴清" in _html(session, case, "closing_report")
    reload(session, c)
    c.act(session, iid, "archive", "zk_officer1", ARCHIVE | {"archived_on": "2026-09-10"})
    assert c.open_tasks(session, iid) == ["publish"]


def test_electronic_service_without_consent_is_refused_and_nothing_written(session, c):
    """第61条第二款: electronic service needs the party's consent; the serve task stays open."""
    case = _decided(session, c)
    before = _written(session)
    with pytest.raises(ValidationFailed) as err:
        c.act(session, case.instance_id, "serve", "zk_officer1", SERVE | {"service_method": "electronic"})
    assert "electronic_consent" in err.value.errors and _written(session) == before
    assert "serve" in c.open_tasks(session, case.instance_id)


def test_a_penalty_without_the_partys_address_is_refused_article_59(session, c):
    """第59条: the decision names the party's address and where to pay; nothing written without them."""
    case = file(session, c)
    c.act(session, case.instance_id, "investigate", "zk_officer1",
          {"investigation_report": "查明", "proposed_decision": "penalty", "proposed_fine": "3000"})
    notify_and_defend(session, c, case.instance_id)
    before = _written(session)
    with pytest.raises(ValidationFailed) as err:
        c.act(session, case.instance_id, "decide", "zk_leader",
              {"decision_kind": "penalty", "fine_amount": "3000", "within_benchmark": True})
    assert {"party_address", "pay_to"} <= set(err.value.errors) and _written(session) == before


def test_ordinary_path_with_hearing_review_and_collective_discussion_to_archive(session, c):
    """第63–65条 hearing, 第58条 review, 第57条 discussion, 第59条 decision, 第61条 service, 第67条 payment, archive."""
    case = file(session, c, party_kind="organization", party_name="郑口商贸有限公司")
    iid = case.instance_id
    steps = [
        ("investigate", "zk_officer1", {"investigation_report": "查明占道，涉多户", "proposed_decision": "penalty",
                                        "proposed_fine": "18000", "complex_case": True}),
        ("notify", "zk_officer1", {"notice_facts": "占道经营。", "notice_evidence": "现场照片、询问笔录",
                                   "notice_basis": "《条例》第三十六条", "notified_penalty": "罚款18000元",
                                   "hearing_right": True}),
        ("defend", "zk_officer2", {"hearing_requested": True, "hearing_on": "2026-03-12",
                                   "hearing_place": "郑口镇政府会议室", "hearing_chair_id": c.users["zk_leader"].id}),
        ("hold_hearing", "zk_officer1", {"hearing_held_on": "2026-03-12", "hearing_investigator_statement": "建议罚款18000元",
                                         "hearing_party_statement": "请求从轻"}),
        ("review", "reviewer", {"review_result": "pass", "review_opinion": "同意"}),
        ("discuss", "zk_leader", {"discussed_on": "2026-03-12", "discussion_participants": "镇长、副镇长、执法队长",
                                  "discussion_record": "听证意见已考虑。", "discussion_conclusion": "penalty",
                                  "discussion_opinion": "维持拟处罚。"}),
        ("decide", "zk_leader", {**PAYABLE, "decision_kind": "penalty", "fine_amount": "18000", "within_benchmark": True}),
        ("publish", "zk_officer1", {"published_on": "2026-03-13", "publication_channel": "郑口镇网站"}),
        ("serve", "zk_officer1", {"service_method": "post", "served_on": "2026-03-12", "service_recipient": "王经理"}),
        ("pay", "zk_officer1", {"payment_action": "paid", "paid_on": "2026-03-13", "paid_amount": "18000"}),
        ("archive", "zk_officer1", ARCHIVE | {"archived_on": "2026-03-13"}),
    ]
    for name, who, data in steps:
        if name == "hold_hearing":
            at(c, 2026, 3, 12, 2)
        if name == "publish":
            at(c, 2026, 3, 13, 2)
        reload(session, c)
        c.act(session, iid, name, who, data)
    assert _status(session, case) == "closed" and c.instance(session, iid).status == "waiting"
    kinds = set(session.scalars(select(Document.kind).where(Document.instance_id == iid)))
    assert {"prior_notice", "hearing_notice", "hearing_record", "collective_discussion", "penalty_decision",
            "penalty_decision_public", "service_receipt", "closing_report"} <= kinds
    decision = _html(session, case, "penalty_decision")
    assert "郑口商贸有限公司" in decision and "罚款18000元" in decision and "邮寄送达" in _html(session, case, "service_receipt")
    assert "郑口商贸有限公司" in _html(session, case, "penalty_decision_public")  # an organization is published by name
    rules = _rules(session, case)
    assert rules["apl60_decide"] == rules["apl61_service"] == rules["apl67_payment"] == "met"


def test_on_time_rates_per_step_kind_service_decision_publication(session, c):
    """按时办结率 per kind of step: served late (第61条) counts late; decision and publication on time; scoped."""
    case = _decided(session, c)
    iid = case.instance_id
    c.act(session, iid, "publish", "zk_officer1", {"published_on": "2026-03-03", "publication_channel": "郑口镇网站"})
    at(c, 2026, 3, 20, 2)  # the 7 working days to serve ended on 03-11
    c.act(session, iid, "serve", "zk_officer1", SERVE | {"served_on": "2026-03-20"})
    span = {"start": datetime(2026, 1, 1, tzinfo=UTC), "end": datetime(2027, 1, 1, tzinfo=UTC)}
    figures = {f["kind"]: f for f in step_kind_figures(session, **span)}
    assert (figures["service"]["met_late"], figures["service"]["on_time_rate"]) == (1, 0.0)
    assert figures["decision"]["on_time_rate"] == figures["publication"]["on_time_rate"] == 1.0
    zk, qh = c.orgs["zk"].id, c.orgs["qh"].id
    assert step_kind_figures(session, **span, townships={zk})[0]["due"] == 1
    assert all(f["due"] == 0 for f in step_kind_figures(session, **span, townships={qh}))
