"""Lanes name roles; instance data names organizations (design.md §3).

A user task's lane picks the role and the data key holding the organization id through the
engine's LaneRegistry (built from the procedure declarations; a configured default covers
lanes no declaration names). BPMN's potentialOwner / humanPerformer (parser.PerformerParsing)
and the task's extension properties `role` and `orgKey` override either; `roleByOrgKind`
("township:township_officer,county_department:county_officer") picks the role by the kind of the
organization the data names, so one step serves a township or a county department.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select

from models import Organization, OrgKind, Role
from workflows.core.errors import QuanzeError
from workflows.core.forms import EMPTY_FORM, FormRegistry
from workflows.core.lanes import LaneRegistry, LaneRule

OrgKindLookup = Callable[[int], str | None]
NO_LANES = LaneRegistry()  # no declarations, no default: every task names its role and orgKey
KINDS = frozenset(k.value for k in OrgKind)  # built once: assign() checks every ready task
ROLES = frozenset(r.value for r in Role)


class AssignmentError(QuanzeError):
    """A user task cannot be assigned: unknown role or no organization in the data."""

    status = 422
    code = "assignment_failed"


@dataclass(frozen=True)
class Assignment:
    """Who must act on a user task."""

    lane: str | None
    role: str
    organization_id: int
    title: str
    needs_certificate: bool
    form_key: str | None
    due_expression: str | None


def _properties(task_spec) -> dict:
    return (getattr(task_spec, "extensions", None) or {}).get("properties", {}) or {}


def process_of(task_spec) -> str | None:
    """The id of the process that defines the task (a called process has its own lanes)."""
    return getattr(getattr(task_spec, "_wf_spec", None), "name", None)


def lane_rule(task_spec, lanes: LaneRegistry) -> LaneRule | None:
    """The rule of the task's lane (by lane id, then name), else the registry's default."""
    lane_id = (getattr(task_spec, "extensions", None) or {}).get("lane_id")
    return lanes.rule_for(process_of(task_spec), lane_id, task_spec.lane)


def _role_and_key(task_spec, lanes: LaneRegistry) -> tuple[str | None, str | None]:
    props = _properties(task_spec)
    rule = lane_rule(task_spec, lanes)
    role, key = (rule.role, rule.org_key) if rule is not None else (None, None)
    return props.get("role", role), props.get("orgKey", key)


def roles_by_org_kind(task_spec) -> dict[str, str]:
    """The `roleByOrgKind` property as {organization kind: role} ('kind:role,kind:role')."""
    raw = _properties(task_spec).get("roleByOrgKind", "")
    pairs = (part.partition(":") for part in raw.split(",") if part.strip())
    return {kind.strip(): role.strip() for kind, _, role in pairs}


def _by_kind_problem(by_kind: dict[str, str]) -> str | None:
    kinds, roles = KINDS, ROLES
    for kind, role in by_kind.items():
        if kind not in kinds:
            return f"roleByOrgKind 中未知机构类型 / unknown organization kind in roleByOrgKind: {kind!r}"
        if role not in roles:
            return f"roleByOrgKind 中未知角色 / unknown role in roleByOrgKind: {role!r}"
    return None


def assignment_problem(task_spec, lanes: LaneRegistry = NO_LANES) -> str | None:
    """Why a human task could never be assigned, or None (checked by `quanze bpmn check`)."""
    if not getattr(task_spec, "manual", False):
        return None
    role, key = _role_and_key(task_spec, lanes)
    by_kind = roles_by_org_kind(task_spec)
    if (role is None and not by_kind) or key is None:
        return (f"泳道 {task_spec.lane!r} 未在流程声明中映射角色与机构数据键，且任务未设置 role/orgKey "
                f"属性 / lane {task_spec.lane!r} maps to no role and organization key (declare it in "
                f"the procedure's lanes or configure a default lane) and the task sets no role/orgKey")
    if role is not None and role not in ROLES:
        return f"未知角色 / unknown role: {role}"
    return _by_kind_problem(by_kind)


def org_kind_lookup(connection) -> OrgKindLookup:
    """Organization id → its kind, read on the step's connection."""
    organizations = Organization.__table__

    def kind_of(org_id: int) -> str | None:
        found = connection.execute(
            select(organizations.c.kind).where(organizations.c.id == org_id)).scalar()
        return None if found is None else str(found)

    return kind_of


def _role_for(task_spec, role: str | None, org_id: int, org_kind: OrgKindLookup | None) -> str:
    """The declared role for the organization's kind, else the lane's or `role` property."""
    by_kind = roles_by_org_kind(task_spec)
    if by_kind and org_kind is not None:
        kind = org_kind(org_id)
        if kind in by_kind:
            return by_kind[kind]
    if role is None:
        raise AssignmentError(
            f"任务 {task_spec.name} 未为机构 {org_id} 的类型声明角色 / task {task_spec.name} "
            f"declares no role for the kind of organization {org_id}",
            task=task_spec.name, organization_id=org_id)
    return role


def own_form_key(task_spec, forms: FormRegistry | None) -> str | None:
    """'process.task' of the task's own process when a form is registered there.

    A task inside a called process (e.g. legal_review) finds its form under that process,
    not under the instance's top process; other tasks keep the top-process lookup.
    """
    process = process_of(task_spec)
    if process and forms is not None and forms.form_for(process, task_spec.name) is not EMPTY_FORM:
        return f"{process}.{task_spec.name}"
    return None


def assign(task_spec, data, org_kind: OrgKindLookup | None = None,
           forms: FormRegistry | None = None, lanes: LaneRegistry = NO_LANES) -> Assignment:
    """The role and organization for a ready user task, from its lane, properties and data."""
    role, key = _role_and_key(task_spec, lanes)
    problem = assignment_problem(task_spec, lanes)
    if problem:
        raise AssignmentError(problem, task=task_spec.name)
    org_id = data.get(key)
    if isinstance(org_id, bool) or not isinstance(org_id, int):
        raise AssignmentError(
            f"任务 {task_spec.name} 需要数据 {key}（机构编号）/ task {task_spec.name} needs "
            f"an organization id in data key {key!r}", task=task_spec.name, key=key)
    props = _properties(task_spec)
    return Assignment(
        lane=task_spec.lane,
        role=_role_for(task_spec, role, org_id, org_kind),
        organization_id=org_id,
        title=props.get("title") or task_spec.bpmn_name or task_spec.name,
        needs_certificate=props.get("needsCertificate", "").lower() == "true",
        form_key=props.get("formKey") or own_form_key(task_spec, forms),
        due_expression=props.get("due") or declared_due(task_spec, forms),
    )


def declared_due(task_spec, forms: FormRegistry | None) -> str | None:
    """The due expression the task's declared form gives, when its BPMN file gives none."""
    if forms is None:
        return None
    return forms.form_for(process_of(task_spec) or "", task_spec.name).due
