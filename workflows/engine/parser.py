"""The BPMN parser: SpiffWorkflow's extension parser with timers read from the injected clock.

Spiff's timers compare against datetime.now(); ours ask the script engine's clock, so tests and
replays move time with FixedClock and the scheduler decides when instances wake.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from SpiffWorkflow.bpmn.parser.BpmnParser import full_tag
from SpiffWorkflow.bpmn.parser.event_parsers import EventBasedGatewayParser
from SpiffWorkflow.bpmn.parser.util import DEFAULT_NSMAP, first
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.defaults import (
    BoundaryEvent,
    EndEvent,
    EventBasedGateway,
    IntermediateCatchEvent,
    IntermediateThrowEvent,
    StartEvent,
)
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    DurationTimerEventDefinition,
    TimeDateEventDefinition,
    TimerEventDefinition,
)
from SpiffWorkflow.bpmn.util import PendingBpmnEvent
from SpiffWorkflow.spiff.parser.event_parsers import (
    SpiffBoundaryEventParser,
    SpiffEndEventParser,
    SpiffIntermediateCatchEventParser,
    SpiffIntermediateThrowEventParser,
    SpiffReceiveTaskParser,
    SpiffSendTaskParser,
    SpiffStartEventParser,
)
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser
from SpiffWorkflow.spiff.parser.task_spec import SpiffTaskParser, UserTaskParser
from SpiffWorkflow.spiff.specs.defaults import ManualTask, ReceiveTask, SendTask, UserTask
from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition


def _now(my_task):
    return my_task.workflow.script_engine.clock.now().astimezone(UTC)


class ClockTimeDate(TimeDateEventDefinition):
    """A timeDate timer whose expression (e.g. due('working_days', 5)) yields an ISO instant."""

    def has_fired(self, my_task):
        event_value = my_task._get_internal_data("event_value")
        if event_value is None:
            event_value = my_task.workflow.script_engine.evaluate(my_task, self.expression)
            my_task._set_internal_data(event_value=event_value)
        if TimerEventDefinition.get_datetime(event_value) <= _now(my_task):
            my_task._set_internal_data(event_fired=True)
        return my_task._get_internal_data("event_fired", False)


class ClockDuration(DurationTimerEventDefinition):
    """An ISO duration counted in calendar time from the clock (never a legal period)."""

    def has_fired(self, my_task):
        event_value = my_task._get_internal_data("event_value")
        if event_value is None:
            expression = my_task.workflow.script_engine.evaluate(my_task, self.expression)
            parsed = TimerEventDefinition.parse_iso_duration(expression)
            start = _now(my_task)
            event_value = (start + TimerEventDefinition.get_timedelta_from_start(parsed, start)).isoformat()
            my_task._set_internal_data(event_value=event_value)
        if TimerEventDefinition.get_datetime(event_value) <= _now(my_task):
            my_task._set_internal_data(event_fired=True)
        return my_task._get_internal_data("event_fired", False)


class ClockCycle(CycleTimerEventDefinition):
    """A timeCycle counted on the clock: an ISO 8601 repeating interval ("R3/PT24H") or a rule.

    Recurring reminders: each lapse of the interval lets a non-interrupting boundary event or
    a catch fire again, until the repetitions are used up (R/… repeats without end).
    `rule_cycle('<rule key>', start)` names a deadline rule instead: each occurrence is that
    rule's period on the legal calendar counted from the previous one (design.md §4: legal
    periods are data, never ISO durations).
    """

    def _first(self, my_task, now: datetime) -> dict:
        value = my_task.workflow.script_engine.evaluate(my_task, self.expression)
        if isinstance(value, dict):  # rule_cycle(): {"rule", "next", "cycles"}
            return dict(value)
        cycles, start, duration = TimerEventDefinition.parse_iso_recurring_interval(value)
        if not _names_instant(value):
            start = now + duration  # Spiff counts a bare interval from the wall clock
        return {"cycles": cycles, "next": start.isoformat(), "duration": duration.total_seconds()}

    def _after(self, my_task, value: dict, due: datetime) -> str:
        if "rule" in value:
            return my_task.workflow.script_engine.sandbox.helpers["rule_due"](value["rule"], due.isoformat())
        return (due + timedelta(seconds=value["duration"])).isoformat()

    def cycle_complete(self, my_task):
        now = _now(my_task)
        value = my_task._get_internal_data("event_value")
        if value is None:
            value = self._first(my_task, now)
        ready = False
        if value["cycles"] != 0:
            due = datetime.fromisoformat(value["next"])
            if due <= now:
                value["next"] = self._after(my_task, value, due)
                value["cycles"] -= 1
                ready = True
        else:
            my_task.internal_data.pop("event_value", None)
            my_task.internal_data["event_fired"] = True
            return False
        my_task._set_internal_data(event_value=value)
        return ready


def _names_instant(expression: str) -> bool:
    """True when a repeating interval names its start or end instant (not just a duration)."""
    parts = expression.strip().upper().split("/")
    return any(part and not part.startswith("P") and not part.startswith("R") for part in parts)


class GatewayEvents(MultipleEventDefinition):
    """The events behind an event-based gateway; its timer shows in waiting_events().

    Spiff waits on the gateway itself with one combined definition whose details carry no
    instant, so next_wake_at would never see the timer; here the gateway reports the timer's
    instant (stored on the gateway task) under the timer's own type.
    """

    def details(self, my_task):
        for definition in self.event_definitions:
            if isinstance(definition, (ClockTimeDate, ClockDuration)):
                return PendingBpmnEvent(definition.name, type(definition).__name__,
                                        my_task._get_internal_data("event_value"))
        return super().details(my_task)


class PayloadMessage(MessageEventDefinition):
    """A message whose payload a catch without messageVariable merges into its data.

    SpiffWorkflow drops such a payload silently; BPMN engines merge it. With a
    messageVariable the payload lands under that name, as before. Correlation retrieval
    expressions are evaluated in the sandbox like every other expression.
    """

    def calculate_correlations(self, script_engine, cp, ctx):
        """Correlation values through the sandbox (SpiffWorkflow would eval them unguarded)."""
        correlations: dict = {}
        for prop in cp:
            value = script_engine.sandbox.evaluate(prop.retrieval_expression, dict(ctx or {}))
            for key in prop.correlation_keys:
                correlations.setdefault(key, {})[prop.name] = value
        return correlations

    def update_task_data(self, my_task):
        if self.message_var is not None:
            return super().update_task_data(my_task)
        payload = my_task.internal_data.pop(self.name, None)
        if isinstance(payload, dict):
            my_task.data.update(payload)
        return None


class MessageParsing:
    """Mixin for event parsers: messages are PayloadMessage (thrower and catcher alike)."""

    def parse_message_event(self, message_event):
        """Spiff's message definition, re-made as a PayloadMessage."""
        event = super().parse_message_event(message_event)
        return PayloadMessage(event.name, event.correlation_properties,
                              getattr(event, "expression", None),
                              getattr(event, "message_var", None),
                              getattr(event, "process_correlations", None))


