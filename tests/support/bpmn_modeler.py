"""What a BPMN modeler keeps (issue 13 §7): bpmn-moddle round trips, shape overlaps, merges.

`round_trip(files)` runs tests/support/moddle/roundtrip.mjs (bpmn.io's model layer, pinned in
its package-lock.json) on the files; `lost_in_round_trip` compares what matters of a file and
its re-serialized form as multisets of facts, one per element: where it sits (the nearest
ancestor with an id and the tag path below it), its tag, its attributes and its text — so every
element, reference, extension property, documentation, condition and timer is compared, and
only order, prefixes and layout of the XML may differ.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections import Counter
from pathlib import Path

from lxml import etree

MODDLE = Path(__file__).resolve().parent / "moddle"
BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
DI_NS = "http://www.omg.org/spec/BPMN/20100524/DI"
DC_NS = "http://www.omg.org/spec/DD/20100524/DC"
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
# Attributes a modeler leaves out when they hold BPMN's default (BPMN 2.0 §8–10 tables).
DEFAULTS = {("multiInstanceLoopCharacteristics", "isSequential", "false"),
            ("boundaryEvent", "cancelActivity", "true"),
            ("startEvent", "isInterrupting", "true"),
            ("process", "isExecutable", "false")}


def moddle_missing() -> str | None:
    """Why the round trip cannot run here (no node, or `npm ci` not run), else None."""
    if shutil.which("node") is None:
        return "node is not installed: the bpmn-moddle round trip needs Node.js"
    if not (MODDLE / "node_modules" / "bpmn-moddle").is_dir():
        return f"bpmn-moddle is not installed: run `npm ci` in {MODDLE}"
    return None


def round_trip(files: list[Path]) -> dict[Path, dict]:
    """file → {warnings, xml}: each file read and written back by bpmn-moddle."""
    paths = {str(f.resolve()): f for f in files}
    done = subprocess.run(["node", str(MODDLE / "roundtrip.mjs"), *paths],
                          cwd=MODDLE, capture_output=True, text=True, check=True)
    return {paths[name]: result for name, result in json.loads(done.stdout).items()}


def _clark_value(element, name: str, value: str) -> str:
    """A QName-valued attribute (xsi:type) with its prefix resolved to the namespace."""
    if name == XSI_TYPE and ":" in value:
        prefix, local = value.split(":", 1)
        return f"{{{element.nsmap.get(prefix)}}}{local}"
    return value


def _facts(xml: bytes) -> Counter:
    facts: Counter = Counter()
    root = etree.fromstring(xml)
    for element in root.iter(etree.Element):
        tag = etree.QName(element)
        attrs = tuple(sorted(
            (name, _clark_value(element, name, value)) for name, value in element.attrib.items()
            if (tag.localname, etree.QName(name).localname, value) not in DEFAULTS))
        path, node = [], element.getparent()
        while node is not None and node.get("id") is None:
            path.append(etree.QName(node).localname)
            node = node.getparent()
        anchor = node.get("id") if node is not None else ""
        text = (element.text or "").strip()
        facts[(anchor, "/".join(reversed(path)), tag.text, attrs, text)] += 1
    return facts


def lost_in_round_trip(original: bytes, saved: str) -> list[str]:
    """What the saved file lacks or adds against the original, one line per element."""
    before, after = _facts(original), _facts(saved.encode("utf-8"))
    lines = [f"lost: {fact}" for fact in (before - after).elements()]
    return lines + [f"added: {fact}" for fact in (after - before).elements()]


# -- diagram and flow checks --------------------------------------------------------------------

def _bounds(shape) -> tuple[float, float, float, float]:
    b = shape.find(f"{{{DC_NS}}}Bounds")
    return (float(b.get("x")), float(b.get("y")), float(b.get("width")), float(b.get("height")))


def _overlap(a, b) -> bool:
    (ax, ay, aw, ah), (bx, by, bw, bh) = a, b
    return ax < bx + bw and bx < ax + aw and ay < by + bh and by < ay + ah


def _nodes(root) -> dict:
    """id → element for every flow node and data reference (the things drawn as shapes)."""
    drawn = {}
    for element in root.iter(f"{{{BPMN_NS}}}*"):
        parent = element.getparent()
        if (element.get("id") and parent is not None
                and etree.QName(parent).localname in ("process", "subProcess", "transaction")
                and etree.QName(element).localname not in ("laneSet", "sequenceFlow",
                                                           "association", "dataObject")):
            drawn[element.get("id")] = element
    return drawn


def _may_overlap(one, other) -> bool:
    """A boundary event sits on its task's border; a subprocess drawn open holds its nodes."""
    for a, b in ((one, other), (other, one)):
        if a.get("attachedToRef") == b.get("id"):
            return True
        if b in a.iterancestors():
            return True
    return False


def overlapping_shapes(xml: bytes) -> list[tuple[str, str]]:
    """Pairs of flow-node shapes on one diagram plane whose bounds overlap."""
    root = etree.fromstring(xml)
    nodes = _nodes(root)
    found = []
    for plane in root.iter(f"{{{DI_NS}}}BPMNPlane"):
        shapes = [(s.get("bpmnElement"), _bounds(s)) for s in plane.iter(f"{{{DI_NS}}}BPMNShape")
                  if s.get("bpmnElement") in nodes]
        for i, (a, box_a) in enumerate(shapes):
            for b, box_b in shapes[i + 1:]:
                if _overlap(box_a, box_b) and not _may_overlap(nodes[a], nodes[b]):
                    found.append((a, b))
    return found


def implicit_merges(xml: bytes) -> list[str]:
    """Flow nodes other than gateways that several sequence flows enter (a merge not drawn)."""
    root = etree.fromstring(xml)
    incoming = Counter(f.get("targetRef") for f in root.iter(f"{{{BPMN_NS}}}sequenceFlow"))
    nodes = _nodes(root)
    return sorted(node for node, count in incoming.items() if count > 1
                  and not etree.QName(nodes[node]).localname.endswith("Gateway"))
