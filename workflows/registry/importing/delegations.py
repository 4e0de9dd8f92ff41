"""Import a county's existing delegations (赋权/委托 already in force, with their documents)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import Session

from models import CutoverRule, DelegationStatus
from workflows.core.audit import record
from workflows.core.clock import SystemClock
from workflows.core.db import unit_of_work
from workflows.core.errors import ValidationFailed
from workflows.registry.delegations import DelegationDraft, add_delegations, check_drafts
from workflows.registry.importing import values
from workflows.registry.importing.item_rows import RowErrors
from workflows.registry.importing.items import Progress
from workflows.registry.importing.tables import Row, column_label, normalize_header, read_table

DELEGATION_COLUMNS: dict[str, tuple[str, ...]] = {
    "item_code": ("item_code", "code", "事项编码", "编码"),
    "township": ("township", "乡镇", "乡镇名称", "承接乡镇"),
    "mode": ("mode", "下放方式", "方式"),
    "effective_from": ("effective_from", "生效日期", "起始日期", "开始日期"),
    "effective_to": ("effective_to", "终止日期", "截止日期", "失效日期"),
    "status": ("status", "状态"),
    "document_no": ("document_no", "文号", "文件编号"),
    "document_title": ("document_title", "文件名称", "文件标题"),
    "funding_yuan": ("funding", "funding_yuan", "经费", "划转经费", "经费（元）"),
    "staffing_posts": ("staffing", "staffing_posts", "编制", "划转编制", "人员编制"),
    "cutover_rule": ("cutover_rule", "cutover", "在办案件处理", "过渡规则"),
    "cutover_days": ("cutover_days", "过渡天数"),
    "note": ("note", "备注"),
    "entrusting_org": ("entrusting_org", "委托机关", "委托单位", "委托部门"),
}
REQUIRED_DELEGATION_COLUMNS = ("item_code", "township", "mode", "effective_from")
STATUS_WORDS = {
    "拟议": DelegationStatus.PROPOSED, "审核中": DelegationStatus.IN_REVIEW,
    "已批准": DelegationStatus.APPROVED, "已公布": DelegationStatus.PUBLISHED,
    "生效": DelegationStatus.EFFECTIVE, "已生效": DelegationStatus.EFFECTIVE,
    "有效": DelegationStatus.EFFECTIVE, "中止": DelegationStatus.SUSPENDED,
    "暂停": DelegationStatus.SUSPENDED, "撤销": DelegationStatus.REVOKED,
    "已撤销": DelegationStatus.REVOKED, "收回": DelegationStatus.REVOKED,
    "失效": DelegationStatus.EXPIRED, "已失效": DelegationStatus.EXPIRED,
    "到期": DelegationStatus.EXPIRED,
}
CUTOVER_WORDS = {
    "原机关办结": CutoverRule.FILED_CASES_STAY, "在办案件原机关办结": CutoverRule.FILED_CASES_STAY,
    "立即": CutoverRule.IMMEDIATE, "立即取消": CutoverRule.IMMEDIATE,
    "逾期失效": CutoverRule.LAPSE_AFTER_DAYS,
}
LAPSE_PATTERN = re.compile(r"^(\d+)\s*日后失效$")  # e.g. Zhengzhou "30日后失效" (domain.md §4)


@dataclass
class DelegationImportReport:
    """What a delegation import wrote."""

    file: str
    rows: int
    delegation_ids: list[int] = field(default_factory=list)

    def summary(self) -> dict:
        """Counts for the CLI and the audit row."""
        return {"file": self.file, "rows": self.rows, "created": len(self.delegation_ids)}


def delegation_aliases() -> dict[str, str]:
    """Normalized header → canonical delegation column."""
    return {normalize_header(a): c for c, names in DELEGATION_COLUMNS.items() for a in names}


def import_delegations(session: Session, clock: SystemClock, path: str | Path, *,
                       actor_user_id: int | None = None,
                       progress: Progress | None = None) -> DelegationImportReport:
    """Check every row (fields, then the registry's rules) and add all delegations or none."""
    table = read_table(path, delegation_aliases(), REQUIRED_DELEGATION_COLUMNS)
    _refuse_unknown_columns(table)
    errors, drafts, rows = RowErrors(), [], []
    for done, row in enumerate(table.rows, start=1):
        draft = _draft(row, errors)
        if draft is not None:
            drafts.append(draft)
            rows.append(row.number)
        if progress:
            progress("validate", done, len(table.rows))
    report = DelegationImportReport(file=table.name, rows=len(table.rows))
    with unit_of_work(session):
        errors += _by_row(check_drafts(session, drafts, today=clock.today()), rows)
        _raise_if_any(errors, table.name)
        try:
            written = add_delegations(session, clock, drafts, actor_user_id=actor_user_id)
        except ValidationFailed as exc:  # a concurrent writer got in between: same report form
            _raise_if_any(RowErrors(_by_row(exc.errors, rows)), table.name)
            raise
        report.delegation_ids = [d.id for d in written]
        if progress:
            progress("write", len(drafts), len(drafts))
        record(session, at=clock.now(), action="delegations.imported", subject_type="catalogue",
               subject_id=table.name, actor_user_id=actor_user_id,
               data={"delegation_ids": report.delegation_ids}, details=report.summary())
    return report


def _refuse_unknown_columns(table) -> None:
    """A column in the file is read or refused, never silently dropped (e.g. 委托机关, 第20条)."""
    if table.unknown:
        raise ValidationFailed(
            [{"row": row, "field": "file", "message": f"未知列：{title}，本导入不读取该列，请删除或改用已知列名 / "
              f"unknown column '{title}': remove it or use a known header"} for row, title in table.unknown],
            f"{table.name}：含未知列，未导入任何数据 / unknown column(s), nothing imported")


def _by_row(problems: list[dict], rows: list[int]) -> list[dict]:
    """check_drafts reports by draft index; the user wants the file's row number."""
    mapped = []
    for problem in problems:
        entry = {k: v for k, v in problem.items() if k != "index"}
        mapped.append({"row": rows[problem["index"]], **entry})
    return mapped


def _raise_if_any(errors: list[dict], name: str) -> None:
    """Refuse the whole file when any row is bad, listing every problem."""
    if errors:
        bad = len({e["row"] for e in errors})
        raise ValidationFailed(sorted(errors, key=lambda e: e["row"]),
                               f"{name}：{bad} 行有误，未导入任何数据 / {bad} bad row(s), nothing imported")


def _draft(row: Row, errors: RowErrors) -> DelegationDraft | None:
    """Parse one row into a draft, or record its problems and return None."""
    before = len(errors)
    for column in REQUIRED_DELEGATION_COLUMNS:
        if not row.text(column):
            label = column_label(column, delegation_aliases())
            errors.add(row.number, column, f"{label} 不能为空 / {column} is required")
    parsed: dict = {}
    parsers = {
        "mode": lambda: values.parse_mode(row.text("mode")).value if row.text("mode") else None,
        "effective_from": lambda: values.parse_date(row.cells.get("effective_from")),
        "effective_to": lambda: values.parse_date(row.cells.get("effective_to")),
        "status": lambda: _status(row.text("status")),
        "funding_yuan": lambda: values.parse_decimal(row.text("funding_yuan")),
        "staffing_posts": lambda: values.parse_count(row.text("staffing_posts")),
        "cutover_days": lambda: values.parse_count(row.text("cutover_days")),
    }
    for column, parse in parsers.items():
        try:
            parsed[column] = parse()
        except ValueError as exc:
            errors.add(row.number, column, str(exc))
    try:
        rule, days = _cutover(row.text("cutover_rule"), parsed.pop("cutover_days", None))
    except ValueError as exc:
        errors.add(row.number, "cutover_rule", str(exc))
    if len(errors) > before:
        return None
    return DelegationDraft(
        item_code=row.text("item_code"), township=row.text("township"),
        cutover_rule=rule.value, cutover_days=days, source="import",
        document_no=row.text("document_no") or None,
        document_title=row.text("document_title") or None, note=row.text("note") or None,
        entrusting_org=row.text("entrusting_org") or None, **parsed)


def _status(text: str) -> str:
    """A status in Chinese or English; blank means the delegation is in force."""
    if not text:
        return DelegationStatus.EFFECTIVE.value
    found = STATUS_WORDS.get(text)
    if found is None:
        try:
            found = DelegationStatus(text.lower())
        except ValueError:
            raise ValueError(f"状态“{text}”无效 / bad status '{text}'") from None
    return found.value


def _cutover(text: str, days: int | None) -> tuple[CutoverRule, int | None]:
    """Cut-over rule for filed cases (domain.md §4); blank: filed cases stay with their handler."""
    if not text:
        return CutoverRule.FILED_CASES_STAY, days
    lapse = LAPSE_PATTERN.match(text)
    if lapse:
        return CutoverRule.LAPSE_AFTER_DAYS, int(lapse.group(1))
    found = CUTOVER_WORDS.get(text)
    if found is None:
        try:
            found = CutoverRule(text.lower())
        except ValueError:
            raise ValueError(f"在办案件处理规则“{text}”无效，可用 原机关办结、立即取消、N日后失效 / "
                             f"bad cutover rule '{text}'") from None
    return found, days