class GatewayParser(MessageParsing, EventBasedGatewayParser):
    """Event-based gateways whose timer is visible to the scheduler."""

    def create_task(self):
        return self._create_task(GatewayEvents())


class ClockTimerParsing(MessageParsing):
    """Mixin for event parsers: build clock-driven timers."""

    def parse_timer_event(self, event):
        """timeDate / timeDuration / timeCycle → timers on the engine's clock."""
        name = self.node.get("name", self.node.get("id"))
        description = self.get_event_description(event)
        time_date = first(self.xpath(".//bpmn:timeDate"))
        if time_date is not None:
            return ClockTimeDate(name, time_date.text, description=description)
        duration = first(self.xpath(".//bpmn:timeDuration"))
        if duration is not None:
            return ClockDuration(name, duration.text, description=description)
        cycle = first(self.xpath(".//bpmn:timeCycle"))
        if cycle is not None:
            return ClockCycle(name, cycle.text, description=description)
        raise ValidationException("定时器缺少时间 / timer has no time specification",
                                  node=self.node, file_name=self.filename)


class StartParser(ClockTimerParsing, SpiffStartEventParser):
    """Start events with clock timers."""


class CatchParser(ClockTimerParsing, SpiffIntermediateCatchEventParser):
    """Intermediate catch events with clock timers."""


