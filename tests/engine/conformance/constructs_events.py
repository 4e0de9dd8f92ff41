"""Conformance constructs with events: timers, messages, signals, errors, escalations, calls."""

from __future__ import annotations

from tests.engine.conformance.kit import (
    boundary,
    catch,
    chain,
    flow,
    line,
    message,
    process,
    script,
    sub,
    throw,
    timer,
    user,
)
from tests.engine.conformance.model import Construct, advance, complete, send

MSG = '<bpmn:message id="m_go" name="go"/>'


def _guarded(pid: str, guard: str, head: str = "", after_task: str = "") -> str:
    """start → task `wait` (with boundary `guard`) → end; the boundary leads to `alt` → end2."""
    return process(pid, (
        '<bpmn:startEvent id="start"/>' + user("wait") + guard
        + script("alt", "took_alt = True") + '<bpmn:endEvent id="end"/><bpmn:endEvent id="end2"/>'
        + chain("f", ["start", "wait", "end"]) + flow("b1", "guard", "alt") + flow("b2", "alt", "end2")
        + after_task), head)


TIMER_INTERRUPTING = Construct(
    "boundary_timer_interrupting",
    _guarded("cf_bt_int", boundary("guard", "wait", timer("timeDuration", '"PT2H"'))),
    [advance(1), advance(2)])

TIMER_NON_INTERRUPTING = Construct(
    "boundary_timer_non_interrupting",
    _guarded("cf_bt_non", boundary("guard", "wait", timer("timeDuration", '"PT2H"'), False)),
    [advance(3), complete("wait")])

TIME_CYCLE = Construct(
    "boundary_time_cycle",
    _guarded("cf_cycle", boundary("guard", "wait", timer("timeCycle", '"R2/PT1H"'), False)),
    [advance(1.5), advance(1), advance(1), complete("wait")])

RULE_CYCLE = Construct(  # a cycle named by a deadline rule: the legal calendar, not ISO durations
    "boundary_rule_cycle",
    _guarded("cf_rule_cycle", boundary("guard", "wait", timer(
        "timeCycle", "rule_cycle('apl48_withdraw_publication', start_at, 2)"), False)),
    [advance(24 * 12), advance(24 * 5), advance(24 * 5), complete("wait")],
    start={"start_at": "2026-03-02T09:00:00+08:00"})

MESSAGE_BOUNDARY = Construct(
    "boundary_message_interrupting",
    _guarded("cf_bm", boundary("guard", "wait", message("m_go", variable="go")), MSG),
    [send("go", reason="withdrawn")])

INTERMEDIATE_TIMER = Construct(
    "intermediate_timer", line("cf_itimer", [
        ("t", catch("t", timer("timeDate", '"2026-03-02T04:00:00+00:00"'))),
        ("after", script("after", "waited = True"))]),
    [advance(2), advance(2)])

MESSAGE_CATCH = Construct(
    "message_catch_merge_and_variable", line("cf_msg", [
        ("c1", catch("c1", message("m_go", variable="first"))),
        ("c2", catch("c2", message("m_go"))), ("after", script("after", "got = second_key"))], MSG),
    [send("go", n=1), send("go", second_key="b")])

def _thrown_to_self(pid: str, caught: str, thrown: str, head: str) -> str:
    """One branch waits for an event the other throws after a human task."""
    return process(pid, (
        '<bpmn:startEvent id="start"/><bpmn:parallelGateway id="split"/>' + catch("c", caught)
        + user("prepare") + throw("t", thrown)
        + '<bpmn:parallelGateway id="join"/><bpmn:endEvent id="end"/>'
        + flow("a", "start", "split") + flow("b", "split", "c") + flow("c1", "split", "prepare")
        + flow("d", "prepare", "t") + flow("e", "c", "join") + flow("g", "t", "join")
        + flow("h", "join", "end")), head)


SIGNAL = '<bpmn:signalEventDefinition signalRef="sig"/>'

MESSAGE_THROW_CATCH = Construct(
    "message_throw_and_catch_inside", _thrown_to_self(
        "cf_msg_inside", message("m_go", variable="got"),
        message("m_go", payload='{"amount": amount}'), MSG),
    [complete("prepare")], start={"amount": 7})

