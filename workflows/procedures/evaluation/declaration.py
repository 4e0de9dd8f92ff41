"""The periodic evaluation declared (定期组织评估, 行政处罚法 第24条; bpmn/evaluation.bpmn)."""

from __future__ import annotations

from models import OrgKind
from workflows.accounts.access import require_start
from workflows.core.directory import find_org
from workflows.core.services import marked_services
from workflows.procedures.declaration import (
    COUNTY_DEPARTMENT,
    COUNTY_GOVERNMENT,
    TOWNSHIP_GOVERNMENT,
    Procedure,
    Start,
    Started,
)
from workflows.procedures.evaluation import steps
from workflows.procedures.starting import COUNTY_APPROVER

WHO = (COUNTY_APPROVER,)  # the county government organizes the evaluation (第24条)


def start(session, engine, user, who, data: dict) -> Started:
    """定期评估, opened by the county government's approver."""
    require_start(who, "evaluation", WHO)
    township = find_org(session, data["township_id"], OrgKind.TOWNSHIP)
    department = find_org(session, data["department_id"], OrgKind.COUNTY_DEPARTMENT)
    instance = steps.start_evaluation(session, engine, user, township, department,
                                      period_start=data["period_start"], period_end=data["period_end"])
    return Started("evaluation", instance.id)


PROCEDURE = Procedure(
    id=steps.PROCESS_ID, package="evaluation", bpmn="evaluation.bpmn",
    label_zh="评估", label_en="Evaluation",
    forms=steps.FORMS, services=marked_services(steps),
    rule_keys=("evaluation_self_evaluation", "evaluation_department_opinion", "evaluation_decision",
               "grant_evaluation_cycle", "evaluation_organize"),
    lanes={"Township": TOWNSHIP_GOVERNMENT, "CountyDepartment": COUNTY_DEPARTMENT,
           "CountyGovernment": COUNTY_GOVERNMENT},
    start=Start("evaluation", WHO, steps.start_evaluation, run=start, summary="Open a periodic evaluation (定期评估, 第24条)."),
)
