"""What a conformance construct is: its BPMN files, start data and the inputs that drive it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta


@dataclass(frozen=True)
class Construct:
    """One BPMN construct: the main file (process id from its first process), inputs, data."""

    name: str
    xml: str
    actions: list
    start: dict = field(default_factory=dict)
    extra_files: dict = field(default_factory=dict)  # file name → xml (called processes)

    @property
    def process_id(self) -> str:
        return self.xml.split('<bpmn:process id="', 1)[1].split('"', 1)[0]


def complete(task: str, **data) -> tuple:
    """Complete the ready human task `task` with `data`."""
    return ("complete", task, data)


def advance(hours: float) -> tuple:
    """Move the clock and let due timers fire."""
    return ("advance", timedelta(hours=hours))


def send(name: str, **payload) -> tuple:
    """Deliver message `name` with `payload` to the instance."""
    return ("message", name, payload)
