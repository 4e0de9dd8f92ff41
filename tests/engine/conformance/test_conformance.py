"""Conformance (issue 13): each construct through the persisted engine and bare SpiffWorkflow.

The persisted run saves and reloads at every step (a fresh engine restores the exact blob and
the open human-task rows match the ready tasks); the bare run drives an in-memory BpmnWorkflow
on the same spec with the same inputs and clock. Paths (every task with its state), data
(every task's data and the workflow's) and end states must be identical.
"""

from __future__ import annotations

import json

import pytest
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select

from models import HumanTask, ProcessInstance
from tests.engine.conformance.constructs_events import EVENTS
from tests.engine.conformance.constructs_flow import FLOW
from tests.engine.conformance.model import Construct
from tests.support.engine_support import build_world
from workflows.calendar.legal_calendar import LegalCalendar
from workflows.core.forms import Field, Form, FormRegistry
from workflows.engine import Engine
from workflows.engine.messages import hand_to_workflow
from workflows.engine.scripting import StepContext
from workflows.tasks import processes

CONSTRUCTS = {c.name: c for c in FLOW + EVENTS}
# What differs today, with the finding (kept strict: a fix makes the test pass and fail here).
KNOWN_DIFFERENCES = {
    "event_subprocess_message_start": (
        "after a save and reload between the message and the main task's completion, the event "
        "subprocess's join runs twice (one cancelled) and its data reaches the end; without a "
        "reload it does not. SpiffWorkflow's own default serializer reloads the same way, so "
        "the difference is SpiffWorkflow 3.2.0's, not the state-only blob's"),
}
KINDS = {bool: "bool", int: "int", str: "str"}


def _register_forms(construct: Construct, forms: FormRegistry) -> None:
    for action in construct.actions:
        if action[0] == "complete" and action[2]:
            form = Form([Field(name, KINDS[type(value)], label_zh=name, label_en=name)
                         for name, value in action[2].items()])
            for task in (action[1], f"{action[1]} [child]"):  # a multi-instance child's name
                forms.register(construct.process_id, task, form)


def _all_tasks(workflow) -> list:
    return [*workflow.tasks.values(),
            *(t for sp in workflow.subprocesses.values() for t in sp.tasks.values())]


def signature(workflow) -> dict:
    """Paths, data and end state, independent of task ids."""
    tasks = sorted((t.task_spec.name, TaskState.get_name(t.state),
                    json.dumps(t.data, sort_keys=True, default=str)) for t in _all_tasks(workflow))
    return {"tasks": tasks, "data": json.dumps(workflow.data, sort_keys=True, default=str),
            "completed": workflow.completed}


def _reload(session, world, instance_id: int):
    """A fresh engine (empty caches) restores the stored state exactly."""
    session.expire_all()
    stored = session.get(ProcessInstance, instance_id)
    fresh = Engine(world.engine.bpmn_dir, world.engine.clock, LegalCalendar(), world.services, world.engine.forms, world.engine.lanes)
    workflow = fresh.load(session, stored, StepContext())
    assert json.loads(fresh.serializer.dumps(workflow)) == json.loads(stored.state)  # key order aside
    ready = {str(t.id) for t in _all_tasks(workflow)
             if t.task_spec.manual and t.state == TaskState.READY}
    rows = {r.spiff_task_id for r in session.scalars(select(HumanTask).where(
        HumanTask.instance_id == instance_id, HumanTask.state.in_(("ready", "claimed"))))}
    assert ready == rows
    return workflow


def run_persisted(session, world, construct: Construct):
    data = world.start_data(**construct.start)
    inst = processes.start(session, world.engine, construct.process_id, data, world.officer)
    workflow = _reload(session, world, inst.id)
    for action in construct.actions:
        if action[0] == "complete":
            row = session.scalars(select(HumanTask).where(
                HumanTask.instance_id == inst.id,
                HumanTask.task_spec_name.in_((action[1], f"{action[1]} [child]")),
                HumanTask.state == "ready").order_by(HumanTask.id)).first()
            processes.complete(session, world.engine, row.id, world.officer, action[2])
        elif action[0] == "advance":
            world.engine.clock.advance(action[1])
            session.commit()
            processes.wake_due_instances(session, world.engine, world.engine.clock.now())
        else:
            processes.send_message(session, world.engine, inst.id, action[1], action[2], world.officer)
        workflow = _reload(session, world, inst.id)
    return workflow


def run_bare(session, world, construct: Construct):
    workflow = world.engine.bare_workflow(session, construct.process_id)
    workflow.task_tree.data.update(world.start_data(**construct.start))
    workflow.do_engine_steps()
    for action in construct.actions:
        if action[0] == "complete":
            task = next(t for t in _all_tasks(workflow) if t.state == TaskState.READY
                        and t.task_spec.name in (action[1], f"{action[1]} [child]"))
            task.data.update(action[2])
            task.run()
        elif action[0] == "advance":
            world.engine.clock.advance(action[1])
        else:
            assert hand_to_workflow(workflow, action[1], action[2])
        workflow.refresh_timers()
        workflow.do_engine_steps()
    return workflow


@pytest.mark.parametrize("name", [
    pytest.param(name, marks=pytest.mark.xfail(reason=KNOWN_DIFFERENCES[name], strict=True))
    if name in KNOWN_DIFFERENCES else name for name in sorted(CONSTRUCTS)])
def test_construct_runs_identically_persisted_and_bare(session, clock, tmp_path, name):
    """One construct: identical paths, data and end state; save/reload at every step."""
    construct = CONSTRUCTS[name]
    world = build_world(session, clock, tmp_path)
    (world.engine.bpmn_dir / f"{construct.process_id}.bpmn").write_text(construct.xml, "utf-8")
    for file_name, xml in construct.extra_files.items():
        (world.engine.bpmn_dir / file_name).write_text(xml, "utf-8")
    _register_forms(construct, world.engine.forms)
    world.engine.sync_definitions(session)
    session.commit()
    begin = clock.now()
    persisted = run_persisted(session, world, construct)
    clock.set(begin)
    bare = run_bare(session, world, construct)
    mine, theirs = signature(persisted), signature(bare)
    only_mine = sorted(set(mine["tasks"]) - set(theirs["tasks"]))
    only_theirs = sorted(set(theirs["tasks"]) - set(mine["tasks"]))
    assert (only_mine, only_theirs) == ([], []), "paths or task data differ"
    assert mine == theirs
    assert persisted.completed, "every construct is driven to its end"
