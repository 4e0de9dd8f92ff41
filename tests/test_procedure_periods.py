"""The grant and entrustment procedures use the periods of the deadline rules (design.md §4).

Each timed user task names its rule through `rule_due('key')`, or — until the engine registers
that helper — states the same amount and unit as the rule in `due(unit, amount)`.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from lxml import etree

from workflows.deadline_periods import shipped_rule_periods

BPMN = Path(__file__).resolve().parent.parent / "bpmn"
NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
      "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core"}

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
}


def _due_expression(file_name: str, task_id: str) -> str | None:
    tree = etree.parse(str(BPMN / file_name))
    found = tree.xpath(f"//bpmn:userTask[@id='{task_id}']//spiffworkflow:property[@name='due']/@value",
                       namespaces=NS)
    return found[0] if found else None


@pytest.mark.parametrize(("file_name", "task_id"), sorted(TASK_RULES))
def test_procedure_period_matches_its_rule(file_name, task_id):
    if not (BPMN / file_name).exists():
        pytest.skip(f"{file_name} not present")
    rule = TASK_RULES[(file_name, task_id)]
    period = shipped_rule_periods()[rule]
    expression = _due_expression(file_name, task_id)
    assert expression is not None, f"{file_name}#{task_id} has no due period"
    named = re.fullmatch(r"rule_due\(\s*['\"](\w+)['\"]\s*(,.*)?\)", expression)
    if named:
        assert named.group(1) == rule
        return
    plain = re.fullmatch(r"due\(\s*['\"](\w+)['\"]\s*,\s*(\d+)\s*\)", expression)
    assert plain, f"{file_name}#{task_id}: unexpected due expression {expression!r}"
    assert (plain.group(1), int(plain.group(2))) == (period.unit, period.amount), \
        f"{file_name}#{task_id} uses {expression}, the rule {rule} says {period.amount} {period.unit}"
