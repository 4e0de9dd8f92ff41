"""Case transfer between administrative organs (案件移送, domain.md §3a).

The sender picks the case; the registry (who()) names the competent organ; a transfer anywhere
else is refused. Sender and receiver run separate instances linked by messages with explicit
payloads. The receiver accepts or objects with reasons; an objection goes to the county
government to designate (指定管辖, 行政处罚法 第25条), never back to the sender: after an objection
the case may not be transferred again by the organs themselves (SAMR model: 不得再自行移送).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from models import Case, CaseStatus, CaseTransfer, Organization, OrgKind, TransferStatus, User
from workflows.core.db import unit_of_work
from workflows.core.errors import Conflict, LegalRuleViolation, NotFound, ValidationFailed
from workflows.core.forms import Field, Form
from workflows.core.numbering import next_number
from workflows.core.pickers import PickContext, Picker, org_option
from workflows.core.services import ServiceContext, service_task
from workflows.procedures.case_transfer.handover import hand_over_after_step
from workflows.procedures.periods import (
    meet_period,
    met_since,
    org_or_404,
    require_member,
    start_period,
)
from workflows.procedures.rules import single_org
from workflows.registry.powers import who
from workflows.tasks import processes

SEND, RECEIVE = "case_transfer_send", "case_transfer_receive"
ART_25 = "行政处罚法 第25条（管辖争议报共同上一级指定管辖）；市场监管案件管辖规定（不得再自行移送）"
ART_JURISDICTION = "行政处罚法 第22–24条（地域、级别管辖与赋权）"
# A case can change organ only before a decision (立案、调查、审核 stages).
TRANSFERABLE = (CaseStatus.FILED, CaseStatus.INVESTIGATING, CaseStatus.REVIEWING)
# The sender's period from finding the case outside its remit to sending it (a design default).
OUT_OF_REMIT_RULE = "transfer_out_of_remit"

_ANSWER = Form([
    Field("answer", "choice", required=True, choices=("accept", "object"), label_zh="接收或异议",
          label_en="Accept or object"),
    Field("objection_reason", "text", max_length=2000, label_zh="异议理由", label_en="Objection reason"),
])
RECEIVE_FORMS = {"answer_township": _ANSWER, "answer_department": _ANSWER, "designate": Form([
    Field("designated_org_id", "organization", required=True, source="designated_organs", label_zh="指定管辖机关",
          label_en="Designated organ"),
    Field("designation_note", "text", required=True, max_length=2000, label_zh="指定理由", label_en="Reasons"),
])}


def _check_materials(reason: str, materials: list) -> list[dict]:
    errors: dict[str, list[str]] = {}
    if not (reason or "").strip():
        errors["reason"] = ["须说明移送理由 / a reason for the transfer is required"]
    if not materials or not all(isinstance(m, dict) and str(m.get("title", "")).strip() for m in materials):
        errors["materials"] = ["须随案移送材料清单（每项有名称）/ list the materials that travel with the case"]
    if errors:
        raise ValidationFailed(errors, "移送信息不完整 / the transfer is incomplete")
    return [{"title": str(m["title"]).strip(), "pages": int(m.get("pages") or 0)} for m in materials]


def _check_no_ping_pong(session: Session, case: Case) -> None:
    """Only an undecided case; no second transfer after an objection, and none while one is open."""
    if case.status not in TRANSFERABLE:
        raise Conflict(f"案件 {case.case_number} 处于「{case.status}」阶段，不能移送 / case {case.case_number} "
                       f"is {case.status}: only an undecided case can be transferred", case_id=case.id)
    rows = session.scalars(select(CaseTransfer).where(CaseTransfer.case_id == case.id)).all()
    if any(r.objection_reason for r in rows):
        raise LegalRuleViolation(
            f"案件 {case.case_number} 的移送曾被提出异议，应由县政府指定管辖，不得再自行移送 / case "
            f"{case.case_number} was objected to once: only the county may designate, no further transfer",
            article=ART_25, case_id=case.id)
    if any(r.status == TransferStatus.SENT for r in rows):
        raise Conflict(f"案件 {case.case_number} 正在移送中 / case {case.case_number} is already in transfer",
                       case_id=case.id)


def transfer_in_progress(session: Session, case_id: int) -> bool:
    """Whether the case is on its way to another organ (the case handling should wait)."""
    return session.scalar(select(func.count(CaseTransfer.id)).where(
        CaseTransfer.case_id == case_id, CaseTransfer.status == TransferStatus.SENT)) > 0


def competent_receiver(session: Session, case: Case, today) -> tuple[Organization, str]:
    """The organ the registry names for the case's item and township, and the basis."""
    answer = who(session, case.item.code, case.township_id, today)
    return session.get(Organization, answer.acting_org.id), answer.basis


