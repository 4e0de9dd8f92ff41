"""Delegation drafts and their field-level checks (values, dates, enums) before any rule."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from models import CutoverRule, DelegationMode, DelegationStatus, Organization, PowerItem

_SOURCES = ("procedure", "import")


@dataclass
class DelegationDraft:
    """One delegation to be written: item × township × mode over a period of dates."""

    item_code: str
    township: str | int
    mode: str  # grant | entrust | statutory | assist
    effective_from: date
    effective_to: date | None = None  # inclusive last day in force
    status: str = "effective"
    document_no: str | None = None
    document_title: str | None = None
    funding_yuan: Decimal | None = None
    staffing_posts: int | None = None
    cutover_rule: str = "filed_cases_stay"
    cutover_days: int | None = None
    note: str | None = None
    source: str = "procedure"
    instance_id: int | None = None
    # 委托机关 as the source names it (id, full or short name); checked, never ignored (第20条).
    entrusting_org: str | int | None = None


@dataclass
class Checked:
    """A draft with its values parsed and its item and township resolved (None when bad)."""

    index: int
    draft: DelegationDraft
    mode: DelegationMode | None = None
    status: DelegationStatus | None = None
    start: date | None = None
    end: date | None = None
    item: PowerItem | None = None
    township: Organization | None = None
    entrusting: Organization | None = None


class Problems(list):
    """Collects problems as {"index", "field", "message", "article"?, "clash"?} dicts."""

    def add(self, index: int, field: str, message: str, article: str | None = None, **details) -> None:
        row = {"index": index, "field": field, "message": message}
        if article:
            row["article"] = article
        self.append({**row, **details})


def as_date(value) -> date | None:
    """A date from a date or an ISO string; None when it cannot be read."""
    if value is None or (isinstance(value, date) and not hasattr(value, "hour")):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def _enum_value(enum, value, index, field, problems):
    try:
        return enum(value)
    except ValueError:
        allowed = "|".join(m.value for m in enum)
        problems.add(index, field, f"{field} 取值无效：{value}（应为 {allowed}）/ invalid {field}: {value}")
        return None


def parse_draft(index: int, d: DelegationDraft, problems: Problems) -> Checked:
    """Check each field on its own: enums, dates, numbers."""
    c = Checked(index, d)
    c.mode = _enum_value(DelegationMode, d.mode, index, "mode", problems)
    c.status = _enum_value(DelegationStatus, d.status, index, "status", problems)
    _enum_value(CutoverRule, d.cutover_rule, index, "cutover_rule", problems)
    c.start = as_date(d.effective_from)
    if c.start is None:
        problems.add(index, "effective_from", f"生效日期无效或缺失：{d.effective_from!r} / "
                     f"malformed or missing effective_from (YYYY-MM-DD)")
    c.end = as_date(d.effective_to)
    if d.effective_to is not None and c.end is None:
        problems.add(index, "effective_to", f"终止日期无效：{d.effective_to!r} / malformed effective_to")
    if c.start and c.end and c.end < c.start:
        problems.add(index, "effective_to", f"终止日期 {c.end} 早于生效日期 {c.start} / "
                     f"effective_to {c.end} is before effective_from {c.start}")
    if d.cutover_rule == CutoverRule.LAPSE_AFTER_DAYS and not (d.cutover_days and d.cutover_days > 0):
        problems.add(index, "cutover_days", "过渡规则 lapse_after_days 需要正的天数 / "
                     "cutover_days must be a positive number for lapse_after_days")
    if d.staffing_posts is not None and d.staffing_posts < 0:
        problems.add(index, "staffing_posts", f"编制数不能为负：{d.staffing_posts} / staffing_posts < 0")
    if d.funding_yuan is not None:
        try:
            if Decimal(str(d.funding_yuan)) < 0:
                problems.add(index, "funding_yuan", f"经费不能为负：{d.funding_yuan} / funding_yuan < 0")
        except InvalidOperation:
            problems.add(index, "funding_yuan", f"经费不是数字：{d.funding_yuan!r} / funding_yuan not a number")
    if d.source not in _SOURCES:
        problems.add(index, "source", f"来源无效：{d.source}（应为 procedure|import）/ invalid source")
    return c
