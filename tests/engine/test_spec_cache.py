"""Parsed specs are shared by every engine of the process, keyed by file name and content hash."""

from __future__ import annotations

import pytest

from tests.engine.conformance.constructs_events import EVENTS
from tests.support.engine_support import World, build_world
from workflows.calendar.legal_calendar import LegalCalendar
from workflows.core.services import ServiceRegistry
from workflows.engine import Engine
from workflows.engine.definitions import parse_file
from workflows.engine.serializer import full_serializer
from workflows.engine.spec_cache import SPECS
from workflows.tasks import processes

DRAFT = {"title": "委托书草稿", "item_codes": ["330217001000"], "term_end": "2027-03-01"}


@pytest.fixture
def world(session, clock, tmp_path) -> World:
    """A synced engine over tests/support/bpmn with the users of each lane."""
    return build_world(session, clock, tmp_path)


def _spec_dicts(engine: Engine, session, process_id: str) -> list[dict]:
    """SpiffWorkflow's own serialized form of a spec and of each of its subprocess specs."""
    spec, subs = engine.spec_for(session, process_id)
    converter = full_serializer()
    return [converter.to_dict(spec), *(converter.to_dict(subs[name]) for name in sorted(subs))]


def _only_task(session, user):
    [task] = processes.list_tasks(session, user)
    return task


def test_a_second_engine_reuses_the_parse(session, world):
    """Another Engine on the same files gets the very same spec objects, with no new parse."""
    parses = SPECS.parses
    other = Engine(world.engine.bpmn_dir, world.engine.clock, LegalCalendar(), world.services, lanes=world.engine.lanes)
    other.sync_definitions(session)
    assert SPECS.parses == parses
    assert other.spec_for(session, "engine_demo")[0] is world.engine.spec_for(
        session, "engine_demo")[0]


def test_a_changed_file_is_parsed_anew(session, world):
    """New bytes are a new content hash: a new parse, while the old version keeps its spec."""
    old = world.engine.spec_for(session, "engine_demo")[0]
    path = world.engine.bpmn_dir / "engine_demo.bpmn"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("引擎测试流程", "引擎演示流程"), encoding="utf-8")
    world.engine.sync_definitions(session)
    new = world.engine.spec_for(session, "engine_demo")[0]
    assert new is not old and new.description != old.description


def test_the_allow_list_is_checked_per_engine_despite_the_shared_parse(session, world):
    """A cached parse carries neither one engine's service registry nor its lanes into another's check."""
    bare = Engine(world.engine.bpmn_dir, world.engine.clock, LegalCalendar(), ServiceRegistry())
    assert any("tests.record_outcome" in str(e) for e in bare.check())
    assert any(e.element_id == "draft" and "maps to no role" in e.message for e in bare.check())
    assert world.engine.check() == []


def test_running_instances_leave_the_shared_spec_unchanged(session, world):
    """Steps, a return loop, a service task and a message keep state on tasks, not on specs."""
    before = _spec_dicts(world.engine, session, "engine_demo")
    inst = processes.start(session, world.engine, "engine_demo", world.start_data(),
                           world.officer)
    for decision in ("return", "approve"):
        processes.complete(session, world.engine, _only_task(session, world.officer).id,
                           world.officer, DRAFT)
        processes.complete(session, world.engine, _only_task(session, world.leader).id,
                           world.leader, {"agrees": True, "team_size": 12})
        processes.complete(session, world.engine, _only_task(session, world.reviewer).id,
                           world.reviewer, {"decision": decision})
    processes.send_message(session, world.engine, inst.id, "ack", {"ok": True}, world.officer)
    assert inst.status == "completed"
    assert _spec_dicts(world.engine, session, "engine_demo") == before


def test_a_spec_spiffworkflow_connects_at_run_time_is_never_shared():
    """An event subprocess's message start is wired into its spec when it fires: parse anew."""
    [construct] = [c for c in EVENTS if c.name == "event_subprocess_message_start"]
    name, content = f"{construct.process_id}.bpmn", construct.xml.encode("utf-8")
    first = parse_file(name, content, ServiceRegistry()).specs[construct.process_id][0]
    second = parse_file(name, content, ServiceRegistry()).specs[construct.process_id][0]
    assert first.start.trigger_specs and first is not second
