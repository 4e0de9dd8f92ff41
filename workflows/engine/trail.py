"""Which elements of an instance have run, read from its stored state (for the diagram's markers)."""

from __future__ import annotations

import json

from SpiffWorkflow.util.task import TaskState


def completed_elements(blob: str | None) -> set[str]:
    """Element ids the engine has completed: events, service tasks and gateways too, not only user tasks.

    Reads the stored JSON without rebuilding the workflow (no definition or script engine needed).
    """
    try:
        data = json.loads(blob or "{}")
    except ValueError:
        return set()
    parts = [data, *(data.get("subprocesses") or {}).values()]
    return {task["task_spec"] for part in parts for task in (part.get("tasks") or {}).values()
            if task.get("state") == TaskState.COMPLETED and task.get("task_spec")}
