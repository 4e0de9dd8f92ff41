"""Case handling (立案 → 调查 → 法制审核 → 决定 → 公示) end to end through the Python API."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from lxml import etree
from sqlalchemy import select

from models import Case, Deadline
from tests.support.case_world import (
    PAYABLE,
    at,
    build_case_county,
    file,
    notify_and_defend,
    officers,
)
from tests.support.procedure_world import BPMN_DIR, fingerprint, in_transaction
from workflows.calendar.legal_calendar import LegalCalendar
from workflows.cases.rules import Officer
from workflows.core.errors import Conflict, LegalRuleViolation, ValidationFailed
from workflows.deadlines.figures import deadline_figures
from workflows.procedures import build_engine
from workflows.procedures.case_handling.disclosure import published_decisions
from workflows.procedures.case_handling.filing import (
    extend_decision_clock,
    pause_decision_clock,
    resume_decision_clock,
    revoke_decision,
)
from workflows.procedures.case_handling.steps import decision_context
from workflows.tasks import processes


@pytest.fixture
def c(session, clock, tmp_path):
    """The test county with case delegations, reviewers and the deadline rules."""
    return build_case_county(session, clock, tmp_path)


def _deadlines(session, case) -> dict[str, Deadline]:
    session.expire_all()
    rows = session.scalars(select(Deadline).where(Deadline.case_ref == case.case_number).order_by(Deadline.id))
    return {r.rule_key: r for r in rows}


def test_minor_case_runs_to_publication_without_review(session, c):
    """第60条 clock, 第57条 decision, 国办发〔2018〕118号 publication within 7 working days."""
    case = file(session, c)
    iid = case.instance_id
    assert c.open_tasks(session, iid) == ["investigate"]
    c.act(session, iid, "investigate", "zk_officer1", {"investigation_report": "查明占道", "proposed_decision": "penalty",
                                                       "proposed_fine": "3000"})
    assert c.open_tasks(session, iid) == ["notify"]
    notify_and_defend(session, c, iid)
    assert c.open_tasks(session, iid) == ["decide"]
    c.act(session, iid, "decide", "zk_leader", {**PAYABLE, "decision_kind": "penalty", "fine_amount": "3000",
                                                 "within_benchmark": True})
    c.act(session, iid, "publish", "zk_officer1", {"published_on": "2026-03-03", "publication_channel": "郑口镇网站"})
    session.expire_all()
    row = session.get(Case, case.id)
    assert row.status == "published" and str(row.fine_amount) == "3000.00"
    d = _deadlines(session, case)
    assert d["apl60_decide"].status == "met" and d["gb118_publish_penalty"].status == "met"
    assert c.open_tasks(session, iid) == ["serve"]  # 第61条: service runs alongside publication


def _investigate(session, c, iid, fine="30000", **facts):
    """Investigation proposing a fine, then 事先告知 and 陈述申辩 (第44–45条)."""
    c.act(session, iid, "investigate", "zk_officer1", {"investigation_report": "查明事实", "proposed_decision": "penalty",
                                                       "proposed_fine": fine, **facts})
    notify_and_defend(session, c, iid)


def test_major_decision_goes_through_legal_review_with_return_article_58(session, c):
    """第58条: a fine at the item's threshold needs legal review; returned, supplemented, passed."""
    case = file(session, c)
    iid = case.instance_id
    _investigate(session, c, iid, hearing_held=True)
    review = c.task(session, iid, "review")
    assert review.organization_id == c.orgs["legal"].id  # 县乡联合法制审核 panel (granted item)
    c.act(session, iid, "review", "reviewer", {"review_result": "return", "review_opinion": "缺现场照片"})
    assert _deadlines(session, case)["samr_legal_review"].status == "paused"
    c.act(session, iid, "supplement", "zk_officer2", {"supplement_note": "补充照片"})
    c.act(session, iid, "review", "reviewer", {"review_result": "pass", "review_opinion": "事实清楚，同意"})
    c.act(session, iid, "decide", "zk_leader", {**PAYABLE, "decision_kind": "penalty", "fine_amount": "18000",
                                                 "within_benchmark": True})
    session.expire_all()
    row = session.get(Case, case.id)
    assert [(r.result, r.opinion) for r in row.reviews] == [("return", "缺现场照片"), ("pass", "事实清楚，同意")]
    d = _deadlines(session, case)
    assert d["samr_legal_review"].status == "met" and d["legal_review_supplement"].status == "met"
    assert row.status == "decided"


