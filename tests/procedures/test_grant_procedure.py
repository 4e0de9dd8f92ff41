"""The grant procedure (赋权, 行政处罚法 第24条) end to end through the Python API."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from models import Delegation, Document
from tests.support.procedure_world import County, build_county, fingerprint, in_transaction
from workflows.calendar.legal_calendar import LegalCalendar
from workflows.core.clock import start_of_legal_day
from workflows.core.errors import Conflict, LegalRuleViolation, PermissionDenied, ValidationFailed
from workflows.deadlines.rules import load_rule_specs
from workflows.procedures import build_engine
from workflows.procedures.grant.steps import start_grant
from workflows.registry import powers as registry
from workflows.registry.delegations import DelegationDraft, add_delegations
from workflows.tasks import processes


@pytest.fixture
def c(session, clock, tmp_path) -> County:
    """The test county with a synced engine."""
    return build_county(session, clock, tmp_path)


CAPACITY = {"accepts": True, "team_size": 12, "certified_officers": 2, "equipment": "执法记录仪6台"}


def _start(session, c: County, codes=("CGJ-01",), town="zk", dept="cgj", user="cgj_officer"):
    [inst] = in_transaction(session, start_grant, session, c.engine, c.users[user], c.orgs[dept],
                            [c.orgs[town]], list(codes))
    return inst.id


def _through_review(session, c: County, iid: int) -> None:
    c.act(session, iid, "township_capacity", "zk_leader", CAPACITY)
    c.act(session, iid, "legal_review", "reviewer", {"review_decision": "approve", "review_opinion": "合法"})


def _after_decision(session, c: County, iid: int) -> None:
    c.act(session, iid, "publish_decision", "approver",
          {"published_on": "2026-03-03", "publication_channel": "故城县人民政府网站"})
    c.act(session, iid, "handover_training", "cgj_officer", {"handover_on": "2026-03-10", "trained_officers": 8})


def _wake(session, c: County, instant: datetime) -> None:
    c.clock.set(instant)
    in_transaction(session, processes.wake_due_instances, session, c.engine, c.clock.now())


def test_grant_runs_to_the_registry_on_its_effective_date_article_24(session, c):
    """第24条: proposal → capacity → review with return → decision → publication → handover → in force."""
    iid = _start(session, c, ("CGJ-01", "CGJ-02"))
    c.act(session, iid, "township_capacity", "zk_leader", CAPACITY)
    c.act(session, iid, "legal_review", "reviewer", {"review_decision": "return", "review_opinion": "CGJ-02 不宜下放"})
    c.act(session, iid, "revise_proposal", "cgj_officer", {"item_codes": ["CGJ-01"], "revision_note": "删去 CGJ-02"})
    c.act(session, iid, "legal_review", "reviewer", {"review_decision": "approve", "review_opinion": "合法"})
    c.act(session, iid, "county_decision", "approver", {"county_decision": "approve", "effective_on": "2026-04-01"})
    _after_decision(session, c, iid)
    inst = c.instance(session, iid)
    assert inst.status == "waiting" and c.open_tasks(session, iid) == []
    assert inst.next_wake_at == datetime(2026, 3, 31, 16, 0, tzinfo=UTC)  # 00:00 Shanghai, 1 April
    assert session.scalars(select(Delegation)).all() == []  # nothing in force before the date

    _wake(session, c, datetime(2026, 3, 31, 16, 0, tzinfo=UTC))
    assert c.instance(session, iid).status == "waiting"  # in force; the first evaluation is due later
    answer = registry.who(session, "CGJ-01", c.orgs["zk"].id, date(2026, 4, 1))
    assert answer.mode == "grant" and answer.enforcement_subject.id == c.orgs["zk"].id
    assert answer.document_no == "故政赋〔2026〕1号"
    assert registry.who(session, "CGJ-01", c.orgs["zk"].id, date(2026, 3, 31)).mode == "assist"
    assert registry.who(session, "CGJ-02", c.orgs["zk"].id, date(2026, 4, 1)).mode == "assist"
    docs = session.scalars(select(Document).where(Document.instance_id == iid)).all()
    assert {d.mime.split(";")[0] for d in docs} == {
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "text/html"}


def test_the_first_periodic_evaluation_is_due_by_its_rule_article_24(session, c):
    """第24条 定期组织评估: grant_evaluation_cycle counted from the effective date reminds the county."""
    iid = _start(session, c)
    _through_review(session, c, iid)
    c.act(session, iid, "county_decision", "approver", {"county_decision": "approve", "effective_on": "2026-04-01"})
    _after_decision(session, c, iid)
    _wake(session, c, datetime(2026, 3, 31, 16, 0, tzinfo=UTC))
    rule = next(r for r in load_rule_specs() if r["key"] == "grant_evaluation_cycle")
    due = LegalCalendar().due(start_of_legal_day(date(2026, 4, 1)), rule["amount"], rule["unit"]).due_at
    assert c.instance(session, iid).next_wake_at == due and c.open_tasks(session, iid) == []
    _wake(session, c, due)
    assert c.open_tasks(session, iid) == ["organize_evaluation"]
    organize = next(r for r in load_rule_specs() if r["key"] == "evaluation_organize")  # 第24条, design default
    assert c.task(session, iid, "organize_evaluation").due_at == LegalCalendar().due(
        due, organize["amount"], organize["unit"]).due_at
    with pytest.raises(PermissionDenied):  # the county government organizes it, not the department
        c.act(session, iid, "organize_evaluation", "cgj_officer", {})
    c.act(session, iid, "organize_evaluation", "approver", {"evaluation_plan": "五月组织评估"})
    assert c.instance(session, iid).status == "completed"


def test_a_township_that_declines_ends_the_grant_without_registry_change(session, c):
    """第24条 能够有效承接: a township may decline; nothing is delegated."""
    iid = _start(session, c)
    c.act(session, iid, "township_capacity", "zk_leader",
          {"accepts": False, "team_size": 12, "certified_officers": 2, "capacity_opinion": "人员不足"})
    assert c.instance(session, iid).status == "completed"
    assert c.open_tasks(session, iid) == []
    assert session.scalars(select(Delegation)).all() == []


def test_an_item_outside_the_guidance_list_goes_to_the_province_article_24(session, c):
    """第24条 (逐级提请省政府批准): an item off the provincial list needs the province."""
    iid = _start(session, c, ("CGJ-09",))
    _through_review(session, c, iid)
    c.act(session, iid, "county_decision", "approver", {"county_decision": "approve", "effective_on": "2026-03-20"})
    assert c.open_tasks(session, iid) == ["provincial_approval"]
    with pytest.raises(PermissionDenied):  # the county approver is not the province
        c.act(session, iid, "provincial_approval", "approver", {"province_decision": "approve"})
    c.act(session, iid, "provincial_approval", "province", {"province_decision": "approve"})
    _after_decision(session, c, iid)
    _wake(session, c, datetime(2026, 3, 19, 16, 0, tzinfo=UTC))
    assert registry.who(session, "CGJ-09", c.orgs["zk"].id, date(2026, 3, 20)).mode == "grant"


def test_the_province_refusing_ends_the_grant(session, c):
    """第24条: without the province's approval the item is not granted."""
    iid = _start(session, c, ("CGJ-09",))
    _through_review(session, c, iid)
    c.act(session, iid, "county_decision", "approver", {"county_decision": "approve", "effective_on": "2026-03-20"})
    c.act(session, iid, "provincial_approval", "province", {"province_decision": "reject"})
    assert c.instance(session, iid).status == "completed"
    assert session.scalars(select(Delegation)).all() == []
    assert session.scalars(select(Document)).all() == []


