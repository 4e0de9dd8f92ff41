"""Joint enforcement declared (联合执法, bpmn/joint_enforcement.bpmn)."""

from __future__ import annotations

from models import Role
from workflows.accounts.access import require_start
from workflows.core.services import marked_services
from workflows.procedures.declaration import Lane, Procedure, Start, Started
from workflows.procedures.joint_enforcement import steps
from workflows.procedures.starting import DEPT_OFFICER, TOWN_OFFICER

WHO = (TOWN_OFFICER, DEPT_OFFICER)


def start(session, engine, user, who, data: dict) -> Started:
    """联合执法 proposed by the user's township or department."""
    require_start(who, "joint_enforcement", WHO, data["initiator_org_id"])
    operation = steps.propose_joint_operation(
        session, engine, user, data["initiator_org_id"], title=data["title"], plan=data["plan"],
        planned_on=data["planned_on"].isoformat(), participant_ids=data["participant_ids"],
        township_id=data["township_id"])
    return Started("joint_enforcement", operation.instance_id, record_id=operation.id)


PROCEDURE = Procedure(
    id=steps.PROCESS_ID, package="joint_enforcement", bpmn="joint_enforcement.bpmn",
    label_zh="联合执法", label_en="Joint enforcement",
    forms=steps.TASK_FORMS, services=marked_services(steps),
    rule_keys=("joint_confirm", "joint_findings", "gb118_publish_other"),
    lanes={"Township": Lane(Role.TOWNSHIP_OFFICER, "initiator_org_id"),
           "CountyDepartment": Lane(Role.COUNTY_OFFICER, "initiator_org_id")},
    start=Start("joint_enforcement", WHO, steps.propose_joint_operation, run=start, summary="Propose a joint operation (联合执法)."),
)
