"""Collaborations (issue 13 §3): several processes, message flows, correlation, message start.

The conformance case runs a two-process collaboration through the persisted engine (each
process its own instance, saved and reloaded at every step, messages routed along the flows)
and through bare SpiffWorkflow (the collaboration as one workflow) with the same inputs; each
process's path, data, correlations and end state must be identical. The other tests show what
bare SpiffWorkflow cannot: many instances of one process told apart by correlation, messages
that follow their flows rather than reaching every waiting catch, and the clear refusal of an
ambiguous message with nothing written.
"""

from __future__ import annotations

import json

import pytest
from SpiffWorkflow.bpmn import BpmnWorkflow
from sqlalchemy import select

from models import AuditEvent, ProcessInstance
from tests.engine.conformance.constructs_collab import buyer_and_seller
from tests.engine.conformance.kit import catch, chain, message, throw
from tests.engine.conformance.test_conformance import _reload
from tests.support.bpmn_build import bpmn_file
from tests.support.engine_support import World, build_world
from tests.support.procedure_world import fingerprint
from workflows.core.errors import Conflict
from workflows.engine.messages import hand_to_workflow
from workflows.engine.parser import QuanzeBpmnParser
from workflows.engine.scripting import StepContext
from workflows.tasks import processes

GO = {"order_id": "A-1", "amount": 5}


@pytest.fixture
def world(session, clock, tmp_path) -> World:
    return build_world(session, clock, tmp_path)


def _install(session, world: World, name: str, xml: str) -> None:
    (world.engine.bpmn_dir / f"{name}.bpmn").write_text(xml, "utf-8")
    world.engine.sync_definitions(session)
    session.commit()


def _signature(workflow) -> dict:
    """One process's path (task, state, data), data, correlations and end state."""
    tasks = sorted((t.task_spec.name, t.state, json.dumps(t.data, sort_keys=True))
                   for t in workflow.tasks.values() if t.task_spec.name != "Root")
    return {"tasks": tasks, "data": json.dumps(workflow.data, sort_keys=True),
            "correlations": workflow.correlations, "completed": workflow.completed}


def _instances(session, process_id: str) -> list[ProcessInstance]:
    return list(session.scalars(select(ProcessInstance).where(
        ProcessInstance.process_id == process_id).order_by(ProcessInstance.id)))


def _persisted(session, world: World, process_ids: list[str]) -> dict:
    """Each process's instances, restored by a fresh engine (the blob and task rows checked)."""
    return {pid: [_signature(_reload(session, world, i.id)) for i in _instances(session, pid)]
            for pid in process_ids}


def _bare(world: World, xml: str, collaboration: str, payload: dict) -> dict:
    """The collaboration as one bare SpiffWorkflow workflow, given the same message."""
    parser = QuanzeBpmnParser()
    parser.add_bpmn_str(xml.encode("utf-8"), filename="collab.bpmn")
    spec, subs = parser.get_collaboration(collaboration)
    workflow = BpmnWorkflow(spec, subs, script_engine=world.engine.script_engine(StepContext()))
    workflow.do_engine_steps()
    assert hand_to_workflow(workflow, "go", payload)
    workflow.refresh_timers()
    workflow.do_engine_steps()
    found: dict[str, list] = {}
    for sub in workflow.subprocesses.values():
        found.setdefault(sub.spec.name, []).append(_signature(sub))
    return found


def test_collaboration_runs_identically_persisted_and_bare(session, world):
    """Message flow + correlation + message start: same paths, data and correlations per process."""
    xml = buyer_and_seller("cc")
    _install(session, world, "cc", xml)
    buyer = processes.start(session, world.engine, "cc_buyer", {}, world.officer)
    assert _persisted(session, world, ["cc_buyer", "cc_seller"])["cc_seller"] == []  # not started yet
    processes.send_message(session, world.engine, buyer.id, "go", GO, world.officer)
    mine = _persisted(session, world, ["cc_buyer", "cc_seller"])
    theirs = _bare(world, xml, "collab_cc_buyer", GO)
    assert mine == theirs
    assert mine["cc_buyer"][0]["completed"] and json.loads(mine["cc_buyer"][0]["data"])["total"] == 10
    assert [t[0] for t in mine["cc_seller"][0]["tasks"] if t[0].startswith("s_")] == [
        "s_calc", "s_e", "s_reply", "s_s"]
    [seller] = _instances(session, "cc_seller")
    started = session.scalars(select(AuditEvent).where(AuditEvent.instance_id == seller.id,
                                                       AuditEvent.action == "instance.started")).one()
    assert started.details["message"] == "order" and seller.status == "completed"


