"""Turn catalogue-list rows into checked item records, collecting every row's errors."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import DelegationMode, ItemCategory, Organization, OrgKind, PowerItem
from workflows.registry.importing import values
from workflows.registry.importing.tables import Row

# Canonical column → accepted headers (English or Chinese, as counties write them).
ITEM_COLUMNS: dict[str, tuple[str, ...]] = {
    "code": ("code", "事项编码", "编码", "项目编码"),
    "name_zh": ("name_zh", "name", "事项名称", "项目名称", "职权名称"),
    "name_en": ("name_en", "英文名称"),
    "category": ("category", "类别", "事项类别", "行政权力类别"),
    "original_department_zh": ("original_department_zh", "original_department", "department",
                               "实施主体", "原部门", "原实施部门"),
    "legal_basis_zh": ("legal_basis_zh", "legal_basis", "设定依据", "实施依据", "法定依据"),
    "penalty_basis": ("penalty_basis", "处罚依据"),
    "penalty_range": ("penalty_range", "处罚标准", "处罚种类和幅度"),
    "discretion_benchmark_ref": ("discretion_benchmark_ref", "裁量基准"),
    "modes_allowed": ("mode", "modes", "modes_allowed", "下放方式"),
    "scope_limit": ("scope_limit", "行使范围"),
    "restricts_personal_liberty": ("restricts_personal_liberty", "限制人身自由"),
    "in_provincial_guidance": ("in_provincial_guidance", "是否在省指导清单", "省指导清单"),
    "related_codes": ("related_codes", "关联检查强制事项"),
    "penalty_codes": ("penalty_codes", "关联处罚事项"),
    "major_decision_rule": ("major_decision_rule", "重大执法决定标准", "重大决定规则"),
    "hearing_threshold": ("hearing_threshold", "听证标准"),
    "effective_from": ("effective_from", "生效日期"),
    "effective_to": ("effective_to", "失效日期"),
    "batch_document_no": ("batch_document_no", "批次文号"),
    "batch_title": ("batch_title", "批次名称"),
    "batch_effective_on": ("batch_effective_on", "批次生效日期"),
}
# "事项名称（name_zh）": the first Chinese header, for messages.
ITEM_LABELS = {c: f"{next(a for a in names if not a.isascii())}（{c}）"
               for c, names in ITEM_COLUMNS.items()}
REQUIRED_ITEM_COLUMNS = ("code", "name_zh", "original_department_zh", "legal_basis_zh",
                         "modes_allowed")
# Plain text columns copied to the PowerItem attribute of the same (or mapped) name.
TEXT_FIELDS = {"name_zh": "name_zh", "name_en": "name_en", "legal_basis_zh": "legal_basis",
               "penalty_basis": "penalty_basis", "penalty_range": "penalty_range",
               "discretion_benchmark_ref": "discretion_benchmark_ref",
               "hearing_threshold": "hearing_threshold"}
# A trailing qualifier on a department name, e.g. "县自然资源和规划局（林业）".
QUALIFIER = re.compile(r"^(.+?)[（(]([^（）()]+)[）)]$")
# 行政处罚法 第18条: powers restricting personal liberty stay with public security.
TOWNSHIP_MODES = {DelegationMode.GRANT.value, DelegationMode.ENTRUST.value,
                  DelegationMode.STATUTORY.value}


@dataclass
class ItemRecord:
    """A valid row: the PowerItem attributes it sets and the links it makes."""

    row: int
    code: str
    fields: dict = field(default_factory=dict)
    related_codes: list[str] | None = None
    penalty_codes: list[str] = field(default_factory=list)
    batch: tuple[str, str, date] | None = None  # document_no, title, effective_on


class RowErrors(list):
    """Errors of a whole file: dicts {row, field, message[, article]}."""

    def add(self, row: int, field_name: str, message: str, **extra) -> None:
        """Record one problem."""
        self.append({"row": row, "field": field_name, "message": message, **extra})


class DepartmentNames:
    """Resolves department names from a list (placeholders, qualifiers, short names)."""

    def __init__(self, session: Session, county_name: str | None, city_name: str | None):
        self.county_name, self.city_name = county_name, city_name
        kinds = (OrgKind.COUNTY_DEPARTMENT, OrgKind.PUBLIC_SECURITY, OrgKind.LEGAL_AFFAIRS_OFFICE)
        orgs = session.scalars(select(Organization).where(
            Organization.kind.in_(kinds), Organization.is_stationed.is_(False))).all()
        self._ids: dict[str, int | None] = {}
        for org in orgs:
            self._ids[org.name] = org.id
        for org in orgs:
            if org.short_name and org.short_name not in self._ids:
                self._ids[org.short_name] = org.id
            elif org.short_name and self._ids[org.short_name] != org.id:
                self._ids[org.short_name] = None  # ambiguous short name

    def resolve(self, raw: str) -> tuple[int, str | None]:
        """(department id, stripped qualifier) or ValueError naming the department."""
        name = raw
        if self.county_name:
            name = name.replace("××县", self.county_name)
        if self.city_name:
            name = name.replace("××市", self.city_name)
        if "××" in name:
            raise ValueError(f"部门名称“{raw}”含占位符××，请指定 --county-name/--city-name / "
                             f"department '{raw}' has a ×× placeholder: pass --county-name/--city-name")
        if self._ids.get(name):
            return self._ids[name], None
        match = QUALIFIER.match(name)
        if match and self._ids.get(match.group(1)):
            return self._ids[match.group(1)], match.group(2)
        raise ValueError(f"未知部门“{name}” / unknown department '{name}'")


def parse_item_row(row: Row, columns: set[str], names: DepartmentNames,
                   errors: RowErrors) -> ItemRecord | None:
    """Check one row; record every problem in `errors`; return the record when clean."""
    before = len(errors)
    record = ItemRecord(row=row.number, code=row.text("code"))
    for column in ("code", "name_zh", "original_department_zh", "legal_basis_zh"):
        if not row.text(column):
            errors.add(row.number, column, f"{ITEM_LABELS[column]} 不能为空 / {column} is required")
    for column, attribute in TEXT_FIELDS.items():
        if column in columns:
            record.fields[attribute] = row.text(column) or None
    _parse_typed(row, columns, names, record, errors)
    _parse_links(row, columns, record, errors)
    _check_liberty(row.number, record, errors)
    _check_coercion(row.number, record, errors)
    return record if len(errors) == before else None


def _guarded(errors: RowErrors, row: int, column: str, parse: Callable[[], object]) -> object:
    """Run a parser; on ValueError record it against the row and column."""
    try:
        return parse()
    except ValueError as exc:
        errors.add(row, column, str(exc))
        return None


def _parse_typed(row: Row, columns, names: DepartmentNames, record: ItemRecord, errors) -> None:
    """Category, modes, department, flags and the major-decision rule."""
    n = row.number
    if "category" in columns:  # absent: a new item is a penalty, an existing one keeps its own
        record.fields["category"] = _guarded(errors, n, "category",
                                             lambda: values.parse_category(row.text("category")))
    record.fields["modes_allowed"] = _guarded(errors, n, "modes_allowed",
                                              lambda: values.parse_modes(row.text("modes_allowed")))
    scope = row.text("scope_limit") or None
    if row.text("original_department_zh"):
        found = _guarded(errors, n, "original_department_zh",
                         lambda: names.resolve(row.text("original_department_zh")))
        if found:
            record.fields["department_id"], qualifier = found
            if qualifier:  # e.g. （林业）: the parent bureau's forestry remit
                scope = f"{qualifier}：{scope}" if scope else qualifier
    if "scope_limit" in columns or scope:
        record.fields["scope_limit"] = scope
    for column, default in (("restricts_personal_liberty", False), ("in_provincial_guidance", True)):
        if column in columns:
            record.fields[column] = _guarded(errors, n, column,
                                             lambda c=column, d=default: values.parse_bool(row.text(c), d))
    if "major_decision_rule" in columns:
        record.fields["major_decision_rule"] = _guarded(
            errors, n, "major_decision_rule",
            lambda: values.parse_major_rule(row.text("major_decision_rule")))
    _parse_item_dates(row, columns, record, errors)


def _parse_item_dates(row: Row, columns: set[str], record: ItemRecord, errors: RowErrors) -> None:
    """The item's own effective dates, in order."""
    n = row.number
    for column in ("effective_from", "effective_to"):
        if column in columns:
            record.fields[column] = _guarded(errors, n, column,
                                             lambda c=column: values.parse_date(row.cells.get(c)))
    start, end = record.fields.get("effective_from"), record.fields.get("effective_to")
    if start and end and end < start:
        errors.add(n, "effective_to", "失效日期早于生效日期 / effective_to is before effective_from")


