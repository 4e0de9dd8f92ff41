"""Building blocks of the conformance files: a user task anyone of the department may do, etc."""

from __future__ import annotations

from tests.support.bpmn_build import bpmn_file, chain, flow

ROLE = ('<bpmn:extensionElements><spiffworkflow:properties>'
        '<spiffworkflow:property name="role" value="county_officer"/>'
        '<spiffworkflow:property name="orgKey" value="department_id"/>'
        '</spiffworkflow:properties></bpmn:extensionElements>')


def user(node_id: str, inner: str = "", tag: str = "userTask") -> str:
    """A human task for the department's officers (no lane needed)."""
    return f'<bpmn:{tag} id="{node_id}">{ROLE}{inner}</bpmn:{tag}>'


def script(node_id: str, source: str, before: str = "") -> str:
    """A script task (`before`: loop characteristics or data associations)."""
    return f'<bpmn:scriptTask id="{node_id}">{before}<bpmn:script>{source}</bpmn:script></bpmn:scriptTask>'


def timer(kind: str, expression: str) -> str:
    """A timer event definition (kind: timeDuration, timeDate, timeCycle)."""
    return f"<bpmn:timerEventDefinition><bpmn:{kind}>{expression}</bpmn:{kind}></bpmn:timerEventDefinition>"


def catch(node_id: str, definition: str) -> str:
    return f'<bpmn:intermediateCatchEvent id="{node_id}">{definition}</bpmn:intermediateCatchEvent>'


def throw(node_id: str, definition: str) -> str:
    return f'<bpmn:intermediateThrowEvent id="{node_id}">{definition}</bpmn:intermediateThrowEvent>'


def boundary(node_id: str, on: str, definition: str, interrupting: bool = True) -> str:
    flag = "true" if interrupting else "false"
    return (f'<bpmn:boundaryEvent id="{node_id}" attachedToRef="{on}" cancelActivity="{flag}">'
            f'{definition}</bpmn:boundaryEvent>')


def message(ref: str, payload: str | None = None, variable: str | None = None) -> str:
    ext = ""
    if payload:
        ext = f"<spiffworkflow:messagePayload>{payload}</spiffworkflow:messagePayload>"
    if variable:
        ext = f"<spiffworkflow:messageVariable>{variable}</spiffworkflow:messageVariable>"
    ext = f"<bpmn:extensionElements>{ext}</bpmn:extensionElements>" if ext else ""
    return f'<bpmn:messageEventDefinition messageRef="{ref}">{ext}</bpmn:messageEventDefinition>'


def process(pid: str, body: str, head: str = "") -> str:
    """One executable process in its own file."""
    return bpmn_file(f'<bpmn:process id="{pid}" isExecutable="true">{body}</bpmn:process>', head)


def line(pid: str, nodes: list[tuple[str, str]], head: str = "", extra: str = "") -> str:
    """start → nodes in order → end; `nodes` are (id, xml)."""
    ids = ["start", *(i for i, _ in nodes), "end"]
    body = ('<bpmn:startEvent id="start"/>' + "".join(x for _, x in nodes)
            + '<bpmn:endEvent id="end"/>' + chain("f", ids) + extra)
    return process(pid, body, head)


def sub(node_id: str, nodes: list[tuple[str, str]], tag: str = "subProcess", attrs: str = "",
        end: str = "") -> str:
    """An embedded subprocess (or transaction) start → nodes → end."""
    ids = [f"{node_id}_s", *(i for i, _ in nodes), f"{node_id}_e"]
    return (f'<bpmn:{tag} id="{node_id}"{attrs}><bpmn:startEvent id="{node_id}_s"/>'
            + "".join(x for _, x in nodes) + f'<bpmn:endEvent id="{node_id}_e">{end}</bpmn:endEvent>'
            + chain(f"{node_id}_f", ids) + f"</bpmn:{tag}>")


__all__ = ["boundary", "catch", "chain", "flow", "line", "message", "process", "script", "sub",
           "throw", "timer", "user"]
