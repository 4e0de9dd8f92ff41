"""The entrustment procedure (委托, 行政处罚法 第20–21条): forms, service tasks, start and revoke."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import (
    Delegation,
    DelegationMode,
    DelegationStatus,
    Organization,
    OrgKind,
    ProcessInstance,
    Role,
    User,
)
from workflows.core.db import unit_of_work
from workflows.core.errors import LegalRuleViolation, NotFound, ValidationFailed
from workflows.core.forms import Field, Form
from workflows.core.services import ServiceContext, service_task
from workflows.documents.issue import issue_entrustment_letter
from workflows.procedures.forms import DELEGATION_REVIEW
from workflows.procedures.rules import (
    ART_20,
    ART_21,
    as_iso_date,
    check_certified_team,
    check_department_owns,
    items_by_codes,
    org_of_kind,
    refuse_problems,
    require_role,
    single_org,
)
from workflows.registry.delegations import (
    DelegationDraft,
    add_delegations,
    check_drafts,
    revoke_delegation,
    set_delegation_status,
)
from workflows.tasks import processes

PROCESS_ID = "entrustment"
REVOKE_MESSAGE = "entrustment_revoke"
# Shandong practice (山东省乡镇人民政府工作条例 第8条): 征求乡镇意见并报县政府审核批准.
REQUIRES_COUNTY_APPROVAL = True
LETTER_FIELDS = ("authority", "responsibilities", "supervision")
# A registry draft's fields as the letter's form names them (start page, revise task, API).
LETTER_FIELDS_OF_DRAFT = {"item_code": "item_codes", "mode": "item_codes", "township": "township_id",
                          "effective_from": "term_start", "effective_to": "term_end",
                          "entrusting_org": "department_id"}


def _text(name: str, zh: str, en: str, required: bool = False) -> Field:
    return Field(name, "text", required=required, max_length=2000, label_zh=zh, label_en=en)


def _signature(prefix: str, zh: str) -> Form:
    return Form([Field(f"{prefix}_signed_on", "date", required=True, label_zh=f"{zh}签署日期",
                       label_en="Signed on"),
                 Field(f"{prefix}_signatory", "str", required=True, max_length=60,
                       label_zh=f"{zh}签署人", label_en="Signatory")],
                due="rule_due('entrust_signing')")


def _publication(prefix: str, zh: str) -> Form:
    return Form([Field(f"{prefix}_published_on", "date", required=True, label_zh=f"{zh}公布日期",
                       label_en="Published on"),
                 Field(f"{prefix}_publication_channel", "str", required=True, max_length=200,
                       label_zh=f"{zh}公布渠道", label_en="Where published")])


FORMS = {
    "township_opinion": Form([
        Field("agrees", "bool", required=True, label_zh="是否同意接受委托", label_en="Agrees"),
        _text("township_opinion_text", "乡镇意见", "Township's opinion"),
    ]),
    "legal_review": DELEGATION_REVIEW,
    "revise_letter": Form([
        Field("item_codes", "item_codes", label_zh="委托事项", label_en="Items"),
        _text("authority", "委托权限", "Authority"),
        Field("term_start", "date", label_zh="委托期限起", label_en="Term starts"),
        Field("term_end", "date", label_zh="委托期限止", label_en="Term ends"),
        _text("responsibilities", "双方责任", "Responsibilities"),
        _text("supervision", "监督方式", "Supervision"),
        _text("revision_note", "修改说明", "What changed", required=True),
    ]),
    "county_approval": Form([
        Field("county_decision", "choice", required=True, choices=("approve", "reject"),
              label_zh="县政府意见", label_en="County decision"),
        _text("county_opinion", "审核意见", "Opinion"),
    ]),
    "sign_department": _signature("department", "委托机关"),
    "sign_township": _signature("township", "受委托乡镇"),
    "publish_department": _publication("department", "委托机关"),
    "publish_township": _publication("township", "受委托乡镇"),
    # Renew or lapse is decided before the term ends (第20条: the letter states its 期限).
    "renewal_decision": Form([
        Field("renew", "bool", required=True, label_zh="是否续签", label_en="Renew"),
        Field("new_term_end", "date", label_zh="新期限止", label_en="New term ends"),
        _text("renewal_note", "说明", "Note"),
    ], due="end_of_day(term_end)"),
}


def _term(term_start, term_end, today: date) -> tuple[date, date]:
    """第20条: the 委托书 states its 期限; no term, or a term that ends before it starts, is refused."""
    if not term_start or not term_end:
        raise LegalRuleViolation("委托书必须载明委托期限（起止日期）/ an entrustment letter must state its "
                                 "term (start and end dates)", article=ART_20, field="term")
    start, end = as_iso_date(term_start, "term_start"), as_iso_date(term_end, "term_end")
    if end < start:
        raise ValidationFailed({"term_end": [f"委托期限止 {end} 早于起 {start} / term ends {end} before it starts"]})
    if start < today:
        raise ValidationFailed({"term_start": [f"委托期限起 {start} 早于今天 / term starts in the past"]})
    return start, end


def check_letter(session: Session, department: Organization, township: Organization,
                 codes: list[str], term_start, term_end, today: date) -> dict:
    """All the rules a draft letter must meet before anyone is asked to review it."""
    start, end = _term(term_start, term_end, today)
    items = items_by_codes(session, codes)
    check_department_owns(department, items, ART_20)
    check_certified_team(session, township, start, ART_21)
    drafts = [DelegationDraft(item_code=i.code, township=township.id, mode=DelegationMode.ENTRUST.value,
                              effective_from=start, effective_to=end, entrusting_org=department.id)
              for i in items]
    # Catalogue mode, 第18条, re-entrustment, overlaps: each named on the form field it concerns.
    refuse_problems(check_drafts(session, drafts), LETTER_FIELDS_OF_DRAFT,
                    "委托书未通过核验 / the letter fails the delegation rules")
    return {"item_ids": [i.id for i in items], "term_days": (end - start).days + 1}


def _orgs(ctx: ServiceContext, department_id: int, township_id: int) -> tuple[Organization, Organization]:
    return (org_of_kind(ctx.session, department_id, OrgKind.COUNTY_DEPARTMENT, "县直部门 / department"),
            org_of_kind(ctx.session, township_id, OrgKind.TOWNSHIP, "乡镇 / township"))


@service_task("entrustment.validate_letter")
def validate_letter(ctx: ServiceContext, department_id: int, township_id: int, item_codes: list[str],
                    term_start, term_end) -> dict:
    """Service task: check the draft, again after every revision."""
    department, township = _orgs(ctx, department_id, township_id)
    return check_letter(ctx.session, department, township, item_codes, term_start, term_end,
                        ctx.clock.today())


def _letter(department_id, township_id, item_ids, authority, start, end, responsibilities, supervision):
    return {"department_id": department_id, "township_id": township_id, "item_ids": item_ids,
            "authority": authority, "term_start": start, "term_end": end,
            "responsibilities": responsibilities, "supervision": supervision}


@service_task("entrustment.issue_letter")
def issue_letter(ctx: ServiceContext, department_id: int, township_id: int, item_codes: list[str],
                 authority: str, term_start: str, term_end: str, responsibilities: str,
                 supervision: str) -> dict:
    """Service task: number, render and store the 行政执法委托书."""
    item_ids = [i.id for i in items_by_codes(ctx.session, item_codes)]
    letter = _letter(department_id, township_id, item_ids, authority, term_start, term_end,
                     responsibilities, supervision)
    return issue_entrustment_letter(ctx.session, ctx.clock, letter, instance_id=ctx.instance_id)


def _add_term(ctx: ServiceContext, township_id: int, codes: list[str], start: date, end: date,
              document_no: str) -> dict:
    drafts = [DelegationDraft(item_code=code, township=township_id, mode=DelegationMode.ENTRUST.value,
                              effective_from=start, effective_to=end, document_no=document_no,
                              document_title="行政执法委托书", instance_id=ctx.instance_id)
              for code in codes]
    rows = add_delegations(ctx.session, ctx.clock, drafts, actor_user_id=ctx.actor_user_id)
    return {"delegation_ids": [r.id for r in rows]}


@service_task("entrustment.apply")
def apply_entrustment(ctx: ServiceContext, township_id: int, item_codes: list[str], term_start: str,
                      term_end: str, document_no: str) -> dict:
    """Service task: the registry records the entrustment for its term, effective now."""
    return _add_term(ctx, township_id, item_codes, as_iso_date(term_start, "term_start"),
                     as_iso_date(term_end, "term_end"), document_no)


@service_task("entrustment.renew")
def renew(ctx: ServiceContext, department_id: int, township_id: int, item_codes: list[str],
          authority: str, term_end: str, new_term_end, responsibilities: str, supervision: str) -> dict:
    """Service task: a new term from the day after the old one ends, with a new letter."""
    old_end = as_iso_date(term_end, "term_end")
    if not new_term_end:
        raise ValidationFailed({"new_term_end": ["续签须写明新期限 / a renewal needs a new end date"]})
    new_end = as_iso_date(new_term_end, "new_term_end")
    if new_end <= old_end:
        raise ValidationFailed({"new_term_end": [f"新期限 {new_end} 须晚于原期限 {old_end} / the new end "
                                                 f"must be after {old_end}"]})
    department, township = _orgs(ctx, department_id, township_id)
    start = old_end + timedelta(days=1)
    check_letter(ctx.session, department, township, item_codes, start.isoformat(), new_end.isoformat(),
                 ctx.clock.today())
    doc = issue_letter(ctx, department_id, township_id, item_codes, authority, start.isoformat(),
                       new_end.isoformat(), responsibilities, supervision)
    registry = _add_term(ctx, township_id, item_codes, start, new_end, doc["document_no"])
    return {"term_start": start.isoformat(), "term_end": new_end.isoformat(), "letter_doc": doc,
            "registry": registry}


def _rows_in_force(ctx: ServiceContext) -> list[Delegation]:
    query = select(Delegation).where(Delegation.instance_id == ctx.instance_id,
                                     Delegation.status == DelegationStatus.EFFECTIVE).order_by(Delegation.id)
    return list(ctx.session.scalars(query))


@service_task("entrustment.expire")
def expire(ctx: ServiceContext, term_end: str) -> dict:
    """Service task: the term ended without renewal; the registry rows become expired."""
    rows = _rows_in_force(ctx)
    for row in rows:
        set_delegation_status(ctx.session, ctx.clock, row.id, DelegationStatus.EXPIRED,
                              actor_user_id=ctx.actor_user_id)
    return {"expired_ids": [r.id for r in rows], "term_end": term_end}


@service_task("entrustment.revoke")
def revoke(ctx: ServiceContext, revocation: dict) -> dict:
    """Service task: the department revokes from a date; past terms are closed as expired."""
    on = as_iso_date(revocation.get("revoke_on"), "revoke_on")
    revoked, expired = [], []
    for row in _rows_in_force(ctx):
        if row.effective_to is not None and row.effective_to < on:
            set_delegation_status(ctx.session, ctx.clock, row.id, DelegationStatus.EXPIRED,
                                  actor_user_id=ctx.actor_user_id)
            expired.append(row.id)
        else:
            revoke_delegation(ctx.session, ctx.clock, row.id, on=on, reason=revocation["reason"],
                              actor_user_id=revocation.get("actor_user_id"))
            revoked.append(row.id)
    return {"revoked_ids": revoked, "expired_ids": expired, "revoke_on": on.isoformat()}


def start_entrustment(session: Session, engine, actor: User, department: Organization,
                      township: Organization, item_codes: list[str], *, authority: str,
                      term_start: str | None, term_end: str | None, responsibilities: str,
                      supervision: str, requires_county_approval: bool = REQUIRES_COUNTY_APPROVAL,
                      business_key: str | None = None):
    """Check the draft letter and start the procedure; nothing is written when a check fails."""
    missing = {f: ["必填 / required"] for f, v in zip(LETTER_FIELDS, (authority, responsibilities, supervision),
                                                       strict=True) if not (v or "").strip()}
    if missing:
        raise ValidationFailed(missing)
    with unit_of_work(session):
        require_role(session, actor, Role.COUNTY_OFFICER, department)
        check_letter(session, department, township, item_codes, term_start, term_end, engine.clock.today())
        data = {"department_id": department.id, "township_id": township.id,
                "county_government_id": single_org(session, OrgKind.COUNTY_GOVERNMENT).id,
                "reviewer_org_id": single_org(session, OrgKind.LEGAL_AFFAIRS_OFFICE).id,
                "requires_county_approval": bool(requires_county_approval),
                "item_codes": list(item_codes), "authority": authority,
                "term_start": term_start, "term_end": term_end, "responsibilities": responsibilities,
                "supervision": supervision, "new_term_end": None}
        return processes.start(session, engine, PROCESS_ID, actor=actor, business_key=business_key,
                               data=data)


def revoke_entrustment(session: Session, engine, instance_id: int, actor: User, *, reason: str,
                       revoke_on: date) -> None:
    """The entrusting department revokes the entrustment from a date, with its reasons."""
    if not (reason or "").strip():
        raise ValidationFailed({"reason": ["撤销委托须说明理由 / a revocation needs reasons"]})
    if not isinstance(revoke_on, date) or revoke_on < engine.clock.today():
        raise ValidationFailed({"revoke_on": ["撤销日期须为今天或以后 / revoke from today or later"]})
    with unit_of_work(session):
        instance = session.get(ProcessInstance, instance_id)
        if instance is None or instance.process_id != PROCESS_ID:
            raise NotFound(f"未知委托流程：{instance_id} / unknown entrustment: {instance_id}",
                           instance_id=instance_id)
        department = org_of_kind(session, instance.department_id, OrgKind.COUNTY_DEPARTMENT,
                                 "县直部门 / department")
        require_role(session, actor, Role.COUNTY_OFFICER, department)
        payload = {"reason": reason.strip(), "revoke_on": revoke_on.isoformat(), "actor_user_id": actor.id}
        processes.send_message(session, engine, instance_id, REVOKE_MESSAGE, payload=payload, actor=actor)
