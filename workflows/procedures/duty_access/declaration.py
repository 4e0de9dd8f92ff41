"""The duty-access procedure declared (职责准入, bpmn/duty_access.bpmn)."""

from __future__ import annotations

from models import Role
from workflows.accounts.access import require_start
from workflows.core.services import marked_services
from workflows.procedures.declaration import Lane, Procedure, Start, Started
from workflows.procedures.duty_access import steps
from workflows.procedures.starting import DEPT_OFFICER

WHO = (DEPT_OFFICER,)


def start(session, engine, user, who, data: dict) -> Started:
    """职责准入 requested by the user's department."""
    require_start(who, "duty_access", WHO, data["department_id"])
    row = steps.request_duty_access(
        session, engine, user, data["department_id"], title=data["title"], description=data["description"],
        legal_basis=data["legal_basis"], township_ids=data["township_ids"], staff=data["staff"],
        funding_yuan=data["funding_yuan"], resources_required=data["resources_required"])
    return Started("duty_access", row.instance_id, record_id=row.id)


PROCEDURE = Procedure(
    id=steps.PROCESS_ID, package="duty_access", bpmn="duty_access.bpmn",
    label_zh="职责准入", label_en="Duty access",
    forms=steps.FORMS, services=marked_services(steps),
    rule_keys=("duty_township_opinion", "duty_county_decision"),
    lanes={"CountyGovernment": Lane(Role.COUNTY_APPROVER, "county_government_id")},
    start=Start("duty_access", WHO, steps.request_duty_access, run=start, summary="Request duty access (职责准入, 费随事转)."),
)
