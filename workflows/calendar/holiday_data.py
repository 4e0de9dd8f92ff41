"""Statutory holidays and make-up working days (调休) as data: the package plus override files.

The State Council publishes each year's dates by notice (全国年节及纪念日放假办法 第2、6、7条),
so the dates are data, never arithmetic. The maintained `chinese_calendar` package is the base;
an override file (JSON) adds a year the package does not know yet or corrects one it got wrong.
An override year replaces every package date of that calendar year.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from importlib import resources
from pathlib import Path

from workflows.core.errors import ValidationFailed

OVERRIDES_ENV = "QUANZE_HOLIDAYS_FILE"
SHIPPED_OVERRIDES = "holiday_overrides.json"

# The package names festivals in English; legal texts use the Chinese names.
CHINESE_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


@dataclass(frozen=True)
class PublishedYear:
    """A year whose State Council holiday notice we hold, and where we got it."""

    year: int
    notice: str
    source: str


@dataclass
class HolidayTable:
    """Every known holiday (全体公民放假日) and make-up working day, by date."""

    holidays: dict[date, str] = field(default_factory=dict)
    workdays: dict[date, str] = field(default_factory=dict)
    years: dict[int, PublishedYear] = field(default_factory=dict)

    def replace_year(self, published: PublishedYear, holidays: dict, workdays: dict) -> None:
        """Drop the year's old dates and put the notice's dates in their place."""
        year = published.year
        self.holidays = {d: n for d, n in self.holidays.items() if d.year != year}
        self.workdays = {d: n for d, n in self.workdays.items() if d.year != year}
        self.holidays.update(holidays)
        self.workdays.update(workdays)
        self.years[year] = published


def package_table() -> HolidayTable:
    """The dates the chinese_calendar package ships (read its dicts once, not per day)."""
    from importlib.metadata import version

    from chinese_calendar import constants

    source = f"chinesecalendar {version('chinesecalendar')}"
    table = HolidayTable(
        holidays={d: CHINESE_NAMES.get(n, n) for d, n in constants.holidays.items()},
        workdays={d: CHINESE_NAMES.get(n, n) for d, n in constants.workdays.items()},
    )
    for year in sorted({d.year for d in constants.holidays}):
        notice = f"国务院办公厅关于{year}年部分节假日安排的通知"
        table.years[year] = PublishedYear(year, notice, source)
    return table


def _parse_day(raw, where: str, errors: dict[str, list[str]]) -> date | None:
    try:
        return date.fromisoformat(raw)
    except (TypeError, ValueError):
        errors.setdefault(where, []).append(f"'{raw}' 不是有效日期 (YYYY-MM-DD) / not a date")
        return None


def _near_year(day: date, year: int) -> bool:
    # A notice may reach into the adjacent year (e.g. 元旦 starting on 31 December).
    return abs(day.year - year) <= 1


def _named_entries(entries, where: str, errors: dict, needs: str):
    """Yield (location, entry) for each dict entry with a name; record what is malformed."""
    if not isinstance(entries, list):
        errors.setdefault(where, []).append("应为列表 / must be a list")
        return
    for i, entry in enumerate(entries):
        at = f"{where}[{i}]"
        if not isinstance(entry, dict) or not str(entry.get("name") or "").strip():
            errors.setdefault(at, []).append(needs)
            continue
        yield at, entry


def _holiday_entries(year: int, entries, where: str, errors: dict) -> dict[date, str]:
    """Expand {"name", "from", "to"} ranges into dates."""
    days: dict[date, str] = {}
    for at, entry in _named_entries(entries, where, errors, "需要 name、from、to / needs name, from and to"):
        start = _parse_day(entry.get("from"), f"{at}.from", errors)
        end = _parse_day(entry.get("to", entry.get("from")), f"{at}.to", errors)
        if start is None or end is None:
            continue
        if end < start or not (_near_year(start, year) and _near_year(end, year)):
            errors.setdefault(at, []).append(
                f"日期范围 {start}～{end} 不属于 {year} 年 / range {start}..{end} is not in {year}"
            )
            continue
        for k in range((end - start).days + 1):
            days[start + timedelta(days=k)] = entry["name"].strip()
    return days


def _workday_entries(year: int, entries, where: str, errors: dict) -> dict[date, str]:
    """Make-up working days: weekend dates the notice turns into working days (调休上班)."""
    days: dict[date, str] = {}
    for at, entry in _named_entries(entries, where, errors, "需要 name 和 date / needs name and date"):
        day = _parse_day(entry.get("date"), f"{at}.date", errors)
        if day is None:
            continue
        if day.weekday() < 5 or not _near_year(day, year):
            errors.setdefault(at, []).append(
                f"{day} 不是 {year} 年的周末，不能调休上班 / not a weekend day of {year}"
            )
            continue
        days[day] = entry["name"].strip()
    return days


def _parse_year(key: str, body, source: str, errors: dict):
    """One year of an override file, or None when it has errors (they go to `errors`)."""
    where = f"years.{key}"
    if not key.isdigit() or not isinstance(body, dict):
        errors.setdefault(where, []).append("年份应为四位数字，内容为对象 / year must be YYYY: {…}")
        return None
    year = int(key)
    notice = str(body.get("notice") or "").strip()
    if not notice:
        errors.setdefault(f"{where}.notice", []).append("需要国务院通知名称 / the State Council notice is required")
    holidays = _holiday_entries(year, body.get("holidays", []), f"{where}.holidays", errors)
    workdays = _workday_entries(year, body.get("workdays", []), f"{where}.workdays", errors)
    for day in sorted(holidays.keys() & workdays.keys()):
        errors.setdefault(where, []).append(f"{day} 既是假日又是上班日 / both holiday and workday")
    if not notice or any(k.startswith(where) for k in errors):
        return None
    return PublishedYear(year, notice, source), holidays, workdays


def parse_overrides(text: str, source: str) -> list[tuple[PublishedYear, dict, dict]]:
    """Validate an override document; every problem is reported at once, by field."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationFailed({source: [f"JSON 格式错误 / malformed JSON: {exc}"]},
                               f"节假日文件无法读取 / holiday file unreadable: {source}") from None
    errors: dict[str, list[str]] = {}
    years = document.get("years") if isinstance(document, dict) else None
    if not isinstance(years, dict):
        errors["years"] = ["需要 years 对象 / a 'years' object is required"]
        years = {}
    parsed = [_parse_year(key, body, source, errors) for key, body in sorted(years.items())]
    if errors:
        raise ValidationFailed(errors, f"节假日文件有误 / holiday file invalid: {source}")
    return [p for p in parsed if p is not None]


def apply_override_file(table: HolidayTable, path: str | os.PathLike) -> None:
    """Read one override file and let each of its years replace the table's."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ValidationFailed({str(path): [f"无法读取 / cannot read: {exc.strerror}"]},
                               f"节假日文件无法读取 / holiday file unreadable: {path}") from None
    for published, holidays, workdays in parse_overrides(text, str(path)):
        table.replace_year(published, holidays, workdays)


def load_table(override_file: str | os.PathLike | None = None,
               environ: Mapping[str, str] | None = None) -> HolidayTable:
    """Package dates, then the shipped override file, then the local one (argument or env)."""
    table = package_table()
    shipped = resources.files("workflows.data").joinpath(SHIPPED_OVERRIDES)
    for published, holidays, workdays in parse_overrides(
        shipped.read_text("utf-8"), f"workflows/data/{SHIPPED_OVERRIDES}"
    ):
        table.replace_year(published, holidays, workdays)
    env = os.environ if environ is None else environ
    local = override_file or env.get(OVERRIDES_ENV)
    if local:
        apply_override_file(table, local)
    return table
