"""Message flows of a collaboration: to which process a thrown message goes (issue 13 §3).

A collaboration draws each message as a flow from a throwing node (or pool) of one process to
a catching node (or pool) of another. The engine runs each process as its own instance, so a
message thrown without `target_business_key` is routed to the open instances of the processes
its flows point at (messages.route_thrown_messages), chosen by correlation.
"""

from __future__ import annotations

from collections.abc import Iterable

from lxml import etree

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
NS = {"bpmn": BPMN}
Flows = dict[tuple[str, str], frozenset[str]]  # (source process id, message name) → target process ids


def _owners(root) -> dict[str, str]:
    """Element id → id of the process holding it; participant id → its processRef."""
    owners: dict[str, str] = {}
    for process in root.iterfind(".//bpmn:process", NS):
        for node in process.iter():
            if isinstance(node.tag, str) and node.get("id"):
                owners[node.get("id")] = process.get("id")
    for participant in root.iterfind(".//bpmn:participant", NS):
        if participant.get("processRef"):
            owners[participant.get("id")] = participant.get("processRef")
    return owners


def _message_of(root, node_id: str, names: dict[str, str]) -> str | None:
    """The name of the message a node (catch/throw event, send/receive task) refers to."""
    found = root.xpath("//*[@id=$id]", id=node_id)
    if not found:
        return None
    refs = [found[0].get("messageRef")] + found[0].xpath(
        "./bpmn:messageEventDefinition/@messageRef", namespaces=NS)
    return next((names[r] for r in refs if r in names), None)


def message_flows(files: Iterable[bytes]) -> Flows:
    """Every message flow of the files' collaborations, resolved to processes and message names."""
    flows: dict[tuple[str, str], set[str]] = {}
    for content in files:
        root = etree.fromstring(content)
        owners = _owners(root)
        names = {m.get("id"): m.get("name") or m.get("id") for m in root.iterfind(".//bpmn:message", NS)}
        # A pool whose process is not executable is a black box (an outside party, BPMN 2.0
        # §9.2): nothing runs there, so a message flow into it delivers to no instance.
        executable = {p.get("id") for p in root.iterfind(".//bpmn:process", NS)
                      if p.get("isExecutable", "true").strip().lower() != "false"}
        for flow in root.iterfind(".//bpmn:messageFlow", NS):
            source, target = flow.get("sourceRef"), flow.get("targetRef")
            name = (names.get(flow.get("messageRef") or "") or _message_of(root, target, names)
                    or _message_of(root, source, names))
            if name and source in owners and owners.get(target) in executable:
                flows.setdefault((owners[source], name), set()).add(owners[target])
    return {key: frozenset(targets) for key, targets in flows.items()}