EVENT_GATEWAY = Construct(
    "event_based_gateway", process("cf_evgw", (
        '<bpmn:startEvent id="start"/><bpmn:eventBasedGateway id="gw"/>'
        + catch("msg", message("m_go", variable="go")) + catch("late", timer("timeDuration", '"PT4H"'))
        + script("on_msg", "path = 'message'") + script("on_time", "path = 'timer'")
        + '<bpmn:endEvent id="end"/><bpmn:endEvent id="end2"/>'
        + flow("a", "start", "gw") + flow("b", "gw", "msg") + flow("c", "gw", "late")
        + chain("m", ["msg", "on_msg", "end"]) + chain("t", ["late", "on_time", "end2"])), MSG),
    [advance(1), advance(4)])

SIGNALS = Construct(
    "signal_throw_and_catch",
    _thrown_to_self("cf_signal", SIGNAL, SIGNAL, '<bpmn:signal id="sig" name="sig"/>'),
    [complete("prepare")])

def _caught_on_sub(pid: str, inner: list, caught: str, interrupting: bool, handler: str,
                   head: str, end: str = "") -> str:
    """A subprocess with a boundary event; the boundary path runs `handler` to its own end."""
    return process(pid, (
        '<bpmn:startEvent id="start"/>' + sub("inner", inner, end=end)
        + boundary("caught", "inner", caught, interrupting) + script("handle", handler)
        + '<bpmn:endEvent id="end"/><bpmn:endEvent id="end2"/>'
        + chain("f", ["start", "inner", "end"]) + chain("e", ["caught", "handle", "end2"])), head)


ERR = '<bpmn:errorEventDefinition errorRef="err"/>'
ESC = '<bpmn:escalationEventDefinition escalationRef="esc"/>'

ERROR = Construct(
    "error_boundary_on_subprocess", _caught_on_sub(
        "cf_error", [("work", user("work"))], ERR, True, "handled = True",
        '<bpmn:error id="err" name="err" errorCode="E1"/>', end=ERR),
    [complete("work")])

ESCALATION = Construct(
    "escalation_boundary_non_interrupting", _caught_on_sub(
        "cf_escalation", [("raise", throw("raise", ESC)), ("work", user("work"))], ESC, False,
        "escalated = True", '<bpmn:escalation id="esc" name="esc" escalationCode="X1"/>'),
    [complete("work")])

EVENT_SUBPROCESS = Construct(
    "event_subprocess_message_start", process("cf_evsub", (
        '<bpmn:startEvent id="start"/>' + user("wait") + '<bpmn:endEvent id="end"/>'
        + chain("f", ["start", "wait", "end"])
        + '<bpmn:subProcess id="on_cancel" triggeredByEvent="true">'
          '<bpmn:startEvent id="es" isInterrupting="true">' + message("m_go", variable="why")
        + '</bpmn:startEvent>' + script("record", "cancelled = True")
        + '<bpmn:endEvent id="ee"/>' + chain("g", ["es", "record", "ee"]) + "</bpmn:subProcess>"), MSG),
    [send("go", reason="withdrawn"), complete("wait")])

CALLEE = process("cf_callee", '<bpmn:startEvent id="cs"/>' + user("called_work")
                 + script("called_calc", "from_callee = True") + '<bpmn:endEvent id="ce"/>'
                 + chain("f", ["cs", "called_work", "called_calc", "ce"]))

CALL_ACTIVITY = Construct(
    "call_activity", line("cf_caller", [
        ("call", '<bpmn:callActivity id="call" calledElement="cf_callee"/>'),
        ("after", script("after", "back = from_callee"))]),
    [complete("called_work")], extra_files={"cf_callee.bpmn": CALLEE})

EVENTS = [TIMER_INTERRUPTING, TIMER_NON_INTERRUPTING, TIME_CYCLE, RULE_CYCLE, MESSAGE_BOUNDARY,
          INTERMEDIATE_TIMER, MESSAGE_CATCH, MESSAGE_THROW_CATCH, EVENT_GATEWAY, SIGNALS, ERROR,
          ESCALATION, EVENT_SUBPROCESS, CALL_ACTIVITY]
