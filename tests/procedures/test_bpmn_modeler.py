"""BPMN files any modeler keeps (issue 13 §7): a bpmn.io round trip loses nothing, merges are
drawn as gateways, multi-instance collections are declared, and no two shapes overlap.

The round trip runs bpmn-moddle (bpmn.io's model layer, pinned in tests/support/moddle/
package-lock.json, installed by `.ci/run` with `npm ci`) through Node.js; it skips, saying why,
only where node or the package is absent. The other checks read the files directly.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from tests.support.bpmn_build import bpmn_file, chain
from tests.support.bpmn_modeler import (
    implicit_merges,
    lost_in_round_trip,
    moddle_missing,
    overlapping_shapes,
    round_trip,
)

BPMN = Path(__file__).resolve().parents[2] / "bpmn"
FILES = sorted(BPMN.glob("*.bpmn"))
NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL"}


@pytest.fixture(scope="module")
def saved() -> dict[Path, dict]:
    """Every shipped file read and written back by bpmn-moddle (one node process)."""
    reason = moddle_missing()
    if reason:
        pytest.skip(reason)
    return round_trip(FILES)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_a_modeler_saving_the_file_loses_nothing(saved, path):
    """Every element, reference, extension property, documentation, condition and timer stays."""
    result = saved[path]
    assert result["warnings"] == []
    assert lost_in_round_trip(path.read_bytes(), result["xml"]) == []


def test_an_undeclared_multi_instance_collection_is_dropped_by_a_modeler(tmp_path):
    """Why collections are declared: without the data object, loopDataInputRef is lost on save."""
    reason = moddle_missing()
    if reason:
        pytest.skip(reason)
    original = (BPMN / "duty_access.bpmn").read_bytes()
    root = etree.fromstring(original)
    declared = root.find(".//bpmn:dataObject[@id='township_ids']", NS)
    declared.getparent().remove(declared)
    bare = tmp_path / "undeclared.bpmn"
    bare.write_bytes(etree.tostring(root))
    result = round_trip([bare])[bare]
    assert result["warnings"] == ["unresolved reference <township_ids>"]
    lost = lost_in_round_trip(bare.read_bytes(), result["xml"])
    assert len(lost) == 1 and "loopDataInputRef" in lost[0] and "township_ids" in lost[0]


def test_the_comparison_names_a_lost_condition_documentation_or_timer():
    """The comparison itself: removing any element that matters from the saved text is named."""
    original = (BPMN / "grant.bpmn").read_bytes()
    for tag in ("conditionExpression", "documentation", "timeDate", "{*}property"):
        root = etree.fromstring(original)
        found = root.find(f".//bpmn:{tag}" if "}" not in tag else f".//{tag}", NS)
        assert found is not None, tag
        found.getparent().remove(found)
        lost = lost_in_round_trip(original, etree.tostring(root).decode())
        assert len(lost) == 1 and lost[0].startswith("lost:"), (tag, lost)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_merges_are_drawn_as_explicit_gateways(path):
    """No task or event is entered by several flows: the merge is a gateway a reader sees."""
    assert implicit_merges(path.read_bytes()) == []


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_multi_instance_collections_are_declared_data_objects(path):
    """Each loopDataInputRef names a data object of the file (a modeler keeps the reference)."""
    root = etree.parse(str(path))
    declared = {d.get("id") for d in root.iterfind(".//bpmn:dataObject", NS)}
    for ref in root.iterfind(".//bpmn:loopDataInputRef", NS):
        assert ref.text in declared, ref.text


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_no_two_shapes_overlap(path):
    """Diagram bounds: flow nodes never cover each other (a boundary event sits on its task)."""
    assert overlapping_shapes(path.read_bytes()) == []


def test_the_overlap_and_merge_checks_find_what_they_look_for():
    """A generated file with a merge into a task and two stacked shapes is caught by both."""
    xml = bpmn_file(
        '<bpmn:process id="p" isExecutable="true"><bpmn:startEvent id="s"/>'
        '<bpmn:parallelGateway id="split"/><bpmn:task id="a"/><bpmn:task id="b"/>'
        '<bpmn:task id="joined"/><bpmn:endEvent id="e"/>'
        + chain("f", ["s", "split", "a", "joined", "e"]) + chain("g", ["split", "b", "joined"])
        + "</bpmn:process>").encode()
    assert implicit_merges(xml) == ["joined"]
    assert overlapping_shapes(xml) == []
    stacked = xml.replace(b'bpmnElement="b"><dc:Bounds x="610"', b'bpmnElement="b"><dc:Bounds x="470"')
    assert stacked != xml
    assert overlapping_shapes(stacked) == [("a", "b")]
