"""The state serializer's task dicts equal SpiffWorkflow's own TaskConverter output."""

from __future__ import annotations

import pytest
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

from models import ProcessInstance
from tests.support.engine_support import World, build_world
from workflows.engine.scripting import StepContext
from workflows.engine.serializer import tasks_to_dict
from workflows.tasks import processes

DRAFT = {"title": "委托书草稿", "item_codes": ["330217001000"], "term_end": "2027-03-01"}


@pytest.fixture
def world(session, clock, tmp_path) -> World:
    """A synced engine over tests/support/bpmn with the users of each lane."""
    return build_world(session, clock, tmp_path)


def _assert_same_as_spiffs(world: World, session, instance_id: int) -> None:
    """Every task of the saved workflow, written by our copy and by SpiffWorkflow's converter."""
    instance = session.get(ProcessInstance, instance_id)
    workflow = world.engine.load(session, instance, StepContext())
    spiff = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG)).registry
    ours = tasks_to_dict(workflow.tasks, spiff.convert)
    theirs = {str(uid): spiff.convert(task) for uid, task in workflow.tasks.items()}
    assert ours == theirs
    assert len(ours) > 1


def _only_task(session, user):
    [task] = processes.list_tasks(session, user)
    return task


def test_task_dicts_match_spiffworkflow_at_every_wait_state(session, world):
    """Start, each user task, a return loop and the final message: same dicts as TaskConverter."""
    inst = processes.start(session, world.engine, "engine_demo", world.start_data(
        notes={"a": [1, {"b": None}], "c": "县"}), world.officer)
    _assert_same_as_spiffs(world, session, inst.id)
    for decision in ("return", "approve"):
        processes.complete(session, world.engine, _only_task(session, world.officer).id,
                           world.officer, DRAFT)
        _assert_same_as_spiffs(world, session, inst.id)
        processes.complete(session, world.engine, _only_task(session, world.leader).id,
                           world.leader, {"agrees": True, "team_size": 12})
        _assert_same_as_spiffs(world, session, inst.id)
        processes.complete(session, world.engine, _only_task(session, world.reviewer).id,
                           world.reviewer, {"decision": decision})
        _assert_same_as_spiffs(world, session, inst.id)
    processes.send_message(session, world.engine, inst.id, "ack", {"ok": True}, world.officer)
    _assert_same_as_spiffs(world, session, inst.id)
