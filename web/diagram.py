"""What the bpmn-js viewer is given: the instance's BPMN file in the page's language, and element states."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from lxml import etree

from web.labels import label

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
DI = {"bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI", "dc": "http://www.omg.org/spec/DD/20100524/DC"}
# Elements that are a step of the procedure in the no-JavaScript list (gateways are questions, not steps).
STEP_KINDS = {"startEvent", "endEvent", "userTask", "serviceTask", "scriptTask", "sendTask", "receiveTask",
              "manualTask", "businessRuleTask", "task", "callActivity", "subProcess", "intermediateCatchEvent",
              "intermediateThrowEvent"}
PAIR = re.compile(r"^(?P<zh>.*?)\s*/\s+(?P<en>.+)$", re.S)  # "征求乡镇意见 / township opinion"
TITLE = re.compile(r"^(?P<zh>[^A-Za-z]+?)\s+(?P<en>[A-Z][^(（]*?)\s*(?P<basis>[(（].*)?$", re.S)  # pool names


@dataclass(frozen=True)
class Step:
    """One step of the procedure, as the fallback list shows it."""

    element_id: str
    kind: str
    name: str


def local_text(text: str, english: bool) -> str:
    """One language of a bilingual BPMN name: "中文 / English", "委托 Entrustment (第20条)" or a lane code."""
    text = text.strip()
    if (pair := PAIR.match(text)) and not (english and not pair["en"].strip()):
        return pair["en"].strip() if english else pair["zh"].strip()
    if title := TITLE.match(text):
        basis = f" {title['basis']}" if title["basis"] else ""
        return (title["en"].split(":")[0].strip() if english else title["zh"].strip()) + basis
    return label(text) if text.isascii() and text.isalnum() else text


def _parse(bpmn_xml: str):
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    return etree.fromstring(bpmn_xml.encode("utf-8"), parser)


def localized_bpmn(bpmn_xml: str, english: bool) -> bytes:
    """The file with every element name in one language, so a Chinese page shows no English."""
    root = _parse(bpmn_xml)
    drawn = {ref for ref in root.xpath("//bpmndi:*/@bpmnElement", namespaces=DI)}  # data items keep names
    for el in root.iter(f"{{{BPMN}}}*"):
        if el.get("name") and el.get("id") in drawn:
            el.set("name", local_text(el.get("name"), english))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


@lru_cache(maxsize=64)
def steps(bpmn_xml: str, english: bool) -> tuple[Step, ...]:
    """Named steps in the order they are drawn: plane by plane, left to right, then top to bottom."""
    if not bpmn_xml:
        return ()
    root = _parse(bpmn_xml)
    where = {}  # element id -> (plane, x, y): the main flow first, then each subprocess's own plane
    for plane_no, plane in enumerate(root.iterfind(".//bpmndi:BPMNPlane", DI)):
        for shape in plane.iterfind("bpmndi:BPMNShape", DI):
            bounds = shape.find("dc:Bounds", DI)
            if bounds is not None:
                where.setdefault(shape.get("bpmnElement"),
                                 (plane_no, float(bounds.get("x")), float(bounds.get("y"))))
    found = []
    for el in root.iter(f"{{{BPMN}}}*"):
        kind = etree.QName(el).localname
        if kind in STEP_KINDS and el.get("name") and el.get("id") in where:
            found.append((where[el.get("id")], Step(el.get("id"), kind, local_text(el.get("name"), english))))
    return tuple(step for _, step in sorted(found, key=lambda pair: pair[0]))


def element_states(tasks: list[dict], history: list[dict], now) -> dict[str, str]:
    """States from what we store: audited steps completed; open tasks active, or overdue past their due time."""
    states = {h["task"]: "completed" for h in history if h.get("task")}
    for task in tasks:
        if task["state"] == "completed":
            states[task["task"]] = "completed"
    for task in tasks:
        if task["state"] in ("ready", "claimed"):
            overdue = task["due_at"] is not None and task["due_at"] < now
            states[task["task"]] = "overdue" if overdue else "active"
    return states
