"""Draw a BPMN file's diagram (DI) data as inline SVG, colouring element states."""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree
from markupsafe import Markup, escape

NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    "dc": "http://www.omg.org/spec/DD/20100524/DC",
    "di": "http://www.omg.org/spec/DD/20100524/DI",
}
EVENTS = {"startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent"}
GATEWAYS = {"exclusiveGateway", "parallelGateway", "inclusiveGateway", "eventBasedGateway"}
CONTAINERS = {"participant", "lane"}
PAD = 10


@dataclass(frozen=True)
class Shape:
    """One drawn element: its BPMN id, kind, name and bounds."""

    element_id: str
    kind: str
    name: str
    x: float
    y: float
    w: float
    h: float


def _elements(root) -> dict[str, tuple[str, str]]:
    """BPMN id → (local tag name, name) for every element of the model."""
    found = {}
    for el in root.iter():
        if isinstance(el.tag, str) and el.tag.startswith("{" + NS["bpmn"]) and el.get("id"):
            found[el.get("id")] = (etree.QName(el).localname, el.get("name") or "")
    return found


def _shapes(root, elements) -> list[Shape]:
    shapes = []
    for node in root.iterfind(".//bpmndi:BPMNShape", NS):
        bounds = node.find("dc:Bounds", NS)
        ref = node.get("bpmnElement")
        if bounds is None or ref not in elements:
            continue
        kind, name = elements[ref]
        shapes.append(Shape(ref, kind, name, *(float(bounds.get(k)) for k in ("x", "y", "width", "height"))))
    return shapes


def _edges(root) -> list[list[tuple[float, float]]]:
    return [[(float(p.get("x")), float(p.get("y"))) for p in edge.iterfind("di:waypoint", NS)]
            for edge in root.iterfind(".//bpmndi:BPMNEdge", NS)]


def _draw_shape(s: Shape, state: str) -> str:
    cls = f"bpmn-{s.kind} state-{state}" if state else f"bpmn-{s.kind}"
    label = escape(s.name)
    title = f"<title>{label} ({escape(s.element_id)})</title>"
    if s.kind in CONTAINERS:
        return (f'<g class="{cls}" data-id="{escape(s.element_id)}"><rect x="{s.x}" y="{s.y}" width="{s.w}" '
                f'height="{s.h}" fill="none" stroke="#9aa5b1"/><text x="{s.x + 6}" y="{s.y + 16}" '
                f'font-size="11" fill="#616e7c">{label}</text>{title}</g>')
    cx, cy = s.x + s.w / 2, s.y + s.h / 2
    if s.kind in EVENTS:
        body = f'<circle cx="{cx}" cy="{cy}" r="{s.w / 2}"/>'
        text_y = s.y + s.h + 12
    elif s.kind in GATEWAYS:
        body = f'<polygon points="{cx},{s.y} {s.x + s.w},{cy} {cx},{s.y + s.h} {s.x},{cy}"/>'
        text_y = s.y + s.h + 12
    else:
        body = f'<rect x="{s.x}" y="{s.y}" width="{s.w}" height="{s.h}" rx="8"/>'
        text_y = cy + 4
    text = f'<text x="{cx}" y="{text_y}" text-anchor="middle" font-size="11">{label}</text>' if s.name else ""
    return f'<g class="{cls}" data-id="{escape(s.element_id)}">{body}{text}{title}</g>'


STYLE = (
    "<style>.bpmn-d rect,.bpmn-d circle,.bpmn-d polygon{fill:#fff;stroke:#52606d;stroke-width:1.5}"
    ".bpmn-d .state-completed rect,.bpmn-d .state-completed circle,.bpmn-d .state-completed polygon"
    "{fill:#e3f9e5;stroke:#2f855a}"
    ".bpmn-d .state-active rect,.bpmn-d .state-active circle,.bpmn-d .state-active polygon"
    "{fill:#e0ecff;stroke:#1d4ed8;stroke-width:3}"
    ".bpmn-d .state-overdue rect,.bpmn-d .state-overdue circle,.bpmn-d .state-overdue polygon"
    "{fill:#fff1f0;stroke:#b42318;stroke-width:3}"
    ".bpmn-d .bpmn-participant rect,.bpmn-d .bpmn-lane rect{fill:none;stroke:#cbd2d9;stroke-width:1}"
    ".bpmn-d polyline{fill:none;stroke:#7b8794;stroke-width:1.2}</style>"
)


def render_svg(bpmn_xml: str, states: dict[str, str]) -> Markup:
    """One SVG per diagram plane (the main flow, then each subprocess); states colour elements."""
    if not bpmn_xml:
        return Markup("")
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    root = etree.fromstring(bpmn_xml.encode("utf-8"), parser)
    elements = _elements(root)
    return Markup("").join(_plane_svg(plane, elements, states)
                           for plane in root.iterfind(".//bpmndi:BPMNPlane", NS))


def _plane_svg(root, elements: dict, states: dict[str, str]) -> Markup:
    """The SVG of one plane's shapes and edges."""
    shapes = _shapes(root, elements)
    if not shapes:
        return Markup("")
    min_x, min_y = min(s.x for s in shapes) - PAD, min(s.y for s in shapes) - PAD
    max_x = max(s.x + s.w for s in shapes) + PAD
    max_y = max(s.y + s.h for s in shapes) + PAD + 14
    # Containers first so tasks and flows are drawn over the lanes.
    ordered = sorted(shapes, key=lambda s: s.kind not in CONTAINERS)
    parts = [_draw_shape(s, states.get(s.element_id, "")) for s in ordered if s.kind in CONTAINERS]
    for points in _edges(root):
        coords = " ".join(f"{x},{y}" for x, y in points)
        parts.append(f'<polyline points="{coords}" marker-end="url(#arrow)"/>')
    parts += [_draw_shape(s, states.get(s.element_id, "")) for s in ordered if s.kind not in CONTAINERS]
    marker = ('<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
              'markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#7b8794"/></marker></defs>')
    svg = (f'<svg class="bpmn-d" xmlns="http://www.w3.org/2000/svg" role="img" '
           f'viewBox="{min_x} {min_y} {max_x - min_x} {max_y - min_y}" width="{max_x - min_x}">'
           f"{STYLE}{marker}{''.join(parts)}</svg>")
    return Markup(svg)


def element_states(tasks: list[dict], history: list[dict], now) -> dict[str, str]:
    """Colour from what we store: audited steps completed; open tasks active or overdue."""
    states = {h["task"]: "completed" for h in history if h.get("task")}
    for task in tasks:
        if task["state"] == "completed":
            states[task["task"]] = "completed"
    for task in tasks:
        if task["state"] in ("ready", "claimed"):
            overdue = task["due_at"] is not None and task["due_at"] < now
            states[task["task"]] = "overdue" if overdue else "active"
    return states
