"""Every user task is dated or declared without deadline, with the article (issue 10 §10: deadlines everywhere)."""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from importlib import resources
from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy import select

from models import HumanTask
from tests.support.coordination_world import build_coordination_county
from tests.support.procedure_world import in_transaction
from workflows.calendar.legal_calendar import LegalCalendar
from workflows.core.clock import SHANGHAI, FixedClock, end_of_legal_day
from workflows.deadlines.periods import make_rule_due, shipped_rule_periods
from workflows.procedures import ALL
from workflows.procedures.joint_enforcement.steps import propose_joint_operation

BPMN = Path(__file__).resolve().parents[2] / "bpmn"
NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
      "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core"}
RULE_CALL = re.compile(r"""\brule_(?:due|cycle)\(\s*['"]([^'"]+)['"]""")


def _rules() -> dict[str, dict]:
    raw = json.loads(resources.files("workflows.data").joinpath("deadline_rules.json").read_text("utf-8"))
    return {r["key"]: r for r in raw["rules"]}


def _dues(p) -> dict[str, str | None]:
    """User task id → the due expression the engine would use: the file's property, else the form's."""
    root = etree.parse(str(BPMN / p.bpmn))
    found = {}
    for task in root.xpath("//bpmn:process[@id=$pid]//bpmn:userTask", pid=p.id, namespaces=NS):
        prop = task.xpath(".//spiffworkflow:property[@name='due']/@value", namespaces=NS)
        form = p.forms.get(task.get("id"))
        found[task.get("id")] = (prop[0] if prop else None) or (form.due if form is not None else None)
    return found


def test_every_user_task_has_a_due_date_or_is_declared_without_deadline():
    """A user task with neither a due date nor a declared reason for none fails here, by procedure and task."""
    undated = [(p.id, task) for p in ALL for task, due in _dues(p).items() if not due and task not in p.no_deadline]
    assert undated == [], f"user tasks with no due date and no no_deadline declaration: {undated}"
    dated_and_declared = [(p.id, t) for p in ALL for t in p.no_deadline if _dues(p).get(t)]
    assert dated_and_declared == [], dated_and_declared
    unknown = [(p.id, t) for p in ALL for t in p.no_deadline if t not in _dues(p)]
    assert unknown == [], unknown


def test_every_rule_a_due_date_names_exists_and_is_declared():
    """Like test_rules_used: each rule_due('key') of a task's due date is in the rules file and its procedure's rule_keys."""
    rules = _rules()
    for p in ALL:
        named = {key for due in _dues(p).values() for key in RULE_CALL.findall(due or "")}
        assert named - set(rules) == set(), (p.id, sorted(named - set(rules)))
        assert named - set(p.rule_keys) == set(), (p.id, sorted(named - set(p.rule_keys)))


def test_a_task_without_deadline_says_which_article_sets_none():
    """Each no_deadline reason cites its article (第N条) — the statute was read, not skipped."""
    reasons = {(p.id, t): why for p in ALL for t, why in p.no_deadline.items()}
    assert set(reasons) == {("summary_penalty", "record_filing"), ("case_measures", "approve_measure"),
                            ("work_order", "callback")}
    assert all(re.search(r"第\d+条", why) for why in reasons.values()), reasons


def test_evaluation_organize_counts_ten_working_days_across_national_day_article_24():
    """第24条 定期组织评估: opened within 10 working days (a design default) of the cycle's end.

    A cycle ending Thursday 2026-09-24: 25–27 Sep (中秋) and 1–7 Oct (国庆) are not counted and
    Saturday 10 Oct (调休上班) is, so the evaluation is due at the end of 2026-10-15; ten calendar
    days would have ended on 2026-10-04, rolled to 2026-10-08.
    """
    rule = _rules()["evaluation_organize"]
    assert "第24条" in rule["legal_basis"] and rule["basis_kind"] == "design_default" and rule["source_label"] == "D"
    assert (rule["amount"], rule["unit"]) == (10, "working_days") and rule["name_zh"] and rule["name_en"]
    cycle_end = datetime(2026, 9, 24, 23, 59, tzinfo=SHANGHAI)
    rule_due = make_rule_due(shipped_rule_periods(), LegalCalendar(), FixedClock(cycle_end))
    assert datetime.fromisoformat(rule_due("evaluation_organize")) == end_of_legal_day(date(2026, 10, 15))
    assert LegalCalendar().due(cycle_end, 10, "calendar_days").due_date == date(2026, 10, 8)
    both = {p.id: p.forms[t].due for p in ALL for t in ("organize_evaluation", "organize_next_evaluation")
            if t in p.forms}
    assert both == {"grant": "rule_due('evaluation_organize')", "evaluation": "rule_due('evaluation_organize')"}


@pytest.fixture
def world(session, clock, tmp_path):
    return build_coordination_county(session, clock, tmp_path)


def test_a_joint_operation_is_held_by_the_end_of_its_planned_day_even_a_holiday(session, world):
    """浙江条例 第14条: the plan fixes the day; a plan for 国庆 2026-10-01 is due that day, not rolled forward."""
    op = in_transaction(session, propose_joint_operation, session, world.engine, world.users["zk_officer"],
                        world.orgs["zk"].id, title="节日市场检查", plan="分组检查", planned_on="2026-10-01",
                        participant_ids=[world.orgs["cgj"].id])
    world.act(session, op.instance_id, "confirm_department", "cgj_officer", {"joins": True})
    hold = session.scalars(select(HumanTask).where(HumanTask.instance_id == op.instance_id,
                                                   HumanTask.task_spec_name == "hold_township")).one()
    assert hold.due_at == end_of_legal_day(date(2026, 10, 1))
    assert hold.organization_id == world.orgs["zk"].id
