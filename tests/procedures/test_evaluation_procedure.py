"""Evaluation and withdrawal (定期组织评估, 回收, 行政处罚法 第24条) through the Python API."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from models import Delegation, DelegationStatus
from tests.support.procedure_world import County, build_county, fingerprint, in_transaction
from workflows.calendar.legal_calendar import LegalCalendar
from workflows.core.errors import PermissionDenied, ValidationFailed
from workflows.deadlines.rules import load_rule_specs
from workflows.engine.scripting import StepContext
from workflows.procedures import build_engine
from workflows.procedures.evaluation.steps import case_handler, start_evaluation
from workflows.registry import powers as registry
from workflows.registry.delegations import DelegationDraft, add_delegations
from workflows.tasks import processes

REPORTED = {"CGJ-01": {"cases": 20, "overturned": 0, "overdue": 1},
            "CGJ-02": {"cases": 0},
            "CGJ-09": {"cases": 10, "overturned": 3, "overdue": 0}}
DECISION = {"keep_codes": ["CGJ-01"], "adjust_codes": ["CGJ-09"], "return_codes": ["CGJ-02"],
            "cutover_on": "2026-04-01", "adjustment": "仅限集镇规划区内行使",
            "reasons": "CGJ-02 全年零案件，收回；CGJ-09 纠错率高，限定范围"}


@pytest.fixture
def c(session, clock, tmp_path) -> County:
    """The test county, with three items granted to 郑口镇 since 2025."""
    county = build_county(session, clock, tmp_path)
    drafts = [DelegationDraft(item_code=code, township=county.orgs["zk"].id, mode="grant",
                              effective_from=date(2025, 1, 1), document_no="故政赋〔2025〕1号")
              for code in ("CGJ-01", "CGJ-02", "CGJ-09")]
    in_transaction(session, add_delegations, session, clock, drafts)
    return county


def _start(session, c: County, reported=REPORTED, user="approver") -> int:
    inst = in_transaction(session, start_evaluation, session, c.engine, c.users[user], c.orgs["zk"],
                          c.orgs["cgj"], period_start=date(2025, 1, 1), period_end=date(2025, 12, 31),
                          reported_metrics=reported)
    return inst.id


def _to_decision(session, c: County, iid: int) -> None:
    c.act(session, iid, "self_evaluation", "zk_leader", {"self_report": "全年办案30件"})
    c.act(session, iid, "department_opinion", "cgj_officer", {"department_opinion_text": "建议收回 CGJ-02"})


def _task_data(session, c: County, iid: int) -> dict:
    """The data of the instance's ready task, read back from the stored state."""
    workflow = c.engine.load(session, c.instance(session, iid), StepContext(session, iid))
    [ready] = [t for t in workflow.get_tasks() if t.task_spec.name == "self_evaluation"]
    return ready.data


def test_metrics_suggest_keep_adjust_or_return_article_24(session, c):
    """第24条 定期组织评估: zero cases → return; high overturned rate → adjust; otherwise keep."""
    iid = _start(session, c)
    assert c.open_tasks(session, iid) == ["self_evaluation"]
    evaluation = _task_data(session, c, iid)["evaluation"]
    by_code = {row["item_code"]: row for row in evaluation["items"]}
    assert {k: v["suggestion"] for k, v in by_code.items()} == {
        "CGJ-01": "keep", "CGJ-02": "return", "CGJ-09": "adjust"}
    assert by_code["CGJ-09"]["overturned_rate"] == 0.3 and by_code["CGJ-01"]["overdue_rate"] == 0.05
    assert evaluation["certified_officers"] == 2 and evaluation["certified_ratio"] == round(2 / 12, 4)


def test_returned_items_leave_the_township_from_the_cutover_date_article_24(session, c):
    """回收: a returned item is the department's again from the cut-over date, not before."""
    iid = _start(session, c)
    _to_decision(session, c, iid)
    c.act(session, iid, "evaluation_decision", "approver", DECISION)
    assert c.instance(session, iid).status == "waiting"  # CGJ-01 and CGJ-09 stay: the next cycle runs
    zk = c.orgs["zk"].id
    assert registry.who(session, "CGJ-02", zk, date(2026, 3, 31)).mode == "grant"
    assert registry.who(session, "CGJ-02", zk, date(2026, 4, 1)).mode == "assist"
    assert registry.who(session, "CGJ-01", zk, date(2026, 4, 1)).mode == "grant"
    adjusted = registry.who(session, "CGJ-09", zk, date(2026, 4, 1))
    assert adjusted.mode == "grant" and adjusted.note == "仅限集镇规划区内行使"
    assert registry.who(session, "CGJ-09", zk, date(2026, 3, 31)).note is None
    statuses = sorted(s.value for s in session.scalars(select(Delegation.status)))
    assert statuses == ["effective", "effective", "revoked", "revoked"]


def test_cases_filed_before_the_return_stay_with_the_township(session, c):
    """Cases already filed stay with their handler (filed_cases_stay); new ones go to the department."""
    iid = _start(session, c)
    _to_decision(session, c, iid)
    c.act(session, iid, "evaluation_decision", "approver", DECISION)
    zk = c.orgs["zk"].id
    old_case = case_handler(session, "CGJ-02", zk, filed_on=date(2026, 3, 20), on=date(2026, 5, 1))
    assert old_case.acting_org.id == zk and old_case.mode == "grant"
    new_case = case_handler(session, "CGJ-02", zk, filed_on=date(2026, 4, 2), on=date(2026, 5, 1))
    assert new_case.acting_org.id == c.orgs["cgj"].id


