"""What a procedure is: one frozen declaration per BPMN process id, read by every registry."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from models import OrgKind, Role
from workflows.core.forms import EMPTY_FORM, Form, FormRegistry
from workflows.core.lanes import LaneRegistry, LaneRule
from workflows.core.pickers import Picker
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


@dataclass(frozen=True)
class Lane:
    """A lane of the procedure's BPMN: its tasks' role and the data key naming their organization.

    `role` goes to a task that names none itself; `org_key` is the instance-data key holding
    the organization id (a task's orgKey property overrides it); `also` lists further roles its
    tasks may name (role / roleByOrgKind), so `quanze bpmn check` knows every role acting in it.
    """

    role: Role
    org_key: str
    also: tuple[Role, ...] = ()

    @property
    def roles(self) -> tuple[Role, ...]:
        """Every role acting in the lane, the default first."""
        return (self.role, *self.also)


# The lanes the delegation procedures share. A township's opinion on or acceptance of a power
# is a decision of the township government, so its lane goes to the township leader (乡镇负责人);
# enforcement work inside a township names township_officer on the task or in its own lane.
TOWNSHIP_GOVERNMENT = Lane(Role.TOWNSHIP_LEADER, "township_id")
COUNTY_DEPARTMENT = Lane(Role.COUNTY_OFFICER, "department_id")
LEGAL_REVIEWER = Lane(Role.LEGAL_REVIEWER, "reviewer_org_id")
COUNTY_GOVERNMENT = Lane(Role.COUNTY_APPROVER, "county_government_id")


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
    lanes: Mapping[str, Lane] = field(default_factory=dict)  # lane id → its role and organization key
    start: Start | None = None  # None: only ever called or started by another procedure
    # User tasks after all of which the instance's documents are public (公布: 委托书由双方公布,
    # 行政处罚法 第20条; 赋权决定应当公布, 第24条), before the term begins.
    publications: tuple[str, ...] = ()
    # User task id → why no period runs for it (the article that sets none). Every other user
    # task carries a due date (its BPMN `due` property or its form's `due`); `quanze bpmn check` says so.
    no_deadline: Mapping[str, str] = field(default_factory=dict)
    # Sources of the choices its person and organization fields offer (Field.source names one).
    pickers: tuple[Picker, ...] = ()

    def __post_init__(self) -> None:
        for name in ("forms", "services", "lanes", "no_deadline"):
            object.__setattr__(self, name, _frozen(getattr(self, name)))
        for task, reason in self.no_deadline.items():
            if not isinstance(reason, str) or not reason.strip():
                raise ValueError(f"task {task!r} of {self.id} is declared without deadline but gives no reason")
        for lane_id, lane in self.lanes.items():
            if not isinstance(lane, Lane):
                raise TypeError(f"lane {lane_id!r} of {self.id} must be a Lane(role, org_key), not {lane!r}")
        object.__setattr__(self, "rule_keys", tuple(sorted(set(self.rule_keys))))


def service_registry(procedures: Iterable[Procedure]) -> ServiceRegistry:
    """Every procedure's service tasks in one allow-list (a name bound twice is an error)."""
    return registry_of((name, fn) for p in procedures for name, fn in p.services.items())


def lane_registry(procedures: Iterable[Procedure], default: LaneRule | None = None) -> LaneRegistry:
    """Every procedure's lanes, keyed by (process id, lane id); `default` covers the rest."""
    lanes = LaneRegistry(default)
    for p in procedures:
        for lane_id, lane in p.lanes.items():
            lanes.register(p.id, lane_id, LaneRule(lane.role.value, lane.org_key))
    return lanes


def form_registry(procedures: Iterable[Procedure]) -> FormRegistry:
    """Every procedure's user-task forms, keyed by (process id, task id), with their pickers."""
    forms = FormRegistry()
    for p in procedures:
        for task, form in p.forms.items():
            forms.register(p.id, task, form)
        for picker in p.pickers:
            forms.register_picker(picker)
    missing = forms.unknown_sources()
    if missing:
        raise ValueError(f"pick fields name no declared picker: {', '.join(missing)}")
    return forms
