"""The work-order procedure declared (工单派发, bpmn/work_order.bpmn)."""

from __future__ import annotations

from models import Role
from workflows.accounts.access import require_start
from workflows.core.services import marked_services
from workflows.procedures.declaration import Lane, Procedure, Start, Started
from workflows.procedures.starting import TOWN_LEADER, TOWN_OFFICER
from workflows.procedures.work_order import steps

WHO = (TOWN_OFFICER, TOWN_LEADER)  # the township takes in the ticket (首接负责制)


def start(session, engine, user, who, data: dict) -> Started:
    """工单受理 by the user's township."""
    require_start(who, "work_order", WHO, data["township_id"])
    order = steps.receive_work_order(session, engine, user, data["township_id"], data["source"],
                                     data["urgency"], data["description"], item_code=data["item_code"])
    return Started("work_order", order.instance_id, record_id=order.id)


PROCEDURE = Procedure(
    id=steps.PROCESS_ID, package="work_order", bpmn="work_order.bpmn",
    label_zh="工单受理", label_en="Work order",
    forms=steps.FORMS, services=marked_services(steps),
    rule_keys=(*steps.DISPATCH_RULE.values(), *steps.FEEDBACK_RULE.values()),
    pickers=(steps.DISPATCH_ORGANS,),
    lanes={"Township": Lane(Role.TOWNSHIP_OFFICER, "township_id"),
           "TownshipOrgan": Lane(Role.TOWNSHIP_OFFICER, "assigned_org_id"),
           "CountyPlatform": Lane(Role.COUNTY_OFFICER, "assigned_org_id")},
    start=Start("work_order", WHO, steps.receive_work_order, run=start, summary="Take in a work order (工单受理, 首接负责制)."),
    no_deadline={"callback": "北京市接诉即办工作条例 第13条 and DB11/T 2021—2022 time dispatch and feedback only; "
                             "回访 is measured (回访核实率, 满意率 第32条), never given a period"},
)