def test_the_county_government_refusing_ends_the_grant(session, c):
    """The county government decides; a refusal writes no decision and no delegation."""
    iid = _start(session, c)
    _through_review(session, c, iid)
    c.act(session, iid, "county_decision", "approver", {"county_decision": "reject", "decision_opinion": "暂缓"})
    assert c.instance(session, iid).status == "completed"
    assert session.scalars(select(Delegation)).all() == []


def test_one_proposal_for_two_townships_starts_one_instance_each(session, c):
    """一镇一清单: each township answers and is decided on its own."""
    started = start_grant(session, c.engine, c.users["cgj_officer"], c.orgs["cgj"],
                          [c.orgs["zk"], c.orgs["qh"]], ["CGJ-01"], business_key="GRANT-2026-1")
    session.commit()
    assert [i.business_key for i in started] == ["GRANT-2026-1/郑口镇", "GRANT-2026-1/青罕镇"]
    assert {i.township_id for i in started} == {c.orgs["zk"].id, c.orgs["qh"].id}


def test_save_and_reload_at_every_wait_state(session_factory, c):
    """Every step runs on a fresh session and a fresh engine (empty spec cache): state is complete."""
    with session_factory() as s:
        iid = _start(s, c)

    def step(name: str, user: str, data: dict) -> None:
        c.engine = build_engine(c.engine.bpmn_dir, c.clock, LegalCalendar())
        with session_factory() as s:
            c.engine.sync_definitions(s)
            s.commit()
            c.act(s, iid, name, user, data)

    step("township_capacity", "zk_leader", CAPACITY)
    step("legal_review", "reviewer", {"review_decision": "return", "review_opinion": "补充说明"})
    step("revise_proposal", "cgj_officer", {"item_codes": ["CGJ-01"], "revision_note": "补充"})
    step("legal_review", "reviewer", {"review_decision": "approve", "review_opinion": "合法"})
    step("county_decision", "approver", {"county_decision": "approve", "effective_on": "2026-04-01"})
    step("publish_decision", "approver", {"published_on": "2026-03-03", "publication_channel": "网站"})
    step("handover_training", "cgj_officer", {"handover_on": "2026-03-10", "trained_officers": 8})
    c.engine = build_engine(c.engine.bpmn_dir, c.clock, LegalCalendar())
    with session_factory() as s:
        c.engine.sync_definitions(s)
        s.commit()
        _wake(s, c, datetime(2026, 4, 1, 1, 0, tzinfo=UTC))
        s.commit()
        assert c.instance(s, iid).status == "waiting"
        assert registry.who(s, "CGJ-01", c.orgs["zk"].id, date(2026, 4, 1)).mode == "grant"
        _wake(s, c, datetime(2027, 4, 2, 1, 0, tzinfo=UTC))  # 365 days after 1 April 2026 end 1 April 2027
        s.commit()
    step("organize_evaluation", "approver", {})
    with session_factory() as s:
        assert c.instance(s, iid).status == "completed"


