"""The diagram's completed markers come from the stored engine state, subprocesses included."""

from __future__ import annotations

import json

from SpiffWorkflow.util.task import TaskState

from workflows.engine.trail import completed_elements


def _task(spec: str, state: int) -> dict:
    return {"task_spec": spec, "state": state}


def test_completed_tasks_of_the_process_and_its_subprocesses():
    blob = json.dumps({
        "tasks": {"a": _task("start", TaskState.COMPLETED), "b": _task("validate_letter", TaskState.COMPLETED),
                  "c": _task("township_opinion", TaskState.READY), "d": _task("gw_opinion", TaskState.FUTURE)},
        "subprocesses": {"s": {"tasks": {"e": _task("c_start", TaskState.COMPLETED),
                                         "f": _task("confirm", TaskState.WAITING)}}}})
    assert completed_elements(blob) == {"start", "validate_letter", "c_start"}


def test_empty_or_unreadable_state_marks_nothing():
    assert completed_elements(None) == set() and completed_elements("") == set()
    assert completed_elements("not json") == set() and completed_elements("{}") == set()
