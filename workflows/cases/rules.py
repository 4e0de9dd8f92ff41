"""Rules a case must meet at filing and before its decision (行政处罚法 第22–24、36、42、58条)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from models import (
    DelegationMode,
    EnforcementCertificate,
    Membership,
    Organization,
    OrgKind,
    PartyKind,
    PowerItem,
    Role,
    User,
)
from workflows.core.errors import LegalRuleViolation, ValidationFailed
from workflows.registry.powers import Competence

ART_20 = "行政处罚法 第20条"
ART_22_24 = "行政处罚法 第22–24条"
ART_24 = "行政处罚法 第24条"
ART_36 = "行政处罚法 第36条"
ART_42 = "行政处罚法 第42条"
ART_58 = "行政处罚法 第58条"
ART_60 = "行政处罚法 第60条"
MIN_OFFICERS = 2  # 第42条: 执法人员不得少于两人
# Local thresholds (重大执法决定法制审核目录清单) used when the item's rule names none; the
# figures are the published example of domain.md §2 (gongyishi.gov.cn).
LOCAL_MAJOR_THRESHOLDS = {"fine_citizen_gte": 10000, "fine_org_gte": 100000}
_AMOUNT = re.compile(r"(\d+(?:\.\d+)?)\s*(万)?\s*元")


@dataclass(frozen=True)
class Officer:
    """An officer named at filing with the certificate number used on this case."""

    user_id: int
    certificate_number: str


def check_competence(answer: Competence, filer: Organization) -> None:
    """The filing organ must be the one the registry names for that item, township and date."""
    if answer.mode == DelegationMode.ASSIST and filer.id == answer.assisting_org.id:
        # Only assisting (配合): jurisdiction stays with the county department (第22–23条).
        raise LegalRuleViolation(
            f"{filer.name} 对事项 {answer.item_code} 仅负协助职责，不得立案；有管辖权的机关是"
            f"{answer.acting_org.name} / {filer.name} only assists on {answer.item_code}; the competent "
            f"organ is {answer.acting_org.name}", article=ART_22_24,
            competent_org=answer.acting_org.name, competent_org_id=answer.acting_org.id)
    if filer.id != answer.acting_org.id:
        article = {DelegationMode.GRANT: ART_24, DelegationMode.ENTRUST: ART_20}.get(
            DelegationMode(answer.mode), ART_22_24)
        raise LegalRuleViolation(
            f"{filer.name} 于 {answer.on} 对 {answer.township} 的事项 {answer.item_code} 无管辖权；有管辖权的"
            f"机关是{answer.acting_org.name}（以{answer.enforcement_subject.name}名义）/ {filer.name} is not "
            f"competent for {answer.item_code} in {answer.township} on {answer.on}; the competent organ is "
            f"{answer.acting_org.name}", article=article,
            competent_org=answer.acting_org.name, competent_org_id=answer.acting_org.id)


def limitation_ends(violation_on: date, harm: bool) -> date:
    """第36条: two years from the act, five where life, health or financial safety was harmed."""
    years = 5 if harm else 2
    try:
        return violation_on.replace(year=violation_on.year + years)
    except ValueError:  # 29 February → 28 February of a common year
        return violation_on.replace(year=violation_on.year + years, day=28)


def check_limitation(violation_on: date, filed_on: date, harm: bool, *,
                     act_ended_on: date | None = None, discovered_on: date | None = None) -> date:
    """第36条: counted from the act, or from the end of a continuing act, to its discovery.

    Refuses dates out of order (an act after its discovery or filing, a discovery after the
    filing, an end before the start) and an act discovered after the period ended.
    """
    discovered_on = discovered_on or filed_on
    errors: dict[str, list[str]] = {}
    if violation_on > filed_on:
        errors["violation_on"] = [f"违法行为日期 {violation_on} 晚于立案日期 {filed_on} / the act is dated after the filing"]
    if act_ended_on is not None and act_ended_on < violation_on:
        errors["act_ended_on"] = [f"行为终了日期 {act_ended_on} 早于发生日期 {violation_on} / the act ends before it began"]
    if discovered_on > filed_on:
        errors["discovered_on"] = [f"发现日期 {discovered_on} 晚于立案日期 {filed_on} / discovered after the filing"]
    elif discovered_on < violation_on:
        errors["discovered_on"] = [f"发现日期 {discovered_on} 早于违法行为日期 {violation_on} / discovered before the act"]
    if errors:
        raise ValidationFailed(errors)
    # 第36条: a continuing or repeated act (连续或者继续状态) counts from the day it ended.
    counted_from = act_ended_on if act_ended_on is not None and act_ended_on <= discovered_on else violation_on
    if act_ended_on is not None and act_ended_on > discovered_on:
        counted_from = discovered_on  # still going on when discovered: within the period
    ends = limitation_ends(counted_from, harm)
    if discovered_on > ends:
        span = "五年" if harm else "二年"
        raise LegalRuleViolation(
            f"违法行为自 {counted_from} 起算，至发现之日 {discovered_on} 已超过{span}追责时效（{ends} 届满），"
            f"不再给予行政处罚 / the act counted from {counted_from} was discovered on {discovered_on}, after the "
            f"limitation period ended {ends}",
            article=ART_36, violation_on=violation_on.isoformat(), counted_from=counted_from.isoformat(),
            discovered_on=discovered_on.isoformat(), limitation_ends=ends.isoformat())
    return ends


def _valid_certificate(session: Session, user_id: int, number: str, on: date) -> bool:
    found = session.scalar(select(EnforcementCertificate.id).where(
        EnforcementCertificate.user_id == user_id, EnforcementCertificate.number == number,
        EnforcementCertificate.valid_until >= on,
        or_(EnforcementCertificate.issued_on.is_(None), EnforcementCertificate.issued_on <= on),
        or_(EnforcementCertificate.revoked_on.is_(None), EnforcementCertificate.revoked_on > on)))
    return found is not None


def _org_and_organs(session: Session, org: Organization) -> list[int]:
    """The organ and, for a township, its internal organs (综合行政执法队 …)."""
    ids = [org.id]
    if org.kind == OrgKind.TOWNSHIP:
        ids += list(session.scalars(select(Organization.id).where(Organization.township_id == org.id)))
    return ids


def check_officers(session: Session, org: Organization, officers: list[Officer], on: date,
                   article: str = ART_42) -> None:
    """第42条: at least two officers of the organ, each with a certificate valid that day."""
    problems: list[str] = []
    members = set(session.scalars(select(Membership.user_id).where(
        Membership.organization_id.in_(_org_and_organs(session, org)),
        Membership.role.in_((Role.TOWNSHIP_OFFICER, Role.COUNTY_OFFICER)))))
    valid: set[int] = set()
    for officer in officers:
        user = session.get(User, officer.user_id)
        name = user.display_name if user else str(officer.user_id)
        if user is None or user.id not in members:
            problems.append(f"{name} 不是{org.name}的执法人员 / {name} is not an officer of {org.name}")
        elif not _valid_certificate(session, user.id, officer.certificate_number, on):
            problems.append(f"{name} 的执法证 {officer.certificate_number} 于 {on} 无效 / certificate "
                            f"{officer.certificate_number} of {name} is not valid on {on}")
        else:
            valid.add(user.id)
    if len(valid) < MIN_OFFICERS:
        detail = "；".join(problems)
        raise LegalRuleViolation(
            f"持有效执法证的执法人员仅 {len(valid)} 名，不得少于 {MIN_OFFICERS} 名{('：' + detail) if detail else ''} / "
            f"{len(valid)} certified officers act, at least {MIN_OFFICERS} are required",
            article=article, certified_officers=len(valid), problems=problems)


def major_reasons(item: PowerItem, party_kind: str, fine: Decimal | None, facts: dict) -> list[str]:
    """第58条: why a decision is major and needs legal review first (empty: it does not)."""
    rule = {**LOCAL_MAJOR_THRESHOLDS, **(item.major_decision_rule or {})}
    reasons: list[str] = []
    if facts.get("major_public_interest"):
        reasons.append("涉及重大公共利益 / major public interest (Art. 58, item 1)")
    if facts.get("hearing_held") and rule.get("hearing", True):
        reasons.append("经过听证程序 / went through a hearing (Art. 58, item 2)")
    if facts.get("complex_case"):
        reasons.append("案件情况疑难复杂 / difficult or complex case (Art. 58, item 3)")
    key = "fine_citizen_gte" if party_kind == PartyKind.CITIZEN else "fine_org_gte"
    threshold = rule.get(key, rule.get("fine_gte"))
    if fine is not None and threshold is not None and fine >= Decimal(str(threshold)):
        reasons.append(f"罚款 {fine} 元达到重大执法决定标准 {threshold} 元 / fine at or above the "
                       f"{threshold} yuan threshold (第58条第4项)")
    return reasons


def benchmark_bounds(penalty_range: str | None) -> tuple[Decimal, Decimal] | None:
    """Fine bounds written in Arabic figures in the item's range ('2000元以上20000元以下')."""
    amounts = [Decimal(n) * (10000 if wan else 1) for n, wan in _AMOUNT.findall(penalty_range or "")]
    if len(amounts) < 2:
        return None
    return min(amounts), max(amounts)


