"""Small BPMN files for engine tests: the process XML is written by hand, the diagram is generated.

`bpmn_file(process_xml)` wraps one or more `<bpmn:process>` elements (plus messages, signals,
errors, escalations given as `head`) in definitions with a collaboration and a BPMNDI diagram:
every flow node gets a shape on a grid and every sequence flow an edge, so the file opens in a
modeler and passes the engine's diagram check.
"""

from __future__ import annotations

from lxml import etree

NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL"}
NODE_TAGS = {
    "startEvent", "endEvent", "task", "userTask", "manualTask", "scriptTask", "serviceTask",
    "sendTask", "receiveTask", "intermediateCatchEvent", "intermediateThrowEvent",
    "boundaryEvent", "exclusiveGateway", "parallelGateway", "inclusiveGateway",
    "eventBasedGateway", "subProcess", "transaction", "callActivity", "dataObjectReference",
}
HEADER = ('<?xml version="1.0" encoding="UTF-8"?>\n'
          '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
          'xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" '
          'xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" '
          'xmlns:di="http://www.omg.org/spec/DD/20100524/DI" '
          'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" '
          'id="defs_{id}" targetNamespace="http://quanze.example/bpmn">\n')


def _diagram(body: str, collab_id: str, process_ids: list[str]) -> str:
    root = etree.fromstring((HEADER.format(id=collab_id) + body + "</bpmn:definitions>").encode())
    shapes, edges, centre = [], [], {}
    nodes = [el for el in root.iter() if etree.QName(el).localname in NODE_TAGS]
    for i, el in enumerate(nodes):
        x, y = 160 + (i % 8) * 150, 90 + (i // 8) * 130
        centre[el.get("id")] = (x + 40, y + 30)
        shapes.append(f'<bpmndi:BPMNShape id="{el.get("id")}_di" bpmnElement="{el.get("id")}">'
                      f'<dc:Bounds x="{x}" y="{y}" width="80" height="60"/></bpmndi:BPMNShape>')
    for flow in root.iterfind(".//bpmn:sequenceFlow", NS):
        (x1, y1), (x2, y2) = centre[flow.get("sourceRef")], centre[flow.get("targetRef")]
        edges.append(f'<bpmndi:BPMNEdge id="{flow.get("id")}_di" bpmnElement="{flow.get("id")}">'
                     f'<di:waypoint x="{x1}" y="{y1}"/><di:waypoint x="{x2}" y="{y2}"/>'
                     f'</bpmndi:BPMNEdge>')
    height = 130 * (len(nodes) // 8 + 1) + 40
    pools = "".join(
        f'<bpmndi:BPMNShape id="p_{pid}_di" bpmnElement="p_{pid}" isHorizontal="true">'
        f'<dc:Bounds x="100" y="{50 + k * (height + 20)}" width="1300" height="{height}"/>'
        f'</bpmndi:BPMNShape>' for k, pid in enumerate(process_ids))
    return (f'<bpmndi:BPMNDiagram id="d_{collab_id}"><bpmndi:BPMNPlane id="pl_{collab_id}" '
            f'bpmnElement="{collab_id}">{pools}{"".join(shapes)}{"".join(edges)}'
            f'</bpmndi:BPMNPlane></bpmndi:BPMNDiagram>\n')


def bpmn_file(processes: str, head: str = "", message_flows: str = "") -> str:
    """A complete BPMN file: head (messages …), one collaboration, the processes, a diagram."""
    ids = [el.get("id") for el in etree.fromstring(
        (HEADER.format(id="x") + processes + "</bpmn:definitions>").encode())
        .iterfind("bpmn:process", NS)]
    collab_id = f"collab_{ids[0]}"
    participants = "".join(f'<bpmn:participant id="p_{pid}" processRef="{pid}"/>' for pid in ids)
    body = (f"{head}\n<bpmn:collaboration id=\"{collab_id}\">{participants}{message_flows}"
            f"</bpmn:collaboration>\n{processes}\n")
    return HEADER.format(id=collab_id) + body + _diagram(body, collab_id, ids) + "</bpmn:definitions>\n"


def lane(name: str, node_ids: list[str], lane_id: str | None = None) -> str:
    """A laneSet with one lane holding the given nodes."""
    refs = "".join(f"<bpmn:flowNodeRef>{n}</bpmn:flowNodeRef>" for n in node_ids)
    return (f'<bpmn:laneSet id="ls_{lane_id or name}"><bpmn:lane id="lane_{lane_id or name}" '
            f'name="{name}">{refs}</bpmn:lane></bpmn:laneSet>')


def flow(flow_id: str, source: str, target: str, condition: str | None = None) -> str:
    """A sequence flow, with a condition expression when given."""
    if condition is None:
        return f'<bpmn:sequenceFlow id="{flow_id}" sourceRef="{source}" targetRef="{target}"/>'
    return (f'<bpmn:sequenceFlow id="{flow_id}" sourceRef="{source}" targetRef="{target}">'
            f'<bpmn:conditionExpression>{condition}</bpmn:conditionExpression></bpmn:sequenceFlow>')


def chain(prefix: str, node_ids: list[str]) -> str:
    """Sequence flows linking the nodes in order."""
    pairs = zip(node_ids, node_ids[1:], strict=False)
    return "".join(flow(f"{prefix}{i}", a, b) for i, (a, b) in enumerate(pairs))
