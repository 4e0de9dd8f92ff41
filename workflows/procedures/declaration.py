"""What a procedure is: one frozen declaration per BPMN process id, read by every registry."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from models import OrgKind, Role
from workflows.core.forms import EMPTY_FORM, Form, FormRegistry
from workflows.core.services import ServiceFn, ServiceRegistry, registry_of

# A user task declared without a form (the task is a plain acknowledgement); never "forgotten".
FORMLESS: Form = EMPTY_FORM
StartRule = tuple[Role, OrgKind]  # a role held in a kind of organization (design.md §5)
MENU, CASE, OWN_PAGE = "menu", "case", "own_page"


@dataclass(frozen=True)
class Started:
    """What a start created."""

    procedure: str
    instance_id: int | None
    case_id: int | None = None
    record_id: int | None = None


@dataclass(frozen=True)
class Start:
    """How a procedure is started: by whom, from where, through which function.

    `key` names the start in URLs, the start rules and the labels (case_filing starts
    case_handling); `run(session, engine, user, principal, data[, case]) -> Started` is the one
    service call a start page or endpoint makes; own-page starts (grant, entrustment) have theirs.
    """

    key: str
    who: tuple[StartRule, ...]
    entry: Callable  # the workflows function that creates the instance (and its record)
    place: str = MENU
    run: Callable[..., Started] | None = None
    summary: str = ""
    label_zh: str = ""  # when the start has a name of its own (立案 starts 案件办理)
    label_en: str = ""

    def __post_init__(self) -> None:
        if self.place not in (MENU, CASE, OWN_PAGE):
            raise ValueError(f"unknown start place {self.place!r} for {self.key}")
        if self.place != OWN_PAGE and self.run is None:
            raise ValueError(f"start {self.key} on the {self.place} needs a run function")


def _frozen(mapping: Mapping | None) -> Mapping:
    return MappingProxyType(dict(mapping or {}))


@dataclass(frozen=True)
class Procedure:
    """One BPMN process: its file, labels, forms, service tasks, rule keys, lanes and start."""

    id: str  # = the BPMN process id
    package: str  # workflows.procedures.<package>
    bpmn: str  # file name in bpmn/
    label_zh: str
    label_en: str
    forms: Mapping[str, Form] = field(default_factory=dict)  # user task id → form (or FORMLESS)
    services: Mapping[str, ServiceFn] = field(default_factory=dict)  # operator name → function
    rule_keys: tuple[str, ...] = ()  # deadline_rules.json keys the BPMN or its steps use
    lanes: Mapping[str, tuple[Role, ...]] = field(default_factory=dict)  # lane id → roles acting in it
    start: Start | None = None  # None: only ever called or started by another procedure
    # User tasks after all of which the instance's documents are public (公布: 委托书由双方公布,
    # 行政处罚法 第20条; 赋权决定应当公布, 第24条), before the term begins.
    publications: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name in ("forms", "services", "lanes"):
            object.__setattr__(self, name, _frozen(getattr(self, name)))
        object.__setattr__(self, "rule_keys", tuple(sorted(set(self.rule_keys))))


def service_registry(procedures: Iterable[Procedure]) -> ServiceRegistry:
    """Every procedure's service tasks in one allow-list (a name bound twice is an error)."""
    return registry_of((name, fn) for p in procedures for name, fn in p.services.items())


def form_registry(procedures: Iterable[Procedure]) -> FormRegistry:
    """Every procedure's user-task forms, keyed by (process id, task id)."""
    forms = FormRegistry()
    for p in procedures:
        for task, form in p.forms.items():
            forms.register(p.id, task, form)
    return forms