# --- filing: bad input refused with the rule cited, nothing written ---------------------------------

def _refused(session, c, error, **kw):
    before = fingerprint(session)
    with pytest.raises(error) as err:
        file(session, c, **kw)
    assert fingerprint(session) == before
    assert session.scalars(select(Case)).all() == []
    return err.value


def test_an_organ_not_competent_is_refused_naming_the_competent_organ_article_24(session, c):
    """第24条: CGJ-01 is granted to 郑口镇; 青罕镇 filing on it there is refused, 郑口镇 named."""
    err = _refused(session, c, LegalRuleViolation, handling_org=c.orgs["qh"], town="qh",
                   township=c.orgs["zk"], officers=officers(c, "qh"))
    assert err.article == "行政处罚法 第24条"
    assert err.details["competent_org"] == "故城县郑口镇人民政府" and "郑口镇" in str(err)


def test_a_township_that_only_assists_cannot_file_articles_22_24(session, c):
    """第22–23条: CGJ-02 is not delegated; 郑口镇 only assists and the county bureau is competent."""
    err = _refused(session, c, LegalRuleViolation, item="CGJ-02")
    assert err.article == "行政处罚法 第22–24条"
    assert err.details["competent_org"] == "故城县城市管理综合行政执法局"


def test_fewer_than_two_certified_officers_is_refused_article_42(session, c):
    """第42条: 执法人员不得少于两人 — one officer, or a second with someone else's certificate."""
    lone = officers(c)[:1]
    assert _refused(session, c, LegalRuleViolation, officers=lone).article == "行政处罚法 第42条"
    wrong = [officers(c)[0], Officer(c.users["zk_officer2"].id, "冀执zk1")]
    err = _refused(session, c, LegalRuleViolation, officers=wrong)
    assert "冀执zk1" in str(err) and err.details["certified_officers"] == 1


def test_a_case_past_the_limitation_period_is_refused_article_36(session, c):
    """第36条: two years; an act of 2024-03-01 filed on 2026-03-02 is out of time."""
    err = _refused(session, c, LegalRuleViolation, violation_on=date(2024, 3, 1))
    assert err.article == "行政处罚法 第36条" and err.details["limitation_ends"] == "2026-03-01"


def test_harm_to_life_health_or_finance_extends_limitation_to_five_years_article_36(session, c):
    """第36条: 涉及公民生命健康安全、金融安全且有危害后果的，延长至五年."""
    case = file(session, c, violation_on=date(2024, 3, 1), harm=True)
    assert case.harm_to_life_health_finance and case.status == "investigating"
    before = fingerprint(session)
    with pytest.raises(LegalRuleViolation) as err:
        file(session, c, number="郑口罚〔2026〕2号", violation_on=date(2021, 3, 1), harm=True)
    assert err.value.details["limitation_ends"] == "2026-03-01" and fingerprint(session) == before


def test_bad_party_and_duplicate_number_are_refused(session, c):
    """Every field error at once; a case number is unique."""
    err = _refused(session, c, ValidationFailed, party_kind="robot", party_name=" ", facts_summary="")
    assert set(err.errors) == {"party_kind", "party_name", "facts_summary"}
    file(session, c)
    before = fingerprint(session)
    with pytest.raises(Conflict):
        file(session, c)
    assert fingerprint(session) == before


def test_a_blank_case_number_is_the_next_of_the_organs_series_never_a_taken_one(session, c):
    """案号 from the organ's numbering sequence: above numbers already typed, and never reused."""
    file(session, c, number="故郑口罚〔2026〕7号")  # typed before: the series starts above it
    first, second = file(session, c, number=""), file(session, c, number="  ")
    assert (first.case_number, second.case_number) == ("故郑口罚〔2026〕8号", "故郑口罚〔2026〕9号")
    file(session, c, number="故郑口罚〔2026〕10号")  # typed above the sequence: passed over
    assert file(session, c, number="").case_number == "故郑口罚〔2026〕11号"


