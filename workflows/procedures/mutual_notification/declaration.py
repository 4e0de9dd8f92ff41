"""Mutual notification declared (相互告知, bpmn/mutual_notification.bpmn)."""

from __future__ import annotations

from models import Role
from workflows.accounts.access import require_start
from workflows.core.services import marked_services
from workflows.procedures.declaration import Lane, Procedure, Start, Started
from workflows.procedures.mutual_notification import steps
from workflows.procedures.starting import DEPT_OFFICER, TOWN_LEADER, TOWN_OFFICER

WHO = (TOWN_OFFICER, TOWN_LEADER, DEPT_OFFICER)


def start(session, engine, user, who, data: dict) -> Started:
    """相互告知 sent in the name of the user's organ."""
    require_start(who, "mutual_notification", WHO, data["sender_org_id"])
    notice = steps.send_notification(
        session, engine, user, data["sender_org_id"], data["recipient_org_id"], data["kind"], data["subject"],
        data["summary"], major=data["major"], case_id=data["case_id"], decided_on=data.get("decided_on"))
    return Started("mutual_notification", notice.instance_id, data["case_id"], notice.id)


PROCEDURE = Procedure(
    id=steps.PROCESS_ID, package="mutual_notification", bpmn="mutual_notification.bpmn",
    label_zh="相互告知", label_en="Mutual notification",
    forms=steps.FORMS, services=marked_services(steps),
    rule_keys=(*steps.SENDER_RULES.values(), steps.ACK[1]),
    lanes={"CountyDepartment": Lane(Role.COUNTY_OFFICER, "recipient_org_id"),
           "Township": Lane(Role.TOWNSHIP_OFFICER, "recipient_org_id")},
    start=Start("mutual_notification", WHO, steps.send_notification, run=start, summary="Send a mutual notification (相互告知)."),
)