class BoundaryParser(ClockTimerParsing, SpiffBoundaryEventParser):
    """Boundary events with clock timers."""


class ThrowParser(MessageParsing, SpiffIntermediateThrowEventParser):
    """Intermediate throw events with payload messages."""


class EndParser(MessageParsing, SpiffEndEventParser):
    """End events with payload messages."""


class SendParser(MessageParsing, SpiffSendTaskParser):
    """Send tasks with payload messages."""


class ReceiveParser(MessageParsing, SpiffReceiveTaskParser):
    """Receive tasks with payload messages."""


class PerformerParsing:
    """Mixin for human task parsers: BPMN's potentialOwner / humanPerformer name the role.

    `<bpmn:potentialOwner><bpmn:resourceAssignmentExpression><bpmn:formalExpression>
    township_officer</…>` sets the task's `role` property unless the task sets one itself.
    The id of the task's lane is kept as `lane_id` (SpiffWorkflow keeps only the lane's name,
    and two lanes may share one), so the lane registry finds the declared lane by its id.
    """

    def _lane_id(self) -> str | None:
        node = self.node
        while node is not None and node.get("id"):  # a task in an embedded subprocess: its lane
            found = node.getroottree().getroot().xpath(
                "//bpmn:lane[bpmn:flowNodeRef=$ref]/@id", ref=node.get("id"), namespaces=DEFAULT_NSMAP)
            if found:
                return str(found[0])
            node = node.getparent()
        return None

    def parse_extensions(self, node=None):
        extensions = super().parse_extensions(node)
        if node is not None and node is not self.node:
            return extensions
        lane_id = self._lane_id()
        if lane_id is not None:
            extensions["lane_id"] = lane_id
        for tag in ("potentialOwner", "humanPerformer"):
            found = first(self.xpath(
                f"./bpmn:{tag}/bpmn:resourceAssignmentExpression/bpmn:formalExpression"))
            if found is not None and (found.text or "").strip():
                properties = extensions.setdefault("properties", {})
                properties.setdefault("role", found.text.strip())
                break
        return extensions


class UserParser(PerformerParsing, UserTaskParser):
    """User tasks whose role BPMN's performer elements may name."""


class ManualParser(PerformerParsing, SpiffTaskParser):
    """Manual tasks whose role BPMN's performer elements may name."""


class QuanzeBpmnParser(SpiffBpmnParser):
    """Spiff extensions (properties, service operators, message payloads) + clock timers."""

    OVERRIDE_PARSER_CLASSES = {
        **SpiffBpmnParser.OVERRIDE_PARSER_CLASSES,
        full_tag("startEvent"): (StartParser, StartEvent),
        full_tag("intermediateCatchEvent"): (CatchParser, IntermediateCatchEvent),
        full_tag("boundaryEvent"): (BoundaryParser, BoundaryEvent),
        full_tag("eventBasedGateway"): (GatewayParser, EventBasedGateway),
        full_tag("intermediateThrowEvent"): (ThrowParser, IntermediateThrowEvent),
        full_tag("endEvent"): (EndParser, EndEvent),
        full_tag("sendTask"): (SendParser, SendTask),
        full_tag("receiveTask"): (ReceiveParser, ReceiveTask),
        full_tag("userTask"): (UserParser, UserTask),
        full_tag("manualTask"): (ManualParser, ManualTask),
    }

    def __init__(self) -> None:
        # XSD validation of BPMN 2.0 plus the spiffworkflow extension schema.
        super().__init__(validator=VALIDATOR)


__all__ = ["ClockCycle", "ClockDuration", "ClockTimeDate", "PayloadMessage", "QuanzeBpmnParser"]