# -- bad input: each a clear error, nothing written ------------------------------------------


def test_an_item_the_department_does_not_own_is_refused_article_24(session, c):
    """第24条 moves a county department's own powers: NY-01 belongs to another department."""
    before = fingerprint(session)
    with pytest.raises(LegalRuleViolation) as err:
        _start(session, c, ("CGJ-01", "NY-01"))
    assert "NY-01" in err.value.message and err.value.article == "行政处罚法 第24条"
    session.rollback()
    assert fingerprint(session) == before


def test_a_township_without_certified_officers_is_refused_articles_21_24(session, c):
    """A township with no certified enforcement officers cannot take a power (第21条, 第42条)."""
    before = fingerprint(session)
    with pytest.raises(LegalRuleViolation) as err:
        _start(session, c, town="ll")
    assert "0 名" in err.value.message and err.value.details["certified_officers"] == 0
    session.rollback()
    assert fingerprint(session) == before


def test_a_team_under_ten_is_refused_by_the_gucheng_plan(session, c):
    """故字〔2020〕6号: the township's comprehensive enforcement team has at least 10."""
    before = fingerprint(session)
    with pytest.raises(LegalRuleViolation) as err:
        _start(session, c, town="xz")
    assert "故字〔2020〕6号" in err.value.article
    session.rollback()
    assert fingerprint(session) == before


def test_accepting_with_a_team_under_ten_is_refused_and_the_task_stays_open(session, c):
    """The township's own statement of capacity is checked against the plan's minimum of 10."""
    iid = _start(session, c)
    before = fingerprint(session)
    with pytest.raises(LegalRuleViolation):
        c.act(session, iid, "township_capacity", "zk_leader", {**CAPACITY, "team_size": 8})
    session.rollback()
    assert fingerprint(session) == before
    assert c.open_tasks(session, iid) == ["township_capacity"]


