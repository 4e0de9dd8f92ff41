"""The entrustment procedure declared (委托, 行政处罚法 第20–21条; bpmn/entrustment.bpmn)."""

from __future__ import annotations

from workflows.core.services import marked_services
from workflows.procedures.declaration import (
    COUNTY_DEPARTMENT,
    COUNTY_GOVERNMENT,
    LEGAL_REVIEWER,
    OWN_PAGE,
    TOWNSHIP_GOVERNMENT,
    Procedure,
    Start,
)
from workflows.procedures.entrustment import steps
from workflows.procedures.starting import DEPT_OFFICER

PROCEDURE = Procedure(
    id=steps.PROCESS_ID, package="entrustment", bpmn="entrustment.bpmn",
    label_zh="委托", label_en="Entrustment",
    forms=steps.FORMS, services=marked_services(steps),
    rule_keys=("entrust_township_opinion", "entrust_legal_review", "entrust_revise_letter",
               "entrust_county_approval", "entrust_signing", "entrust_publication",
               "entrust_renewal_reminder"),  # 第20条 term: the renewal reminder, counted back from its end
    lanes={"Township": TOWNSHIP_GOVERNMENT, "LegalReviewer": LEGAL_REVIEWER,
           "CountyDepartment": COUNTY_DEPARTMENT, "CountyGovernment": COUNTY_GOVERNMENT},
    start=Start("entrustment", (DEPT_OFFICER,), steps.start_entrustment, place=OWN_PAGE),
    publications=("publish_department", "publish_township"),  # both parties publish (第20条)
)