def _parse_links(row: Row, columns: set[str], record: ItemRecord, errors: RowErrors) -> None:
    """Related codes and the batch (文号 and date go together)."""
    if "related_codes" in columns:
        record.related_codes = values.split_list(row.text("related_codes"))
    if "penalty_codes" in columns:
        record.penalty_codes = values.split_list(row.text("penalty_codes"))
    document_no = row.text("batch_document_no")
    effective = _guarded(errors, row.number, "batch_effective_on",
                         lambda: values.parse_date(row.cells.get("batch_effective_on")))
    if document_no and effective is None and not row.text("batch_effective_on"):
        errors.add(row.number, "batch_effective_on",
                   "有批次文号时批次生效日期必填 / batch_effective_on is required with batch_document_no")
    elif effective is not None and not document_no:
        errors.add(row.number, "batch_document_no",
                   "有批次生效日期时批次文号必填 / batch_document_no is required with batch_effective_on")
    elif document_no and effective is not None:
        title = row.text("batch_title") or f"事项清单批次 {document_no}"
        record.batch = (document_no, title, effective)


def _check_liberty(row: int, record: ItemRecord, errors: RowErrors) -> None:
    """行政处罚法 第18条: only public security may restrict personal liberty."""
    modes = record.fields.get("modes_allowed") or []
    if record.fields.get("restricts_personal_liberty") and TOWNSHIP_MODES & set(modes):
        errors.add(row, "modes_allowed",
                   "限制人身自由的事项不得下放乡镇，只能为“配合” / a power restricting personal "
                   "liberty cannot go to a township; use assist only",
                   article="行政处罚法 第18条")