def test_entrusted_case_acts_in_the_department_name_article_20(session, c):
    """第20条: an entrusted item is handled by the township in the entrusting department's name."""
    case = file(session, c, item="NY-01")
    assert case.mode_at_filing == "entrust"
    assert case.enforcement_subject_org_id == c.orgs["nyj"].id == case.responsible_org_id
    assert case.handling_org_id == c.orgs["zk"].id and [o.certificate_number for o in case.officers] == [
        "冀执zk1", "冀执zk2"]


# --- decision ----------------------------------------------------------------------------------

def test_a_major_decision_without_review_is_refused_article_58(session, c):
    """第58条: proposed as minor (no review), then decided at 30,000 yuan — refused, nothing written."""
    case = file(session, c)
    iid = case.instance_id
    _investigate(session, c, iid, fine="3000")
    before = fingerprint(session)
    with pytest.raises(LegalRuleViolation) as err:
        c.act(session, iid, "decide", "zk_leader", {**PAYABLE, "decision_kind": "penalty", "fine_amount": "30000",
                                                     "within_benchmark": False, "outside_benchmark_reason": "情节严重"})
    assert err.value.article == "行政处罚法 第58条"
    assert fingerprint(session) == before and c.open_tasks(session, iid) == ["decide"]


def test_a_failed_review_sends_the_case_back_to_investigation_article_58(session, c):
    """第58条: 审核未通过的，不得作出决定 — the case returns to investigation."""
    case = file(session, c)
    iid = case.instance_id
    _investigate(session, c, iid, fine="30000")
    c.act(session, iid, "review", "reviewer", {"review_result": "fail", "review_opinion": "证据不足"})
    assert c.open_tasks(session, iid) == ["investigate"]
    session.expire_all()
    assert session.get(Case, case.id).status == "investigating"


def test_decision_outside_the_benchmark_needs_a_written_reason(session, c):
    """自由裁量权基准 (第34条): 1,000 yuan is below 2000–20000; no reason → form error, nothing written."""
    case = file(session, c)
    iid = case.instance_id
    _investigate(session, c, iid, fine="1000")
    before = fingerprint(session)
    with pytest.raises(ValidationFailed) as err:
        c.act(session, iid, "decide", "zk_leader", {**PAYABLE, "decision_kind": "penalty", "fine_amount": "1000",
                                                     "within_benchmark": True})
    assert "outside_benchmark_reason" in err.value.errors and "2000–20000" in str(err.value.errors)
    assert fingerprint(session) == before
    c.act(session, iid, "decide", "zk_leader", {**PAYABLE, "decision_kind": "penalty", "fine_amount": "1000",
                                                 "within_benchmark": False, "outside_benchmark_reason": "首次违法且及时改正"})
    session.expire_all()
    assert session.get(Case, case.id).outside_benchmark_reason == "首次违法且及时改正"


def test_the_decision_form_shows_the_discretion_benchmark(session, c):
    """The decide task carries the item's benchmark reference, range and bounds."""
    case = file(session, c)
    _investigate(session, c, case.instance_id, fine="3000")
    view = decision_context(session, case.id)
    assert view["benchmark"] == {"ref": "故城县城管局裁量基准 第3条", "penalty_range": "处2000元以上20000元以下的罚款",
                                 "min": "2000", "max": "20000"}
    assert [f["name"] for f in view["form"]["fields"]][:2] == ["decision_kind", "fine_amount"]


def test_no_penalty_closes_the_case(session, c):
    """第57条第1款第2项: 不予行政处罚 — closed without publication."""
    case = file(session, c)
    c.act(session, case.instance_id, "investigate", "zk_officer1",
          {"investigation_report": "情节轻微并及时改正", "proposed_decision": "no_penalty"})
    c.act(session, case.instance_id, "decide", "zk_leader", {"decision_kind": "no_penalty"})
    assert c.instance(session, case.instance_id).status == "completed"
    assert session.get(Case, case.id).status == "closed"


# --- the 90-day clock, publication and withdrawal ------------------------------------------------

