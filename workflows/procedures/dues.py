"""Each user task's due date as declared: its BPMN `due` property, else its form's `due` (issue 10 §10)."""

from __future__ import annotations

import re

from workflows.engine.definitions import BPMN_NS
from workflows.procedures.declaration import Procedure

SPIFF_NS = {**BPMN_NS, "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core"}
# rule_due('key') / rule_cycle('key') in a due property, timer or script: the helpers naming a rule key.
RULE_CALL = re.compile(r"""\brule_(?:due|cycle)\(\s*['"]([^'"]+)['"]""")


def task_properties(task) -> dict[str, str]:
    """The spiffworkflow properties of one BPMN element, by name."""
    return {p.get("name"): p.get("value") for p in task.iterfind(".//spiffworkflow:property", SPIFF_NS)}


def user_task_dues(p: Procedure, process) -> dict[str, str | None]:
    """User task id → its due expression (the file's wins over the form's, as in the engine), None when undated."""
    found: dict[str, str | None] = {}
    for task in process.iterfind(".//bpmn:userTask", BPMN_NS):
        form = p.forms.get(task.get("id"))
        found[task.get("id")] = task_properties(task).get("due") or (form.due if form is not None else None)
    return found


def due_rule_keys(expression: str | None) -> list[str]:
    """The deadline-rule keys a due expression names (none for a date from the instance's data)."""
    return sorted(set(RULE_CALL.findall(expression or "")))
