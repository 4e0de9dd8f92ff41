"""Operator-facing parts of the engine: CLI, failing instances, benchmark hooks."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from click.testing import CliRunner
from SpiffWorkflow.util.task import TaskState

from models import Base, ProcessInstance
from models.db import make_engine, make_session_factory
from tests.support.engine_support import World, build_world
from workflows.core.clock import SHANGHAI
from workflows.engine.serializer import full_serializer
from workflows.tasks import processes

DRAFT = {"title": "草稿", "item_codes": ["A1"]}


@pytest.fixture
def world(session, clock, tmp_path) -> World:
    """A synced engine over tests/support/bpmn with the users of each lane."""
    return build_world(session, clock, tmp_path)


def _to_opinion(session, world: World) -> ProcessInstance:
    inst = processes.start(session, world.engine, "engine_demo", world.start_data(),
                           world.officer)
    processes.complete(session, world.engine, processes.list_tasks(session, world.officer)[0].id,
                       world.officer, DRAFT)
    return inst


def test_a_failing_timer_step_parks_the_instance_in_error(session, world, clock):
    """One broken instance is marked 'error' and audited; the healthy one still advances."""
    path = world.engine.bpmn_dir / "engine_demo.bpmn"
    original = path.read_text("utf-8")
    # Broken version: the lapse path runs a script that reads data nobody set.
    path.write_text(original.replace('sourceRef="opinion_timer" targetRef="end_lapsed"',
                                     'sourceRef="opinion_timer" targetRef="summarize"'), "utf-8")
    world.engine.sync_definitions(session)
    broken = _to_opinion(session, world)
    path.write_text(original, "utf-8")
    world.engine.sync_definitions(session)
    healthy = _to_opinion(session, world)
    clock.set(datetime(2026, 3, 10, 9, 0, tzinfo=SHANGHAI))
    assert processes.wake_due_instances(session, world.engine, clock.now()) == 1
    session.expire_all()
    assert session.get(ProcessInstance, healthy.id).status == "completed"
    parked = session.get(ProcessInstance, broken.id)
    assert parked.status == "error" and parked.next_wake_at is None
    last = processes.show_instance(session, broken.id)["history"][-1]
    assert last["action"] == "instance.error" and "agrees" in last["details"]["error"]


def test_bare_workflow_and_full_serializer_for_benchmarks(session, world):
    """The same cached spec runs in memory; the default serializer embeds the spec, ours not."""
    bare = world.engine.bare_workflow(session, "engine_demo")
    bare.task_tree.data.update(world.start_data())
    bare.do_engine_steps()
    ready = bare.get_tasks(state=TaskState.READY)
    assert [t.task_spec.name for t in ready] == ["draft"]
    full = full_serializer().serialize_json(bare)
    ours = world.engine.serializer.dumps(bare)
    assert "spec" in json.loads(full) and "spec" not in json.loads(ours)
    assert len(ours) < len(full)


def test_instances_cli_lists_and_shows(tmp_path, clock):
    """`quanze instances list` and `quanze instances show ID` read the same database."""
    from web.cli import _register, cli

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    db = make_engine(url)
    Base.metadata.create_all(db)
    with make_session_factory(db)() as session:
        world = build_world(session, clock, tmp_path)
        inst = processes.start(session, world.engine, "engine_demo", world.start_data(),
                               world.officer, business_key="ENT-CLI")
    db.dispose()
    _register()
    runner = CliRunner()
    listed = runner.invoke(cli, ["--database-url", url, "instances", "list"])
    assert listed.exit_code == 0 and "engine_demo" in listed.output and "ENT-CLI" in listed.output
    shown = runner.invoke(cli, ["--database-url", url, "instances", "show", str(inst.id)])
    assert shown.exit_code == 0
    data = json.loads(shown.output)
    assert data["business_key"] == "ENT-CLI" and data["tasks"][0]["task"] == "draft"
    missing = runner.invoke(cli, ["--database-url", url, "instances", "show", "999"])
    assert missing.exit_code == 2 and "999" in missing.output


def test_start_audit_names_the_starters_own_organization():
    """The instance.started row carries the organization the starter acts for (第47条 记录)."""
    from types import SimpleNamespace

    from workflows.engine.runtime import _actor_org

    instance = SimpleNamespace(township_id=7, department_id=3)
    township_officer = SimpleNamespace(memberships=[SimpleNamespace(organization_id=7)])
    department_officer = SimpleNamespace(memberships=[SimpleNamespace(organization_id=3)])
    outsider = SimpleNamespace(memberships=[SimpleNamespace(organization_id=99)])
    assert _actor_org(township_officer, instance) == 7
    assert _actor_org(department_officer, instance) == 3
    assert _actor_org(outsider, instance) == 99
    assert _actor_org(None, instance) is None
