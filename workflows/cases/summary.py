"""Summary procedure (简易程序, 行政处罚法 第51–52、68、71条): a warning or a small fine decided on the spot."""

from __future__ import annotations

from dataclasses import dataclass
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
    OrgKind,
    PartyKind,
    PowerItem,
    User,
)
from workflows.cases.documents import issue_case_document
from workflows.cases.rules import _valid_certificate, check_competence, check_limitation
from workflows.core import audit
from workflows.core.clock import SystemClock
from workflows.core.errors import Conflict, LegalRuleViolation, ValidationFailed
from workflows.core.numbering import next_number
from workflows.documents.issue import COUNTY_PREFIX, organ_code
from workflows.registry import powers as registry

ART_51 = "行政处罚法 第51条"
ART_52 = "行政处罚法 第52条"
ART_68 = "行政处罚法 第68条"
ART_71 = "行政处罚法 第71条"
LIMITS = {PartyKind.CITIZEN: Decimal("200"), PartyKind.ORGANIZATION: Decimal("3000")}
CASH_LIMIT = Decimal("100")  # 第68条第1项: 一百元以下 may always be collected on the spot
FORM = "summary_decision"  # 当场行政处罚决定书 (case_documents.json)


@dataclass(frozen=True)
class SpotDecision:
    """What the officer decided on the spot, as entered on the form."""

    item_code: str
    party_name: str
    party_kind: str
    facts: str
    penalty_kind: str  # warning | fine
    fine: object
    place: str
    basis: str
    certificate_number: str
    violation_on: date
    cash_collected: bool = False
    cash_reason: str = ""  # 第68条第2项: why a fine above 100 yuan is collected on the spot
    case_number: str = ""  # blank: the next number of the organ's summary-case sequence
    remedy_organ: str = ""  # blank: the county people's government (行政复议法 第24条)
    court: str = ""  # blank: the county people's court


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


def check_cash(amount: Decimal | None, cash_collected: bool, cash_reason: str) -> None:
    """第68条: cash on the spot only for a fine of 100 yuan or less, or one hard to collect afterwards."""
    if not cash_collected:
        return
    if amount is None:
        raise ValidationFailed({"cash_collected": ["警告无罚款可收缴 / a warning has no fine to collect"]})
    if amount > CASH_LIMIT and not (cash_reason or "").strip():
        raise LegalRuleViolation(
            f"罚款 {amount} 元超过一百元，只有不当场收缴事后难以执行的才可当场收缴，须写明理由 / a fine above "
            f"100 yuan is collected on the spot only where later collection would be hard: state why",
            article=ART_68, fine=str(amount))


def _check_form(d: SpotDecision) -> Decimal | None:
    if d.party_kind not in {k.value for k in PartyKind}:
        raise ValidationFailed({"party_kind": ["应为 citizen 或 organization / citizen or organization"]})
    amount = check_summary_limits(d.party_kind, d.penalty_kind, d.fine)
    missing = {k: ["必填 / required"] for k, v in (("party_name", d.party_name), ("facts", d.facts),
                                                   ("place", d.place), ("basis", d.basis),
                                                   ("certificate_number", d.certificate_number)) if not (v or "").strip()}
    if missing:
        raise ValidationFailed(missing)
    check_cash(amount, d.cash_collected, d.cash_reason)
    return amount


def _case_number(session: Session, handling_org: Organization, d: SpotDecision, year: int) -> str:
    """The typed number, or the next of the organ's summary-case sequence (never reused)."""
    number = (d.case_number or "").strip()
    if not number:
        value = next_number(session, f"summarycase:{handling_org.id}", year)
        number = f"{COUNTY_PREFIX}{organ_code(handling_org)}简案〔{year}〕{value}号"
    if session.scalar(select(Case.id).where(Case.case_number == number)) is not None:
        raise Conflict(f"案号 {number} 已存在 / case number exists", case_number=number)
    return number


def record_spot_case(session: Session, clock: SystemClock, actor: User, township: Organization,
                     handling_org: Organization, d: SpotDecision) -> Case:
    """第52条: checks the officer's certificate, competence and limitation, then records the decided case.

    Runs inside the caller's unit of work (the start of the summary procedure).
    """
    amount = _check_form(d)
    today = clock.today()
    answer = registry.who(session, d.item_code, township.id, today)
    check_competence(answer, handling_org)
    check_limitation(d.violation_on, today, False)
    if not _valid_certificate(session, actor.id, d.certificate_number, today):
        raise LegalRuleViolation(f"{actor.display_name} 的执法证 {d.certificate_number} 今日无效，不得当场处罚 / no valid "
                                 f"certificate", article=ART_52, certificate=d.certificate_number)
    case = Case(case_number=_case_number(session, handling_org, d, today.year),
                item_id=session.scalar(select(PowerItem.id).where(PowerItem.code == answer.item_code)),
                township_id=township.id, handling_org_id=handling_org.id,
                enforcement_subject_org_id=answer.enforcement_subject.id,
                responsible_org_id=answer.responsible_subject.id, delegation_id=answer.delegation_id,
                mode_at_filing=DelegationMode(answer.mode), filed_on=today, party_name=d.party_name.strip(),
                party_kind=PartyKind(d.party_kind), facts_summary=d.facts.strip(), status=CaseStatus.DECIDED,
                decision_kind=DecisionKind.PENALTY, fine_amount=amount, decided_on=today,
                violation_on=d.violation_on, created_at=clock.now(),
                officers=[CaseOfficer(user_id=actor.id, certificate_number=d.certificate_number)])
    session.add(case)
    session.flush()
    return case


def remedy_organs(session: Session, organ: str = "", court: str = "") -> tuple[str, str]:
    """Where the party may seek review: the county government (行政复议法 第24条) and the county court."""
    county = session.scalars(select(Organization).where(Organization.kind == OrgKind.COUNTY_GOVERNMENT)
                             .order_by(Organization.id)).first()
    organ = organ.strip() or (county.name if county else "")
    court = court.strip() or (county.name.replace("人民政府", "人民法院") if county else "")
    return organ, court


def penalty_text(case: Case) -> str:
    """警告 or 罚款N元, as the form states it."""
    return "警告" if case.fine_amount is None else f"罚款{case.fine_amount.normalize():f}元"


def issue_spot_form(session: Session, clock: SystemClock, case: Case, facts: dict, actor_id: int | None) -> dict:
    """The numbered 当场行政处罚决定书 handed to the party (第52条), and its record for the organ (备案)."""
    doc = issue_case_document(session, clock, case.id, FORM, facts | {"penalty": penalty_text(case)})
    audit.record(session, at=clock.now(), action="summary.decided", subject_type="case", subject_id=case.id,
                 actor_user_id=actor_id, actor_org_id=case.handling_org_id,
                 details={"document_no": doc["document_no"], "penalty": penalty_text(case),
                          "cash": bool(facts.get("cash"))})
    return doc


def check_handover(case: Case, amount) -> Decimal:
    """第71条: the whole fine collected on the spot is handed to the organ."""
    try:
        handed = Decimal(str(amount))
    except ArithmeticError as exc:
        raise ValidationFailed({"handed_amount": ["应为金额 / must be an amount"]}) from exc
    if handed != case.fine_amount:
        raise LegalRuleViolation(
            f"交至行政机关的金额 {handed} 元与当场收缴的罚款 {case.fine_amount} 元不符 / the amount handed over "
            f"differs from the fine collected", article=ART_71, handed=str(handed), fine=str(case.fine_amount))
    return handed
