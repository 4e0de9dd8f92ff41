"""Preservation and coercive measures declared (先行登记保存, 查封、扣押; bpmn/case_measures.bpmn)."""

from __future__ import annotations

from models import Case, Role
from workflows.accounts.access import require_start
from workflows.core.services import marked_services
from workflows.procedures.case_measures import steps
from workflows.procedures.declaration import CASE, Lane, Procedure, Start, Started
from workflows.procedures.starting import DEPT_OFFICER, TOWN_OFFICER, officers_of

WHO = (TOWN_OFFICER, DEPT_OFFICER)


def start(session, engine, user, who, data: dict, case: Case) -> Started:
    """A measure on a case handled by the user's organ."""
    require_start(who, "case_measures", WHO, case.handling_org_id)
    instance = steps.start_case_measure(
        session, engine, user, case.id, kind=data["kind"], items=data["items"], reason=data["reason"],
        basis=data["basis"], officers=officers_of(data), on_the_spot=data.get("on_the_spot", False),
        coercion_item_code=data.get("coercion_item_code"))
    return Started("case_measures", instance.id, case.id)


PROCEDURE = Procedure(
    id=steps.PROCESS_ID, package="case_measures", bpmn="case_measures.bpmn",
    label_zh="先行登记保存与查封扣押", label_en="Evidence preservation and coercive measures",
    forms=steps.FORMS, services=marked_services(steps),
    # 行政处罚法 第56条; 行政强制法 第19、25条.
    rule_keys=(steps.PRESERVE_RULE, steps.REPORT_RULE, steps.TERM_RULE),
    lanes={"Officer": Lane(Role.TOWNSHIP_OFFICER, "handling_org_id", also=(Role.COUNTY_OFFICER,)),
           "Organ": Lane(Role.TOWNSHIP_LEADER, "handling_org_id", also=(Role.DEPARTMENT_HEAD,))},
    start=Start("case_measures", WHO, steps.start_case_measure, place=CASE, run=start,
                summary="Preserve evidence or seize/detain items (先行登记保存 第56条; 查封、扣押 行政强制法)."),
    no_deadline={"approve_measure": "行政处罚法 第56条, 行政强制法 第18条: the head approves before the measure is "
                                    "taken, in no set time; the 7 working days (第56条) and 30 days (第25条) run "
                                    "from the approval"},
)
