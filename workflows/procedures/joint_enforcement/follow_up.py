"""Follow-up cases of a joint operation (联合执法后续案件): a finding becomes a case filed by the competent organ.

The consolidation routed each finding through the registry (who()); filing goes through
file_case(), so competence (行政处罚法 第22–24条), limitation (第36条) and two certified officers
(第42条) are checked exactly as for any case, against the organ the registry names today.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import update
from sqlalchemy.orm import Session

from models import Case, JointFinding, JointOperation, Organization, User
from workflows.cases.rules import Officer
from workflows.core.db import unit_of_work
from workflows.core.errors import Conflict, LegalRuleViolation, NotFound, ValidationFailed
from workflows.procedures.case_handling.filing import file_case
from workflows.registry.powers import who

ART_JURISDICTION = "行政处罚法 第22–24条（管辖）"


def _finding(session: Session, finding_id: int) -> JointFinding:
    finding = session.get(JointFinding, finding_id)
    if finding is None:
        raise NotFound(f"未知联合执法发现：{finding_id} / unknown joint finding: {finding_id}", finding_id=finding_id)
    if finding.item_code is None:
        raise ValidationFailed({"item_code": [
            f"发现 {finding_id} 未对应权责事项，不能立案 / finding {finding_id} names no power item"]})
    if finding.routed_org_id is None:
        raise Conflict(f"联合执法 {finding.operation_id} 尚未汇总分办 / joint operation "
                       f"{finding.operation_id} is not consolidated yet", finding_id=finding_id)
    if finding.case_id is not None:
        raise Conflict(f"发现 {finding_id} 已立案（案件 {finding.case_id}）/ finding {finding_id} already "
                       f"became case {finding.case_id}", finding_id=finding_id, case_id=finding.case_id)
    return finding


def _competent_organ(session: Session, finding: JointFinding, township_id: int, filed_on: date) -> Organization:
    """The organ the registry names on the filing day (a grant may have taken effect since routing)."""
    answer = who(session, finding.item_code, township_id, filed_on)
    if answer.acting_org.id != finding.routed_org_id:
        raise LegalRuleViolation(
            f"事项 {finding.item_code} 的管辖机关已变为{answer.acting_org.name}，请重新汇总分办 / the competent "
            f"organ for {finding.item_code} is now {answer.acting_org.name}: route the finding again",
            article=f"{ART_JURISDICTION}；{answer.basis}", competent_org_id=answer.acting_org.id)
    return session.get(Organization, answer.acting_org.id)


def file_follow_up_case(session: Session, engine, actor: User, finding_id: int, *, case_number: str,
                        party_name: str, party_kind: str, violation_on: date, officers: list[Officer],
                        facts_summary: str | None = None, harm: bool = False) -> Case:
    """File the finding as a case with the organ who() names; the finding keeps the case id."""
    with unit_of_work(session):
        finding = _finding(session, finding_id)
        operation = session.get(JointOperation, finding.operation_id)
        township = session.get(Organization, operation.township_id)
        organ = _competent_organ(session, finding, township.id, engine.clock.today())
        case = file_case(session, engine, actor, item_code=finding.item_code, township=township,
                         handling_org=organ, case_number=case_number, party_name=party_name,
                         party_kind=party_kind, facts_summary=facts_summary or finding.finding,
                         violation_on=violation_on, officers=officers, harm=harm)
        # Conditional UPDATE: two officers filing the same finding at once cannot both win.
        won = session.execute(update(JointFinding).where(JointFinding.id == finding.id,
                                                         JointFinding.case_id.is_(None))
                              .values(case_id=case.id).execution_options(synchronize_session=False)).rowcount
        if won != 1:
            raise Conflict(f"发现 {finding_id} 已由他人立案 / finding {finding_id} was filed meanwhile",
                           finding_id=finding_id)
        session.refresh(finding)
        return case
