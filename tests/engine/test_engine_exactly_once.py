"""Wakes and messages exactly once (issue 13): no no-op wakes, no message thrown twice."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

import pytest
from sqlalchemy import select, update

from models import HumanTask, ProcessInstance
from tests.support.bpmn_build import bpmn_file, chain, lane
from tests.support.engine_support import World, audit_count, build_world
from tests.support.threads import run_together
from workflows.core.clock import SHANGHAI
from workflows.core.errors import Conflict
from workflows.engine.runtime import wake_instance
from workflows.engine.scripting import StepContext
from workflows.tasks import processes

DRAFT = {"title": "委托书草稿", "item_codes": ["330217001000"], "term_end": "2027-03-01"}
PING = '<bpmn:message id="m_ping" name="ping"/>'


def _catch(node_id: str, variable: str | None) -> str:
    ext = (f"<bpmn:extensionElements><spiffworkflow:messageVariable>{variable}"
           f"</spiffworkflow:messageVariable></bpmn:extensionElements>" if variable else "")
    return (f'<bpmn:intermediateCatchEvent id="{node_id}"><bpmn:messageEventDefinition '
            f'id="{node_id}_def" messageRef="m_ping">{ext}</bpmn:messageEventDefinition>'
            f'</bpmn:intermediateCatchEvent>')


RECEIVER = bpmn_file(
    '<bpmn:process id="ping_receiver" isExecutable="true">'
    + lane("CountyDepartment", ["look"])
    + '<bpmn:startEvent id="r_start"/>' + _catch("first", "first") + _catch("second", None)
    + '<bpmn:userTask id="look"/><bpmn:endEvent id="r_end"/>'
    + chain("rf", ["r_start", "first", "second", "look", "r_end"]) + "</bpmn:process>", PING)

SENDER = bpmn_file(
    '<bpmn:process id="ping_sender" isExecutable="true">'
    + lane("CountyDepartment", ["next"])
    + '<bpmn:startEvent id="s_start"/><bpmn:intermediateThrowEvent id="throw">'
      '<bpmn:messageEventDefinition id="throw_def" messageRef="m_ping"><bpmn:extensionElements>'
      '<spiffworkflow:messagePayload>{"target_business_key": target, "n": 1}'
      '</spiffworkflow:messagePayload></bpmn:extensionElements></bpmn:messageEventDefinition>'
      '</bpmn:intermediateThrowEvent><bpmn:userTask id="next"/><bpmn:endEvent id="s_end"/>'
    + chain("sf", ["s_start", "throw", "next", "s_end"]) + "</bpmn:process>", PING)


@pytest.fixture
def world(session, clock, tmp_path) -> World:
    w = build_world(session, clock, tmp_path)
    (w.engine.bpmn_dir / "ping_receiver.bpmn").write_text(RECEIVER, encoding="utf-8")
    (w.engine.bpmn_dir / "ping_sender.bpmn").write_text(SENDER, encoding="utf-8")
    w.engine.sync_definitions(session)
    session.commit()
    return w


def _waiting_opinion(session, world) -> ProcessInstance:
    """An engine_demo instance at the township's opinion, its 5-working-day timer running."""
    inst = processes.start(session, world.engine, "engine_demo", world.start_data(), world.officer)
    task = processes.list_tasks(session, world.officer)[-1]
    processes.complete(session, world.engine, task.id, world.officer, DRAFT)
    return inst


def _lapse(clock) -> None:
    clock.set(datetime(2026, 3, 10, 0, 0, 1, tzinfo=SHANGHAI))


def test_wake_of_an_instance_no_longer_due_writes_nothing(session, session_factory, world, clock):
    """A stale id (already woken to completion) commits no step, no version, no audit row."""
    inst = _waiting_opinion(session, world)
    _lapse(clock)
    assert processes.wake_due_instances(session, world.engine, clock.now()) == 1
    session.expire_all()
    done = session.get(ProcessInstance, inst.id)
    version, completed_at, woken = done.version, done.completed_at, audit_count(session_factory, "instance.woken")
    clock.advance(timedelta(hours=1))
    assert wake_instance(session, world.engine, inst.id, clock.now()) is None
    session.expire_all()
    again = session.get(ProcessInstance, inst.id)
    assert (again.version, again.completed_at) == (version, completed_at)
    assert audit_count(session_factory, "instance.woken") == woken


def test_a_wake_that_fires_nothing_writes_nothing(session, session_factory, world, clock):
    """next_wake_at says due but the timer has not lapsed: nothing is committed."""
    inst = _waiting_opinion(session, world)
    session.execute(update(ProcessInstance).where(ProcessInstance.id == inst.id)
                    .values(next_wake_at=clock.now() - timedelta(minutes=1)))
    session.commit()
    version = session.get(ProcessInstance, inst.id, populate_existing=True).version
    assert processes.wake_due_instances(session, world.engine, clock.now()) == 0
    assert session.get(ProcessInstance, inst.id, populate_existing=True).version == version
    assert audit_count(session_factory, "instance.woken") == 0


def test_two_schedulers_wake_each_instance_exactly_once(session, session_factory, world, clock):
    """Two wake passes on two threads: every due instance is woken once, none twice."""
    ids = [_waiting_opinion(session, world).id for _ in range(12)]
    _lapse(clock)

    def scheduler() -> int:
        with session_factory() as s:
            return processes.wake_due_instances(s, world.engine, clock.now(), limit=50)

    counts = run_together(scheduler, scheduler)
    assert all(isinstance(c, int) for c in counts), counts
    assert sum(counts) == len(ids)
    for instance_id in ids:
        assert audit_count(session_factory, "instance.woken", instance_id) == 1
    with session_factory() as s:
        assert {s.get(ProcessInstance, i).status for i in ids} == {"completed"}


