"""State-only serialization: an instance blob holds the task tree and data, never the spec.

SpiffWorkflow's default converter embeds the whole process spec (55–68% of each blob) and
re-reads it at every step (design.md §3). Here the spec comes from the stored definition,
cached by content hash, and is handed to the converter on restore.
"""

from __future__ import annotations

import json
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.event_definition import (
    TimerConditionalEventDefinitionConverter,
)
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

from workflows.engine.parser import ClockDuration, ClockTimeDate


class StateOnlyWorkflowConverter(BpmnWorkflowConverter):
    """Writes the workflow without `spec`/`subprocess_specs`; restores onto a given spec."""

    def to_dict(self, workflow):
        """Task tree, data, subprocess states and pending events; no spec."""
        dct = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

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


class StateSerializer:
    """Dump and load instance state as compact JSON against a cached spec."""

    def __init__(self) -> None:
        config = {**SPIFF_CONFIG, BpmnWorkflow: StateOnlyWorkflowConverter}
        self._inner = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(config))

    def dumps(self, workflow: BpmnWorkflow) -> str:
        """JSON of the workflow state (with the serializer version for migrations)."""
        registry = self._inner.registry
        dct = registry.convert(workflow)
        dct[self._inner.VERSION_KEY] = self._inner.VERSION
        return json.dumps(dct, separators=(",", ":"), ensure_ascii=False)

    def loads(self, blob: str, spec, subprocess_specs, script_engine) -> BpmnWorkflow:
        """Restore the workflow on `spec` and re-attach the (sandboxed) script engine."""
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
              ClockDuration: TimerConditionalEventDefinitionConverter}
    return BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(config))
