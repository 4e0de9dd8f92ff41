"""The grant procedure declared (赋权, 行政处罚法 第24条; bpmn/grant.bpmn), started from its own page."""

from __future__ import annotations

from models import Role
from workflows.core.services import marked_services
from workflows.procedures.declaration import (
    COUNTY_DEPARTMENT,
    COUNTY_GOVERNMENT,
    LEGAL_REVIEWER,
    OWN_PAGE,
    TOWNSHIP_GOVERNMENT,
    Lane,
    Procedure,
    Start,
)
from workflows.procedures.grant import steps
from workflows.procedures.starting import DEPT_OFFICER

PROCEDURE = Procedure(
    id=steps.PROCESS_ID, package="grant", bpmn="grant.bpmn",
    label_zh="赋权", label_en="Grant",
    forms=steps.FORMS, services=marked_services(steps),
    rule_keys=("grant_capacity_statement", "grant_legal_review", "grant_revise_proposal",
               "grant_county_decision", "grant_provincial_approval", "grant_publication",
               "grant_handover_training", "grant_evaluation_cycle", "evaluation_organize"),
    lanes={"Township": TOWNSHIP_GOVERNMENT, "LegalReviewer": LEGAL_REVIEWER,
           "CountyDepartment": COUNTY_DEPARTMENT, "CountyGovernment": COUNTY_GOVERNMENT,
           "Province": Lane(Role.COUNTY_APPROVER, "province_id")},
    start=Start("grant", (DEPT_OFFICER,), steps.start_grant, place=OWN_PAGE),
    publications=("publish_decision",),  # the county's decision is published (第24条)
)
