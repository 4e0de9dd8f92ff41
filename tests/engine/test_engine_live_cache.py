"""The engine's speed-ups keep its guarantees: live workflows, fast blobs, Core writes."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from models import AuditEvent, HumanTask, ProcessInstance
from tests.support.engine_support import World, build_world
from workflows.calendar.legal_calendar import LegalCalendar
from workflows.core.audit_verify import verify_chain
from workflows.core.db import unit_of_work
from workflows.engine import Engine
from workflows.engine.live import LiveWorkflows
from workflows.engine.scripting import StepContext
from workflows.tasks import processes

DRAFT = {"title": "委托书草稿", "item_codes": ["330217001000"], "term_end": "2027-03-01"}


@pytest.fixture
def world(session, clock, tmp_path) -> World:
    """A synced engine over tests/support/bpmn with the users of each lane."""
    return build_world(session, clock, tmp_path)


def _ready(session, instance_id: int, name: str) -> HumanTask:
    return session.scalars(select(HumanTask).where(
        HumanTask.instance_id == instance_id, HumanTask.task_spec_name == name,
        HumanTask.state == "ready")).one()


def test_a_committed_step_is_reused_with_a_fresh_script_engine(session, world):
    """After a commit the next load reuses the live workflow; it equals a reload of the row."""
    inst = processes.start(session, world.engine, "engine_demo", world.start_data(),
                           world.officer)
    processes.complete(session, world.engine, _ready(session, inst.id, "draft").id,
                       world.officer, DRAFT)
    cached = world.engine.live._entries[inst.id][2]
    step = StepContext(session, inst.id, None, world.leader.id)
    with unit_of_work(session):
        workflow = world.engine.load(session, inst, step)
    assert workflow is cached and workflow.script_engine.step is step  # re-attached
    assert world.engine.serializer.dumps(workflow) == inst.state
    assert inst.id not in world.engine.live._entries  # taken out while a step uses it


def test_a_rolled_back_step_leaves_nothing_live_and_can_be_redone(session, session_factory,
                                                                   world):
    """A caller's rollback discards the step's workflow; the task is still there to complete."""
    inst = processes.start(session, world.engine, "engine_demo", world.start_data(),
                           world.officer)
    draft_id = _ready(session, inst.id, "draft").id
    with pytest.raises(RuntimeError), unit_of_work(session):
        processes.complete(session, world.engine, draft_id, world.officer, DRAFT)
        raise RuntimeError("the caller aborts its transaction")
    assert inst.id not in world.engine.live._entries
    with session_factory() as other:
        assert other.get(ProcessInstance, inst.id).version == 1
    # Had the mutated workflow survived, its draft task would no longer be READY (a Conflict).
    done = processes.complete(session, world.engine, draft_id, world.officer, DRAFT)
    assert done.version == 2 and _ready(session, inst.id, "opinion") is not None


def test_a_row_changed_by_another_engine_is_loaded_not_reused(session, session_factory, world):
    """A second engine advances the instance; the first sees a different blob and reloads."""
    inst = processes.start(session, world.engine, "engine_demo", world.start_data(),
                           world.officer)
    other_engine = Engine(world.engine.bpmn_dir, world.engine.clock, LegalCalendar(),
                          world.services, world.engine.forms, world.engine.lanes)
    other_engine.sync_definitions(session)
    with session_factory() as elsewhere:
        processes.complete(elsewhere, other_engine, _ready(elsewhere, inst.id, "draft").id,
                           world.officer, DRAFT)
    session.expire_all()
    opinion = _ready(session, inst.id, "opinion")
    done = processes.complete(session, world.engine, opinion.id, world.leader,
                              {"agrees": True, "team_size": 12})
    assert done.version == 3
    assert _ready(session, inst.id, "review") is not None
    assert verify_chain(session).ok


def test_a_savepoint_rollback_discards_pending_workflows(session, world):
    """Only the outermost commit makes a workflow live; a rolled-back SAVEPOINT keeps none."""
    live = LiveWorkflows()
    marker = object()
    with session.begin():
        with session.begin_nested() as savepoint:
            live.offer(session, 7, 1, "{}", marker)
            savepoint.rollback()
        live.offer(session, 8, 1, "{}", marker)
    assert live.take(7, 1, "{}") is None and live.take(8, 1, "{}") is marker


def test_a_transaction_closed_without_commit_keeps_nothing(session, world):
    """A session closed mid-transaction (no commit) does not make its workflows live later."""
    live = LiveWorkflows()
    session.begin()
    live.offer(session, 9, 1, "{}", object())
    session.close()
    with session.begin():
        pass
    assert live.take(9, 1, "{}") is None


def test_the_cache_is_bounded_least_recently_used_first(session, world):
    """Old entries leave when the cache is full."""
    live = LiveWorkflows(size=2)
    with session.begin():
        for instance_id in (1, 2, 3):
            live.offer(session, instance_id, 1, "{}", instance_id)
    assert len(live) == 2 and live.take(1, 1, "{}") is None and live.take(3, 1, "{}") == 3


def test_blob_falls_back_for_values_the_fast_encoder_refuses(session, world):
    """Non-JSON-native values still go through SpiffWorkflow's registry and survive a reload."""
    engine = world.engine
    workflow = engine.bare_workflow(session, "engine_demo")
    when = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    workflow.task_tree.data.update(world.start_data(when=when, big=2**70))
    blob = engine.serializer.dumps(workflow)
    assert json.loads(blob)["tasks"]  # the stdlib encoder took over for the 70-bit integer
    spec, subs = engine.spec_for(session, "engine_demo")
    restored = engine.serializer.loads(blob, spec, subs, engine.script_engine(StepContext()))
    assert restored.task_tree.data["when"] == when and restored.task_tree.data["big"] == 2**70


def test_each_completion_writes_one_audit_row_and_one_task_row(session, session_factory, world):
    """The Core writes leave the same rows: one chained audit row and the next task per step."""
    inst = processes.start(session, world.engine, "engine_demo", world.start_data(),
                           world.officer)
    draft = _ready(session, inst.id, "draft")
    processes.complete(session, world.engine, draft.id, world.officer, DRAFT)
    assert draft.state == "completed" and draft.completed_by == world.officer.id
    assert draft.submitted["title"] == DRAFT["title"]
    with session_factory() as other:
        rows = other.scalars(select(HumanTask).where(HumanTask.instance_id == inst.id)
                             .order_by(HumanTask.id)).all()
        assert [(r.task_spec_name, r.state) for r in rows] == [
            ("draft", "completed"), ("opinion", "ready")]
        assert other.scalar(select(func.count()).select_from(AuditEvent)) == 2
    assert verify_chain(session).ok