def _check_receiver(case: Case, competent: Organization, basis: str, receiver_org_id: int | None) -> None:
    if competent.id == case.handling_org_id:
        raise LegalRuleViolation(
            f"{competent.name} 即为案件 {case.case_number} 的管辖机关，无需移送 / {competent.name} is itself "
            f"competent for case {case.case_number}", article=basis, competent_org_id=competent.id)
    if receiver_org_id is not None and receiver_org_id != competent.id:
        raise LegalRuleViolation(
            f"接收机关对该事项无管辖权；依权责清单应移送{competent.name} / the receiver is not competent "
            f"for this item: the registry names {competent.name}", article=f"{ART_JURISDICTION}；{basis}",
            competent_org_id=competent.id, competent_org=competent.name)


def _owner(org: Organization) -> dict:
    """The instance's own organization key, so inboxes and listings file it under that organ."""
    return {"township_id": org.id} if org.kind == OrgKind.TOWNSHIP else {"department_id": org.id}


def _check_found_on(found_on, case: Case, today: date) -> date:
    """The day the organ found the case outside its remit: between filing and today."""
    found_on = found_on or today
    if not isinstance(found_on, date) or not case.filed_on <= found_on <= today:
        raise ValidationFailed({"found_on": [f"须在立案日 {case.filed_on} 与今天之间 / must lie between the filing "
                                             f"day and today"]}, "发现日期有误 / invalid date")
    return found_on


def transfer_case(session: Session, engine, actor: User, case_id: int, *, reason: str, materials: list,
                  receiver_org_id: int | None = None, found_on: date | None = None) -> CaseTransfer:
    """Send a case to the competent organ: a receiver instance waits, the sender's message reaches it.

    The sender's own period (transfer_out_of_remit) runs from `found_on` and is met by this transfer.
    """
    with unit_of_work(session):
        case = session.get(Case, case_id)
        if case is None:
            raise NotFound(f"未找到案件：{case_id} / unknown case: {case_id}", case_id=case_id)
        sender = org_or_404(session, case.handling_org_id, "办案机关 / handling organ")
        require_member(session, actor, sender, f"移送案件 {case.case_number} / transfer the case")
        listed = _check_materials(reason, materials)
        # Taken before the checks: the sequence row serializes two transfers of one case, so the
        # second sees the first's open transfer (never count+1, which both would share).
        n = next_number(session, f"case_transfer:{case.id}", engine.clock.today().year, floor=lambda: session.scalar(
            select(func.count(CaseTransfer.id)).where(CaseTransfer.case_id == case.id)))
        _check_no_ping_pong(session, case)
        receiver, basis = competent_receiver(session, case, engine.clock.today())
        _check_receiver(case, receiver, basis, receiver_org_id)
        key = f"YS-{case.case_number}-{n}"
        transfer = CaseTransfer(case_id=case.id, sender_org_id=sender.id, receiver_org_id=receiver.id,
                                reason=reason.strip(), materials=listed, competence_basis=basis,
                                sent_at=engine.clock.now(), sender_key=f"{key}/S", receiver_key=f"{key}/R")
        session.add(transfer)
        session.flush()
        met_since(session, engine, OUT_OF_REMIT_RULE, _check_found_on(found_on, case, engine.clock.today()),
                  org_id=sender.id, case_ref=case.case_number, actor=actor)
        processes.start(session, engine, RECEIVE, actor=actor, business_key=transfer.receiver_key, data={
            **_owner(receiver), "receiver_org_id": receiver.id,
            "receiver_is_township": receiver.kind == OrgKind.TOWNSHIP,
            "county_government_id": single_org(session, OrgKind.COUNTY_GOVERNMENT).id,
            "reply_key": transfer.sender_key, "objection_reason": ""})
        processes.start(session, engine, SEND, actor=actor, business_key=transfer.sender_key, data={
            **_owner(sender), "transfer_id": transfer.id, "target_key": transfer.receiver_key})
        return transfer


@service_task("transfer.send")
def send(ctx: ServiceContext, transfer_id: int) -> dict:
    """Service task: the receiver's answer period starts; the payload says what travels."""
    t = ctx.session.get(CaseTransfer, transfer_id)
    case = ctx.session.get(Case, t.case_id)
    t.answer_deadline_id = start_period(ctx, "transfer_answer", instance_id=ctx.instance_id,
                                        org_id=t.receiver_org_id, case_ref=case.case_number)
    return {"transfer_id": t.id, "case_number": case.case_number, "item_code": case.item.code,
            "reason": t.reason, "materials": t.materials, "sender_org_id": t.sender_org_id}


