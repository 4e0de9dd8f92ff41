"""Periodic evaluation and withdrawal (定期组织评估, 回收, 行政处罚法 第24条)."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import (
    CutoverRule,
    Delegation,
    DelegationMode,
    DelegationStatus,
    Organization,
    OrgKind,
    PowerItem,
    Role,
    User,
)
from workflows.core.db import unit_of_work
from workflows.core.errors import ValidationFailed
from workflows.core.forms import Field, Form
from workflows.core.services import ServiceContext, service_task
from workflows.procedures.forms import EVALUATION_DUE
from workflows.procedures.rules import as_iso_date, org_of_kind, require_role, single_org
from workflows.registry.delegations import DelegationDraft, add_delegations, revoke_delegation
from workflows.registry.powers import who
from workflows.registry.rules import certified_officers
from workflows.tasks import processes

PROCESS_ID = "evaluation"
METRIC_KEYS = ("cases", "overturned", "overdue", "review_rejections", "transfers_back")
# [D] domain.md §4: zero cases flags an item for return; these rates flag it for adjustment.
OVERTURNED_RATE_LIMIT = 0.10
OVERDUE_RATE_LIMIT = 0.20
_ACTIVE = (DelegationStatus.EFFECTIVE, DelegationStatus.PUBLISHED)


def _text(name: str, zh: str, en: str, required: bool = False) -> Field:
    return Field(name, "text", required=required, max_length=4000, label_zh=zh, label_en=en)


FORMS = {
    "self_evaluation": Form([
        _text("self_report", "自评报告", "Self-evaluation report", required=True),
        _text("township_suggestion", "调整建议", "Suggested adjustments"),
    ]),
    "department_opinion": Form([_text("department_opinion_text", "部门意见", "Department's opinion",
                                      required=True)]),
    "evaluation_decision": Form([
        Field("keep_codes", "item_codes", label_zh="保留事项", label_en="Items kept"),
        Field("adjust_codes", "item_codes", label_zh="调整事项", label_en="Items adjusted"),
        Field("return_codes", "item_codes", label_zh="收回事项", label_en="Items returned"),
        Field("cutover_on", "date", label_zh="调整/收回生效日期", label_en="Cut-over date"),
        _text("adjustment", "调整内容（行使范围等）", "Adjustment (scope etc.)"),
        _text("reasons", "评估结论与理由", "Conclusion and reasons", required=True),
    ]),
    "organize_next_evaluation": EVALUATION_DUE,
}


def check_reported(reported) -> dict:
    """Reported case figures per item code: non-negative integers, parts within the whole."""
    if not isinstance(reported, dict):
        raise ValidationFailed({"reported_metrics": ["应为 {事项编码: {指标: 数值}} / must map item codes to figures"]})
    errors: dict[str, list[str]] = {}
    for code, figures in reported.items():
        if not isinstance(figures, dict):
            errors[code] = ["应为指标字典 / must be an object of figures"]
            continue
        bad = [k for k, v in figures.items()
               if k not in METRIC_KEYS or isinstance(v, bool) or not isinstance(v, int) or v < 0]
        if bad:
            errors[code] = [f"指标无效：{k}（应为 {'/'.join(METRIC_KEYS)} 的非负整数）/ bad figure: {k}" for k in bad]
        elif max(figures.get("overturned", 0), figures.get("overdue", 0)) > figures.get("cases", 0):
            errors[code] = ["被纠错或超期案件数不能多于案件总数 / parts exceed the case count"]
    if errors:
        raise ValidationFailed(errors)
    return reported


def _suggestion(cases: int, overturned_rate: float, overdue_rate: float) -> str:
    if cases == 0:
        return "return"  # nothing happened under the power: 基层管理迫切需要 is in doubt
    if overturned_rate > OVERTURNED_RATE_LIMIT or overdue_rate > OVERDUE_RATE_LIMIT:
        return "adjust"
    return "keep"


def _delegations(session: Session, township_id: int, department_id: int, on: date) -> list:
    query = (select(Delegation, PowerItem).join(PowerItem, PowerItem.id == Delegation.item_id)
             .where(Delegation.township_id == township_id, PowerItem.department_id == department_id,
                    Delegation.status.in_(_ACTIVE),
                    Delegation.mode.in_((DelegationMode.GRANT, DelegationMode.ENTRUST)),
                    Delegation.effective_from <= on)
             .order_by(PowerItem.code))
    return [(d, i) for d, i in session.execute(query) if d.effective_to is None or d.effective_to >= on]


@service_task("evaluation.collect_metrics")
def collect_metrics(ctx: ServiceContext, township_id: int, department_id: int, period_start: str,
                    period_end: str, reported: dict) -> dict:
    """Service task: one row of metrics per delegated item, plus the team's certified ratio."""
    township = org_of_kind(ctx.session, township_id, OrgKind.TOWNSHIP, "乡镇 / township")
    end = as_iso_date(period_end, "period_end")
    certified = certified_officers(ctx.session, township_id, end)
    team = township.enforcement_team_size or 0
    rows = []
    for delegation, item in _delegations(ctx.session, township_id, department_id, end):
        f = {k: (reported or {}).get(item.code, {}).get(k, 0) for k in METRIC_KEYS}
        overturned = f["overturned"] / f["cases"] if f["cases"] else 0.0
        overdue = f["overdue"] / f["cases"] if f["cases"] else 0.0
        rows.append({"item_code": item.code, "delegation_id": delegation.id, "mode": delegation.mode.value,
                     **f, "overturned_rate": round(overturned, 4), "overdue_rate": round(overdue, 4),
                     "suggestion": _suggestion(f["cases"], overturned, overdue)})
    return {"period_start": period_start, "period_end": period_end, "items": rows,
            "certified_officers": certified, "team_size": team,
            "certified_ratio": round(certified / team, 4) if team else 0.0}


