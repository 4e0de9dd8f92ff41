"""Import the catalogue of power items (事项清单) from a county's CSV or XLSX list."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from models import CatalogueBatch, PowerItem
from workflows.core.audit import record
from workflows.core.clock import SystemClock
from workflows.core.db import unit_of_work
from workflows.core.errors import ValidationFailed
from workflows.registry.importing.item_rows import (
    ITEM_COLUMNS,
    REQUIRED_ITEM_COLUMNS,
    DepartmentNames,
    ItemRecord,
    RowErrors,
    check_links,
    parse_item_row,
)
from workflows.registry.importing.live_checks import check_live_delegations
from workflows.registry.importing.tables import normalize_header, read_table

# progress(stage, done, total) with stage "validate" or "write".
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class ImportOptions:
    """How to read a list: placeholder names (××县/××市), who imports, progress callback."""

    county_name: str | None = None
    city_name: str | None = None
    actor_user_id: int | None = None
    progress: Progress | None = None


@dataclass
class ImportReport:
    """What an import did, by item code."""

    file: str
    rows: int
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    batches: list[str] = field(default_factory=list)

    def summary(self) -> dict:
        """Counts for the CLI and the audit row."""
        return {"file": self.file, "rows": self.rows, "created": len(self.created),
                "updated": len(self.updated), "unchanged": len(self.unchanged),
                "batches": self.batches}


def item_aliases() -> dict[str, str]:
    """Normalized header → canonical item column."""
    return {normalize_header(a): c for c, names in ITEM_COLUMNS.items() for a in names}


def import_items(session: Session, clock: SystemClock, path: str | Path, *,
                 options: ImportOptions | None = None) -> ImportReport:
    """Validate every row, then upsert items (by code) and batches; all or nothing."""
    options = options or ImportOptions()
    table = read_table(path, item_aliases(), REQUIRED_ITEM_COLUMNS)
    with unit_of_work(session):
        records = _validate(session, table, options, clock.today())
        report = ImportReport(file=table.name, rows=len(records))
        batches = _upsert_batches(session, records, report)
        items = _upsert_items(session, records, batches, report, options.progress)
        _link(session, records, items, report)
        record(session, at=clock.now(), action="catalogue.items_imported", subject_type="catalogue",
               subject_id=table.name, actor_user_id=options.actor_user_id,
               data={"created": report.created, "updated": report.updated},
               details=report.summary())
    return report


def _validate(session: Session, table, options: ImportOptions,
              today: date) -> list[ItemRecord]:
    """Every row checked; ValidationFailed listing all problems, or the records."""
    names = DepartmentNames(session, options.county_name, options.city_name)
    errors, records, first_row = RowErrors(), [], {}
    total = len(table.rows)
    for done, row in enumerate(table.rows, start=1):
        code = row.text("code")
        if code and code in first_row:
            errors.add(row.number, "code", f"事项编码 {code} 与第{first_row[code]}行重复 / "
                       f"duplicate code {code} (first on row {first_row[code]})")
        first_row.setdefault(code, row.number)
        parsed = parse_item_row(row, table.columns, names, errors)
        if parsed is not None:
            records.append(parsed)
        if options.progress:
            options.progress("validate", done, total)
    check_links(records, session, errors, set(first_row))
    check_live_delegations(session, records, today, errors)
    if errors:
        raise ValidationFailed(sorted(errors, key=lambda e: e["row"]),
                               f"{table.name}：{len({e['row'] for e in errors})} 行有误，未导入任何数据 / "
                               f"{len({e['row'] for e in errors})} bad row(s), nothing imported")
    return records


def _upsert_batches(session: Session, records: list[ItemRecord], report: ImportReport) -> dict:
    """Create or update the batches the rows name, by document number."""
    wanted = {r.batch[0]: r.batch for r in records if r.batch}
    existing = {b.document_no: b for b in session.scalars(
        select(CatalogueBatch).where(CatalogueBatch.document_no.in_(list(wanted))))} if wanted else {}
    for document_no, (_no, title, effective_on) in wanted.items():
        batch = existing.get(document_no)
        if batch is None:
            batch = CatalogueBatch(document_no=document_no, title=title, effective_on=effective_on)
            session.add(batch)
            existing[document_no] = batch
        else:
            batch.effective_on = effective_on
            batch.title = title
        report.batches.append(document_no)
    session.flush()
    return existing


def _upsert_items(session: Session, records: list[ItemRecord], batches: dict,
                  report: ImportReport, progress: Progress | None) -> dict[str, PowerItem]:
    """Create or update each item by code and sort the codes into the report."""
    items = {i.code: i for i in session.scalars(
        select(PowerItem).options(selectinload(PowerItem.related)))}
    total = len(records)
    for done, rec in enumerate(records, start=1):
        fields = dict(rec.fields)
        if rec.batch:
            fields["batch_id"] = batches[rec.batch[0]].id
        item = items.get(rec.code)
        if item is None:
            item = PowerItem(code=rec.code, related=[], **fields)  # empty: no lazy load later
            session.add(item)
            items[rec.code] = item
            report.created.append(rec.code)
        elif any(getattr(item, k) != v for k, v in fields.items()):
            for key, value in fields.items():
                setattr(item, key, value)
            report.updated.append(rec.code)
        else:
            report.unchanged.append(rec.code)
        if progress:
            progress("write", done, total)
    session.flush()
    return items


def _link(session: Session, records: list[ItemRecord], items: dict[str, PowerItem],
          report: ImportReport) -> None:
    """Related inspection/coercion powers travel with the penalty power (domain.md §0)."""
    touched: set[str] = set()
    for rec in records:
        item = items[rec.code]
        if rec.related_codes is not None:
            wanted = [items[c] for c in rec.related_codes]
            if {i.id for i in item.related} != {i.id for i in wanted}:
                item.related = wanted
                touched.add(rec.code)
        for code in rec.penalty_codes:
            penalty = items[code]
            if item not in penalty.related:
                penalty.related.append(item)
                touched.add(code)
    for code in touched:
        if code in report.unchanged:
            report.unchanged.remove(code)
        if code not in report.created and code not in report.updated:
            report.updated.append(code)
    session.flush()
