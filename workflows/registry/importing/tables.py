"""Read a CSV or XLSX list into rows keyed by canonical column, with sheet row numbers."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from pathlib import Path

from openpyxl import load_workbook

from workflows.core.errors import ValidationFailed

# Counties' Excel exports are often GB18030 (GBK); UTF-8 with or without BOM comes first.
CSV_ENCODINGS = ("utf-8-sig", "gb18030")
XLSX_SUFFIXES = {".xlsx", ".xlsm"}
HEADER_SCAN = 10  # rows searched for the header (title rows may come first)


@dataclass(frozen=True)
class Row:
    """One data row: its 1-based sheet row number and its cells by canonical column."""

    number: int
    cells: dict[str, object]

    def text(self, column: str) -> str:
        """The cell as stripped text ('' when absent or empty)."""
        value = self.cells.get(column)
        if value is None:
            return ""
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value).strip()


@dataclass
class Table:
    """A read file: which canonical columns it has, and its non-empty rows."""

    name: str
    columns: set[str]
    rows: list[Row] = field(default_factory=list)
    unknown: list[tuple[int, str]] = field(default_factory=list)  # (header row, title) not mapped
    header_row: int = 1


def normalize_header(header: object) -> str:
    """Header text without spaces, required-markers or case, for alias lookup."""
    text = "" if header is None else str(header)
    for junk in (" ", "\u3000", "\ufeff", "\n", "*", "＊"):
        text = text.replace(junk, "")
    return text.lower()


def read_table(path: str | Path, aliases: dict[str, str], required: tuple[str, ...]) -> Table:
    """Read CSV/XLSX; headers are mapped through `aliases` (normalized header → column)."""
    path = Path(path)
    if not path.is_file():
        raise ValidationFailed([_file_error(f"文件不存在：{path} / no such file: {path}")])
    suffix = path.suffix.lower()
    if suffix in XLSX_SUFFIXES:
        raw = _xlsx_rows(path, aliases, required)
    elif suffix in {".csv", ".txt"}:
        raw = _csv_rows(path)
    else:
        raise ValidationFailed([_file_error(
            f"不支持的文件类型：{suffix or '(无)'}，应为 CSV 或 XLSX / unsupported file type, use CSV or XLSX")])
    return _to_table(path.name, raw, aliases, required)


def _file_error(message: str, field_name: str = "file", row: int = 1) -> dict:
    """A problem with the whole file, reported against its header row."""
    return {"row": row, "field": field_name, "message": message}


def _csv_rows(path: Path) -> list[list[object]]:
    """All records of a CSV in the first encoding that decodes it."""
    data = path.read_bytes()
    # Excel's "Unicode text" export is UTF-16 with a BOM and tabs between cells.
    encodings = ("utf-16",) if data[:2] in (b"\xff\xfe", b"\xfe\xff") else CSV_ENCODINGS
    for encoding in encodings:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        first_line = text.split("\n", 1)[0]
        delimiter = "\t" if first_line.count("\t") > first_line.count(",") else ","
        # One CSV record is one sheet row, even when a quoted cell spans lines.
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    raise ValidationFailed([_file_error(
        "无法识别文件编码，应为 UTF-8 或 GB18030 / unreadable encoding: use UTF-8 or GB18030")])


def _xlsx_rows(path: Path, aliases: dict[str, str], required) -> list[list[object]]:
    """Rows of the first sheet whose header has every required column (else the first sheet)."""
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several unrelated types for a broken file
        raise ValidationFailed([_file_error(
            f"无法读取 XLSX 文件：{exc} / unreadable XLSX file: {exc}")]) from exc
    try:
        for sheet in book.worksheets:
            rows = sheet.iter_rows(values_only=True)
            head = [list(values) for values in islice(rows, HEADER_SCAN)]
            if not _header(head, aliases, required)[2]:
                return head + [list(values) for values in rows]
        first = book.worksheets[0].iter_rows(values_only=True)
        return [list(values) for values in first]
    finally:
        book.close()  # read-only workbooks keep the file open until closed


def _header(raw: list[list[object]], aliases: dict[str, str], required):
    """(row position, column → cell position, missing required columns) of the header row.

    Lists often carry a title row (e.g. "故城县乡镇赋权事项清单") above the header, so the
    first rows are scanned and the one naming the most known columns wins.
    """
    best: tuple[int, dict[str, int]] = (0, {})
    for position, values in enumerate(raw[:HEADER_SCAN]):
        index: dict[str, int] = {}
        for cell, title in enumerate(values):
            column = aliases.get(normalize_header(title))
            if column is not None and column not in index:
                index[column] = cell
        if len(index) > len(best[1]):
            best = (position, index)
    return best[0], best[1], [c for c in required if c not in best[1]]


def column_label(column: str, aliases: dict[str, str]) -> str:
    """A column's first Chinese header with its canonical name, e.g. '设定依据（legal_basis_zh）'."""
    chinese = next((a for a, c in aliases.items() if c == column and not a.isascii()), None)
    return f"{chinese}（{column}）" if chinese else column


def _to_table(name: str, raw: list[list[object]], aliases: dict[str, str], required) -> Table:
    """Map the header to canonical columns and keep the non-empty rows."""
    if not raw:
        raise ValidationFailed([_file_error("文件为空 / the file is empty")])
    at, index, missing = _header(raw, aliases, required)
    if missing:
        raise ValidationFailed([
            _file_error(f"缺少必需列：{column_label(c, aliases)} / missing required column: {c}",
                        c, at + 1) for c in missing
        ])
    mapped = set(index.values())
    unknown = [str(title).strip() for pos, title in enumerate(raw[at])
               if pos not in mapped and title not in (None, "") and str(title).strip()]
    table = Table(name=name, columns=set(index), unknown=[(at + 1, t) for t in unknown],
                  header_row=at + 1)
    for number, values in enumerate(raw[at + 1 :], start=at + 2):
        cells = {c: _cell(values, pos) for c, pos in index.items()}
        if any(v not in (None, "") for v in cells.values()):
            table.rows.append(Row(number, cells))
    return table


def _cell(values: list[object], position: int) -> object:
    """A cell's value: text stripped, Excel datetimes as dates."""
    if position >= len(values):
        return None
    value = values[position]
    if isinstance(value, datetime):
        return value.date()  # Excel stores dates as datetimes at midnight
    if isinstance(value, str):
        return value.strip()
    return value
