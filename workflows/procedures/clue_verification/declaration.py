"""Clue verification declared (线索核查, 市场监督管理行政处罚程序规定 第18条; bpmn/clue_verification.bpmn)."""

from __future__ import annotations

from models import Role
from workflows.accounts.access import require_start
from workflows.core.services import marked_services
from workflows.procedures.clue_verification import steps
from workflows.procedures.declaration import MENU, Lane, Procedure, Start, Started
from workflows.procedures.starting import DEPT_OFFICER

WHO = (DEPT_OFFICER,)


def start(session, engine, user, who, data: dict) -> Started:
    """A clue registered by an officer of the department."""
    require_start(who, "clue_verification", WHO, data["department_id"])
    instance = steps.register_clue(session, engine, user, data["department_id"], data["township_id"],
                                   data["item_code"], data["source"], data["description"], data.get("found_on"))
    return Started("clue_verification", instance.id)


PROCEDURE = Procedure(
    id=steps.PROCESS_ID, package="clue_verification", bpmn="clue_verification.bpmn",
    label_zh="线索核查（市场监管）", label_en="Clue verification (market regulation)",
    forms=steps.FORMS, services=marked_services(steps),
    rule_keys=(steps.RULE,),  # 市场监督管理行政处罚程序规定 第18条 (sector rule)
    lanes={"Officer": Lane(Role.COUNTY_OFFICER, "department_id"),
           "Head": Lane(Role.DEPARTMENT_HEAD, "department_id")},
    start=Start("clue_verification", WHO, steps.register_clue, place=MENU, run=start,
                summary="Verify a clue within 15 working days; the head decides whether to file (第18条)."),
)
