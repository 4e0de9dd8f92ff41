"""The Engine: definitions pinned by hash, sandboxed script engine, one step = load → run → save."""

from __future__ import annotations

import json
from pathlib import Path

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.defaults import StartEvent
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import ProcessDefinition, ProcessInstance
from workflows.core.audit import append
from workflows.core.db import unit_of_work
from workflows.core.errors import NotFound, QuanzeError, ValidationFailed
from workflows.core.forms import FormRegistry
from workflows.core.lanes import LaneRegistry
from workflows.core.services import ServiceRegistry
from workflows.engine.definitions import (
    bpmn_files,
    check_folder,
    load_file,
    parse_file,
    process_index,
)
from workflows.engine.flows import Flows, message_flows
from workflows.engine.live import LiveWorkflows
from workflows.engine.sandbox import Sandbox, ScriptRefused
from workflows.engine.scripting import Calendar, QuanzeScriptEngine, StepContext, build_helpers
from workflows.engine.serializer import StateSerializer
from workflows.engine.store import ready_tasks, save_state, sync_human_tasks


class StepFailed(QuanzeError):
    """A script, condition or service task failed; the step was rolled back."""

    status = 500
    code = "step_failed"


def require_json_native(data, what: str = "data") -> None:
    """Task data must survive JSON as is (no date, Decimal, sets…): design.md §3."""
    try:
        json.dumps(data, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ValidationFailed({what: [f"数据须为 JSON 基本类型 / must be JSON-native: {exc}"]}) from None


def unwrap(exc: Exception) -> QuanzeError:
    """The QuanzeError behind a SpiffWorkflow exception, or a StepFailed describing it."""
    seen = exc
    while seen is not None:
        if isinstance(seen, QuanzeError):
            return seen
        if isinstance(seen, ScriptRefused):
            return StepFailed(f"脚本被拒绝 / script refused: {seen}")
        seen = getattr(seen, "exception", None) or seen.__cause__ or seen.__context__
    return StepFailed(f"流程步骤失败 / process step failed: {type(exc).__name__}: {exc}")


def guarded(action, *args):
    """Run SpiffWorkflow code; any failure becomes a QuanzeError (the step then rolls back)."""
    try:
        return action(*args)
    except QuanzeError:
        raise
    except Exception as exc:  # scripts are user code: NameError, TypeError, Spiff errors…
        raise unwrap(exc) from exc


class Engine:
    """Runs BPMN procedures from `bpmn_dir` on the injected clock and legal calendar."""

    def __init__(self, bpmn_dir: str | Path, clock, calendar: Calendar | None = None,
                 services: ServiceRegistry | None = None, forms: FormRegistry | None = None,
                 lanes: LaneRegistry | None = None) -> None:
        self.bpmn_dir = Path(bpmn_dir)
        self.clock = clock
        self.calendar = calendar
        # The registries come from the composition root (workflows.procedures); none → empty
        # (no lane then assigns a task: each names its own role and orgKey).
        self.services = services if services is not None else ServiceRegistry()
        self.forms = forms if forms is not None else FormRegistry()
        self.lanes = lanes if lanes is not None else LaneRegistry()
        self.sandbox = Sandbox(build_helpers(clock, calendar))
        self.serializer = StateSerializer()
        self.live = LiveWorkflows()  # committed workflows, reused while their row is unchanged
        self._specs: dict[tuple[str, str], tuple] = {}  # (sha256, process id) → (spec, subs)
        self._current: dict[str, tuple[int, str]] = {}  # process id → (definition id, sha256)
        self._flows: dict[int, Flows] = {}  # definition id → its collaborations' message flows

    # -- definitions -------------------------------------------------------------------------

    def check(self):
        """Every problem in the BPMN folder (file, element id, message)."""
        return check_folder(self.bpmn_dir, self.services, self.lanes)

    def sync_definitions(self, session: Session) -> list[ProcessDefinition]:
        """Validate every file, store each new content hash once, make it current for starts."""
        errors = self.check()
        if errors:
            raise ValidationFailed({e.file_name: [str(e)] for e in errors},
                                   "流程定义有误 / BPMN definitions are invalid")
        current: list[ProcessDefinition] = []
        with unit_of_work(session):
            index = process_index(self.bpmn_dir)
            for path in bpmn_files(self.bpmn_dir):
                parsed = load_file(path, index, self.services, self.lanes)  # with the files it calls
                for process_id, specs in parsed.specs.items():
                    row = self._store(session, parsed, process_id)
                    self._specs[(parsed.sha256, process_id)] = specs
                    self._current[process_id] = (row.id, parsed.sha256)
                    current.append(row)
        return current

    def _store(self, session: Session, parsed, process_id: str) -> ProcessDefinition:
        row = session.scalars(select(ProcessDefinition).where(
            ProcessDefinition.process_id == process_id,
            ProcessDefinition.content_sha256 == parsed.sha256)).first()
        if row is None:
            row = ProcessDefinition(process_id=process_id, file_name=parsed.file_name,
                                    content_sha256=parsed.sha256, bpmn_xml=parsed.xml,
                                    includes=parsed.includes or None,
                                    created_at=self.clock.now())
            session.add(row)
            session.flush()
        return row

    def current_version(self, process_id: str) -> tuple[int, str]:
        """(definition id, sha256) new instances of a process start on, as last synced."""
        found = self._current.get(process_id)
        if found is None:
            raise NotFound(f"未知流程：{process_id} / unknown process: {process_id}",
                           process_id=process_id)
        return found

    def current_definition(self, session: Session, process_id: str) -> ProcessDefinition:
        """The definition new instances of a process start on."""
        return session.get(ProcessDefinition, self.current_version(process_id)[0])

    def specs_of(self, definition: ProcessDefinition) -> tuple:
        """(spec, subprocess specs) of a stored definition, parsed once per hash."""
        key = (definition.content_sha256, definition.process_id)
        if key not in self._specs:
            parsed = parse_file(definition.file_name, definition.bpmn_xml.encode("utf-8"),
                                self.services, definition.includes, self.lanes)
            self._specs[key] = parsed.specs[definition.process_id]
        return self._specs[key]

    def spec_for(self, session: Session, process_id: str) -> tuple:
        """(spec, subprocess specs) of the current definition (benchmarks, tools)."""
        return self.specs_of(self.current_definition(session, process_id))

    def flow_targets(self, session: Session, instance: ProcessInstance, name: str) -> frozenset[str]:
        """Processes the message flows of the instance's own files send message `name` to."""
        if instance.definition_id not in self._flows:
            definition = session.get(ProcessDefinition, instance.definition_id)
            files = [definition.bpmn_xml, *(definition.includes or {}).values()]
            self._flows[instance.definition_id] = message_flows(x.encode("utf-8") for x in files)
        return self._flows[instance.definition_id].get((instance.process_id, name), frozenset())

    def starts_on_message(self, process_id: str, name: str) -> bool:
        """True when the current definition of the process has a message start event for `name`."""
        spec, _subs = self._specs[(self.current_version(process_id)[1], process_id)]
        return any(isinstance(task_spec, StartEvent)
                   and isinstance(getattr(task_spec, "event_definition", None), MessageEventDefinition)
                   and task_spec.event_definition.name == name for task_spec in spec.task_specs.values())

    def bare_workflow(self, session: Session, process_id: str) -> BpmnWorkflow:
        """A plain in-memory BpmnWorkflow on the cached spec, without persistence (benchmarks)."""
        spec, subs = self.spec_for(session, process_id)
        return BpmnWorkflow(spec, subs, script_engine=self.script_engine(StepContext()))

    # -- running -----------------------------------------------------------------------------

    def script_engine(self, step: StepContext) -> QuanzeScriptEngine:
        """A fresh sandboxed script engine bound to one step's session and actor."""
        return QuanzeScriptEngine(self.sandbox, self.clock, self.services, step, self.calendar)

    def evaluate(self, workflow, task, expression: str):
        """Evaluate an expression (a `due` property) over a task's data in the sandbox."""
        return workflow.script_engine.evaluate(task, expression)

    def new_workflow(self, definition: ProcessDefinition, step: StepContext) -> BpmnWorkflow:
        """A new workflow on the definition's cached spec."""
        spec, subs = self.specs_of(definition)
        return BpmnWorkflow(spec, subs, script_engine=self.script_engine(step))

    def new_current_workflow(self, process_id: str, step: StepContext) -> BpmnWorkflow:
        """A new workflow on the current definition (parsed and cached by the last sync)."""
        spec, subs = self._specs[(self.current_version(process_id)[1], process_id)]
        return BpmnWorkflow(spec, subs, script_engine=self.script_engine(step))

    def load(self, session: Session, instance: ProcessInstance, step: StepContext):
        """Restore an instance on its pinned spec; the script engine is re-attached here.

        The live workflow the last committed step saved is reused when the row still holds
        exactly the blob it was saved as (same definition); otherwise the blob is loaded.
        """
        workflow = self.live.take(instance.id, instance.definition_id, instance.state)
        if workflow is not None:
            workflow.script_engine = self.script_engine(step)
            return workflow
        definition = session.get(ProcessDefinition, instance.definition_id)
        spec, subs = self.specs_of(definition)
        return self.serializer.loads(instance.state, spec, subs, self.script_engine(step))

    def advance(self, workflow) -> None:
        """Refresh timers, run engine tasks until only people, timers or messages wait."""
        guarded(workflow.refresh_timers)
        guarded(workflow.do_engine_steps)

    def refresh(self, workflow) -> None:
        """Refresh timers before a task is judged (a lapsed period wins over a late submission).

        A saved state is settled (do_engine_steps ran to the end), so when no timer waits there
        is nothing refresh_timers or another round of engine steps could change.
        """
        timers = (TimerEventDefinition, MultipleEventDefinition)
        if any(isinstance(getattr(task.task_spec, "event_definition", None), timers)
               for task in workflow.event_manager.tasks.values()):
            self.advance(workflow)

    def persist(self, session: Session, instance: ProcessInstance, workflow,
                expected_version: int, before_sync=None) -> list[int]:
        """Save state under the version lock first, then mirror ready user tasks (new ids)."""
        now = self.clock.now()
        if workflow.bpmn_events:
            # Messages exactly once: the step takes its thrown events (get_events()) and
            # routes them itself; saved in the blob they would be thrown again later.
            raise RuntimeError("thrown events must be taken before the state is saved")
        state = self.serializer.dumps(workflow)
        # The conditional UPDATE is this step's first write, so a lost race leaves nothing.
        ready = ready_tasks(workflow)
        save_state(session, instance, workflow, state, expected_version, now, ready)
        if before_sync is not None:
            before_sync()
        created = sync_human_tasks(session, instance, workflow, self, now, ready)
        self.live.offer(session, instance.id, instance.definition_id, state, workflow)
        return created

    def run_effects(self, session: Session, step: StepContext) -> None:
        """Drain the step's after_step() outbox in its transaction (after its state is saved)."""
        while step.effects:
            fn, args = step.effects.pop(0)
            fn(session, self, *args)

    def audit(self, session: Session, instance: ProcessInstance, action: str, *,
              actor_id=None, org_id=None, task_name=None, data=None, details=None) -> None:
        """One chained audit row for a transition, in the step's transaction."""
        append(session, at=self.clock.now(), action=action, subject_type="process_instance",
               subject_id=instance.id, actor_user_id=actor_id, actor_org_id=org_id,
               instance_id=instance.id, task_name=task_name, data=data,
               details={"process_id": instance.process_id, "status": instance.status,
                        "version": instance.version, **(details or {})})
