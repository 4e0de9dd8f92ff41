"""Export a township's power and responsibility lists (权力清单/责任清单) as CSV, XLSX or JSON."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import date

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from sqlalchemy.orm import Session

from workflows.core.errors import ValidationFailed
from workflows.registry.powers import power_list, responsibility_list

FORMATS = ("csv", "xlsx", "json")
MODE_LABELS = {"grant": "赋权", "entrust": "委托", "statutory": "法定职权", "assist": "未下放（乡镇配合）"}
MIN_WIDTH, MAX_WIDTH = 8, 60
# OWASP "CSV Injection": a cell starting with one of these is read as a formula by spreadsheets.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def as_text(value: object) -> object:
    """A string a spreadsheet would run as a formula, quoted with a leading apostrophe (OWASP)."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def _name(organ: dict | None) -> str:
    """An organ's name, or '' when there is none."""
    return organ["name"] if organ else ""


# (Chinese header, value from Competence.to_dict())
POWER_COLUMNS: list[tuple[str, Callable[[dict], object]]] = [
    ("事项编码", lambda p: p["item_code"]),
    ("事项名称", lambda p: p["item_name"]),
    ("下放方式", lambda p: MODE_LABELS.get(p["mode"], p["mode"])),
    ("原实施部门", lambda p: _name(p.get("department"))),
    ("执法主体（决定署名）", lambda p: _name(p["enforcement_subject"])),
    ("责任主体", lambda p: _name(p["responsible_subject"])),
    ("实施机构", lambda p: _name(p["acting_org"])),
    ("协助机构", lambda p: _name(p["assisting_org"])),
    ("依据文件文号", lambda p: p["document_no"] or ""),
    ("起始日期", lambda p: p["effective_from"] or ""),
    ("终止日期", lambda p: p["effective_to"] or ""),
    ("随附处罚事项", lambda p: p.get("via_item_code") or ""),
    ("法律依据", lambda p: p["basis"]),
    ("备注", lambda p: p["note"] or ""),
]
# (Chinese header, value from a responsibility_list() row)
RESPONSIBILITY_COLUMNS: list[tuple[str, Callable[[dict], object]]] = [
    ("事项编码", lambda r: r["item_code"]),
    ("事项名称", lambda r: r["item_name"]),
    ("下放方式", lambda r: MODE_LABELS.get(r["mode"], r["mode"])),
    ("执法主体", lambda r: r["enforcement_subject"]),
    ("责任主体", lambda r: r["accountable_org"]),
    ("监督机构", lambda r: r.get("supervising_org") or ""),
    ("乡镇职责", lambda r: r["township_duties"]),
    ("部门职责", lambda r: r["department_duties"]),
    ("依据文件文号", lambda r: r["document_no"] or ""),
]


def export_powers(session: Session, township: str | int, on: date, fmt: str) -> bytes:
    """The township's lists as of a legal date, in csv (power list), xlsx (two sheets) or json."""
    if fmt not in FORMATS:
        raise ValidationFailed({"format": [f"格式无效：{fmt}，应为 csv/xlsx/json / "
                                           f"bad format '{fmt}': use csv, xlsx or json"]})
    powers = [c.to_dict() for c in power_list(session, township, on)]
    if fmt == "csv":
        return _csv(_table(POWER_COLUMNS, powers))
    duties = responsibility_list(session, township, on)
    if fmt == "json":
        town = powers[0]["township"] if powers else str(township)
        data = {"township": town, "on": on.isoformat(), "powers": powers, "responsibilities": duties}
        return json.dumps(data, ensure_ascii=False, indent=2, default=str).encode("utf-8")
    return _xlsx({"权力清单": _table(POWER_COLUMNS, powers),
                  "责任清单": _table(RESPONSIBILITY_COLUMNS, duties)})


def _table(columns, rows: list[dict]) -> list[list[object]]:
    """Header row plus one row per record, in the columns' order."""
    return [[header for header, _ in columns]] + [[get(row) for _, get in columns] for row in rows]


def _csv(table: list[list[object]]) -> bytes:
    """CSV bytes of a table."""
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows([[as_text(v) for v in row] for row in table])
    # The BOM lets Excel, the tool counties use, open the Chinese text correctly.
    return buffer.getvalue().encode("utf-8-sig")


def _xlsx(sheets: dict[str, list[list[object]]]) -> bytes:
    """XLSX bytes: one sheet per table, bold frozen header, sized and wrapped columns."""
    book = Workbook()
    book.remove(book.active)
    for title, table in sheets.items():
        sheet = book.create_sheet(title)
        for row in table:
            sheet.append(row)
            _strings_stay_strings(sheet[sheet.max_row], row)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
        for index, width in enumerate(_widths(table), start=1):
            sheet.column_dimensions[get_column_letter(index)].width = width
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _strings_stay_strings(cells, values: list[object]) -> None:
    """openpyxl stores any string starting with '=' as a formula; keep every string a string cell."""
    for cell, value in zip(cells, values, strict=True):
        if isinstance(value, str):
            cell.value = value  # the unchanged text, shown as typed
            cell.data_type = "s"
            if value.startswith(FORMULA_TRIGGERS):
                cell.quotePrefix = True  # Excel keeps it text even when the cell is edited


def _widths(table: list[list[object]]) -> list[float]:
    """Column widths from the longest cell; a Chinese character is about two columns wide."""
    widths = []
    for column in zip(*table, strict=True):
        longest = max(sum(2 if ord(ch) > 0x2E80 else 1 for ch in str(v or "")) for v in column)
        widths.append(max(MIN_WIDTH, min(MAX_WIDTH, longest + 2)))
    return widths
