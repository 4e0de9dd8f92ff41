"""The legal checks of preservation and coercive measures (行政处罚法 第56条; 行政强制法 第17–19、25条)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Case, CaseStatus, ItemCategory, PowerItem, item_relations
from workflows.core.errors import Conflict, LegalRuleViolation, ValidationFailed
from workflows.registry import powers as registry

KINDS = ("preservation", "seizure", "detention")  # 先行登记保存, 查封, 扣押
COERCIVE = ("seizure", "detention")
MEASURE_ZH = {"preservation": "先行登记保存", "seizure": "查封", "detention": "扣押"}
PRESERVATION_OUTCOMES = ("release", "seizure", "detention", "transfer")  # 解除, 转查封, 转扣押, 移送
DISPOSALS = ("release", "extend", "dispose")  # 解除 (第28条), 延长 (第25条), 作出处理决定 (第27条)
OPEN_STATUSES = (CaseStatus.FILED, CaseStatus.INVESTIGATING)
ART_56 = "行政处罚法 第56条"
ART_17 = "行政强制法 第17条"
ART_18 = "行政强制法 第18条"
ART_25 = "行政强制法 第25条"


def check_request(case: Case, kind: str, items: str, reason: str, basis: str) -> None:
    """The measure names its kind, the items, the reason and basis; only on an open case."""
    errors = {}
    if kind not in KINDS:
        errors["kind"] = [f"应为 {'/'.join(KINDS)} / must be one of {KINDS}"]
    for name, value, zh in (("items", items, "物品清单"), ("reason", reason, "理由"), ("basis", basis, "依据")):
        if not (value or "").strip():
            errors[name] = [f"须填写{zh} / required"]
    if errors:
        raise ValidationFailed(errors, "措施申请不完整 / the measure is incomplete")
    if case.status not in OPEN_STATUSES:
        raise Conflict(f"案件 {case.case_number} 状态为 {case.status}，不能采取措施 / case is {case.status}",
                       case_id=case.id)


def coercion_items(session: Session, case: Case) -> list[PowerItem]:
    """The coercive powers that belong to the case's penalty item (事项清单's related items)."""
    return list(session.scalars(
        select(PowerItem).join(item_relations, item_relations.c.related_item_id == PowerItem.id)
        .where(item_relations.c.item_id == case.item_id, PowerItem.category == ItemCategory.COERCION)
        .order_by(PowerItem.code)))


def check_coercive_power(session: Session, case: Case, item_code: str | None, on: date) -> str:
    """行政强制法 第17条: only the organ holding the coercive power acts; it never travels by entrustment."""
    allowed = {i.code: i for i in coercion_items(session, case)}
    code = (item_code or "").strip()
    if code not in allowed:
        raise LegalRuleViolation(
            f"事项 {case.item.code} 没有查封、扣押的强制措施权（可选：{'、'.join(allowed) or '无'}）/ the case's item "
            f"carries no coercive measure {code!r}", article=ART_17, item_code=code, allowed=sorted(allowed))
    answer = registry.who(session, code, case.township_id, on)
    if answer.acting_org.id != case.handling_org_id:
        raise LegalRuleViolation(
            f"{case.handling_org.name} 于 {on} 不享有 {code} 的行政强制措施权（{answer.basis}）；行政强制措施权不得委托，"
            f"由{answer.acting_org.name}实施 / {case.handling_org.name} does not hold the coercive power {code}; "
            f"it cannot be entrusted", article=ART_17, item_code=code, competent_org=answer.acting_org.name)
    return code


def check_disposal(disposal: str, reason, extensions_used: int) -> str:
    """第25条: one extension only, with reasons; a release or disposal states its reason too."""
    if disposal not in DISPOSALS:
        raise ValidationFailed({"disposal": [f"应为 {'/'.join(DISPOSALS)} / must be one of {DISPOSALS}"]})
    if not (reason or "").strip():
        raise ValidationFailed({"disposal_reason": ["须说明理由 / state the reason"]})
    if disposal == "extend" and extensions_used:
        raise LegalRuleViolation("查封、扣押期限已延长过一次，不得再次延长 / the term was already extended once",
                                 article=ART_25, extensions=extensions_used)
    return reason.strip()
