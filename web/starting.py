"""One workflows call per procedure start, shared by the start pages and the API.

Each runner checks the start rule of workflows/accounts/access.py for the organization named, then calls
exactly one service function (which checks again and writes everything in one unit of work).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from models import Case, Organization, OrgKind, User
from workflows.accounts.access import Principal, require_start
from workflows.cases.rules import Officer
from workflows.core.directory import find_org
from workflows.core.errors import NotFound
from workflows.procedures.case_handling import filing as case_filing
from workflows.procedures.case_transfer import steps as case_transfer
from workflows.procedures.crime_transfer import steps as crime_transfer
from workflows.procedures.duty_access import steps as duty_access
from workflows.procedures.evaluation import steps as evaluation
from workflows.procedures.joint_enforcement import steps as joint_enforcement
from workflows.procedures.mutual_notification import steps as mutual_notification
from workflows.procedures.work_order import steps as work_orders


@dataclass(frozen=True)
class Started:
    """What a start created."""

    procedure: str
    instance_id: int | None
    case_id: int | None = None
    record_id: int | None = None


def _officers(data: dict) -> list[Officer]:
    return [Officer(o["user_id"], o["certificate_number"]) for o in data["officers"]]


def _org(session: Session, org_id: int, kind: OrgKind | None = None) -> Organization:
    org = session.get(Organization, org_id)
    if org is None or (kind is not None and org.kind != kind):
        raise NotFound(f"未找到机关：{org_id} / unknown organization: {org_id}", org_id=org_id)
    return org


def start_evaluation(session: Session, engine, user: User, who: Principal, data: dict) -> Started:
    """定期评估, opened by the county government's approver."""
    require_start(who, "evaluation")
    township = find_org(session, data["township_id"], OrgKind.TOWNSHIP)
    department = find_org(session, data["department_id"], OrgKind.COUNTY_DEPARTMENT)
    instance = evaluation.start_evaluation(session, engine, user, township, department,
                                           period_start=data["period_start"], period_end=data["period_end"])
    return Started("evaluation", instance.id)


def file_case(session: Session, engine, user: User, who: Principal, data: dict) -> Started:
    """立案 in the name of the handling organ the user works in."""
    require_start(who, "case_filing", data["handling_org_id"])
    handling = _org(session, data["handling_org_id"])
    township = find_org(session, data["township_id"], OrgKind.TOWNSHIP)
    case = case_filing.file_case(
        session, engine, user, item_code=data["item_code"], township=township, handling_org=handling,
        case_number=data["case_number"], party_name=data["party_name"], party_kind=data["party_kind"],
        facts_summary=data["facts_summary"], violation_on=data["violation_on"], officers=_officers(data),
        harm=data["harm"], act_ended_on=data.get("act_ended_on"), discovered_on=data.get("discovered_on"))
    return Started("case_filing", case.instance_id, case.id)


def start_crime_transfer(session: Session, engine, user: User, who: Principal, data: dict, case: Case) -> Started:
    """涉嫌犯罪移送 of a case handled by the user's organ."""
    require_start(who, "crime_transfer", case.handling_org_id)
    police = session.get(Organization, data["police_org_id"])
    instance = crime_transfer.start_crime_transfer(session, engine, user, case.id, report=data["report"],
                                                   officers=_officers(data), police_org=police)
    return Started("crime_transfer", instance.id, case.id)


def transfer_case(session: Session, engine, user: User, who: Principal, data: dict, case: Case) -> Started:
    """案件移送 to the competent organ."""
    require_start(who, "case_transfer", case.handling_org_id)
    transfer = case_transfer.transfer_case(session, engine, user, case.id, reason=data["reason"],
                                           materials=data["materials"], receiver_org_id=data["receiver_org_id"])
    return Started("case_transfer", None, case.id, transfer.id)


def propose_joint(session: Session, engine, user: User, who: Principal, data: dict) -> Started:
    """联合执法 proposed by the user's township or department."""
    require_start(who, "joint_enforcement", data["initiator_org_id"])
    operation = joint_enforcement.propose_joint_operation(
        session, engine, user, data["initiator_org_id"], title=data["title"], plan=data["plan"],
        planned_on=data["planned_on"].isoformat(), participant_ids=data["participant_ids"],
        township_id=data["township_id"])
    return Started("joint_enforcement", operation.instance_id, record_id=operation.id)


def send_notification(session: Session, engine, user: User, who: Principal, data: dict) -> Started:
    """相互告知 sent in the name of the user's organ."""
    require_start(who, "mutual_notification", data["sender_org_id"])
    notice = mutual_notification.send_notification(
        session, engine, user, data["sender_org_id"], data["recipient_org_id"], data["kind"], data["subject"],
        data["summary"], major=data["major"], case_id=data["case_id"])
    return Started("mutual_notification", notice.instance_id, data["case_id"], notice.id)


def receive_work_order(session: Session, engine, user: User, who: Principal, data: dict) -> Started:
    """工单受理 by the user's township."""
    require_start(who, "work_order", data["township_id"])
    order = work_orders.receive_work_order(session, engine, user, data["township_id"], data["source"],
                                           data["urgency"], data["description"], item_code=data["item_code"])
    return Started("work_order", order.instance_id, record_id=order.id)


def request_duty_access(session: Session, engine, user: User, who: Principal, data: dict) -> Started:
    """职责准入 requested by the user's department."""
    require_start(who, "duty_access", data["department_id"])
    row = duty_access.request_duty_access(
        session, engine, user, data["department_id"], title=data["title"], description=data["description"],
        legal_basis=data["legal_basis"], township_ids=data["township_ids"], staff=data["staff"],
        funding_yuan=data["funding_yuan"], resources_required=data["resources_required"])
    return Started("duty_access", row.instance_id, record_id=row.id)


MENU_RUNNERS: dict[str, Callable[..., Started]] = {
    "evaluation": start_evaluation,
    "case_filing": file_case,
    "joint_enforcement": propose_joint,
    "mutual_notification": send_notification,
    "work_order": receive_work_order,
    "duty_access": request_duty_access,
}
CASE_RUNNERS: dict[str, Callable[..., Started]] = {
    "crime_transfer": start_crime_transfer,
    "case_transfer": transfer_case,
}
