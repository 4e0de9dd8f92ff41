"""The BPMN parser: SpiffWorkflow's extension parser with timers read from the injected clock.

Spiff's timers compare against datetime.now(); ours ask the script engine's clock, so tests and
replays move time with FixedClock and the scheduler decides when instances wake.
"""

from __future__ import annotations

from datetime import UTC

from SpiffWorkflow.bpmn.parser.BpmnParser import full_tag
from SpiffWorkflow.bpmn.parser.event_parsers import EventBasedGatewayParser
from SpiffWorkflow.bpmn.parser.util import first
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
from SpiffWorkflow.spiff.specs.defaults import ReceiveTask, SendTask
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
    messageVariable the payload lands under that name, as before.
    """

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
    """Mixin for event parsers: build clock-driven timers; cycles are refused."""

    def parse_timer_event(self, event):
        """timeDate / timeDuration → clock timers; timeCycle → validation error."""
        name = self.node.get("name", self.node.get("id"))
        description = self.get_event_description(event)
        time_date = first(self.xpath(".//bpmn:timeDate"))
        if time_date is not None:
            return ClockTimeDate(name, time_date.text, description=description)
        duration = first(self.xpath(".//bpmn:timeDuration"))
        if duration is not None:
            return ClockDuration(name, duration.text, description=description)
        if first(self.xpath(".//bpmn:timeCycle")) is not None:
            raise ValidationException(
                "不支持循环定时器 / timeCycle timers are not supported; use timeDate with due()",
                node=self.node, file_name=self.filename)
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
    }

    def __init__(self) -> None:
        # XSD validation of BPMN 2.0 plus the spiffworkflow extension schema.
        super().__init__(validator=VALIDATOR)


__all__ = ["ClockDuration", "ClockTimeDate", "PayloadMessage", "QuanzeBpmnParser"]
