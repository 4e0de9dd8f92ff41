"""The procedures take their periods from the deadline rules (design.md §4, issue 4).

Each timed user task names its rule through `rule_due('key')`; the helper counts the rule's
amount and unit on the engine's legal calendar, so a county that changes a rule changes the
procedure, and no BPMN file repeats a legal amount.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from lxml import etree

from workflows.calendar.legal_calendar import LegalCalendar
from workflows.core.clock import FixedClock
from workflows.core.errors import NotFound, QuanzeError
from workflows.deadlines.periods import compute_due, shipped_rule_periods
from workflows.engine.sandbox import Sandbox
from workflows.engine.scripting import build_helpers

BPMN = Path(__file__).resolve().parents[2] / "bpmn"
NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
      "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core"}
RULE_CALL = re.compile(r"rule_due\(\s*['\"](\w+)['\"]")

# (file, user task id) → the rule its period comes from.
TASK_RULES = {
    ("grant.bpmn", "township_capacity"): "grant_capacity_statement",
    ("grant.bpmn", "legal_review"): "grant_legal_review",
    ("grant.bpmn", "revise_proposal"): "grant_revise_proposal",
    ("grant.bpmn", "county_decision"): "grant_county_decision",
    ("grant.bpmn", "publish_decision"): "grant_publication",
    ("entrustment.bpmn", "township_opinion"): "entrust_township_opinion",
    ("entrustment.bpmn", "legal_review"): "entrust_legal_review",
    ("entrustment.bpmn", "revise_letter"): "entrust_revise_letter",
    ("entrustment.bpmn", "county_approval"): "entrust_county_approval",
    ("entrustment.bpmn", "publish_department"): "entrust_publication",
    ("entrustment.bpmn", "publish_township"): "entrust_publication",
    ("evaluation.bpmn", "self_evaluation"): "evaluation_self_evaluation",
    ("evaluation.bpmn", "department_opinion"): "evaluation_department_opinion",
    ("evaluation.bpmn", "evaluation_decision"): "evaluation_decision",
}


def _due_expression(file_name: str, task_id: str) -> str | None:
    tree = etree.parse(str(BPMN / file_name))
    found = tree.xpath(f"//bpmn:userTask[@id='{task_id}']//spiffworkflow:property[@name='due']/@value",
                       namespaces=NS)
    return found[0] if found else None


@pytest.mark.parametrize(("file_name", "task_id"), sorted(TASK_RULES))
def test_procedure_period_names_its_rule(file_name, task_id):
    """行政处罚法 第20、24条 procedures (and the 第24条 evaluation): each period is rule_due('<rule>')."""
    expression = _due_expression(file_name, task_id)
    assert expression is not None, f"{file_name}#{task_id} has no due period"
    assert re.fullmatch(r"rule_due\(\s*['\"](\w+)['\"]\s*\)", expression), expression
    assert RULE_CALL.match(expression).group(1) == TASK_RULES[(file_name, task_id)]


def test_every_rule_due_in_bpmn_names_a_shipped_rule():
    """A rule key in any BPMN file that the rule file lacks would fail only at run time."""
    known = set(shipped_rule_periods())
    used = {(path.name, key) for path in BPMN.glob("*.bpmn")
            for key in RULE_CALL.findall(path.read_text(encoding="utf-8"))}
    assert used, "no BPMN file uses rule_due"
    assert [(f, k) for f, k in sorted(used) if k not in known] == []


def _helpers():
    clock = FixedClock(datetime(2026, 3, 2, 1, 0, tzinfo=UTC))  # 09:00 Shanghai, a Monday
    calendar = LegalCalendar()
    return Sandbox(build_helpers(clock, calendar)), clock, calendar


def test_rule_due_counts_the_rule_on_the_legal_calendar():
    """grant_publication (行政处罚法 第24条, 7 working days per 国办发〔2018〕118号) via the helper."""
    sandbox, clock, calendar = _helpers()
    got = sandbox.evaluate("rule_due('grant_publication')", {})
    expected = compute_due(calendar, shipped_rule_periods()["grant_publication"], clock.now())
    assert got == expected.due_at.isoformat()
    assert sandbox.evaluate("due('working_days', 7)", {}) == got  # due() stays available


def test_rule_due_counts_from_an_explicit_start():
    """A start instant given as data (e.g. the filing moment) replaces now."""
    sandbox, _clock, calendar = _helpers()
    start = "2026-04-30T02:00:00+00:00"
    got = sandbox.evaluate("rule_due('apl48_withdraw_publication', start)", {"start": start})
    expected = compute_due(calendar, shipped_rule_periods()["apl48_withdraw_publication"],
                           datetime.fromisoformat(start))
    assert got == expected.due_at.isoformat()


def test_rule_due_with_an_unknown_rule_is_a_clear_error():
    """An unknown rule key names the key."""
    sandbox, _clock, _calendar = _helpers()
    with pytest.raises(NotFound, match="no_such_rule"):
        sandbox.evaluate("rule_due('no_such_rule')", {})


def test_rule_due_without_a_calendar_is_a_clear_error():
    """An engine built without a legal calendar cannot count legal periods."""
    clock = FixedClock(datetime(2026, 3, 2, 1, 0, tzinfo=UTC))
    sandbox = Sandbox(build_helpers(clock, None))
    with pytest.raises(QuanzeError, match="rule_due"):
        sandbox.evaluate("rule_due('grant_publication')", {})
