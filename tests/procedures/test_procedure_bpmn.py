"""The procedure files carry complete diagram data, lanes the engine can assign, and pass the check."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from workflows.engine.definitions import check_folder
from workflows.procedures import ALL, lanes, services

BPMN = Path(__file__).resolve().parents[2] / "bpmn"
NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
      "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
      "dc": "http://www.omg.org/spec/DD/20100524/DC", "di": "http://www.omg.org/spec/DD/20100524/DI"}
FILES = ["grant.bpmn", "entrustment.bpmn", "evaluation.bpmn"]
NODE_TAGS = ("startEvent", "endEvent", "userTask", "serviceTask", "scriptTask", "exclusiveGateway",
             "intermediateCatchEvent", "boundaryEvent", "subProcess")


def _tree(name: str):
    return etree.parse(str(BPMN / name))


@pytest.mark.parametrize("name", FILES)
def test_every_node_lane_and_flow_is_drawn(name):
    """Diagram interchange: a shape with bounds per node and lane, an edge with waypoints per flow."""
    tree = _tree(name)
    shapes = {s.get("bpmnElement"): s for s in tree.iterfind(".//bpmndi:BPMNShape", NS)}
    edges = {e.get("bpmnElement"): e for e in tree.iterfind(".//bpmndi:BPMNEdge", NS)}
    nodes = [n.get("id") for tag in NODE_TAGS for n in tree.iterfind(f".//bpmn:{tag}", NS)]
    lanes = [lane.get("id") for lane in tree.iterfind(".//bpmn:lane", NS)]
    flows = [f.get("id") for f in tree.iterfind(".//bpmn:sequenceFlow", NS)]
    assert nodes and lanes and flows
    for element in nodes + lanes:
        bounds = shapes[element].find("dc:Bounds", NS)
        assert float(bounds.get("width")) > 0 and float(bounds.get("height")) > 0, element
    for flow in flows:
        assert len(edges[flow].findall("di:waypoint", NS)) >= 2, flow


@pytest.mark.parametrize("name", FILES)
def test_user_tasks_sit_in_lanes_the_engine_maps_to_roles(name):
    """Lanes name roles through the file's procedure declaration (design.md §3), or the task names its own."""
    tree = _tree(name)
    declared = {lane for p in ALL if p.bpmn == name for lane in p.lanes}
    for lane in tree.iterfind(".//bpmn:lane", NS):
        refs = {r.text for r in lane.iterfind("bpmn:flowNodeRef", NS)}
        users = [t for t in tree.iterfind(".//bpmn:userTask", NS) if t.get("id") in refs]
        for task in users:
            props = {p.get("name") for p in task.iterfind(".//{*}property")}
            assert lane.get("id") in declared or {"role", "orgKey"} <= props, task.get("id")


def test_the_three_procedures_pass_the_engine_check(tmp_path):
    """XSD, sandboxed expressions, assignable lanes and allow-listed service tasks: no errors."""
    for name in FILES:
        (tmp_path / name).write_bytes((BPMN / name).read_bytes())
    assert [str(e) for e in check_folder(tmp_path, services(), lanes())] == []
