"""Bare in-memory SpiffWorkflow operations for benchmark baselines (no persistence, no checks)."""

from __future__ import annotations

from SpiffWorkflow.bpmn import BpmnEvent
from SpiffWorkflow.util.task import TaskState


def complete_ready(workflow, spec_name: str, data: dict, *, refresh_timers: bool = False) -> None:
    """Run the single READY task named spec_name with data, then advance the engine."""
    [task] = workflow.get_tasks(state=TaskState.READY, spec_name=spec_name)
    task.data.update(data)
    task.run()
    if refresh_timers:
        workflow.refresh_timers()
    workflow.do_engine_steps()


def deliver_events(workflow, events) -> None:
    """Hand each thrown event to the first WAITING catch task with the same event name."""
    for event in events:
        for task in workflow.get_tasks(state=TaskState.WAITING):
            definition = getattr(task.task_spec, "event_definition", None)
            if definition is not None and getattr(definition, "name", None) == event.event_definition.name:
                workflow.send_event(BpmnEvent(definition, payload=dict(event.payload)))
                workflow.do_engine_steps()
                break