def check_benchmark(item: PowerItem, fine: Decimal | None, within: bool | None, reason: str | None) -> bool:
    """自由裁量权基准 (第34条): a fine outside the benchmark needs a written reason; True when outside."""
    bounds = benchmark_bounds(item.penalty_range)
    outside = within is False or (fine is not None and bounds is not None
                                  and not bounds[0] <= fine <= bounds[1])
    if outside and not (reason or "").strip():
        shown = f"{bounds[0]}–{bounds[1]} 元" if bounds else (item.penalty_range or "—")
        raise ValidationFailed({"outside_benchmark_reason": [
            f"决定超出自由裁量权基准（{item.discretion_benchmark_ref or '本事项基准'}：{shown}），须书面说明理由 / "
            f"a decision outside the discretion benchmark ({shown}) needs a written reason"]})
    return outside


def reviewer_org(session: Session, mode: str, subject: Organization, handling: Organization,
                 legal_office: Organization) -> Organization:
    """法制审核 routing (domain.md §2): entrusted → the department; granted → township or joint panel."""
    if mode == DelegationMode.ENTRUST or handling.kind == OrgKind.COUNTY_DEPARTMENT:
        return subject  # the decision carries the department's name (第20条)
    has_own = session.scalar(select(Membership.id).where(
        Membership.organization_id == handling.id, Membership.role == Role.LEGAL_REVIEWER).limit(1))
    # 县乡联合法制审核: the joint panel sits in the county legal affairs office (司法局), whose
    # legal_reviewer members include the departments' reviewers and legal advisers.
    return handling if has_own is not None else legal_office