def _check_partition(evaluated: set[str], keep: list, adjust: list, ret: list) -> None:
    """Every evaluated item is decided exactly once, and nothing else is."""
    errors: dict[str, list[str]] = {}
    decided = list(keep) + list(adjust) + list(ret)
    twice = sorted({c for c in decided if decided.count(c) > 1})
    unknown = sorted(set(decided) - evaluated)
    missing = sorted(evaluated - set(decided))
    if twice:
        errors["item_codes"] = [f"事项重复决定：{'、'.join(twice)} / decided more than once"]
    if unknown:
        errors.setdefault("item_codes", []).append(f"未参加本次评估：{'、'.join(unknown)} / not evaluated")
    if missing:
        errors.setdefault("item_codes", []).append(f"尚未决定：{'、'.join(missing)} / no decision given")
    if errors:
        raise ValidationFailed(errors)


def _adjust(ctx: ServiceContext, row: Delegation, on: date, adjustment: str, reasons: str) -> int:
    """An adjusted item: the old row ends the day before cut-over, a new row carries the change."""
    old_end, code = row.effective_to, row.item.code
    revoke_delegation(ctx.session, ctx.clock, row.id, on=on, reason=f"评估调整 / adjusted: {reasons}",
                      actor_user_id=ctx.actor_user_id)
    draft = DelegationDraft(item_code=code, township=row.township_id, mode=row.mode.value,
                            effective_from=on, effective_to=old_end, note=adjustment,
                            document_no=row.document_no, document_title=row.document_title,
                            cutover_rule=row.cutover_rule.value, instance_id=ctx.instance_id)
    return add_delegations(ctx.session, ctx.clock, [draft], actor_user_id=ctx.actor_user_id)[0].id


