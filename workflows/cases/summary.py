"""Summary procedure (简易程序, 行政处罚法 第51–52、71条): a warning or a small fine decided on the spot."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import (
    Case,
    CaseOfficer,
    CaseStatus,
    DecisionKind,
    DelegationMode,
    Organization,
    PartyKind,
    PowerItem,
    User,
)
from workflows.calendar.legal_calendar import LegalCalendar
from workflows.cases.documents import issue_case_document
from workflows.cases.rules import _valid_certificate, check_competence, check_limitation
from workflows.core import audit
from workflows.core.clock import SystemClock
from workflows.core.db import unit_of_work
from workflows.core.errors import Conflict, LegalRuleViolation, ValidationFailed
from workflows.deadlines import records as deadlines
from workflows.registry import powers as registry

ART_51 = "行政处罚法 第51条"
ART_52 = "行政处罚法 第52条"
HANDOVER_RULE = "apl71_fine_handover"  # 第71条: cash to the organ within 2 working days
LIMITS = {PartyKind.CITIZEN: Decimal("200"), PartyKind.ORGANIZATION: Decimal("3000")}


def check_summary_limits(party_kind: str, penalty_kind: str, fine) -> Decimal | None:
    """第51条: a warning, or a fine of at most 200 yuan (citizen) or 3,000 yuan (organization)."""
    if penalty_kind == "warning":
        if fine not in (None, "", 0):
            raise ValidationFailed({"fine": ["警告不处罚款 / a warning carries no fine"]})
        return None
    if penalty_kind != "fine":
        raise LegalRuleViolation(f"简易程序只能给予警告或者罚款：{penalty_kind} / only a warning or a fine",
                                 article=ART_51, penalty_kind=penalty_kind)
    amount = Decimal(str(fine)) if fine not in (None, "") else None
    limit = LIMITS[PartyKind(party_kind)]
    if amount is None or amount <= 0:
        raise ValidationFailed({"fine": ["罚款金额须大于零 / the fine must be positive"]})
    if amount > limit:
        raise LegalRuleViolation(
            f"当场罚款 {amount} 元超过简易程序上限 {limit} 元，应适用普通程序 / {amount} yuan exceeds the summary "
            f"limit of {limit} yuan for a {party_kind}: use the ordinary procedure", article=ART_51,
            fine=str(amount), limit=str(limit))
    return amount


def decide_on_the_spot(session: Session, clock: SystemClock, calendar: LegalCalendar, actor: User, *,
                       item_code: str, township: Organization, handling_org: Organization, case_number: str,
                       party_name: str, party_kind: str, facts: str, penalty_kind: str, fine, place: str,
                       basis: str, certificate_number: str, remedy_organ: str, court: str,
                       violation_on: date, cash_collected: bool = False) -> Case:
    """第52条: a certified officer shows the certificate, hands over the numbered form; the organ keeps it on record."""
    if party_kind not in {k.value for k in PartyKind}:
        raise ValidationFailed({"party_kind": ["应为 citizen 或 organization / citizen or organization"]})
    amount = check_summary_limits(party_kind, penalty_kind, fine)
    missing = {k: ["必填 / required"] for k, v in (("party_name", party_name), ("facts", facts), ("place", place),
                                                   ("basis", basis), ("case_number", case_number)) if not (v or "").strip()}
    if missing:
        raise ValidationFailed(missing)
    today = clock.today()
    with unit_of_work(session):
        if session.scalar(select(Case.id).where(Case.case_number == case_number)) is not None:
            raise Conflict(f"案号 {case_number} 已存在 / case number exists", case_number=case_number)
        answer = registry.who(session, item_code, township.id, today)
        check_competence(answer, handling_org)
        check_limitation(violation_on, today, False)
        if not _valid_certificate(session, actor.id, certificate_number, today):
            raise LegalRuleViolation(f"{actor.display_name} 的执法证 {certificate_number} 今日无效，不得当场处罚 / no valid "
                                     f"certificate", article=ART_52, certificate=certificate_number)
        case = Case(case_number=case_number, item_id=session.scalar(select(PowerItem.id).where(
                        PowerItem.code == answer.item_code)), township_id=township.id, handling_org_id=handling_org.id,
                    enforcement_subject_org_id=answer.enforcement_subject.id,
                    responsible_org_id=answer.responsible_subject.id, delegation_id=answer.delegation_id,
                    mode_at_filing=DelegationMode(answer.mode), filed_on=today, party_name=party_name.strip(),
                    party_kind=PartyKind(party_kind), facts_summary=facts.strip(), status=CaseStatus.DECIDED,
                    decision_kind=DecisionKind.PENALTY, fine_amount=amount, decided_on=today,
                    violation_on=violation_on, created_at=clock.now(),
                    officers=[CaseOfficer(user_id=actor.id, certificate_number=certificate_number)])
        session.add(case)
        session.flush()
        penalty = "警告" if amount is None else f"罚款{amount}元"
        doc = issue_case_document(session, clock, case.id, "summary_decision", {
            "facts": facts, "penalty": penalty, "basis": basis, "place": place, "decided_at": clock.now().isoformat(),
            "officer": actor.display_name, "certificate": certificate_number, "remedy_organ": remedy_organ,
            "court": court, "cash": cash_collected})
        if cash_collected and amount is not None:
            deadlines.start_deadline(session, clock, calendar, HANDOVER_RULE, case_ref=case.case_number,
                                     org=handling_org.id, actor=actor)
        # 第52条第3款: 报所属行政机关备案 — the filing record is this audit row with the form's number.
        audit.record(session, at=clock.now(), action="summary.decided", subject_type="case", subject_id=case.id,
                     actor_user_id=actor.id, actor_org_id=handling_org.id,
                     details={"document_no": doc["document_no"], "penalty": penalty, "cash": cash_collected})
    return case
