"""General role mapping (issue 13 §5): lanes → role and organization key from the declarations.

The engine takes its lane map from the LaneRegistry the composition root builds; BPMN's own
potentialOwner names a role over the lane's; a configured default covers lanes nobody declared
(SpiffWorkflow's own test files use arbitrary lane names); without one the check refuses.
"""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from models import HumanTask, ProcessDefinition
from tests.support.bpmn_build import bpmn_file, chain
from tests.support.engine_support import World, build_world, demo_lanes
from web.cli import _register, cli
from workflows.calendar.legal_calendar import LegalCalendar
from workflows.core.errors import ValidationFailed
from workflows.core.lanes import LaneRegistry, LaneRule
from workflows.engine import Engine
from workflows.procedures import DEFAULT_LANE_ENV, configured_default_lane
from workflows.tasks import processes

OFFICER = LaneRule("county_officer", "department_id")
LEADER = LaneRule("township_leader", "township_id")


def _lanes(*lanes: tuple[str, str, list[str]]) -> str:
    """A laneSet: (lane id, lane name, node ids)."""
    body = "".join(f'<bpmn:lane id="{lid}" name="{name}">'
                   + "".join(f"<bpmn:flowNodeRef>{n}</bpmn:flowNodeRef>" for n in nodes)
                   + "</bpmn:lane>" for lid, name, nodes in lanes)
    return f'<bpmn:laneSet id="ls">{body}</bpmn:laneSet>'


def _two_tasks(pid: str, lanes: str, first: str = '<bpmn:userTask id="first"/>') -> str:
    """start → first → second → end, in the given lanes."""
    return bpmn_file(f'<bpmn:process id="{pid}" isExecutable="true">{lanes}'
                     f'<bpmn:startEvent id="s"/>{first}<bpmn:userTask id="second"/>'
                     f'<bpmn:endEvent id="e"/>{chain("f", ["s", "first", "second", "e"])}</bpmn:process>')


def _engine(world: World, lanes: LaneRegistry) -> Engine:
    """An engine over the world's folder with these lanes (start from demo_lanes(): the demo files')."""
    return Engine(world.engine.bpmn_dir, world.engine.clock, LegalCalendar(), world.services,
                  world.engine.forms, lanes)


def _run(session, world: World, files: dict[str, str], declared: dict[tuple[str, str], LaneRule],
         default: LaneRule | None = None) -> Engine:
    """Write the files, declare their lanes ((process, lane) → rule), sync an engine on them."""
    for pid, xml in files.items():
        (world.engine.bpmn_dir / f"{pid}.bpmn").write_text(xml, "utf-8")
    lanes = demo_lanes(default)
    for (pid, lane), rule in declared.items():
        lanes.register(pid, lane, rule)
    engine = _engine(world, lanes)
    engine.sync_definitions(session)
    return engine


def _rows(session, instance_id: int) -> list[tuple[str, str, int]]:
    return [(r.task_spec_name, r.role, r.organization_id) for r in session.scalars(
        select(HumanTask).where(HumanTask.instance_id == instance_id).order_by(HumanTask.id))]


@pytest.fixture
def world(session, clock, tmp_path) -> World:
    return build_world(session, clock, tmp_path)


def test_a_declared_lane_names_the_role_and_the_organization_key(session, world):
    """Arbitrary lane names work once declared for the process; the declaration decides both."""
    engine = _run(session, world, {"lanes_a": _two_tasks("lanes_a", _lanes(
        ("L1", "Inspectors", ["first"]), ("L2", "Approvers", ["second"])))},
        {("lanes_a", "L1"): OFFICER, ("lanes_a", "Approvers"): LEADER})  # by id, or by name
    inst = processes.start(session, engine, "lanes_a", world.start_data(), world.officer)
    assert _rows(session, inst.id) == [("first", "county_officer", world.dept.id)]
    [row] = session.scalars(select(HumanTask).where(HumanTask.instance_id == inst.id)).all()
    processes.complete(session, engine, row.id, world.officer, {})
    assert _rows(session, inst.id)[1] == ("second", "township_leader", world.township.id)


def test_the_same_lane_name_maps_per_process_and_per_lane_id(session, world):
    """Two lanes named alike (ids differ) and two processes with one lane name map independently."""
    engine = _run(session, world, {
        "lanes_b": _two_tasks("lanes_b", _lanes(("Clerk", "Township", ["first"]), ("Head", "Township", ["second"]))),
        "lanes_c": _two_tasks("lanes_c", _lanes(("Clerk", "Township", ["first", "second"])))},
        {("lanes_b", "Clerk"): LaneRule("township_officer", "township_id"), ("lanes_b", "Head"): LEADER,
         ("lanes_c", "Clerk"): OFFICER})
    b = processes.start(session, engine, "lanes_b", world.start_data(), world.officer)
    c = processes.start(session, engine, "lanes_c", world.start_data(), world.officer)
    assert _rows(session, b.id) == [("first", "township_officer", world.township.id)]
    assert _rows(session, c.id) == [("first", "county_officer", world.dept.id)]
    row = session.scalars(select(HumanTask).where(HumanTask.instance_id == b.id)).one()
    processes.complete(session, engine, row.id, world.outsider, {})  # the township officer
    assert _rows(session, b.id)[1] == ("second", "township_leader", world.township.id)