def test_decision_clock_pauses_for_a_hearing_and_extends_article_60(session, c):
    """第60条 + 市场监管程序规定: hearing not counted; +30 days by the head; then only collectively."""
    case = file(session, c)
    d = _deadlines(session, case)["apl60_decide"]
    # 90 calendar days from 2 March end on Sunday 31 May, carried to Monday 1 June (民事诉讼法 第85条)
    assert d.due_at == datetime(2026, 6, 1, 15, 59, 59, 999999, tzinfo=UTC)
    in_transaction(session, pause_decision_clock, session, c.clock, case.id, c.users["zk_leader"], "听证")
    at(c, 2026, 3, 12, 1)  # ten days of hearing
    in_transaction(session, resume_decision_clock, session, c.clock, case.id, c.users["zk_leader"])
    d = _deadlines(session, case)["apl60_decide"]
    assert d.excluded_amount == 10 and d.due_at == datetime(2026, 6, 11, 15, 59, 59, 999999, tzinfo=UTC)
    in_transaction(session, extend_decision_clock, session, c.clock, case.id, c.users["zk_leader"],
                   reason="案情复杂")
    # +30 days from 11 June is Saturday 11 July, carried to Monday 13 July
    assert _deadlines(session, case)["apl60_decide"].due_at.date() == date(2026, 7, 13)
    with pytest.raises(LegalRuleViolation):
        in_transaction(session, extend_decision_clock, session, c.clock, case.id, c.users["zk_leader"],
                       reason="再延")
    new_due = datetime(2026, 8, 31, 15, 59, tzinfo=UTC)
    in_transaction(session, extend_decision_clock, session, c.clock, case.id, c.users["zk_leader"],
                   reason="集体讨论决定延期", collective=True, new_due=new_due)
    assert _deadlines(session, case)["apl60_decide"].due_at == new_due


def _published(session, c, party_kind="citizen"):
    case = file(session, c, party_kind=party_kind)
    _investigate(session, c, case.instance_id, fine="3000")
    c.act(session, case.instance_id, "decide", "zk_leader", {**PAYABLE, "decision_kind": "penalty", "fine_amount": "3000",
                                                              "within_benchmark": True})
    c.act(session, case.instance_id, "publish", "zk_officer1",
          {"published_on": "2026-03-03", "publication_channel": "郑口镇政务公开栏"})
    return case


def test_publication_is_due_in_7_working_days_gb118(session, c):
    """国办发〔2018〕118号: 行政处罚决定 7 个工作日内公示 — counted on the legal calendar."""
    case = file(session, c)
    _investigate(session, c, case.instance_id, fine="3000")
    c.act(session, case.instance_id, "decide", "zk_leader", {**PAYABLE, "decision_kind": "penalty", "fine_amount": "3000",
                                                              "within_benchmark": True})
    due = _deadlines(session, case)["gb118_publish_penalty"].due_at
    assert due == datetime(2026, 3, 11, 15, 59, 59, 999999, tzinfo=UTC)  # Mon 2 Mar + 7 working days
    assert c.task(session, case.instance_id, "publish").due_at == due


def test_a_revoked_decision_is_withdrawn_within_3_working_days_article_48(session, c):
    """第48条: 公开的行政处罚决定被依法撤销的，应当在三日内撤回并公开说明理由."""
    case = _published(session, c)
    in_transaction(session, revoke_decision, session, c.engine, case.id, c.users["zk_leader"], reason="复议撤销")
    d = _deadlines(session, case)["apl48_withdraw_publication"]
    assert d.due_at == datetime(2026, 3, 5, 15, 59, 59, 999999, tzinfo=UTC)
    c.act(session, case.instance_id, "withdraw_publication", "zk_officer1",
          {"withdrawn_on": "2026-03-04", "withdrawal_explanation": "该决定已被复议机关撤销"})
    session.expire_all()
    row = session.get(Case, case.id)
    assert row.status == "withdrawn" and row.publication_withdrawn_on == date(2026, 3, 4)
    assert _deadlines(session, case)["apl48_withdraw_publication"].status == "met"


