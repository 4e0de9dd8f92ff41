"""The coordination BPMN files carry full diagram data, assignable lanes, and pass the engine check."""

from __future__ import annotations

import pytest

from tests.procedures import test_procedure_bpmn as drawn
from tests.support.coordination_world import COORDINATION
from workflows.engine.definitions import check_folder
from workflows.procedures import lanes, services


@pytest.mark.parametrize("name", COORDINATION)
def test_coordination_files_are_drawn_and_assignable(name):
    """DI shapes and edges for every node and flow; user tasks in role-mapped lanes or with role/orgKey."""
    drawn.test_every_node_lane_and_flow_is_drawn(name)
    drawn.test_user_tasks_sit_in_lanes_the_engine_maps_to_roles(name)


def test_coordination_files_pass_the_engine_check(tmp_path):
    """XSD, sandboxed expressions, assignable lanes and allow-listed service tasks: no errors."""
    for name in COORDINATION:
        (tmp_path / name).write_bytes((drawn.BPMN / name).read_bytes())
    assert [str(e) for e in check_folder(tmp_path, services(), lanes())] == []