def _receiver(session, world, key: str) -> ProcessInstance:
    return processes.start(session, world.engine, "ping_receiver", world.start_data(),
                           world.officer, business_key=key)


def test_a_thrown_message_is_delivered_once_not_at_every_later_step(session, world):
    """The receiver waits for a second 'ping': the sender's later step must not re-send it."""
    receiver = _receiver(session, world, "R-1")
    sender = processes.start(session, world.engine, "ping_sender",
                             world.start_data(target="R-1"), world.officer)
    session.expire_all()
    assert '"bpmn_events":[]' in session.get(ProcessInstance, sender.id).state
    assert session.get(ProcessInstance, receiver.id).version == 2  # first ping caught
    task = session.scalars(select(HumanTask).where(HumanTask.instance_id == sender.id)).one()
    processes.complete(session, world.engine, task.id, world.officer, {})
    session.expire_all()
    stored = session.get(ProcessInstance, receiver.id)
    assert stored.version == 2 and stored.status == "waiting"  # still waiting for the second
    assert session.scalars(select(HumanTask).where(HumanTask.instance_id == receiver.id)).all() == []


def test_a_catch_without_message_variable_merges_the_payload(session, world):
    """BPMN engines merge a message payload into the catching task's data."""
    receiver = _receiver(session, world, "R-2")
    processes.send_message(session, world.engine, receiver.id, "ping", {"a": 1}, world.officer)
    processes.send_message(session, world.engine, receiver.id, "ping", {"b": 2, "c": "x"},
                           world.officer)
    task = session.scalars(select(HumanTask).where(HumanTask.instance_id == receiver.id)).one()
    workflow = world.engine.load(session, session.get(ProcessInstance, receiver.id), StepContext())
    data = workflow.get_task_from_id(UUID(task.spiff_task_id)).data
    assert data["first"] == {"a": 1} and data["b"] == 2 and data["c"] == "x"


def test_a_message_to_a_receiver_not_waiting_fails_the_sending_step(session, session_factory, world):
    """The throw fails its own step with a clear Conflict; nothing of it is written."""
    receiver = _receiver(session, world, "R-3")
    processes.send_message(session, world.engine, receiver.id, "ping", {}, world.officer)
    processes.send_message(session, world.engine, receiver.id, "ping", {}, world.officer)
    before = audit_count(session_factory, "instance.started")
    with pytest.raises(Conflict, match="not waiting for message 'ping'"):
        processes.start(session, world.engine, "ping_sender", world.start_data(target="R-3"),
                        world.officer)
    assert audit_count(session_factory, "instance.started") == before


def test_a_message_without_receiver_is_not_thrown_again_later(session, world):
    """Thrown when nobody had the key; a later step of the sender does not re-send it."""
    sender = processes.start(session, world.engine, "ping_sender",
                             world.start_data(target="R-4"), world.officer)
    receiver = _receiver(session, world, "R-4")
    task = session.scalars(select(HumanTask).where(HumanTask.instance_id == sender.id)).one()
    processes.complete(session, world.engine, task.id, world.officer, {})
    session.expire_all()
    assert session.get(ProcessInstance, sender.id).status == "completed"
    assert session.get(ProcessInstance, receiver.id).version == 1


EFFECT = bpmn_file(
    '<bpmn:process id="effect_demo" isExecutable="true">' + lane("CountyDepartment", ["go"])
    + '<bpmn:startEvent id="e_start"/><bpmn:userTask id="go"/>'
      '<bpmn:serviceTask id="act"><bpmn:extensionElements>'
      '<spiffworkflow:serviceTaskOperator id="tests.with_effect" resultVariable="done">'
      '<spiffworkflow:parameters/></spiffworkflow:serviceTaskOperator>'
      '</bpmn:extensionElements></bpmn:serviceTask><bpmn:endEvent id="e_end"/>'
    + chain("ef", ["e_start", "go", "act", "e_end"]) + "</bpmn:process>")


def test_an_effect_failing_after_the_save_rolls_the_whole_step_back(session, session_factory, world):
    """Effects run in the step's transaction: if one fails, the step is not written either."""
    ran: list = []

    def effect(session, engine, label):
        ran.append(label)
        raise Conflict("effect refused")

    def with_effect(ctx):
        ctx.after_step(effect, "hand-over")
        return {"ok": True}

    world.services.register("tests.with_effect", with_effect)
    (world.engine.bpmn_dir / "effect_demo.bpmn").write_text(EFFECT, encoding="utf-8")
    world.engine.sync_definitions(session)
    session.commit()
    inst = processes.start(session, world.engine, "effect_demo", world.start_data(), world.officer)
    task = session.scalars(select(HumanTask).where(HumanTask.instance_id == inst.id)).one()
    audits = audit_count(session_factory, "task.completed")
    with pytest.raises(Conflict, match="effect refused"):
        processes.complete(session, world.engine, task.id, world.officer, {})
    session.rollback()
    assert ran == ["hand-over"]
    with session_factory() as other:
        assert other.get(ProcessInstance, inst.id).version == 1
        assert other.get(HumanTask, task.id).state == "ready"
    assert audit_count(session_factory, "task.completed") == audits
