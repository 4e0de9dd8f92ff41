"""Lanes name roles; instance data names organizations (design.md §3).

A user task's lane picks the role and the data key holding the organization id; the task's
extension properties `role` and `orgKey` override either. The Township lane defaults to the
township leader (乡镇负责人): a township's opinion or acceptance of a power is a decision of the
township government; enforcement work inside a township overrides `role` to township_officer.
"""

from __future__ import annotations

from dataclasses import dataclass

from models import Role
from workflows.errors import QuanzeError

LANE_ROLES: dict[str, tuple[Role, str]] = {
    "CountyDepartment": (Role.COUNTY_OFFICER, "department_id"),
    "Township": (Role.TOWNSHIP_LEADER, "township_id"),
    "LegalReviewer": (Role.LEGAL_REVIEWER, "reviewer_org_id"),
    "CountyGovernment": (Role.COUNTY_APPROVER, "county_government_id"),
}


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


def _role_and_key(task_spec) -> tuple[str | None, str | None]:
    props = _properties(task_spec)
    role, key = LANE_ROLES.get(task_spec.lane or "", (None, None))
    return props.get("role", role), props.get("orgKey", key)


def assignment_problem(task_spec) -> str | None:
    """Why a human task could never be assigned, or None (checked by `quanze bpmn check`)."""
    if not getattr(task_spec, "manual", False):
        return None
    role, key = _role_and_key(task_spec)
    if role is None or key is None:
        return (f"泳道 {task_spec.lane!r} 无对应角色，且未设置 role/orgKey 属性 / lane "
                f"{task_spec.lane!r} maps to no role and the task sets no role/orgKey property")
    if role not in {r.value for r in Role}:
        return f"未知角色 / unknown role: {role}"
    return None


def assign(task_spec, data: dict) -> Assignment:
    """The role and organization for a ready user task, from its lane, properties and data."""
    role, key = _role_and_key(task_spec)
    problem = assignment_problem(task_spec)
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
        role=role,
        organization_id=org_id,
        title=props.get("title") or task_spec.bpmn_name or task_spec.name,
        needs_certificate=props.get("needsCertificate", "").lower() == "true",
        form_key=props.get("formKey"),
        due_expression=props.get("due"),
    )
