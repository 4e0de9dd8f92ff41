"""The case after a transfer (案件移送): the competent organ handles it, the sender stops.

When the receiver accepts a transferred case, or the county government designates the organ
(指定管辖, 行政处罚法 第25条), the organ that now holds the case gets its own case-handling
instance, started with the materials that travelled with the case, and the sender's open
case-handling instance is cancelled with the reason, so one case is never handled twice.

The hand-over happens in the step that accepts or designates: the service task asks the
engine to run hand_over_after_step() once the step's state is saved, in the same transaction,
so the old handler's tasks are gone the moment the acceptance commits (and nothing of it is
kept if the hand-over fails). hand_over_pending() remains as a catch-up for transfers placed
before this was so. A conditional UPDATE on case_transfers.handling_instance_id makes the
hand-over happen once, whoever calls first.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from models import (
    Case,
    CaseTransfer,
    Deadline,
    HumanTask,
    Organization,
    OrgKind,
    ProcessInstance,
    TransferStatus,
    User,
)
from models.deadlines import RUNNING_STATUSES
from workflows.cases.rules import reviewer_org
from workflows.core.audit import record
from workflows.core.db import unit_of_work
from workflows.core.errors import Conflict, NotFound
from workflows.deadlines import records as deadlines
from workflows.procedures.case_handling.filing import _process_data
from workflows.procedures.case_handling.steps import PROCESS_ID
from workflows.procedures.rules import single_org
from workflows.registry import powers as registry
from workflows.tasks import processes

ART_25 = "行政处罚法 第25条"
PLACED = (TransferStatus.ACCEPTED, TransferStatus.DESIGNATED)
OPEN = ("running", "waiting")


def _transfer_payload(t: CaseTransfer) -> dict:
    """What travels with the case into the new instance: the transfer's explicit facts only."""
    return {"transfer_id": t.id, "from_org_id": t.sender_org_id, "reason": t.reason,
            "materials": list(t.materials or []), "outcome": str(t.status)}


def _start_handling(session: Session, engine, case: Case, t: CaseTransfer, actor) -> ProcessInstance:
    """Start case handling for the organ that now holds the case (its officers investigate)."""
    organ = session.get(Organization, case.handling_org_id)
    answer = registry.who(session, case.item.code, case.township_id, engine.clock.today())
    subject = session.get(Organization, case.enforcement_subject_org_id)
    reviewer = reviewer_org(session, answer.mode, subject, organ,
                            single_org(session, OrgKind.LEGAL_AFFAIRS_OFFICE))
    data = {**_process_data(case, answer, reviewer, case.item), "transfer": _transfer_payload(t)}
    if organ.kind == OrgKind.COUNTY_DEPARTMENT:
        data["department_id"] = organ.id  # a designated department acts for itself (第25条)
    return processes.start(session, engine, PROCESS_ID, data=data, actor=actor,
                           business_key=case.case_number)


def _close_superseded(session: Session, engine, instance_id: int, reason: str, actor_id) -> bool:
    """Cancel the sender's open case handling with the reason; its running periods stop too."""
    now = engine.clock.now()
    old = session.get(ProcessInstance, instance_id)
    if old is None or old.status not in OPEN:
        return False
    # The same conditional UPDATE as the engine's cancel: a concurrent step loses cleanly.
    changed = session.execute(
        update(ProcessInstance).where(ProcessInstance.id == old.id, ProcessInstance.version == old.version)
        .values(status="cancelled", version=old.version + 1, updated_at=now, next_wake_at=None,
                completed_at=now).execution_options(synchronize_session=False)).rowcount
    if changed != 1:
        raise Conflict(f"流程实例 {old.id} 已被他人更新 / instance {old.id} changed meanwhile", instance_id=old.id)
    session.refresh(old)
    for row in session.scalars(select(HumanTask).where(
            HumanTask.instance_id == old.id, HumanTask.state.in_(("ready", "claimed")))):
        row.state, row.completed_at = "cancelled", now
    for deadline_id in session.scalars(select(Deadline.id).where(
            Deadline.instance_id == old.id, Deadline.status.in_(RUNNING_STATUSES))):
        deadlines.cancel(session, engine.clock, deadline_id, reason, actor=actor_id)
    record(session, at=now, action="instance.cancelled", subject_type="process_instance",
           subject_id=old.id, actor_user_id=actor_id, instance_id=old.id, data={"reason": reason},
           details={"process_id": old.process_id, "status": old.status, "version": old.version,
                    "reason": reason})
    return True


def hand_over_case(session: Session, engine, transfer_id: int, actor=None) -> int:
    """Start the competent organ's case handling and close the sender's; returns the new instance id."""
    with unit_of_work(session):
        t = session.get(CaseTransfer, transfer_id)
        if t is None:
            raise NotFound(f"未知移送：{transfer_id} / unknown transfer: {transfer_id}", transfer_id=transfer_id)
        if t.handling_instance_id is not None:
            return t.handling_instance_id
        if t.status not in PLACED:
            raise Conflict(f"移送 {t.receiver_key} 尚未被接收或指定管辖 / transfer {t.receiver_key} is "
                           f"neither accepted nor designated", transfer_id=t.id, status=str(t.status))
        case = session.get(Case, t.case_id)
        reason = (f"案件已移送{case.handling_org.name}办理（{t.receiver_key}，{ART_25}）/ the case now lies "
                  f"with organ {case.handling_org_id} ({t.status})")
        actor_id = actor.id if actor is not None else None
        if case.instance_id is not None:
            _close_superseded(session, engine, case.instance_id, reason, actor_id)
        new = _start_handling(session, engine, case, t, actor)
        won = session.execute(
            update(CaseTransfer).where(CaseTransfer.id == t.id, CaseTransfer.handling_instance_id.is_(None))
            .values(handling_instance_id=new.id).execution_options(synchronize_session=False)).rowcount
        if won != 1:
            raise Conflict(f"移送 {t.receiver_key} 已交接 / transfer {t.receiver_key} was handed over "
                           f"by another worker", transfer_id=t.id)
        case.instance_id = new.id
        session.refresh(t)
        return new.id


def hand_over_after_step(session: Session, engine, transfer_id: int, actor_id: int | None) -> None:
    """The accepting (or designating) step's effect: hand the case over in its transaction."""
    actor = session.get(User, actor_id) if actor_id is not None else None
    hand_over_case(session, engine, transfer_id, actor)


def hand_over_pending(session: Session, engine, limit: int = 100) -> list[int]:
    """Catch-up: hand over placed transfers not yet handed over (each in its own transaction)."""
    with unit_of_work(session):
        ids = list(session.scalars(select(CaseTransfer.id).where(
            CaseTransfer.status.in_(PLACED), CaseTransfer.handling_instance_id.is_(None))
            .order_by(CaseTransfer.id).limit(limit)))
    started = []
    for transfer_id in ids:
        try:
            started.append(hand_over_case(session, engine, transfer_id))
        except Conflict:
            continue  # another scheduler process took it, or the old instance moved: next pass
    return started