def _check_coercion(row: int, record: ItemRecord, errors: RowErrors) -> None:
    """行政强制法 第17条: 行政强制措施权不得委托; it may only travel with a grant (第2款)."""
    modes = record.fields.get("modes_allowed") or []
    if record.fields.get("category") == ItemCategory.COERCION and DelegationMode.ENTRUST.value in modes:
        errors.add(row, "modes_allowed",
                   "行政强制措施权不得委托，强制事项的下放方式不能含“委托” / a coercive measure cannot be "
                   "entrusted: remove entrust from its modes", article="行政强制法 第17条")


def check_links(records: list[ItemRecord], session: Session, errors: RowErrors,
                file_codes: set[str]) -> None:
    """Related codes must exist (file or database) with the right category; batches agree.

    A code on a bad row of the file counts as known, so only its own row is reported.
    """
    stored = {code: cat for code, cat in session.execute(
        select(PowerItem.code, PowerItem.category)).all()}
    categories = {**stored, **{code: None for code in file_codes}}
    for r in records:
        categories[r.code] = r.fields.get("category", stored.get(r.code, ItemCategory.PENALTY))
    side = (ItemCategory.INSPECTION, ItemCategory.COERCION)
    for record in records:
        for code in record.related_codes or []:
            _check_link(record, code, "related_codes", categories, side, errors,
                        "检查或强制 / inspection or coercion")
        for code in record.penalty_codes:
            _check_link(record, code, "penalty_codes", categories, (ItemCategory.PENALTY,),
                        errors, "处罚 / penalty")
    _check_batches(records, errors)


def _check_link(record, code, column, categories, wanted, errors, label) -> None:
    """One related code: known, not the item itself, of the wanted category."""
    if code == record.code:
        errors.add(record.row, column, f"事项不能关联自身：{code} / an item cannot relate to itself")
    elif code not in categories:
        errors.add(record.row, column, f"未知关联事项编码：{code} / unknown related code: {code}")
    elif categories[code] is not None and categories[code] not in wanted:
        errors.add(record.row, column, f"关联事项 {code} 应为{label.split(' / ')[0]}类 / "
                   f"related item {code} must be {label.split(' / ')[1]}")


def _check_batches(records: list[ItemRecord], errors: RowErrors) -> None:
    """One batch number has one effective date throughout the file."""
    seen: dict[str, tuple[int, date]] = {}
    for record in records:
        if record.batch is None:
            continue
        document_no, _title, effective = record.batch
        first = seen.setdefault(document_no, (record.row, effective))
        if first[1] != effective:
            errors.add(record.row, "batch_effective_on",
                       f"批次 {document_no} 的生效日期与第{first[0]}行不一致 / batch {document_no} "
                       f"has a different date on row {first[0]}")