def test_keeping_every_item_changes_nothing(session, c):
    """A decision to keep all items needs no cut-over date and leaves the registry as it was."""
    iid = _start(session, c)
    _to_decision(session, c, iid)
    c.act(session, iid, "evaluation_decision", "approver",
          {"keep_codes": ["CGJ-01", "CGJ-02", "CGJ-09"], "reasons": "运行良好"})
    assert c.instance(session, iid).status == "waiting"
    assert set(session.scalars(select(Delegation.status))) == {DelegationStatus.EFFECTIVE}


def test_the_next_evaluation_is_due_by_its_rule_from_this_one_article_24(session, c):
    """第24条 定期组织评估: grant_evaluation_cycle from the last evaluation reminds the county."""
    iid = _start(session, c)
    _to_decision(session, c, iid)
    decided_at = c.clock.now()
    c.act(session, iid, "evaluation_decision", "approver", DECISION)
    rule = next(r for r in load_rule_specs() if r["key"] == "grant_evaluation_cycle")
    due = LegalCalendar().due(decided_at, rule["amount"], rule["unit"]).due_at
    assert c.instance(session, iid).next_wake_at == due and c.open_tasks(session, iid) == []
    c.clock.set(due)
    in_transaction(session, processes.wake_due_instances, session, c.engine, due)
    assert c.open_tasks(session, iid) == ["organize_next_evaluation"]
    organize = next(r for r in load_rule_specs() if r["key"] == "evaluation_organize")  # 第24条, design default
    assert c.task(session, iid, "organize_next_evaluation").due_at == LegalCalendar().due(
        due, organize["amount"], organize["unit"]).due_at  # on 期限提醒 and the dashboard (issue 10 §10)
    c.act(session, iid, "organize_next_evaluation", "approver", {"evaluation_plan": "下月开展"})
    assert c.instance(session, iid).status == "completed"


def test_when_every_item_is_returned_no_next_evaluation_is_due(session, c):
    """Nothing left granted to evaluate: the evaluation ends without a next cycle."""
    iid = _start(session, c)
    _to_decision(session, c, iid)
    c.act(session, iid, "evaluation_decision", "approver",
          {"return_codes": ["CGJ-01", "CGJ-02", "CGJ-09"], "cutover_on": "2026-04-01", "reasons": "全部收回"})
    inst = c.instance(session, iid)
    assert inst.status == "completed" and inst.next_wake_at is None


# -- bad input: each a clear error, nothing written ------------------------------------------


@pytest.mark.parametrize("decision, field", [
    ({**DECISION, "keep_codes": []}, "item_codes"),  # CGJ-01 left undecided
    ({**DECISION, "keep_codes": ["CGJ-01", "CGJ-02"]}, "item_codes"),  # CGJ-02 twice
    ({**DECISION, "keep_codes": ["CGJ-01", "NY-01"]}, "item_codes"),  # not evaluated
    ({**DECISION, "cutover_on": "2026-03-01"}, "cutover_on"),  # in the past
    ({**DECISION, "cutover_on": None}, "cutover_on"),
    ({**DECISION, "adjustment": ""}, "adjustment"),
])
def test_an_incomplete_or_inconsistent_decision_is_refused(session, c, decision, field):
    """Every evaluated item is decided exactly once, with a future cut-over date."""
    iid = _start(session, c)
    _to_decision(session, c, iid)
    before = fingerprint(session)
    with pytest.raises(ValidationFailed) as err:
        c.act(session, iid, "evaluation_decision", "approver", {k: v for k, v in decision.items() if v is not None})
    assert field in err.value.errors
    assert fingerprint(session) == before
    assert c.open_tasks(session, iid) == ["evaluation_decision"]


@pytest.mark.parametrize("reported", [
    {"CGJ-01": {"cases": -1}}, {"CGJ-01": {"cases": "many"}}, {"CGJ-01": {"cases": 2, "overdue": 3}},
    {"CGJ-01": {"visits": 1}}, ["CGJ-01"],
])
def test_malformed_reported_figures_are_refused(session, c, reported):
    """Case figures are non-negative integers whose parts do not exceed the whole."""
    before = fingerprint(session)
    with pytest.raises(ValidationFailed):
        _start(session, c, reported=reported)
    assert fingerprint(session) == before


def test_only_the_county_government_opens_or_decides_an_evaluation(session, c):
    """The county government organises the evaluation (第24条); others may not decide it."""
    before = fingerprint(session)
    with pytest.raises(PermissionDenied):
        _start(session, c, user="cgj_officer")
    assert fingerprint(session) == before
    iid = _start(session, c)
    _to_decision(session, c, iid)
    before = fingerprint(session)
    with pytest.raises(PermissionDenied):
        c.act(session, iid, "evaluation_decision", "zk_leader", DECISION)
    assert fingerprint(session) == before


def test_save_and_reload_at_every_wait_state(session_factory, c):
    """Each step on a fresh session and a fresh engine: the stored state carries the evaluation."""
    with session_factory() as s:
        iid = _start(s, c)
    steps = [("self_evaluation", "zk_leader", {"self_report": "全年办案30件"}),
             ("department_opinion", "cgj_officer", {"department_opinion_text": "同意"}),
             ("evaluation_decision", "approver", DECISION)]
    for name, user, data in steps:
        with session_factory() as s:
            c.engine = build_engine(c.engine.bpmn_dir, c.clock, LegalCalendar())
            c.engine.sync_definitions(s)
            s.commit()
            c.act(s, iid, name, user, data)
    with session_factory() as s:
        assert c.instance(s, iid).status == "waiting"
        assert registry.who(s, "CGJ-02", c.orgs["zk"].id, date(2026, 4, 1)).mode == "assist"