def test_a_user_of_another_township_may_not_act(session, c):
    """Only the township named in the instance acts on its task."""
    iid = _start(session, c)
    before = fingerprint(session)
    with pytest.raises(PermissionDenied):
        c.act(session, iid, "township_capacity", "qh_leader", CAPACITY)
    session.rollback()
    assert fingerprint(session) == before


def test_only_an_officer_of_the_department_may_propose(session, c):
    """A grant is proposed by the department that holds the power."""
    before = fingerprint(session)
    with pytest.raises(PermissionDenied):
        _start(session, c, user="nyj_officer")
    session.rollback()
    assert fingerprint(session) == before


def test_completing_a_task_twice_is_a_conflict(session, c):
    """The second submission of one task changes nothing."""
    iid = _start(session, c)
    task = c.task(session, iid, "township_capacity")
    in_transaction(session, processes.complete, session, c.engine, task.id, c.users["zk_leader"], CAPACITY)
    before = fingerprint(session)
    with pytest.raises(Conflict):
        in_transaction(session, processes.complete, session, c.engine, task.id, c.users["zk_leader"],
                       CAPACITY)
    session.rollback()
    assert fingerprint(session) == before


def test_form_data_of_the_wrong_type_lists_every_field(session, c):
    """Every wrong field is reported at once and the task stays open."""
    iid = _start(session, c)
    before = fingerprint(session)
    with pytest.raises(ValidationFailed) as err:
        c.act(session, iid, "township_capacity", "zk_leader",
              {"accepts": "yes", "team_size": "twelve", "certified_officers": -1})
    assert set(err.value.errors) == {"accepts", "team_size", "certified_officers"}
    session.rollback()
    assert fingerprint(session) == before


def test_an_approval_without_an_effective_date_is_refused(session, c):
    """The decision must state when the grant takes effect; the decision task stays open."""
    iid = _start(session, c)
    _through_review(session, c, iid)
    before = fingerprint(session)
    with pytest.raises(ValidationFailed) as err:
        c.act(session, iid, "county_decision", "approver", {"county_decision": "approve"})
    assert "effective_on" in err.value.errors
    session.rollback()
    assert fingerprint(session) == before


def _in_registry(session, c: County, mode: str, start: date, end: date | None, document_no: str):
    draft = DelegationDraft(item_code="CGJ-01", township=c.orgs["zk"].id, mode=mode, effective_from=start,
                            effective_to=end, document_no=document_no)
    in_transaction(session, add_delegations, session, c.clock, [draft])


def test_a_proposal_over_a_grant_without_end_is_refused_naming_it_articles_20_24(session, c):
    """One item in one township has one delegation a day (第20、24条): a grant with no end blocks any date."""
    _in_registry(session, c, "grant", date(2026, 1, 1), None, "故政赋〔2026〕1号")
    before = fingerprint(session)
    with pytest.raises(ValidationFailed) as err:
        _start(session, c)
    session.rollback()
    [message] = err.value.errors["item_codes"]
    assert "故政赋〔2026〕1号" in message and "2026-01-01" in message and "CGJ-01" in message
    assert "第20、24条" in message and err.value.details["article"] == "行政处罚法 第20、24条"
    assert err.value.details["problems"][0]["clash"]["document_no"] == "故政赋〔2026〕1号"
    assert fingerprint(session) == before


def test_a_decision_inside_an_entrustment_term_names_the_letter_then_the_day_after_passes(session, c):
    """An entrustment with an end leaves the county to choose a date after it (第20、24条)."""
    _in_registry(session, c, "entrust", date(2026, 1, 1), date(2026, 6, 30), "故城管委〔2026〕3号")
    iid = _start(session, c)
    _through_review(session, c, iid)
    before = fingerprint(session)
    with pytest.raises(ValidationFailed) as err:
        c.act(session, iid, "county_decision", "approver",
              {"county_decision": "approve", "effective_on": "2026-06-01"})
    session.rollback()
    [message] = err.value.errors["effective_on"]
    assert "故城管委〔2026〕3号" in message and "2026-01-01—2026-06-30" in message
    assert fingerprint(session) == before
    c.act(session, iid, "county_decision", "approver", {"county_decision": "approve", "effective_on": "2026-07-01"})
    with session.begin():
        assert session.scalars(select(Document).where(Document.instance_id == iid)).first() is not None
