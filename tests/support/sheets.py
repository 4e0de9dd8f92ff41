"""Write small CSV and XLSX lists for import tests."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from openpyxl import Workbook


def write_csv(path: Path, rows: list[list[object]], encoding: str = "utf-8") -> Path:
    """A CSV in the given encoding ("utf-8-sig" adds the BOM Excel writes)."""
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def write_xlsx(path: Path, rows: list[list[object]], title: str = "事项清单") -> Path:
    """A one-sheet workbook with the rows as given (dates stay date cells)."""
    book = Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path