def test_replies_find_their_instance_by_correlation(session, world):
    """Two buyers wait for "reply" at once; each reply reaches the buyer of its order id only."""
    _install(session, world, "cw", buyer_and_seller("cw", seller_waits=True))
    buyers = [processes.start(session, world.engine, "cw_buyer", {}, world.officer) for _ in range(2)]
    for buyer, order in zip(buyers, ("A-1", "A-2"), strict=True):
        processes.send_message(session, world.engine, buyer.id, "go", {"order_id": order, "amount": 4},
                               world.officer)
    sellers = _instances(session, "cw_seller")
    assert [s.status for s in sellers] == ["waiting", "waiting"]  # one seller started per order
    processes.send_message(session, world.engine, sellers[1].id, "ship", {"on": "today"}, world.officer)
    session.expire_all()
    assert [session.get(ProcessInstance, b.id).status for b in buyers] == ["waiting", "completed"]
    second = _reload(session, world, buyers[1].id)
    assert second.data["reply"] == {"order_id": "A-2", "total": 8}
    processes.send_message(session, world.engine, sellers[0].id, "ship", {"on": "today"}, world.officer)
    session.expire_all()
    assert _reload(session, world, buyers[0].id).data["reply"] == {"order_id": "A-1", "total": 8}


def _notice_files(flow_to_both: bool = False) -> str:
    """`sender` throws "notice" along a flow to `rx` (and `bystander` only if flow_to_both)."""
    head = '<bpmn:message id="m_go" name="go"/><bpmn:message id="m_notice" name="notice"/>'
    sender = ('<bpmn:process id="nf_sender" isExecutable="true"><bpmn:startEvent id="a_s"/>'
              + catch("a_go", message("m_go")) + throw("a_notice", message("m_notice", payload='{"n": n}'))
              + '<bpmn:endEvent id="a_e"/>' + chain("af", ["a_s", "a_go", "a_notice", "a_e"]) + "</bpmn:process>")

    def receiver(pid: str, p: str) -> str:
        return (f'<bpmn:process id="{pid}" isExecutable="true"><bpmn:startEvent id="{p}_s"/>'
                + catch(f"{p}_c", message("m_notice", variable="notice")) + f'<bpmn:endEvent id="{p}_e"/>'
                + chain(f"{p}f", [f"{p}_s", f"{p}_c", f"{p}_e"]) + "</bpmn:process>")

    flows = '<bpmn:messageFlow id="mf_rx" sourceRef="a_notice" targetRef="r_c"/>'
    if flow_to_both:
        flows += '<bpmn:messageFlow id="mf_by" sourceRef="a_notice" targetRef="y_c"/>'
    return bpmn_file(sender + receiver("nf_rx", "r") + receiver("nf_bystander", "y"), head, flows)


def test_a_message_follows_its_flow_not_every_waiting_catch(session, world):
    """The bystander waits for "notice" too but no flow leads to it (bare Spiff would wake both)."""
    _install(session, world, "nf", _notice_files())
    rx = processes.start(session, world.engine, "nf_rx", {}, world.officer)
    bystander = processes.start(session, world.engine, "nf_bystander", {}, world.officer)
    sender = processes.start(session, world.engine, "nf_sender", {}, world.officer)
    processes.send_message(session, world.engine, sender.id, "go", {"n": 3}, world.officer)
    session.expire_all()
    assert [session.get(ProcessInstance, i.id).status for i in (sender, rx, bystander)] == [
        "completed", "completed", "waiting"]
    assert _reload(session, world, rx.id).data["notice"] == {"n": 3}


def test_two_equal_receivers_are_refused_and_nothing_is_written(session, world):
    """Two open rx instances both uncorrelated: the sending step fails with a Conflict naming it."""
    _install(session, world, "nf", _notice_files())
    for _ in range(2):
        processes.start(session, world.engine, "nf_rx", {}, world.officer)
    sender = processes.start(session, world.engine, "nf_sender", {}, world.officer)
    before = fingerprint(session)
    with pytest.raises(Conflict, match="notice"):
        processes.send_message(session, world.engine, sender.id, "go", {"n": 1}, world.officer)
    session.rollback()
    assert fingerprint(session) == before


def test_a_message_no_instance_receives_is_dropped_once(session, world):
    """No rx is open and rx does not start on "notice": the sender goes on, nothing is kept."""
    _install(session, world, "nf", _notice_files(flow_to_both=True))
    sender = processes.start(session, world.engine, "nf_sender", {}, world.officer)
    processes.send_message(session, world.engine, sender.id, "go", {"n": 1}, world.officer)
    session.expire_all()
    assert session.get(ProcessInstance, sender.id).status == "completed"
    assert _instances(session, "nf_rx") == [] and _instances(session, "nf_bystander") == []


def test_correlation_expressions_are_sandboxed_and_checked(session, world):
    """A retrieval expression is code like any other: the check refuses a dunder one by element."""
    xml = buyer_and_seller("cx").replace("<bpmn:formalExpression>order_id<",
                                         "<bpmn:formalExpression>().__class__<", 1)
    (world.engine.bpmn_dir / "cx.bpmn").write_text(xml, "utf-8")
    errors = [e for e in world.engine.check() if e.file_name == "cx.bpmn"]
    assert errors and all("__class__" in e.message or "_" in e.message for e in errors)
    assert {e.element_id for e in errors} >= {"b_order"}
