"""The grant procedure (赋权, 行政处罚法 第24条): forms, service tasks and the start function."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from models import DelegationMode, Organization, OrgKind, Role, User
from workflows.core.db import unit_of_work
from workflows.core.errors import LegalRuleViolation, ValidationFailed
from workflows.core.forms import Field, Form
from workflows.core.services import ServiceContext, service_task
from workflows.documents.issue import issue_grant_decision
from workflows.procedures.forms import DELEGATION_REVIEW, EVALUATION_DUE
from workflows.procedures.rules import (
    ART_24,
    as_iso_date,
    check_certified_team,
    check_department_owns,
    check_grant_team_size,
    items_by_codes,
    org_of_kind,
    refuse_problems,
    require_role,
    single_org,
)
from workflows.registry.delegations import DelegationDraft, add_delegations, check_drafts
from workflows.tasks import processes

PROCESS_ID = "grant"
_DECISION = ("approve", "reject")
# A registry draft's fields as the proposal form and the decision task name them.
PROPOSAL_FIELDS_OF_DRAFT = {"item_code": "item_codes", "mode": "item_codes", "effective_from": "item_codes",
                            "township": "township_ids"}
DECISION_FIELDS_OF_DRAFT = {"item_code": "effective_on", "mode": "effective_on",
                            "effective_from": "effective_on", "township": "effective_on"}


def _text(name: str, zh: str, en: str, required: bool = False) -> Field:
    return Field(name, "text", required=required, max_length=2000, label_zh=zh, label_en=en)


FORMS = {
    "township_capacity": Form([
        Field("accepts", "bool", required=True, label_zh="是否承接", label_en="Accepts the items"),
        Field("team_size", "int", required=True, min=0, label_zh="综合行政执法队人数", label_en="Team size"),
        Field("certified_officers", "int", required=True, min=0, label_zh="持证执法人员数",
              label_en="Certified officers"),
        _text("equipment", "执法装备", "Equipment"),
        _text("capacity_opinion", "承接能力说明", "Capacity statement"),
    ]),
    "legal_review": DELEGATION_REVIEW,
    "revise_proposal": Form([
        Field("item_codes", "item_codes", required=True, label_zh="赋权事项", label_en="Items"),
        _text("revision_note", "修改说明", "What changed", required=True),
    ]),
    "county_decision": Form([
        Field("county_decision", "choice", required=True, choices=_DECISION, label_zh="决定",
              label_en="Decision"),
        Field("effective_on", "date", label_zh="生效日期", label_en="Effective on"),
        _text("decision_opinion", "决定意见", "Opinion"),
    ]),
    "provincial_approval": Form([
        Field("province_decision", "choice", required=True, choices=_DECISION,
              label_zh="省政府意见", label_en="Province's decision"),
        _text("province_opinion", "批复意见", "Reply"),
    ], due="rule_due('grant_provincial_approval')"),
    "publish_decision": Form([
        Field("published_on", "date", required=True, label_zh="公布日期", label_en="Published on"),
        Field("publication_channel", "str", required=True, max_length=200, label_zh="公布渠道",
              label_en="Where published"),
    ]),
    "handover_training": Form([
        Field("handover_on", "date", required=True, label_zh="交接日期", label_en="Handed over on"),
        Field("trained_officers", "int", required=True, min=1, label_zh="参训人数",
              label_en="Officers trained"),
        _text("training_note", "培训情况", "Training"),
    ], due="rule_due('grant_handover_training')"),
    "organize_evaluation": EVALUATION_DUE,
}


def check_registry(session: Session, township: Organization, items: list, start: date) -> list[dict]:
    """The registry's problems with granting the items from a day on (第18条, overlaps, 第20、24条)."""
    drafts = [DelegationDraft(item_code=i.code, township=township.id, mode=DelegationMode.GRANT.value,
                              effective_from=start) for i in items]
    return check_drafts(session, drafts)


def check_proposal(session: Session, department: Organization, township: Organization,
                   codes: list[str], on: date) -> dict:
    """Items the department holds, a certified township team; say which need the province."""
    items = items_by_codes(session, codes)
    check_department_owns(department, items, ART_24)
    not_grantable = [i.code for i in items if DelegationMode.GRANT.value not in (i.modes_allowed or [])]
    if not_grantable:
        raise LegalRuleViolation(
            f"下列事项目录不允许赋权：{'、'.join(not_grantable)} / the catalogue does not allow granting "
            f"{', '.join(not_grantable)}", article=ART_24, item_codes=not_grantable)
    check_certified_team(session, township, on, ART_24)
    check_grant_team_size(township, township.enforcement_team_size)
    # A delegation with no end blocks any effective date the county could choose; one with an end is
    # checked against the decided date (issue_decision), so the county may choose the day after it.
    problems = [p for p in check_registry(session, township, items, on)
                if p.get("clash") is None or p["clash"]["effective_to"] is None]
    refuse_problems(problems, PROPOSAL_FIELDS_OF_DRAFT, "赋权提议未通过核验 / the proposal fails the "
                    "delegation rules")
    # 第24条: items outside the provincial guidance list go up for the province's approval.
    outside = [i.code for i in items if not i.in_provincial_guidance]
    return {"item_ids": [i.id for i in items], "outside_guidance": outside,
            "needs_provincial": bool(outside)}