@service_task("transfer.answer")
def answer(ctx: ServiceContext, transfer_id: int, answer: str, objection_reason) -> dict:
    """Service task: accept (the case moves) or object with reasons (to the county to designate)."""
    t = ctx.session.get(CaseTransfer, transfer_id)
    if answer == "object" and not (objection_reason or "").strip():
        raise ValidationFailed({"objection_reason": ["对移送有异议须说明理由 / an objection needs reasons"]},
                               "异议缺少理由 / objection without reasons")
    t.answered_at = ctx.now
    meet_period(ctx.session, ctx.clock, t.answer_deadline_id, ctx.actor_user_id)
    if answer == "accept":
        t.status = TransferStatus.ACCEPTED
        _move_case(ctx, t, t.receiver_org_id)
        ctx.after_step(hand_over_after_step, t.id, ctx.actor_user_id)  # 第25条: in this step
        return {"outcome": "accepted", "handling_org_id": t.receiver_org_id}
    t.status, t.objection_reason = TransferStatus.OBJECTED, objection_reason.strip()
    county = single_org(ctx.session, OrgKind.COUNTY_GOVERNMENT)
    t.designation_deadline_id = start_period(ctx, "transfer_designation",
                                             instance_id=ctx.instance_id, org_id=county.id,
                                             case_ref=t.receiver_key)
    return {"outcome": "objected"}


DESIGNABLE = (OrgKind.COUNTY_DEPARTMENT, OrgKind.TOWNSHIP)  # organs that handle cases in their own name


def _designable(ctx: PickContext) -> list:
    """第25条: the county designates the sender, the receiver, the case's township or a county department
    (the two organs in dispute first); never another township's organs."""
    t = ctx.session.get(CaseTransfer, ctx.data["transfer"]["transfer_id"])
    township = ctx.session.get(Case, t.case_id).township_id
    parties = [t.sender_org_id, t.receiver_org_id, township]
    rows = ctx.session.scalars(select(Organization).where(
        Organization.kind.in_(DESIGNABLE), Organization.is_active.is_(True),
        or_(Organization.id.in_(parties), (Organization.kind == OrgKind.COUNTY_DEPARTMENT)
            & Organization.is_stationed.is_(False))).order_by(Organization.position, Organization.id))
    first = {org_id: n for n, org_id in enumerate(dict.fromkeys(parties))}
    return [org_option(o) for o in sorted(rows, key=lambda o: first.get(o.id, len(first)))]


DESIGNATED_ORGANS = Picker("designated_organs", _designable)


@service_task("transfer.designate")
def designate(ctx: ServiceContext, transfer_id: int, designated_org_id: int, designation_note: str) -> dict:
    """Service task: the county government designates the organ (指定管辖, 第25条); the case goes there."""
    t = ctx.session.get(CaseTransfer, transfer_id)
    organ = org_or_404(ctx.session, designated_org_id, "指定管辖机关 / designated organ")
    if organ.kind not in (OrgKind.COUNTY_DEPARTMENT, OrgKind.TOWNSHIP):
        raise ValidationFailed({"designated_org_id": [f"{organ.name} 不是县直部门或乡镇 / not a department or township"]})
    t.status, t.designated_org_id = TransferStatus.DESIGNATED, organ.id
    t.designation_note, t.designated_at = designation_note.strip(), ctx.now
    meet_period(ctx.session, ctx.clock, t.designation_deadline_id, ctx.actor_user_id)
    _move_case(ctx, t, organ.id)
    ctx.after_step(hand_over_after_step, t.id, ctx.actor_user_id)  # 第25条: in this step
    return {"outcome": "designated", "handling_org_id": organ.id}


@service_task("transfer.close")
def close(ctx: ServiceContext, transfer_id: int, reply: dict) -> dict:
    """Service task: the sender's instance records where the case went."""
    t = ctx.session.get(CaseTransfer, transfer_id)
    return {"status": str(t.status), "handling_org_id": reply.get("handling_org_id")}


def _move_case(ctx: ServiceContext, t: CaseTransfer, org_id: int) -> None:
    """The case (and its acting subject per the registry, when the organ is the competent one) moves."""
    case = ctx.session.get(Case, t.case_id)
    answer = who(ctx.session, case.item.code, case.township_id, ctx.clock.today())
    subject = answer.enforcement_subject.id if answer.acting_org.id == org_id else org_id
    responsible = answer.responsible_subject.id if answer.acting_org.id == org_id else org_id
    case.handling_org_id, case.enforcement_subject_org_id, case.responsible_org_id = org_id, subject, responsible
