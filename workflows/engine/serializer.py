"""State-only serialization: an instance blob holds the task tree and data, never the spec.

SpiffWorkflow's default converter embeds the whole process spec (55–68% of each blob) and
re-reads it at every step (design.md §3). Here the spec comes from the stored definition,
cached by content hash, and is handed to the converter on restore.
"""

from __future__ import annotations

import json
from uuid import UUID

import orjson
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.event_definition import (
    TimerConditionalEventDefinitionConverter,
)
from SpiffWorkflow.bpmn.serializer.default.workflow import (
    BpmnWorkflowConverter,
    TaskConverter,
)
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.spiff.serializer.event_definition import MessageEventDefinitionConverter
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.deep_merge import DeepMerge

from workflows.engine.parser import ClockCycle, ClockDuration, ClockTimeDate, PayloadMessage


class StateOnlyWorkflowConverter(BpmnWorkflowConverter):
    """Writes the workflow without `spec`/`subprocess_specs`; restores onto a given spec."""

    def to_dict(self, workflow):
        """WorkflowConverter's fields plus subprocesses and pending events; no spec."""
        registry = self.registry
        return {
            "data": registry.convert(registry.clean(workflow.data)),
            "correlations": workflow.correlations,
            "last_task": str(workflow.last_task.id) if workflow.last_task is not None else None,
            "success": workflow.success,
            "completed": workflow.completed,
            "tasks": tasks_to_dict(workflow.tasks, registry.convert),
            "root": str(workflow.task_tree.id),
            "subprocesses": self.mapping_to_dict(workflow.subprocesses),
            "bpmn_events": registry.convert(workflow.bpmn_events),
        }

    def from_dict(self, dct, spec=None, subprocess_specs=None):
        """Rebuild the workflow on the cached spec of its pinned definition."""
        if spec is None:
            raise ValueError("state-only blob needs the definition's spec to restore")
        workflow = self.target_class(spec, subprocess_specs or {}, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


class RawDataTaskConverter(TaskConverter):
    """SpiffWorkflow's task converter, leaving task data for the JSON encoder's fallback.

    Walking every data value through the registry dominated the cost of a save; the encoder
    now writes JSON-native values itself and hands anything else to the registry, which
    gives the same output for the JSON-native data the engine admits (design.md §3).
    """

    def to_dict(self, task):
        """The same fields as TaskConverter.to_dict (delta against the parent's data)."""
        return task_to_dict(task, task.parent, str, self.registry.convert)


def task_to_dict(task, parent, text, convert) -> dict:
    """TaskConverter.to_dict of SpiffWorkflow 3.2.0, with `text` naming UUIDs and raw data."""
    if parent is None:
        data, delta = task.data, {}
    else:
        data = {}
        delta = {"updates": DeepMerge.get_updated_keys(parent.data, task.data),
                 "deletions": DeepMerge.get_deleted_keys(parent.data, task.data)}
    return {
        "id": text(task.id),
        "parent": text(task._parent) if parent is not None else None,
        "children": [text(child) for child in task._children],
        "last_state_change": task.last_state_change,
        "state": task.state,
        "task_spec": task.task_spec.name,
        "triggered": task.triggered,
        "internal_data": convert(task.internal_data),
        "data": data,
        "delta": delta,
    }


def tasks_to_dict(tasks: dict, convert) -> dict:
    """A workflow's task mapping as the registry would write it, each UUID formatted once."""
    names = {uid: str(uid) for uid in tasks}

    def text(uid) -> str:
        name = names.get(uid)
        return name if name is not None else str(uid)

    out = {}
    for uid, task in tasks.items():
        parent = tasks.get(task._parent) if task._parent is not None else None
        dct = task_to_dict(task, parent, text, convert)
        dct["typename"] = "Task"  # what DictionaryConverter adds for the Task class
        out[names[uid]] = dct
    return out


# Datetimes, dataclasses and subclasses of builtins go to the registry, as json.dumps did.
_ORJSON_OPTIONS = (orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME
                   | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_SUBCLASS)


class StateSerializer:
    """Dump and load instance state as compact JSON against a cached spec."""

    def __init__(self) -> None:
        # Our timers appear in task data as events once an event-based gateway's timer fires.
        config = {**SPIFF_CONFIG, BpmnWorkflow: StateOnlyWorkflowConverter,
                  Task: RawDataTaskConverter,
                  ClockTimeDate: TimerConditionalEventDefinitionConverter,
                  ClockDuration: TimerConditionalEventDefinitionConverter,
                  ClockCycle: TimerConditionalEventDefinitionConverter,
                  PayloadMessage: MessageEventDefinitionConverter}
        self._inner = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(config))
        self._fallback = self._inner.registry.convert

    def dumps(self, workflow: BpmnWorkflow) -> str:
        """JSON of the workflow state (with the serializer version for migrations)."""
        registry = self._inner.registry
        dct = registry.convert(workflow)
        dct[self._inner.VERSION_KEY] = self._inner.VERSION
        try:
            return orjson.dumps(dct, default=self._fallback, option=_ORJSON_OPTIONS).decode()
        except orjson.JSONEncodeError:  # e.g. an int beyond 64 bits: the stdlib encoder copes
            return json.dumps(self._inner.registry.convert(dct), separators=(",", ":"),
                              ensure_ascii=False)

    def loads(self, blob: str, spec, subprocess_specs, script_engine) -> BpmnWorkflow:
        """Restore the workflow on `spec` and re-attach the (sandboxed) script engine."""
        try:
            dct = orjson.loads(blob)
        except orjson.JSONDecodeError:  # NaN or huge ints written by the stdlib encoder
            dct = json.loads(blob)
        self._inner.migrate(dct)
        workflow = self._inner.registry.restore(
            dct, spec=spec, subprocess_specs=subprocess_specs
        )
        workflow.script_engine = script_engine
        return workflow


def full_serializer() -> BpmnWorkflowSerializer:
    """SpiffWorkflow's default (spec-embedding) serializer, for comparison in benchmarks."""
    config = {**SPIFF_CONFIG, ClockTimeDate: TimerConditionalEventDefinitionConverter,
              ClockDuration: TimerConditionalEventDefinitionConverter,
              ClockCycle: TimerConditionalEventDefinitionConverter,
              PayloadMessage: MessageEventDefinitionConverter}
    return BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(config))
