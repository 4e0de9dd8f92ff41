"""Case handling declared (案件办理, 行政处罚法 第五章; bpmn/case_handling.bpmn), started by 立案."""

from __future__ import annotations

from models import OrgKind, Role
from workflows.accounts.access import require_start
from workflows.cases.payment import PAYMENT_RULE
from workflows.core.directory import find_org
from workflows.core.services import marked_services
from workflows.procedures.case_handling import defence, discussion, execution, filing, steps
from workflows.procedures.declaration import Lane, Procedure, Start, Started
from workflows.procedures.starting import DEPT_OFFICER, TOWN_OFFICER, officers_of, org_of

WHO = (TOWN_OFFICER, DEPT_OFFICER)  # 立案 is an act of the handling organ's officers (第42条, 第54条)


def start(session, engine, user, who, data: dict) -> Started:
    """立案 in the name of the handling organ the user works in."""
    require_start(who, "case_filing", WHO, data["handling_org_id"])
    handling = org_of(session, data["handling_org_id"])
    township = find_org(session, data["township_id"], OrgKind.TOWNSHIP)
    case = filing.file_case(
        session, engine, user, item_code=data["item_code"], township=township, handling_org=handling,
        case_number=data["case_number"], party_name=data["party_name"], party_kind=data["party_kind"],
        facts_summary=data["facts_summary"], violation_on=data["violation_on"], officers=officers_of(data),
        harm=data["harm"], act_ended_on=data.get("act_ended_on"), discovered_on=data.get("discovered_on"))
    return Started("case_filing", case.instance_id, case.id)


PROCEDURE = Procedure(
    id=steps.PROCESS_ID, package="case_handling", bpmn="case_handling.bpmn",
    label_zh="案件办理", label_en="Case handling",
    forms={**defence.FORMS, **discussion.FORMS, **execution.FORMS, **steps.FORMS},
    services=marked_services(steps, defence, discussion, execution),
    rule_keys=(steps.DECIDE_RULE, steps.PUBLISH_RULE, steps.WITHDRAW_RULE, defence.REQUEST_RULE, steps.SERVICE_RULE,
               PAYMENT_RULE, defence.NOTICE_RULE),
    pickers=(defence.HEARING_CHAIRS,),
    lanes={"Township": Lane(Role.TOWNSHIP_OFFICER, "handling_org_id", also=(Role.COUNTY_OFFICER,)),
           "TownshipHead": Lane(Role.TOWNSHIP_LEADER, "handling_org_id", also=(Role.COUNTY_OFFICER,)),
           "Execution": Lane(Role.TOWNSHIP_OFFICER, "handling_org_id", also=(Role.COUNTY_OFFICER,))},
    start=Start("case_filing", WHO, filing.file_case, run=start, label_zh="立案", label_en="Case filing",
                summary="File a case (立案); refused naming the competent organ."),
)
