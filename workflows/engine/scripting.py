"""SpiffWorkflow's script engine replaced by the sandbox, the injected clock and calendar."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Protocol

from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine

from workflows.core.clock import end_of_legal_day, legal_date, start_of_legal_day
from workflows.core.errors import QuanzeError
from workflows.core.services import ServiceContext, ServiceRegistry
from workflows.deadlines.periods import make_rule_due, shipped_rule_periods
from workflows.engine.sandbox import Sandbox


class PeriodLike(Protocol):
    """What a calendar returns: at least the instant a period ends."""

    due_at: datetime


class Calendar(Protocol):
    """workflows.calendar.legal_calendar.LegalCalendar satisfies this (units: working_days, …)."""

    def due(self, start: datetime, amount: int, unit: str) -> PeriodLike: ...


@dataclass
class StepContext:
    """Who and what a step runs for; service tasks receive it as a ServiceContext."""

    session: object = None
    instance_id: int | None = None
    business_key: str | None = None
    actor_user_id: int | None = None
    effects: list = field(default_factory=list)  # after_step() outbox of its service tasks


class UnknownService(QuanzeError):
    """A service task names an operator that is not on the allow-list."""

    status = 500
    code = "unknown_service"


def build_helpers(clock, calendar: Calendar | None) -> dict:
    """The named helpers every script, condition and timer expression may call."""
    by_rule = make_rule_due(shipped_rule_periods(), calendar, clock)

    def now() -> str:
        return clock.now().isoformat()

    def today() -> str:
        return clock.today().isoformat()

    def due(unit: str, amount: int, start: str | None = None) -> str:
        if calendar is None:
            raise QuanzeError("未配置法定日历 / no legal calendar configured for due()")
        begin = datetime.fromisoformat(start) if start else clock.now()
        return calendar.due(begin, amount, unit).due_at.isoformat()

    def rule_due(rule_key: str, start_iso: str | None = None) -> str:
        # Legal periods are data (design.md §4): the rule file names amount and unit.
        if calendar is None:
            raise QuanzeError("未配置法定日历 / no legal calendar configured for rule_due()")
        return by_rule(rule_key, start_iso)

    def rule_cycle(rule_key: str, start_iso: str | None = None, repetitions: int = -1) -> dict:
        # A timeCycle named by a rule (grant_evaluation_cycle): the first occurrence is the
        # rule's period from start_iso, each next one the period from the previous occurrence.
        first = rule_due(rule_key, start_iso)
        if rule_due(rule_key, first) <= first:
            raise QuanzeError(f"规则 {rule_key} 倒算，不能作为周期 / rule {rule_key} counts back and "
                              "cannot drive a cycle", rule_key=rule_key)
        if isinstance(repetitions, bool) or not isinstance(repetitions, int) or repetitions == 0 or repetitions < -1:
            raise QuanzeError(f"重复次数无效 / repetitions must be a positive count or -1 (no end): {repetitions!r}")
        return {"rule": rule_key, "next": first, "cycles": repetitions}

    def end_of_day(iso_date: str) -> str:
        return end_of_legal_day(date.fromisoformat(iso_date[:10])).isoformat()

    def start_of_day(iso_date: str) -> str:
        return start_of_legal_day(date.fromisoformat(iso_date[:10])).isoformat()

    def add_days(iso_date: str, n: int) -> str:
        return (date.fromisoformat(iso_date[:10]) + timedelta(days=n)).isoformat()

    def to_legal_date(iso_instant: str) -> str:
        return legal_date(datetime.fromisoformat(iso_instant)).isoformat()

    return {
        "now": now, "today": today, "due": due, "rule_due": rule_due, "rule_cycle": rule_cycle,
        "end_of_day": end_of_day,
        "start_of_day": start_of_day, "add_days": add_days, "legal_date": to_legal_date,
    }


class QuanzeScriptEngine(PythonScriptEngine):
    """Evaluates through the sandbox; service tasks call only allow-listed functions."""

    def __init__(self, sandbox: Sandbox, clock, services: ServiceRegistry,
                 step: StepContext | None = None, calendar: Calendar | None = None) -> None:
        super().__init__(environment=None)
        self.sandbox = sandbox
        self.clock = clock
        self.calendar = calendar
        self.services = services
        self.step = step or StepContext()

    def validate(self, expression):
        """Checked by the sandbox when first compiled."""
        self.sandbox.compiled(expression, "exec")

    def evaluate(self, task, expression, external_context=None):
        """An expression over the task's data, with helpers and no builtins."""
        return self.sandbox.evaluate(expression, task.data, external_context)

    def execute(self, task, script, external_context=None):
        """A script task: changes the task's data only."""
        self.sandbox.execute(script, task.data, external_context)
        return True

    def call_service(self, task, operation_name=None, operation_params=None, **_):
        """Run an allow-listed `workflows` function with the step's session and clock."""
        fn = self.services.get(operation_name)
        if fn is None:
            raise UnknownService(
                f"服务任务未登记：{operation_name} / service task not allowed: {operation_name}",
                task=task.task_spec.name,
            )
        params = {name: p["value"] for name, p in (operation_params or {}).items()}
        ctx = ServiceContext(
            session=self.step.session, clock=self.clock, instance_id=self.step.instance_id,
            business_key=self.step.business_key, actor_user_id=self.step.actor_user_id,
            now=self.clock.now(), calendar=self.calendar, effects=self.step.effects,
        )
        # Spiff json.loads the answer; a non-JSON-native result fails here, loudly.
        return json.dumps(fn(ctx, **params))
