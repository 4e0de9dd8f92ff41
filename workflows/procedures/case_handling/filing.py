"""Filing a case (立案) and the organ's controls over its decision clock (行政处罚法 第36、42、60条)."""

from __future__ import annotations

import re
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import (
    Case,
    CaseOfficer,
    CaseStatus,
    Deadline,
    DelegationMode,
    Organization,
    OrgKind,
    PartyKind,
    PowerItem,
    ProcessInstance,
    Role,
    User,
)
from workflows.cases.records import get_case
from workflows.cases.rules import (
    Officer,
    check_competence,
    check_limitation,
    check_officers,
    reviewer_org,
)
from workflows.core.db import unit_of_work
from workflows.core.errors import Conflict, NotFound, ValidationFailed
from workflows.core.numbering import next_number
from workflows.deadlines import extensions as deadline_extensions
from workflows.deadlines import records as deadlines
from workflows.documents.issue import COUNTY_PREFIX, organ_code
from workflows.procedures.case_clock import legal_calendar
from workflows.procedures.case_handling import defence, discussion, execution, steps
from workflows.procedures.case_handling.steps import DECIDE_RULE, PROCESS_ID, REVOKED_MESSAGE
from workflows.procedures.rules import require_role, single_org
from workflows.registry import powers as registry
from workflows.tasks import processes

# Form fields and step results of the procedure, present from the start so every expression can name them.
RESULTS = ("notice", "defence", "hearing", "discussion", "served", "payment", "deferral", "reminder", "enforcement",
           "closed", "archived")
FORM_DEFAULTS = {name: None for name in (
    *(f.name for forms in (steps.FORMS, defence.FORMS, discussion.FORMS, execution.FORMS) for form in forms.values()
      for f in form.fields),
    "review_result", "review_opinion", "supplement_note", *RESULTS)}


def _check_party(party_name: str, party_kind: str, facts_summary: str) -> None:
    errors = {}
    if not (party_name or "").strip():
        errors["party_name"] = ["当事人必填 / the party is required"]
    if party_kind not in {k.value for k in PartyKind}:
        errors["party_kind"] = [f"应为 citizen 或 organization：{party_kind!r} / must be citizen or organization"]
    if not (facts_summary or "").strip():
        errors["facts_summary"] = ["案情摘要必填 / a summary of the facts is required"]
    if errors:
        raise ValidationFailed(errors)


def _taken(session: Session, case_number: str) -> bool:
    return session.scalar(select(Case.id).where(Case.case_number == case_number)) is not None


def _highest_in_series(session: Session, head: str) -> int:
    """The highest N of `head`N号 already used (typed numbers, or cases filed before the sequence)."""
    pattern = re.compile(rf"{re.escape(head)}(\d+)号")
    numbers = session.scalars(select(Case.case_number).where(Case.case_number.like(f"{head}%")))
    return max((int(m.group(1)) for n in numbers if (m := pattern.fullmatch(n))), default=0)


def case_number_for(session: Session, handling_org: Organization, typed: str, year: int) -> str:
    """The typed 案号, or the next free number of the organ's series 故{机关代字}罚〔year〕N号.

    Numbers come from the organ's per-year sequence (never count + 1), started above any number of
    the series already typed; one typed later above the sequence is passed over, never reused.
    """
    number = (typed or "").strip()
    if number:
        if _taken(session, number):
            raise Conflict(f"案号 {number} 已存在 / case number {number} exists", case_number=number)
        return number
    head = f"{COUNTY_PREFIX}{organ_code(handling_org)}罚〔{year}〕"
    while True:
        value = next_number(session, f"case:{handling_org.id}", year,
                            floor=lambda: _highest_in_series(session, head))
        number = f"{head}{value}号"
        if not _taken(session, number):
            return number


def _process_data(case: Case, answer, reviewer: Organization, item) -> dict:
    return {"case_id": case.id, "case_number": case.case_number, "handling_org_id": case.handling_org_id,
            "township_id": case.township_id, "department_id": answer.department.id,
            "enforcement_subject_org_id": case.enforcement_subject_org_id,
            "reviewer_org_id": reviewer.id, "party_kind": str(case.party_kind), "mode": answer.mode,
            "benchmark": {"ref": item.discretion_benchmark_ref, "penalty_range": item.penalty_range},
            **FORM_DEFAULTS}


# Who acts for the handling organ: its officers investigate; its head (a township's leader,
# a department's officers — there is no department-head role) decides and controls the clock.
OFFICER_ROLE = {OrgKind.TOWNSHIP: Role.TOWNSHIP_OFFICER, OrgKind.COUNTY_DEPARTMENT: Role.COUNTY_OFFICER}
HEAD_ROLE = {OrgKind.TOWNSHIP: Role.TOWNSHIP_LEADER, OrgKind.COUNTY_DEPARTMENT: Role.COUNTY_OFFICER}


def _handling_role(org: Organization, roles: dict[OrgKind, Role]) -> Role:
    """The role an organ's staff need here; only townships and county departments handle cases."""
    role = roles.get(OrgKind(org.kind))
    if role is None:
        raise ValidationFailed({"handling_org": [
            f"{org.name} 不是乡镇或县直部门，不能办理案件 / {org.name} is neither a township nor a "
            f"county department and cannot handle cases"]})
    return role


