"""Allow-list of side effects a BPMN service task may run (design.md §3: scripts are exec)."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

# Modules whose @service_task functions the engine may call; imported by load_service_modules().
SERVICE_MODULES: tuple[str, ...] = (
    "workflows.procedures.grant.steps",
    "workflows.procedures.entrustment.steps",
    "workflows.procedures.evaluation.steps",
    "workflows.procedures.case_handling.steps",
    "workflows.procedures.legal_review.steps",
    "workflows.procedures.crime_transfer.steps",
    "workflows.procedures.case_transfer.steps",
    "workflows.procedures.joint_enforcement.steps",
    "workflows.procedures.mutual_notification.steps",
    "workflows.procedures.work_order.steps",
    "workflows.procedures.duty_access.steps",
)


@dataclass(frozen=True)
class ServiceContext:
    """What a service task receives besides its explicit parameters."""

    session: Session
    clock: object
    instance_id: int | None
    business_key: str | None
    actor_user_id: int | None
    now: datetime
    calendar: object = None  # the engine's legal calendar (LegalCalendar), shared by every step
    effects: list | None = None  # the step's outbox: (fn, args) run after its state is saved

    def after_step(self, fn: Callable, *args) -> None:
        """Run fn(session, engine, *args) once this step's state is saved, in its transaction.

        For effects on other instances (e.g. the hand-over after an accepted transfer): they
        commit or roll back with the step that causes them, never at a later scheduler pass.
        """
        if self.effects is None:
            raise RuntimeError("after_step() needs a service task run by the engine")
        self.effects.append((fn, args))


ServiceFn = Callable[..., object]


class ServiceRegistry:
    """Names → functions; only registered names can be called from BPMN."""

    def __init__(self) -> None:
        self._functions: dict[str, ServiceFn] = {}

    def register(self, name: str, fn: ServiceFn) -> None:
        """Bind an operator name (e.g. 'delegations.apply_grant') to a function."""
        existing = self._functions.get(name)
        if existing is not None and existing is not fn:
            raise ValueError(f"service task {name!r} is already bound to {existing.__qualname__}")
        self._functions[name] = fn

    def get(self, name: str) -> ServiceFn | None:
        """The bound function, or None when the name is not on the allow-list."""
        return self._functions.get(name)

    def names(self) -> set[str]:
        """Every allowed operator name."""
        return set(self._functions)


SERVICES = ServiceRegistry()


def service_task(name: str, registry: ServiceRegistry = SERVICES):
    """Decorator: allow BPMN service tasks named `name` to call this function."""

    def decorate(fn: ServiceFn) -> ServiceFn:
        registry.register(name, fn)
        return fn

    return decorate


def load_service_modules(modules: tuple[str, ...] = SERVICE_MODULES) -> ServiceRegistry:
    """Import the modules that declare service tasks (at the composition root, not at import)."""
    for module in modules:
        importlib.import_module(module)
    return SERVICES