def test_an_undeclared_lane_without_default_is_refused_and_nothing_is_stored(session, world):
    """`quanze bpmn check` / sync name the task and the lane; no definition row is written."""
    (world.engine.bpmn_dir / "lanes_d.bpmn").write_text(_two_tasks("lanes_d", _lanes(
        ("L1", "Nobody", ["first", "second"]))), "utf-8")
    engine = _engine(world, demo_lanes())
    problems = [(e.file_name, e.element_id) for e in engine.check() if e.file_name == "lanes_d.bpmn"]
    assert problems == [("lanes_d.bpmn", "first"), ("lanes_d.bpmn", "second")]
    assert "Nobody" in str(engine.check()[-1])
    before = session.scalar(select(func.count()).select_from(ProcessDefinition))
    with pytest.raises(ValidationFailed):
        engine.sync_definitions(session)
    session.rollback()
    assert session.scalar(select(func.count()).select_from(ProcessDefinition)) == before


def test_a_default_lane_assigns_unknown_lanes_and_tasks_in_no_lane(session, world):
    """The configured default (role + org key) covers any lane nobody declared, and no lane at all."""
    engine = _run(session, world, {"lanes_e": _two_tasks("lanes_e", _lanes(("L1", "Lane 1", ["first"])))},
                  {}, default=OFFICER)
    inst = processes.start(session, engine, "lanes_e", world.start_data(), world.officer)
    row = session.scalars(select(HumanTask).where(HumanTask.instance_id == inst.id)).one()
    processes.complete(session, engine, row.id, world.officer, {})
    assert _rows(session, inst.id) == [("first", "county_officer", world.dept.id),
                                       ("second", "county_officer", world.dept.id)]


def test_potential_owner_names_the_role_over_the_lane(session, world):
    """BPMN's potentialOwner/resourceAssignmentExpression overrides the lane's role, not its org key."""
    owner = ('<bpmn:userTask id="first"><bpmn:potentialOwner id="po"><bpmn:resourceAssignmentExpression '
             'id="rae"><bpmn:formalExpression>township_officer</bpmn:formalExpression>'
             '</bpmn:resourceAssignmentExpression></bpmn:potentialOwner></bpmn:userTask>')
    engine = _run(session, world, {"lanes_f": _two_tasks("lanes_f", _lanes(
        ("T", "Township", ["first", "second"])), first=owner)}, {("lanes_f", "T"): LEADER})
    inst = processes.start(session, engine, "lanes_f", world.start_data(), world.officer)
    assert _rows(session, inst.id) == [("first", "township_officer", world.township.id)]


def test_the_organization_comes_from_the_instance_not_the_task_view(session, world):
    """A task whose ioSpecification hides the org key, inside a subprocess, is still assigned."""
    hidden = ('<bpmn:subProcess id="sub"><bpmn:startEvent id="ss"/>'
              '<bpmn:userTask id="inner"><bpmn:ioSpecification><bpmn:dataInput id="rounds"/>'
              '<bpmn:inputSet><bpmn:dataInputRefs>rounds</bpmn:dataInputRefs></bpmn:inputSet>'
              '<bpmn:outputSet/></bpmn:ioSpecification></bpmn:userTask><bpmn:endEvent id="se"/>'
              + chain("g", ["ss", "inner", "se"]) + "</bpmn:subProcess>")
    xml = bpmn_file('<bpmn:process id="lanes_g" isExecutable="true">'
                    + _lanes(("T", "Township", ["sub", "inner"])) + '<bpmn:startEvent id="s"/>' + hidden
                    + '<bpmn:endEvent id="e"/>' + chain("f", ["s", "sub", "e"]) + "</bpmn:process>")
    engine = _run(session, world, {"lanes_g": xml}, {("lanes_g", "T"): LEADER})
    inst = processes.start(session, engine, "lanes_g", world.start_data(), world.officer)
    assert _rows(session, inst.id) == [("inner", "township_leader", world.township.id)]


def test_the_default_lane_is_configured_as_role_and_key(monkeypatch):
    """$QUANZE_DEFAULT_LANE='role:org_key'; anything else is refused naming the expected form."""
    monkeypatch.delenv(DEFAULT_LANE_ENV, raising=False)
    assert configured_default_lane() is None
    monkeypatch.setenv(DEFAULT_LANE_ENV, "county_officer:department_id")
    assert configured_default_lane() == OFFICER
    for bad in ("county_officer", ":department_id", "county_officer:"):
        monkeypatch.setenv(DEFAULT_LANE_ENV, bad)
        with pytest.raises(ValueError, match="role:org_key"):
            configured_default_lane()


def test_a_default_lane_naming_an_unknown_role_fails_the_check(session, world):
    """A configured default is checked like a declared lane: an unknown role is named."""
    (world.engine.bpmn_dir / "lanes_h.bpmn").write_text(_two_tasks("lanes_h", ""), "utf-8")
    engine = _engine(world, demo_lanes(LaneRule("janitor", "department_id")))
    assert any(e.file_name == "lanes_h.bpmn" and "janitor" in e.message for e in engine.check())


def test_quanze_bpmn_check_refuses_a_malformed_default_lane(monkeypatch):
    """A bad $QUANZE_DEFAULT_LANE is a usage error naming the expected form (exit 2), not a traceback."""
    _register()
    monkeypatch.setenv(DEFAULT_LANE_ENV, "county_officer")
    result = CliRunner().invoke(cli, ["bpmn", "check"])
    assert result.exit_code == 2 and "role:org_key" in result.output
