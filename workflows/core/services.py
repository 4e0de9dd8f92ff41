"""Allow-list of side effects a BPMN service task may run (design.md §3: scripts are exec)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session


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


def service_task(name: str):
    """Decorator: mark a function as the service task `name`; registering is the composition root's."""

    def decorate(fn: ServiceFn) -> ServiceFn:
        fn.service_task_name = name
        return fn

    return decorate


def marked_services(*modules) -> dict[str, ServiceFn]:
    """Operator name → function for every @service_task function defined in the modules."""
    found: dict[str, ServiceFn] = {}
    for module in modules:
        for value in vars(module).values():
            name = getattr(value, "service_task_name", None)
            if callable(value) and isinstance(name, str) and value.__module__ == module.__name__:
                found[name] = value
    return found


def registry_of(services: Iterable[tuple[str, ServiceFn]]) -> ServiceRegistry:
    """A registry holding the given (name, function) pairs; a name bound twice is an error."""
    registry = ServiceRegistry()
    for name, fn in services:
        registry.register(name, fn)
    return registry


def services_of(*functions: ServiceFn) -> dict[str, ServiceFn]:
    """Operator name → function for the given @service_task functions (a subset of a module)."""
    found = {getattr(fn, "service_task_name", None): fn for fn in functions}
    if None in found:
        raise ValueError(f"not a service task: {found[None].__qualname__}")
    return found
