"""What running SpiffWorkflow's own test files found (benchmarks/spiff_corpus.py), on our own files."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from models import AuditEvent, ProcessInstance
from tests.engine.conformance.kit import chain, flow, message, throw
from tests.support.bpmn_build import bpmn_file
from tests.support.engine_support import World, build_world
from workflows.core.services import ServiceRegistry
from workflows.engine import ScriptRefused
from workflows.engine.definitions import check_folder
from workflows.engine.sandbox import Sandbox
from workflows.tasks import processes


@pytest.fixture
def world(session, clock, tmp_path) -> World:
    return build_world(session, clock, tmp_path)


def _gateway_file(condition: str) -> str:
    """start → exclusive gateway (`condition` to `yes`, default to `no`) → end."""
    body = ('<bpmn:startEvent id="s"/><bpmn:exclusiveGateway id="gw" default="f_no"/>'
            '<bpmn:scriptTask id="yes"><bpmn:script>picked = "yes"</bpmn:script></bpmn:scriptTask>'
            '<bpmn:scriptTask id="no"><bpmn:script>picked = "no"</bpmn:script></bpmn:scriptTask>'
            '<bpmn:exclusiveGateway id="join"/><bpmn:endEvent id="e"/>'
            + flow("f_s", "s", "gw") + flow("f_yes", "gw", "yes", condition) + flow("f_no", "gw", "no")
            + flow("f_y", "yes", "join") + flow("f_n", "no", "join") + flow("f_e", "join", "e"))
    return bpmn_file(f'<bpmn:process id="cond" isExecutable="true">{body}</bpmn:process>')


@pytest.mark.parametrize("condition", ["'flag' in vars()", "().__class__", "open('x')"])
def test_a_gateway_condition_is_checked_like_a_script(tmp_path, condition):
    """A condition the sandbox refuses at run time fails the check, named by its gateway.

    Before, conditions (SpiffWorkflow keeps them as operator objects) were never checked.
    """
    (tmp_path / "cond.bpmn").write_text(_gateway_file(condition), "utf-8")
    errors = check_folder(tmp_path, ServiceRegistry())
    assert [(e.file_name, e.element_id) for e in errors] == [("cond.bpmn", "gw")]
    with pytest.raises(ScriptRefused):
        Sandbox({}).evaluate(condition, {})


def test_a_gateway_condition_the_sandbox_runs_passes_the_check_and_runs(session, world):
    """A plain condition over task data is accepted and decides the path."""
    (world.engine.bpmn_dir / "cond.bpmn").write_text(_gateway_file("len(items) &gt; 1"), "utf-8")
    assert [e for e in world.engine.check() if e.file_name == "cond.bpmn"] == []
    world.engine.sync_definitions(session)
    session.commit()
    inst = processes.start(session, world.engine, "cond", {"items": [1, 2]}, world.officer)
    assert inst.status == "completed"
    assert '"picked":"yes"' in inst.state.replace(" ", "")


def _black_box_file() -> str:
    """`bb_sender` throws "notice" along a flow into the pool of a non-executable process."""
    head = '<bpmn:message id="m_notice" name="notice"/>'
    sender = ('<bpmn:process id="bb_sender" isExecutable="true"><bpmn:startEvent id="a_s"/>'
              + throw("a_notice", message("m_notice", payload='{"n": 1}'))
              + '<bpmn:endEvent id="a_e"/>' + chain("af", ["a_s", "a_notice", "a_e"]) + "</bpmn:process>")
    outside = '<bpmn:process id="bb_outside" isExecutable="false"/>'
    flows = '<bpmn:messageFlow id="mf_out" sourceRef="a_notice" targetRef="p_bb_outside"/>'
    return bpmn_file(sender + outside, head, flows)


def test_a_message_flow_into_a_black_box_pool_is_dropped(session, world):
    """An outside party's pool (no executable process) receives nothing; the sender goes on.

    Before, the engine tried to start the non-executable process and the step failed (NotFound).
    """
    (world.engine.bpmn_dir / "bb.bpmn").write_text(_black_box_file(), "utf-8")
    assert [e for e in world.engine.check() if e.file_name == "bb.bpmn"] == []
    world.engine.sync_definitions(session)
    session.commit()
    sender = processes.start(session, world.engine, "bb_sender", {}, world.officer)
    session.expire_all()
    assert session.get(ProcessInstance, sender.id).status == "completed"
    assert session.scalars(select(ProcessInstance).where(
        ProcessInstance.process_id == "bb_outside")).all() == []
    actions = session.scalars(select(AuditEvent.action).where(AuditEvent.instance_id == sender.id)).all()
    assert "instance.error" not in actions
