"""One package per procedure, named as its BPMN file, and the one list of all procedures.

`ALL` is the only place that names every procedure: the service and form registries, the start
rules, the start pages and API endpoints, the labels and the inbox filter are derived from it.
"""

from __future__ import annotations

import os

from workflows.accounts import access
from workflows.core.forms import FormRegistry
from workflows.core.lanes import LaneRegistry, LaneRule
from workflows.core.services import ServiceRegistry
from workflows.engine import Engine
from workflows.procedures.case_handling.declaration import PROCEDURE as CASE_HANDLING
from workflows.procedures.case_measures.declaration import PROCEDURE as CASE_MEASURES
from workflows.procedures.case_transfer.declaration import RECEIVE as CASE_TRANSFER_RECEIVE
from workflows.procedures.case_transfer.declaration import SEND as CASE_TRANSFER_SEND
from workflows.procedures.clue_verification.declaration import PROCEDURE as CLUE_VERIFICATION
from workflows.procedures.crime_transfer.declaration import PROCEDURE as CRIME_TRANSFER
from workflows.procedures.declaration import (
    CASE,
    MENU,
    OWN_PAGE,
    Lane,
    Procedure,
    Start,
    form_registry,
    lane_registry,
    service_registry,
)
from workflows.procedures.duty_access.declaration import PROCEDURE as DUTY_ACCESS
from workflows.procedures.entrustment.declaration import PROCEDURE as ENTRUSTMENT
from workflows.procedures.evaluation.declaration import PROCEDURE as EVALUATION
from workflows.procedures.grant.declaration import PROCEDURE as GRANT
from workflows.procedures.joint_enforcement.declaration import PROCEDURE as JOINT_ENFORCEMENT
from workflows.procedures.legal_review.declaration import PROCEDURE as LEGAL_REVIEW
from workflows.procedures.mutual_notification.declaration import PROCEDURE as MUTUAL_NOTIFICATION
from workflows.procedures.summary_penalty.declaration import PROCEDURE as SUMMARY_PENALTY
from workflows.procedures.work_order.declaration import PROCEDURE as WORK_ORDER

# The order is the start menu's order.
ALL: tuple[Procedure, ...] = (
    ENTRUSTMENT, GRANT, DUTY_ACCESS, EVALUATION, CLUE_VERIFICATION, CASE_HANDLING, SUMMARY_PENALTY, LEGAL_REVIEW, CRIME_TRANSFER,
    CASE_TRANSFER_SEND, CASE_TRANSFER_RECEIVE, CASE_MEASURES, JOINT_ENFORCEMENT, MUTUAL_NOTIFICATION, WORK_ORDER,
)


def by_id(procedures: tuple[Procedure, ...] = ALL) -> dict[str, Procedure]:
    """Process id → procedure."""
    return {p.id: p for p in procedures}


def services(procedures: tuple[Procedure, ...] = ALL) -> ServiceRegistry:
    """The service-task allow-list of the procedures (for the engine)."""
    return service_registry(procedures)


def forms(procedures: tuple[Procedure, ...] = ALL) -> FormRegistry:
    """The user-task forms of the procedures (for the engine and the task pages)."""
    return form_registry(procedures)


DEFAULT_LANE_ENV = "QUANZE_DEFAULT_LANE"  # 'role:org_key' for lanes no declaration names


def configured_default_lane() -> LaneRule | None:
    """The default lane from $QUANZE_DEFAULT_LANE ('county_officer:department_id'), else None."""
    text = os.environ.get(DEFAULT_LANE_ENV, "").strip()
    return LaneRule.parse(text) if text else None


def lanes(procedures: tuple[Procedure, ...] = ALL, default: LaneRule | None = None) -> LaneRegistry:
    """The procedures' lanes → roles and organization keys (for the engine and the check)."""
    return lane_registry(procedures, default)


def build_engine(bpmn_dir, clock, calendar=None, procedures: tuple[Procedure, ...] = ALL,
                 default_lane: LaneRule | None = None) -> Engine:
    """An engine over `bpmn_dir` with the procedures' services, forms and lanes (the composition roots' call).

    `default_lane` (else $QUANZE_DEFAULT_LANE) assigns tasks in lanes no declaration names;
    without one such a task must name its own role and orgKey, or the check refuses it. The
    shipped procedures declare every lane and need none.
    """
    return Engine(bpmn_dir, clock, calendar, services(procedures), forms(procedures),
                  lanes(procedures, default_lane or configured_default_lane()))


def starts(place: str | None = None, procedures: tuple[Procedure, ...] = ALL) -> dict[str, Start]:
    """Start key → start, in menu order; only those started from `place` when one is named."""
    return {p.start.key: p.start for p in procedures
            if p.start is not None and (place is None or p.start.place == place)}


def labels(procedures: tuple[Procedure, ...] = ALL) -> dict[str, tuple[str, str]]:
    """Process id or start key → (Chinese, English) label."""
    found = {p.id: (p.label_zh, p.label_en) for p in procedures}
    for p in procedures:
        if p.start is not None:
            found.setdefault(p.start.key, (p.start.label_zh or p.label_zh, p.start.label_en or p.label_en))
    return found


def start_grants(principal: access.Principal, key: str) -> list[access.Grant]:
    """The grants in whose name the user may start `key` (none for an unknown key)."""
    start = starts().get(key)
    return access.start_grants(principal, start.who) if start is not None else []


def startable(principal: access.Principal) -> list[str]:
    """Start keys the start menu offers the user (case starts are made from a case page)."""
    return [key for key, s in starts().items()
            if s.place in (MENU, OWN_PAGE) and access.start_grants(principal, s.who)]


__all__ = ["ALL", "CASE", "MENU", "OWN_PAGE", "Lane", "Procedure", "Start", "build_engine", "by_id", "forms", "labels",
           "DEFAULT_LANE_ENV", "configured_default_lane", "lanes", "services",
           "start_grants", "startable", "starts"]