def test_publication_retention_ends_the_case_two_years_for_a_citizen(session, c):
    """Hebei practice: results stay online 2 years for a natural person, also after the case closed on payment."""
    case = _published(session, c)
    assert c.instance(session, case.instance_id).next_wake_at == datetime(2028, 3, 3, 15, 59, 59, 999999,
                                                                         tzinfo=UTC)
    c.act(session, case.instance_id, "serve", "zk_officer1",
          {"service_method": "hand", "served_on": "2026-03-02", "service_recipient": "张三"})
    c.act(session, case.instance_id, "pay", "zk_officer1",
          {"payment_action": "paid", "paid_on": "2026-03-02", "paid_amount": "3000"})
    c.act(session, case.instance_id, "archive", "zk_officer1", {"archive_number": "郑口2026-1", "archived_on": "2026-03-02"})
    session.expire_all()
    assert session.get(Case, case.id).status == "closed"
    town = session.get(Case, case.id).township_id
    assert [d.case_number for d in published_decisions(session, town, date(2027, 3, 1))] == [case.case_number]
    at(c, 2028, 3, 4, 1)
    in_transaction(session, processes.wake_due_instances, session, c.engine, c.clock.now())
    assert c.instance(session, case.instance_id).status == "completed"
    assert published_decisions(session, town, date(2028, 3, 4)) == []


def test_periods_show_in_the_deadline_figures(session, c):
    """The case periods (decision, hearing request, publication; service still open) count in the figures."""
    _published(session, c)
    rows = deadline_figures(session, start=datetime(2026, 1, 1, tzinfo=UTC), end=datetime(2027, 1, 1, tzinfo=UTC))
    zk = next(r for r in rows if r["name"] == "郑口镇")
    assert zk["due"] == 4 and zk["met_on_time"] == 3 and zk["open"] == 1


def test_save_and_reload_at_every_wait_state_with_a_fresh_engine(session, c):
    """State-only blobs: a new engine (empty spec cache) resumes inside and after the call activity."""
    case = file(session, c)
    iid = case.instance_id
    _investigate(session, c, iid, fine="30000")
    for step in (("review", "reviewer", {"review_result": "return", "review_opinion": "补充"}),
                 ("supplement", "zk_officer2", {"supplement_note": "已补充"}),
                 ("review", "reviewer", {"review_result": "pass", "review_opinion": "同意"})):
        c.engine = build_engine(c.engine.bpmn_dir, c.clock, LegalCalendar())
        c.engine.sync_definitions(session)
        session.commit()
        blob = c.instance(session, iid).state
        assert "legal_review" in blob and "spec" not in json.loads(blob)
        c.act(session, iid, *step)
    assert c.open_tasks(session, iid) == ["decide"]


def test_revoking_an_unpublished_decision_is_a_conflict(session, c):
    """第48条 withdrawal applies to a published decision only."""
    case = file(session, c)
    with pytest.raises(Conflict):
        in_transaction(session, revoke_decision, session, c.engine, case.id, c.users["zk_leader"], reason="撤销")


@pytest.mark.parametrize("name", ["case_handling.bpmn", "crime_transfer.bpmn"])
def test_case_procedures_are_fully_drawn(name):
    """Every node and flow has diagram data, so the files open in a BPMN modeler."""
    tree = etree.parse(str(BPMN_DIR / name))
    drawn = {e.get("bpmnElement") for e in tree.iter("{http://www.omg.org/spec/BPMN/20100524/DI}BPMNShape",
                                                     "{http://www.omg.org/spec/BPMN/20100524/DI}BPMNEdge")}
    model = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
    elements = [e.get("id") for e in tree.iter() if isinstance(e.tag, str) and e.tag.startswith(model)
                and e.tag[len(model):] in {"userTask", "serviceTask", "startEvent", "endEvent", "exclusiveGateway",
                                           "callActivity", "subProcess", "boundaryEvent", "intermediateCatchEvent",
                                           "sequenceFlow", "lane"}]
    assert elements and [e for e in elements if e not in drawn] == []


def test_a_penalty_must_say_whether_it_is_within_the_benchmark(session, c):
    """自由裁量权基准: the decide form asks it for a penalty; missing → form error, nothing written."""
    case = file(session, c)
    _investigate(session, c, case.instance_id, fine="3000")
    before = fingerprint(session)
    with pytest.raises(ValidationFailed) as err:
        c.act(session, case.instance_id, "decide", "zk_leader", {**PAYABLE, "decision_kind": "penalty", "fine_amount": "3000"})
    assert set(err.value.errors) == {"within_benchmark"} and fingerprint(session) == before