@service_task("grant.validate_proposal")
def validate_proposal(ctx: ServiceContext, department_id: int, township_id: int,
                      item_codes: list[str]) -> dict:
    """Service task: re-check the proposal after drafting or revision."""
    department = org_of_kind(ctx.session, department_id, OrgKind.COUNTY_DEPARTMENT, "县直部门 / department")
    township = org_of_kind(ctx.session, township_id, OrgKind.TOWNSHIP, "乡镇 / township")
    return check_proposal(ctx.session, department, township, item_codes, ctx.clock.today())


@service_task("grant.check_capacity")
def check_capacity(ctx: ServiceContext, township_id: int, team_size: int,
                   certified_officers: int) -> dict:
    """Service task: a township that accepts must show the team the plan requires."""
    township = org_of_kind(ctx.session, township_id, OrgKind.TOWNSHIP, "乡镇 / township")
    check_grant_team_size(township, team_size)
    on_record = check_certified_team(ctx.session, township, ctx.clock.today(), ART_24)
    return {"team_size": team_size, "declared_certified": certified_officers,
            "certified_on_record": on_record}


@service_task("grant.issue_decision")
def issue_decision(ctx: ServiceContext, county_id: int, township_id: int, item_codes: list[str],
                   effective_on, needs_provincial: bool) -> dict:
    """Service task: number, render and store the 赋权决定 (第24条: 决定应当公布)."""
    if not effective_on:
        raise ValidationFailed({"effective_on": ["批准赋权须写明生效日期 / an approval needs an effective date"]})
    start = as_iso_date(effective_on, "effective_on")
    if start < ctx.clock.today():
        raise ValidationFailed({"effective_on": [f"生效日期 {start} 早于今天 / effective date {start} is in the past"]})
    items = items_by_codes(ctx.session, item_codes)
    township = org_of_kind(ctx.session, township_id, OrgKind.TOWNSHIP, "乡镇 / township")
    refuse_problems(check_registry(ctx.session, township, items, start), DECISION_FIELDS_OF_DRAFT,
                    "赋权决定未通过核验 / the decision fails the delegation rules")
    decision = {"county_id": county_id, "township_ids": [township_id], "item_ids": [i.id for i in items],
                "effective_on": start.isoformat(), "provincial_approval": needs_provincial}
    return issue_grant_decision(ctx.session, ctx.clock, decision, instance_id=ctx.instance_id)


@service_task("grant.apply")
def apply_grant(ctx: ServiceContext, township_id: int, item_codes: list[str], effective_on: str,
                document_no: str) -> dict:
    """Service task: the registry records the grant as effective, in the step's transaction."""
    drafts = [DelegationDraft(item_code=code, township=township_id, mode=DelegationMode.GRANT.value,
                              effective_from=as_iso_date(effective_on, "effective_on"),
                              document_no=document_no, document_title="赋权决定",
                              instance_id=ctx.instance_id) for code in item_codes]
    rows = add_delegations(ctx.session, ctx.clock, drafts, actor_user_id=ctx.actor_user_id)
    return {"delegation_ids": [r.id for r in rows]}


def start_grant(session: Session, engine, actor: User, department: Organization,
                townships: list[Organization], item_codes: list[str], *, note: str = "",
                business_key: str | None = None) -> list:
    """Start one grant instance per township (一镇一清单); all or none when a check fails."""
    if not townships:
        raise ValidationFailed({"townships": ["至少选择一个乡镇 / choose at least one township"]})
    with unit_of_work(session):
        require_role(session, actor, Role.COUNTY_OFFICER, department)
        county = single_org(session, OrgKind.COUNTY_GOVERNMENT)
        data = {"department_id": department.id, "county_government_id": county.id,
                "reviewer_org_id": single_org(session, OrgKind.LEGAL_AFFAIRS_OFFICE).id,
                "province_id": single_org(session, OrgKind.PROVINCE).id,
                "item_codes": list(item_codes), "proposal_note": note, "effective_on": None}
        for township in townships:
            check_proposal(session, department, township, item_codes, engine.clock.today())
        started = []
        for township in townships:
            key = f"{business_key}/{township.short_name or township.id}" if business_key else None
            started.append(processes.start(session, engine, PROCESS_ID, actor=actor, business_key=key,
                                           data={**data, "township_id": township.id}))
        return started
