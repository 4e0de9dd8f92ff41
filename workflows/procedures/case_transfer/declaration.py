"""Case transfer declared: the sender's and the receiver's processes (案件移送, 第22–25条)."""

from __future__ import annotations

from models import Case, Role
from workflows.accounts.access import require_start
from workflows.core.services import services_of
from workflows.procedures.case_transfer import steps
from workflows.procedures.declaration import CASE, Lane, Procedure, Start, Started
from workflows.procedures.starting import DEPT_OFFICER, TOWN_LEADER, TOWN_OFFICER

WHO = (TOWN_OFFICER, TOWN_LEADER, DEPT_OFFICER)


def start(session, engine, user, who, data: dict, case: Case) -> Started:
    """案件移送 to the competent organ."""
    require_start(who, "case_transfer", WHO, case.handling_org_id)
    transfer = steps.transfer_case(session, engine, user, case.id, reason=data["reason"],
                                   materials=data["materials"], receiver_org_id=data["receiver_org_id"],
                                   found_on=data.get("found_on"))
    return Started("case_transfer", None, case.id, transfer.id)


SEND = Procedure(
    id=steps.SEND, package="case_transfer", bpmn="case_transfer_send.bpmn",
    label_zh="案件移送（移出）", label_en="Case transfer (sending)",
    services=services_of(steps.send, steps.close),
    rule_keys=(steps.OUT_OF_REMIT_RULE,),
    start=Start("case_transfer", WHO, steps.transfer_case, place=CASE, run=start,
                label_zh="案件移送", label_en="Case transfer",
                summary="Transfer the case to the competent organ (案件移送)."),
)
RECEIVE = Procedure(
    id=steps.RECEIVE, package="case_transfer", bpmn="case_transfer_receive.bpmn",
    label_zh="案件移送（接收）", label_en="Case transfer (receiving)",
    forms=steps.RECEIVE_FORMS, services=services_of(steps.answer, steps.designate),
    rule_keys=("transfer_answer", "transfer_designation"),
    pickers=(steps.DESIGNATED_ORGANS,),
    lanes={"CountyDepartment": Lane(Role.COUNTY_OFFICER, "receiver_org_id"),
           "Township": Lane(Role.TOWNSHIP_OFFICER, "receiver_org_id"),
           "CountyGovernment": Lane(Role.COUNTY_APPROVER, "county_government_id")},
)
PROCEDURES = (SEND, RECEIVE)
