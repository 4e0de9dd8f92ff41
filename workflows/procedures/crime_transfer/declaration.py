"""Transfer of a suspected crime declared (涉嫌犯罪移送, 国务院令第310号; bpmn/crime_transfer.bpmn)."""

from __future__ import annotations

from models import Case, Organization, Role
from workflows.accounts.access import require_start
from workflows.core.services import marked_services
from workflows.procedures.crime_transfer import steps
from workflows.procedures.declaration import CASE, Lane, Procedure, Start, Started
from workflows.procedures.starting import TOWN_OFFICER, officers_of

WHO = (TOWN_OFFICER,)


def start(session, engine, user, who, data: dict, case: Case) -> Started:
    """涉嫌犯罪移送 of a case handled by the user's organ."""
    require_start(who, "crime_transfer", WHO, case.handling_org_id)
    police = session.get(Organization, data["police_org_id"])
    instance = steps.start_crime_transfer(session, engine, user, case.id, report=data["report"],
                                          officers=officers_of(data), police_org=police)
    return Started("crime_transfer", instance.id, case.id)


PROCEDURE = Procedure(
    id=steps.PROCESS_ID, package="crime_transfer", bpmn="crime_transfer.bpmn",
    label_zh="涉嫌犯罪移送", label_en="Transfer of a suspected crime",
    forms=steps.FORMS, services=marked_services(steps),
    # 国务院令第310号 第5、7、8、9、12条 periods (and 公安部 程序规定 第180条) (deadline_rules.json).
    rule_keys=("o310_head_decide", "o310_handover", "o310_police_review", "o310_incomplete_notice",
               "o310_police_forward", "o310_supplement",
               "o310_materials_handover", "o310_reconsider_request", "o310_reconsider_answer",
               "o310_procuratorate_request"),
    lanes={"TownshipHead": Lane(Role.TOWNSHIP_LEADER, "subject_org_id", also=(Role.DEPARTMENT_HEAD,)),
           "Township": Lane(Role.TOWNSHIP_OFFICER, "organ_id"),
           "PublicSecurity": Lane(Role.COUNTY_OFFICER, "police_org_id")},
    start=Start("crime_transfer", WHO, steps.start_crime_transfer, place=CASE, run=start,
                summary="Transfer a suspected crime (涉嫌犯罪移送, 310号令 第5条)."),
)