def file_case(session: Session, engine, actor: User, *, item_code: str, township: Organization,
              handling_org: Organization, case_number: str = "", party_name: str, party_kind: str,
              facts_summary: str, violation_on: date, officers: list[Officer], harm: bool = False,
              filed_on: date | None = None, act_ended_on: date | None = None,
              discovered_on: date | None = None) -> Case:
    """立案: competence, limitation and officers checked first; nothing is written when one fails."""
    _check_party(party_name, party_kind, facts_summary)
    filed_on = filed_on or engine.clock.today()
    with unit_of_work(session):
        require_role(session, actor, _handling_role(handling_org, OFFICER_ROLE), handling_org)
        case_number = case_number_for(session, handling_org, case_number, filed_on.year)
        if handling_org.kind == OrgKind.COUNTY_DEPARTMENT:
            # 行政处罚法 第24条 practice: once a grant is effective the department no longer acts
            # on that item in that township; items not delegated stay with it.
            registry.department_may_act(session, item_code, township.id, filed_on)
        answer = registry.who(session, item_code, township.id, filed_on)
        check_competence(answer, handling_org)
        # 第36条: counted to the day the act was discovered (the filing day when none is given).
        discovered_on = discovered_on or filed_on
        check_limitation(violation_on, filed_on, harm, act_ended_on=act_ended_on,
                         discovered_on=discovered_on)
        check_officers(session, handling_org, officers, filed_on)
        case = Case(case_number=case_number, item_id=_item_id(session, answer.item_code),
                    township_id=township.id, handling_org_id=handling_org.id,
                    enforcement_subject_org_id=answer.enforcement_subject.id,
                    responsible_org_id=answer.responsible_subject.id, delegation_id=answer.delegation_id,
                    mode_at_filing=DelegationMode(answer.mode), filed_on=filed_on, party_name=party_name.strip(),
                    party_kind=PartyKind(party_kind), facts_summary=facts_summary.strip(),
                    status=CaseStatus.FILED, violation_on=violation_on, harm_to_life_health_finance=harm,
                    act_ended_on=act_ended_on, discovered_on=discovered_on,
                    created_at=engine.clock.now(),
                    officers=[CaseOfficer(user_id=o.user_id, certificate_number=o.certificate_number)
                              for o in officers])
        session.add(case)
        session.flush()
        subject = session.get(Organization, answer.enforcement_subject.id)
        reviewer = reviewer_org(session, answer.mode, subject, handling_org,
                                single_org(session, OrgKind.LEGAL_AFFAIRS_OFFICE))
        instance = processes.start(session, engine, PROCESS_ID, actor=actor, business_key=case_number,
                                   data=_process_data(case, answer, reviewer, case.item))
        case.instance_id = instance.id
    return case


def _item_id(session: Session, code: str) -> int:
    return session.scalar(select(PowerItem.id).where(PowerItem.code == code))


def decision_clock(session: Session, case: Case) -> Deadline:
    """The 90-day decision deadline row of a case (第60条)."""
    row = session.scalars(select(Deadline).where(Deadline.case_ref == case.case_number,
                                                 Deadline.rule_key == DECIDE_RULE)
                          .order_by(Deadline.id.desc())).first()
    if row is None:
        raise NotFound(f"案件 {case.case_number} 无办案期限 / case has no decision clock", case_id=case.id)
    return row


def pause_decision_clock(session: Session, clock, case_id: int, actor: User, reason: str) -> Deadline:
    """听证、公告、检测鉴定期间不计入办案期限 (市场监督管理行政处罚程序规定)."""
    with unit_of_work(session):
        case = get_case(session, case_id)
        require_role(session, actor, _handling_role(case.handling_org, HEAD_ROLE), case.handling_org)
        return deadlines.pause(session, clock, decision_clock(session, case).id, reason, actor=actor)


def resume_decision_clock(session: Session, clock, case_id: int, actor: User) -> Deadline:
    """The excluded period ended; the 90 days run on, the due moved by the excluded span."""
    with unit_of_work(session):
        case = get_case(session, case_id)
        require_role(session, actor, _handling_role(case.handling_org, HEAD_ROLE), case.handling_org)
        return deadlines.resume(session, clock, legal_calendar(), decision_clock(session, case).id, actor=actor)


def extend_decision_clock(session: Session, clock, case_id: int, actor: User, *, reason: str,
                          collective: bool = False, new_due: datetime | None = None):
    """第60条 with the sector rule: +30 days by the head, then only a collective decision with a date."""
    with unit_of_work(session):
        case = get_case(session, case_id)
        deadline = decision_clock(session, case)
        amount = None if collective else (30 if new_due is None else None)
        return deadline_extensions.extend(session, clock, legal_calendar(), deadline.id, reason=reason,
                                          approver=actor, amount=amount, new_due=new_due,
                                          collective=collective)


def revoke_decision(session: Session, engine, case_id: int, actor: User, *, reason: str) -> None:
    """A published decision was changed, revoked or found unlawful: start its withdrawal (第48条)."""
    if not (reason or "").strip():
        raise ValidationFailed({"reason": ["须说明撤销理由 / a reason is required"]})
    with unit_of_work(session):
        case = get_case(session, case_id)
        require_role(session, actor, _handling_role(case.handling_org, HEAD_ROLE), case.handling_org)
        instance = session.get(ProcessInstance, case.instance_id)
        if case.published_on is None or case.publication_withdrawn_on is not None or instance is None:
            raise Conflict(f"案件 {case.case_number} 的决定未公示，无须撤回 / the decision is not published",
                           case_id=case.id, status=str(case.status))
        processes.send_message(session, engine, instance.id, REVOKED_MESSAGE,
                               payload={"reason": reason.strip()}, actor=actor)
