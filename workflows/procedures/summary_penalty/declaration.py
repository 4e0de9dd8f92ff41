"""Summary procedure declared (简易程序, 行政处罚法 第51–52条; bpmn/summary_penalty.bpmn)."""

from __future__ import annotations

from models import Role
from workflows.accounts.access import require_start
from workflows.cases.summary import SpotDecision
from workflows.core.services import marked_services
from workflows.procedures.declaration import MENU, Lane, Procedure, Start, Started
from workflows.procedures.starting import DEPT_OFFICER, TOWN_OFFICER
from workflows.procedures.summary_penalty import steps

WHO = (TOWN_OFFICER, DEPT_OFFICER)
DECISION_FIELDS = tuple(SpotDecision.__dataclass_fields__)


def start(session, engine, user, who, data: dict) -> Started:
    """当场处罚 by a certified officer of the handling organ."""
    require_start(who, "summary_penalty", WHO, data["handling_org_id"])
    decision = SpotDecision(**{k: data[k] for k in DECISION_FIELDS if data.get(k) is not None})
    case = steps.start_summary(session, engine, user, data["township_id"], data["handling_org_id"], decision)
    return Started("summary_penalty", case.instance_id, case.id)


PROCEDURE = Procedure(
    id=steps.PROCESS_ID, package="summary_penalty", bpmn="summary_penalty.bpmn",
    label_zh="简易程序（当场处罚）", label_en="Summary procedure (on the spot)",
    forms=steps.FORMS, services=marked_services(steps),
    rule_keys=(steps.HANDOVER_RULE, steps.DEPOSIT_RULE),  # 行政处罚法 第71条
    lanes={"Officer": Lane(Role.TOWNSHIP_OFFICER, "handling_org_id", also=(Role.COUNTY_OFFICER,)),
           "Organ": Lane(Role.TOWNSHIP_LEADER, "handling_org_id", also=(Role.DEPARTMENT_HEAD,))},
    start=Start("summary_penalty", WHO, steps.start_summary, place=MENU, run=start,
                summary="Decide a warning or a small fine on the spot (简易程序, 第51–52条)."),
    no_deadline={"record_filing": "行政处罚法 第52条: 当场作出的行政处罚决定报所属行政机关备案, with no period set"},
)
