"""Legal review declared (法制审核, 行政处罚法 第58条): called by case handling, never started alone."""

from __future__ import annotations

from models import Role
from workflows.core.services import marked_services
from workflows.procedures.declaration import LEGAL_REVIEWER, Lane, Procedure
from workflows.procedures.legal_review import steps

PROCEDURE = Procedure(
    id=steps.PROCESS_ID, package="legal_review", bpmn="legal_review.bpmn",
    label_zh="法制审核", label_en="Legal review",
    forms=steps.FORMS, services=marked_services(steps),
    rule_keys=(steps.REVIEW_RULE, steps.SUPPLEMENT_RULE),
    lanes={"LegalReviewer": LEGAL_REVIEWER,
           "ReviewTownship": Lane(Role.TOWNSHIP_OFFICER, "handling_org_id", also=(Role.COUNTY_OFFICER,))},
)