@service_task("evaluation.apply_outcome")
def apply_outcome(ctx: ServiceContext, township_id: int, department_id: int, metrics: dict,
                  keep_codes: list, adjust_codes: list, return_codes: list, cutover_on,
                  adjustment: str, reasons: str) -> dict:
    """Service task: returned items are revoked from the cut-over date; filed cases stay (第24条)."""
    by_code = {r["item_code"]: r["delegation_id"] for r in metrics["items"]}
    _check_partition(set(by_code), keep_codes or [], adjust_codes or [], return_codes or [])
    if not (adjust_codes or return_codes):
        return {"kept": list(keep_codes or []), "adjusted": [], "returned": []}
    if not cutover_on:
        raise ValidationFailed({"cutover_on": ["调整或收回须写明生效日期 / give the cut-over date"]})
    on = as_iso_date(cutover_on, "cutover_on")
    if on < ctx.clock.today():
        raise ValidationFailed({"cutover_on": [f"生效日期 {on} 早于今天 / cut-over date is in the past"]})
    if adjust_codes and not (adjustment or "").strip():
        raise ValidationFailed({"adjustment": ["调整事项须写明调整内容 / say what is adjusted"]})
    adjusted = {}
    for code in adjust_codes or []:
        row = ctx.session.get(Delegation, by_code[code])
        adjusted[code] = _adjust(ctx, row, on, adjustment.strip(), reasons)
    for code in return_codes or []:
        # Cases filed before the cut-over stay with their handler (the row's cutover rule).
        revoke_delegation(ctx.session, ctx.clock, by_code[code], on=on, reason=f"评估收回 / returned: {reasons}",
                          actor_user_id=ctx.actor_user_id)
    return {"kept": list(keep_codes or []), "adjusted": adjusted, "returned": list(return_codes or []),
            "cutover_on": on.isoformat()}


def case_handler(session: Session, item_code: str, township_id: int, filed_on: date, on: date):
    """Who handles a case filed on one day when asked on a later day, across a return (回收).

    Henan practice (domain.md §4): unfinished cases stay with the handler they were filed with;
    under an immediate cut-over they follow the power; lapse_after_days gives N natural days.
    """
    at_filing = who(session, item_code, township_id, filed_on)
    ended = at_filing.effective_to is not None and on > at_filing.effective_to
    if at_filing.delegation_id is None or not ended:
        return at_filing  # nothing delegated, or the delegation still runs: the same handler
    rule = CutoverRule(at_filing.cutover_rule or CutoverRule.FILED_CASES_STAY)
    if rule == CutoverRule.FILED_CASES_STAY:
        return at_filing
    if rule == CutoverRule.LAPSE_AFTER_DAYS and on <= at_filing.effective_to + timedelta(
            days=at_filing.cutover_days or 0):
        return at_filing
    return who(session, item_code, township_id, on)


def start_evaluation(session: Session, engine, actor: User, township: Organization,
                     department: Organization, *, period_start: date, period_end: date,
                     reported_metrics: dict | None = None, business_key: str | None = None):
    """The county government opens an evaluation of one department's items in one township."""
    if not isinstance(period_start, date) or not isinstance(period_end, date) or period_end < period_start:
        raise ValidationFailed({"period": ["评估期间无效 / the evaluation period is invalid"]})
    reported = check_reported(reported_metrics or {})
    with unit_of_work(session):
        county = single_org(session, OrgKind.COUNTY_GOVERNMENT)
        require_role(session, actor, Role.COUNTY_APPROVER, county)
        org_of_kind(session, township.id, OrgKind.TOWNSHIP, "乡镇 / township")
        org_of_kind(session, department.id, OrgKind.COUNTY_DEPARTMENT, "县直部门 / department")
        data = {"township_id": township.id, "department_id": department.id,
                "county_government_id": county.id, "period_start": period_start.isoformat(),
                "period_end": period_end.isoformat(), "reported_metrics": reported,
                "keep_codes": [], "adjust_codes": [], "return_codes": [], "cutover_on": None,
                "adjustment": ""}
        return processes.start(session, engine, PROCESS_ID, actor=actor, business_key=business_key,
                               data=data)
